"""One run per output folder: a lock file that names the process holding it.

Two ``kit run`` writing to the same ``--out`` would both say "written" while the last one
silently wins. :class:`OutputLock` takes an exclusive ``flock`` on ``<out>/.kit-run.lock``
for the whole run and writes into the file who holds it (process id, host, start time,
command). A second run waits up to ``wait`` seconds for the lock and otherwise stops with a
:class:`LockError` that names the holder. The operating system releases the lock when the
holding process ends, however it ends (a killed run leaves no stale lock).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import socket
import sys
import time
from pathlib import Path

from kit.errors import KitError

__all__ = ["LOCK_FILE", "LockError", "OutputLock"]

LOCK_FILE = ".kit-run.lock"


class LockError(KitError, RuntimeError):
    """Another run holds the output folder; the message names it."""


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another process"
    return (f"process {info.get('pid', '?')} on {info.get('host', '?')} (started {info.get('started', '?')}: "
            f"{info.get('command', '?')})")


class OutputLock:
    """Hold ``<folder>/.kit-run.lock`` exclusively while a run writes to ``folder``.

    Parameters
    ----------
    folder : path
        The output folder (created when missing).
    wait : float
        Seconds to wait for another run to finish (0: refuse at once).

    Raises
    ------
    LockError
        When another process still holds the folder after ``wait`` seconds; the message names
        its process id, host, start time and command.

    Examples
    --------
    >>> import tempfile
    >>> with OutputLock(tempfile.mkdtemp()) as lock:
    ...     lock.path.name
    '.kit-run.lock'
    """

    def __init__(self, folder: str | Path, wait: float = 0.0):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self.wait = float(wait)
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not a POSIX system: no lock
            return self
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise LockError(f"cannot create the lock file {self.path}: {exc.strerror or exc}") from None
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockError(
                        f"{self.folder}/ is being written by {_holder(self.path)}. Wait for that run to finish, "
                        f"or write to another --out folder.") from None
                time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "command": " ".join(["kit", *sys.argv[1:]]) if sys.argv and "kit" in Path(sys.argv[0]).name
                else " ".join(sys.argv) or "python"}
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(info).encode("utf-8"))
        os.fsync(fd)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
            finally:
                os.close(self._fd)  # closing releases the flock
                self._fd = None
