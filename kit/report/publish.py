"""Publishing a quarter's folder: atomic writes and swaps, recovery after a killed run, pruning."""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import sys
import threading
from pathlib import Path

_KEEP_FAILED = 3
# temporary folders of quarters running in this process (never tidied away by recover)
_ACTIVE_TMP: set[Path] = set()


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    tmp.write_text(text, encoding=encoding)
    os.replace(tmp, path)


def stamp() -> str:
    return _dt.datetime.now().strftime("%Y%m%dT%H%M%S")


# --- atomic replacement ----------------------------------------------------------------------------


def _rename_exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(AT_FDCWD, os.fsencode(str(a)), AT_FDCWD, os.fsencode(str(b)), RENAME_EXCHANGE)
    return rc == 0


def swap_in(new: Path, final: Path) -> None:
    """Make ``new`` the folder ``final`` in one step, the old ``final`` removed afterwards.

    With a previous report: an atomic exchange of the two folders where the system offers it
    (Linux), else two renames with the old folder parked as ``.<name>.old-*`` (restored by
    the next run if the process dies in between).
    """
    if not final.exists():
        os.rename(new, final)
        return
    if _rename_exchange(new, final):
        shutil.rmtree(new, ignore_errors=True)  # now holds the old report
        return
    parked = final.with_name(f".{final.name}.old-{stamp()}-{os.getpid()}")
    os.rename(final, parked)
    os.rename(new, final)
    shutil.rmtree(parked, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(out: Path, quarter: str) -> None:
    """Tidy what a killed run left for ``quarter``: restore a parked report, remove stale temp folders."""
    final = out / quarter
    for p in out.glob(f".{quarter}.*"):
        m = re.match(rf"^\.{re.escape(quarter)}\.(tmp|old)-\d{{8}}T\d{{6}}-(\d+)", p.name)
        if not m or p in _ACTIVE_TMP or (_pid_alive(int(m.group(2))) and int(m.group(2)) != os.getpid()):
            continue
        if m.group(1) == "old" and not final.exists():
            os.rename(p, final)
        else:
            shutil.rmtree(p, ignore_errors=True)


def prune_failed(out: Path, quarter: str, keep: int = _KEEP_FAILED) -> None:
    failed = sorted(out.glob(f"{quarter}.failed-*"), key=lambda p: p.name, reverse=True)
    for p in failed[keep:]:
        shutil.rmtree(p, ignore_errors=True)
