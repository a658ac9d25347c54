"""The kit command: sample, validate and kpis end to end (run is tested in tests/report/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _kit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kit.cli", *args], capture_output=True, text=True, cwd=ROOT)


def test_sample_validate_and_kpis(tmp_path):
    out = tmp_path / "sample"
    r = _kit("sample", "--out", str(out))
    assert r.returncode == 0, r.stderr
    for name in ("reps", "customers", "interactions", "surveys", "deals", "quotas"):
        assert (out / f"{name}.csv").read_bytes() == (ROOT / "data" / "samples" / f"{name}.csv").read_bytes(), name
    r = _kit("validate", str(out))
    assert r.returncode == 0 and "usable. Quarters 2024Q4 to 2026Q3" in r.stdout, r.stdout + r.stderr
    csv = tmp_path / "kpis.csv"
    r = _kit("kpis", "--source", str(out), "--quarter", "2026Q3", "--csv", str(csv))
    assert r.returncode == 0, r.stderr
    kpis = pd.read_csv(csv, encoding="utf-8-sig", index_col="rep_id")
    assert len(kpis) == 40 and "n_sla_met_rate" in kpis.columns


def test_bad_quarter_is_a_message_not_a_traceback():
    r = _kit("kpis", "--quarter", "2026Q5")
    assert r.returncode != 0
    assert "Traceback" not in r.stderr and "2026Q3" in r.stderr


def test_last_complete_quarter():
    # The sample data ends with 2026Q3, which closed on 2026-09-30: from October on it is the
    # last complete quarter. A quarter not yet over would be skipped (tests/test_periods.py).
    r = _kit("kpis", "--quarter", "last-complete")
    assert r.returncode == 0, r.stderr
    assert "KPIs for 2026Q3 from" in r.stdout
