"""One notebook, and the waves of notebooks (kit/report/execute.py).
"""

from __future__ import annotations

from pathlib import Path

from kit.report import execute


def test_waves_run_summaries_last():
    paths = [Path(f"{n}.ipynb") for n in ("00_data_quality", "10_satisfaction_drivers", "90_management_summary",
                                          "ok_report", "95_extra")]
    assert [[p.stem for p in w] for w in execute.waves(paths)] == [
        ["00_data_quality", "10_satisfaction_drivers", "ok_report"], ["90_management_summary", "95_extra"]]
    assert execute.waves([Path("raises.ipynb")]) == [[Path("raises.ipynb")]]
