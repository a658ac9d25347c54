"""A tiny hand-built data set whose KPIs are worked out by hand in tests/test_kpis.py.

Quarter 2026Q3 (2026-07-01 to 2026-10-01) with a few rows in 2026Q2 and 2026Q4 that must not
count. Three reps: R1 (busy), R2 (little data), R3 (nothing at all).
"""

from __future__ import annotations

import csv
from pathlib import Path

INSTRUMENT = """\
scale: {min: 1, max: 5}
items:
  - column: q_transparency_1
    dimension: transparency
    reverse: false
    tags: []
    text: {zh: 销售流程清楚透明, en: The sales process was clear}
  - column: q_transparency_2
    dimension: transparency
    reverse: true
    tags: []
    text: {zh: 后期出现了意外的费用或条款, en: I was surprised by costs or terms late in the process}
  - column: q_communication_1
    dimension: communication
    reverse: false
    tags: [needs_understood]
    text: {zh: 销售人员理解我的需求, en: My salesperson understood my needs}
  - column: q_communication_2
    dimension: communication
    reverse: false
    tags: []
    text: {zh: 沟通清楚及时, en: Communication was clear and timely}
"""

REPS = [
    ["rep_id", "rep_name", "team", "region", "hire_date", "active"],
    ["R1", "王伟", "华东一组", "华东", "2020-03-01", "true"],
    ["R2", "Li Na", "华北一组", "华北", "2026-06-01", "true"],
    ["R3", "张敏", "华北一组", "华北", "2019-01-01", "false"],
]

CUSTOMERS = [
    ["customer_id", "segment", "region", "owner_rep_id", "since"],
    ["C1", "enterprise", "华东", "R1", "2025-01-01"],
    ["C2", "smb", "华东", "R1", "2026-08-01"],
    ["C3", "mid-market", "华北", "R2", ""],
    ["C4", "smb", "华北", "R2", "2026-10-15"],
]

INTERACTIONS = [
    ["interaction_id", "customer_id", "rep_id", "channel", "kind", "initiated_by", "opened_at",
     "first_response_at", "resolved_at", "contacts", "reopened", "sla_hours"],
    ["I1", "C1", "R1", "email", "complaint", "customer", "2026-07-15 09:00:00", "2026-07-15 11:00:00",
     "2026-07-16 09:00:00", "1", "false", ""],
    ["I2", "C1", "R1", "phone", "inquiry", "customer", "2026-07-06 10:00:00", "2026-07-07 12:00:00",
     "2026-07-09 10:00:00", "3", "true", "100"],
    ["I3", "C2", "R1", "chat", "request", "customer", "2026-08-03 08:00:00", "", "", "", "false", ""],
    ["I4", "C1", "R1", "visit", "proactive", "rep", "2026-07-10 09:00:00", "", "", "", "false", ""],
    ["I5", "C2", "R1", "phone", "complaint", "customer", "2026-08-10 09:00:00", "2026-08-10 10:00:00",
     "2026-08-12 09:00:00", "1", "false", ""],
    ["I6", "C2", "R1", "meeting", "proactive", "rep", "2026-08-20 14:00:00", "", "", "", "false", ""],
    ["I7", "C3", "R2", "email", "inquiry", "customer", "2026-09-01 09:00:00", "2026-09-01 09:30:00",
     "2026-09-01 13:00:00", "2", "false", ""],
    ["I8", "C3", "R2", "email", "followup", "rep", "2026-09-02 09:00:00", "", "", "", "false", ""],
    ["I9", "C4", "R2", "phone", "complaint", "customer", "2026-09-05 09:00:00", "", "", "", "false", ""],
    ["I10", "C1", "R1", "email", "inquiry", "customer", "2026-05-01 09:00:00", "2026-05-01 09:10:00",
     "2026-05-01 10:00:00", "1", "false", ""],
    ["I11", "C3", "R1", "phone", "proactive", "rep", "2026-09-10 10:00:00", "", "", "", "false", ""],
]

SURVEYS = [
    ["response_id", "customer_id", "rep_id", "interaction_id", "submitted_at", "csat", "nps",
     "q_transparency_1", "q_transparency_2", "q_communication_1", "q_communication_2", "comment"],
    ["S1", "C1", "R1", "I1", "2026-07-16 10:00:00", "5", "10", "4", "2", "5", "4", "很好"],
    ["S2", "C1", "", "I2", "2026-07-10 10:00:00", "3", "7", "3", "", "", "3", ""],
    ["S3", "C2", "", "", "2026-08-15 10:00:00", "4", "", "", "", "4", "", ""],
    ["S4", "C3", "R2", "", "2026-09-03 10:00:00", "2", "3", "2", "5", "2", "2", "回复太慢"],
    ["S5", "C3", "", "I11", "2026-09-11 10:00:00", "1", "0", "5", "1", "3", "3", ""],
    ["S6", "C1", "R1", "", "2026-06-30 10:00:00", "5", "", "", "", "", "", ""],
]

DEALS = [
    ["deal_id", "customer_id", "rep_id", "created_at", "closed_at", "stage", "amount", "needs_analysis",
     "personalized"],
    ["D1", "C1", "R1", "2026-04-10 10:00:00", "2026-07-20 10:00:00", "won", "1000", "true", "true"],
    ["D2", "C2", "R1", "2026-07-05 10:00:00", "2026-08-15 10:00:00", "lost", "500", "true", "false"],
    ["D3", "C1", "R1", "2026-07-25 10:00:00", "", "open", "800", "false", "true"],
    ["D4", "C3", "R2", "2026-08-01 10:00:00", "2026-09-30 23:59:59", "won", "2000", "false", "true"],
    ["D5", "C3", "R2", "2026-06-01 10:00:00", "2026-10-01 00:00:00", "won", "300", "false", "false"],
    ["D6", "C2", "R1", "2026-08-01 10:00:00", "2026-09-01 10:00:00", "won", "250.50", "false", "false"],
]

QUOTAS = [
    ["rep_id", "quarter", "quota"],
    ["R1", "2026Q3", "5000"],
    ["R3", "2026Q3", "1000"],
]

TABLES = {"reps": REPS, "customers": CUSTOMERS, "interactions": INTERACTIONS, "surveys": SURVEYS,
          "deals": DEALS, "quotas": QUOTAS}


def write_tiny(folder: Path, encoding: str = "utf-8", tables: dict | None = None, instrument: bool = True) -> Path:
    """Write the tiny data set as CSV files (and its instrument.yaml) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (tables or TABLES).items():
        with open(folder / f"{name}.csv", "w", newline="", encoding=encoding) as fh:
            csv.writer(fh).writerows(rows)
    if instrument:
        (folder / "instrument.yaml").write_text(INSTRUMENT, encoding="utf-8")
    return folder


def edited(table: str, row_id: str, **changes: str) -> dict:
    """A copy of TABLES with one row of one table changed (row found by its first cell)."""
    out = {k: [list(r) for r in v] for k, v in TABLES.items()}
    header = out[table][0]
    for r in out[table][1:]:
        if r[0] == row_id:
            for col, val in changes.items():
                r[header.index(col)] = val
            return out
    raise KeyError(row_id)
