"""``--quarter latest`` (the README's cron command) never means a quarter after today."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import kit.report as R
from kit.periods import quarter_of
from tests import tiny

ROOT = Path(__file__).resolve().parents[2]


def test_latest_ignores_rows_dated_after_today(tmp_path: Path):
    tables = {k: [list(r) for r in v] for k, v in tiny.TABLES.items()}
    row = list(tables["interactions"][1])
    row[0], row[6], row[7], row[8] = "I900", "2100-01-15 09:00:00", "2100-01-15 10:00:00", "2100-01-16 09:00:00"
    tables["interactions"].append(row)
    # within the data window (a year after today) yet in a quarter after today's
    soon = dt.date.today() + dt.timedelta(days=120)
    row = list(tables["interactions"][1])
    row[0], row[6], row[7], row[8] = "I901", f"{soon} 09:00:00", f"{soon} 10:00:00", f"{soon} 11:00:00"
    tables["interactions"].append(row)
    data = tiny.write_tiny(tmp_path / "d", tables=tables)
    lines: list[str] = []
    result = R.run("latest", source=str(data), out=tmp_path / "out", notebook_dir=ROOT / "tests" / "notebooks",
                   notebooks=["ok_report"], echo=lines.append, overrides={"max_quarantine_share": 1.0})
    today = quarter_of(dt.date.today().isoformat())
    chosen = [q.quarter for q in result.quarters]
    assert chosen and all(quarter_of(f"{q[:4]}-{3 * int(q[-1]) - 2:02d}-01").index <= today.index for q in chosen)
    assert chosen != ["2100Q1"]
    # 2100 is outside the data window: set aside; the quarter after today's is named and skipped
    assert any("1 row(s) set aside" in line for line in lines), lines
    assert any(str(quarter_of(soon.isoformat())) in line and "after today's quarter" in line for line in lines), lines
