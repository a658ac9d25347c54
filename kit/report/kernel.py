"""Kernels: the Python of this environment, always."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

KERNEL_NAME = "kit-python"


def _native_spec():
    from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec

    d = get_kernel_dict()
    d["argv"][0] = sys.executable
    d["display_name"] = f"Python {sys.version_info.major}.{sys.version_info.minor} (kit)"
    return KernelSpec(resource_dir=RESOURCES, **d)


def kernel_manager_class(*, log_path: str | Path | None = None, env: Mapping[str, str] | None = None,
                         cwd: str | Path | None = None):
    """A jupyter_client kernel manager class that starts ``sys.executable -m ipykernel_launcher``.

    The kernel spec ``kit-python`` is built in memory from ipykernel's own spec with the
    interpreter running ``kit`` (nothing is installed, no kernel list is consulted), so a
    fresh machine has no "no such kernel" error and notebooks always run on this environment.
    The kernel's output goes to ``log_path``, it runs in ``cwd`` with ``env`` added.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class _Specs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            if kernel_name == KERNEL_NAME:
                return _native_spec()
            return super().get_kernel_spec(kernel_name)

    extra_env = dict(env or {})

    class KitKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kit_specs(self):
            return _Specs(data_dir=self.data_dir)

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            base = dict(kw.get("env") or os.environ)
            base.update(extra_env)
            kw["env"] = base
            if cwd is not None:
                kw["cwd"] = str(cwd)
            if log_path is not None:
                handle = open(log_path, "ab")
                self._kit_log = handle
                kw["stdout"] = handle
                kw["stderr"] = handle
            return await super()._async_launch_kernel(kernel_cmd, **kw)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            handle = getattr(self, "_kit_log", None)
            if handle is not None and not restart:
                handle.close()

        cleanup_resources = _async_cleanup_resources

    return KitKernelManager
