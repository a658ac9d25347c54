"""The kernel of this environment (kit/report/kernel.py).
"""

from __future__ import annotations

import sys

import kit.report as R


def test_kernel_needs_no_installed_kernelspec(monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    def none(self, name):
        raise NoSuchKernel(name)

    monkeypatch.setattr(KernelSpecManager, "get_kernel_spec", none)
    monkeypatch.setattr(KernelSpecManager, "find_kernel_specs", lambda self: {})
    km = R.kernel_manager_class()(kernel_name=R.KERNEL_NAME)
    assert km.kernel_spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]
    assert km.kernel_spec.language == "python"
