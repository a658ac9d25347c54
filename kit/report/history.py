"""Each quarter's summary state beside its results, and the previous quarter's, for comparison.

``results/quarter_state.json`` (see :func:`kit.analysis.quarter_state`) holds what the
management summary reported in machine form (rep ids, never names). The next quarter's
summary reads the previous quarter's from ``outputs/<previous quarter>/results/``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kit.report.layout import RESULTS_DIR
from kit.report.publish import atomic_write_text

__all__ = ["STATE_FILE", "save_quarter_state", "previous_quarter_state"]

STATE_FILE = "quarter_state.json"


def _outputs_of(report: Any) -> Path:
    """The outputs folder of a report: the parent of its run folder, else ./outputs."""
    if getattr(report, "results_dir", None):
        return Path(report.results_dir).resolve().parent.parent
    return Path("outputs").resolve()


def save_quarter_state(report: Any, state: Mapping[str, Any]) -> Path | None:
    """Write ``state`` to the report's results folder (nothing when exploring without one).

    Returns
    -------
    Path or None
        The file written.
    """
    if not getattr(report, "results_dir", None):
        return None
    path = Path(report.results_dir) / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True))
    return path


def previous_quarter_state(report: Any, outputs: str | Path | None = None) -> dict | None:
    """The state saved by the previous quarter's last good run, or None when there is none.

    Parameters
    ----------
    report : kit.report.Report
        The current report (its quarter and fiscal year decide which quarter is previous).
    outputs : path, optional
        The outputs folder (default: the one this run writes into, else ``outputs/``).
    """
    prev = str(report.period.previous())
    path = Path(outputs) if outputs is not None else _outputs_of(report)
    file = path / prev / RESULTS_DIR / STATE_FILE
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
