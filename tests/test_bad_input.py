"""Bad input: schema problems stop with every problem listed; row problems are quarantined.

Rows in = rows used + rows quarantined, always.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

import kit
from kit.schema import DataQualityError, SchemaError
from tests import tiny


def _copy():
    return {k: [list(r) for r in v] for k, v in tiny.TABLES.items()}


def _col(tables, table, column):
    return tables[table][0].index(column)


def _load(tmp_path, tables, **kw):
    kw.setdefault("max_quarantine_share", 1.0)
    return kit.load(tiny.write_tiny(tmp_path, tables=tables), **kw)


def _balanced(data):
    s = data.summary()
    assert (s["rows_in"] == s["rows_used"] + s["rows_quarantined"]).all(), s
    assert s["rows_quarantined"].sum() == len(data.quarantine)


# --- schema problems: one error listing all of them -------------------------------------------


def test_all_schema_problems_in_one_message(tmp_path):
    tables = _copy()
    i = _col(tables, "surveys", "csat")
    for r in tables["surveys"]:
        del r[i]
    tables["interactions"][3][_col(tables, "interactions", "opened_at")] = "yesterday"
    tables["deals"][2][_col(tables, "deals", "amount")] = "lots"
    tables["interactions"][5][_col(tables, "interactions", "contacts")] = "2.5"
    folder = tiny.write_tiny(tmp_path, tables=tables)
    (folder / "reps.csv").unlink()
    with pytest.raises(SchemaError) as err:
        kit.load(folder)
    msg = str(err.value)
    assert "5 problem(s)" in msg
    assert "reps: table missing" in msg
    assert "surveys.csv, column 'csat': column 'csat' is missing. Expected overall satisfaction" in msg
    assert "Found columns: response_id, customer_id" in msg
    assert "interactions.csv, column 'opened_at': 1 value(s) are not a date or timestamp" in msg
    assert "'yesterday'" in msg
    assert "(row 3)" in msg
    assert "deals.csv, column 'amount': 1 value(s) are not a number: 'lots' (row 2)" in msg
    assert "interactions.csv, column 'contacts': 1 value(s) are not a whole number: '2.5' (row 5)" in msg
    assert [(p.table, p.column) for p in err.value.problems] == [
        ("reps", None), ("interactions", "opened_at"), ("interactions", "contacts"), ("surveys", "csat"),
        ("deals", "amount")]


def test_empty_table_is_a_schema_problem(tmp_path):
    tables = _copy()
    tables["reps"] = tables["reps"][:1]
    with pytest.raises(SchemaError, match="reps.csv: the table has no rows"):
        kit.load(tiny.write_tiny(tmp_path, tables=tables))


def test_unreadable_encoding(tmp_path):
    folder = tiny.write_tiny(tmp_path)
    (folder / "reps.csv").write_bytes(b"rep_id,rep_name\nR1,\xff\xfe\xfa\n")
    with pytest.raises(SchemaError, match="neither UTF-8 nor GB18030"):
        kit.load(folder)


def test_bad_instrument_is_named(tmp_path):
    folder = tiny.write_tiny(tmp_path)
    (folder / "instrument.yaml").write_text("scale: {min: 1, max: 5}\nitems:\n  - column: q1\n    dimension: x\n"
                                            "    reverse: maybe\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="'reverse' must be true or false"):
        kit.load(folder)


# --- row problems: quarantined with a reason, the rest load -------------------------------------


ROW_PROBLEMS = [
    # (table, row id, column, bad value, expected words in the reason)
    ("reps", None, None, None, "duplicate rep_id (first at row 1)"),
    ("surveys", "S1", "csat", "7", "csat must be at most 5"),
    ("surveys", "S2", "nps", "11", "nps must be at most 10"),
    ("surveys", "S4", "q_transparency_1", "6", "q_transparency_1 must be in"),
    ("interactions", "I2", "resolved_at", "2026-07-01 00:00:00", "resolved_at before opened_at"),
    ("interactions", "I3", "first_response_at", "2026-08-01 00:00:00", "first_response_at before opened_at"),
    ("interactions", "I4", "channel", "fax", "channel must be one of"),
    ("interactions", "I5", "rep_id", "R9", "rep_id 'R9' is not a known rep"),
    ("interactions", "I6", "customer_id", "C9", "customer_id 'C9' is not a known customer"),
    ("deals", "D2", "amount", "-5", "amount must be at least 0"),
    ("deals", "D3", "stage", "pending", "stage must be one of"),
    ("deals", "D6", "closed_at", "", "won or lost without closed_at"),
    ("customers", "C4", "owner_rep_id", "R9", "owner_rep_id 'R9' is not a known rep"),
    ("quotas", "R1", "quota", "0", "quota must be above 0"),
    ("interactions", "I7", "contacts", "0", "contacts must be at least 1"),
    ("interactions", "I8", "interaction_id", "", "interaction_id is empty"),
]


@pytest.mark.parametrize("table,row_id,column,value,reason", ROW_PROBLEMS)
def test_row_problem_is_quarantined_with_reason(tmp_path, table, row_id, column, value, reason):
    tables = _copy()
    if row_id is None:
        tables["reps"].append(["R1", "另一个王伟", "", "", "", ""])
    else:
        tables = tiny.edited(table, row_id, **{column: value})
    data = _load(tmp_path, tables)
    q = data.quarantine
    hit = q[(q["table"] == table) & q["reason"].str.contains(reason, regex=False)]
    assert len(hit) == 1, q
    _balanced(data)
    assert data.rows_in[table] == len(data.tables[table]) + (q["table"] == table).sum()


def test_quarantine_cascades_with_the_reason(tmp_path):
    # C3's owner is unknown: C3 is set aside, and so are the rows that refer to it
    data = _load(tmp_path, tiny.edited("customers", "C3", owner_rep_id="R9"))
    q = data.quarantine.set_index(["table", "id"])
    assert "owner_rep_id 'R9' is not a known rep" in q.loc[("customers", "C3"), "reason"]
    assert q.loc[("interactions", "I7"), "reason"] == "customer_id refers to customer 'C3', which was quarantined"
    assert q.loc[("surveys", "S4"), "reason"] == "customer_id refers to customer 'C3', which was quarantined"
    assert ("deals", "D4") in q.index
    _balanced(data)


def test_unattributable_response(tmp_path):
    tables = tiny.edited("customers", "C2", owner_rep_id="")
    data = _load(tmp_path, tables)
    q = data.quarantine
    assert q.loc[q["id"] == "S3", "reason"].item().startswith("no rep to credit")
    _balanced(data)


def test_quarantine_has_the_documented_columns(tmp_path):
    data = _load(tmp_path, tiny.edited("surveys", "S1", csat="9"))
    assert list(data.quarantine.columns) == ["table", "row", "id", "column", "value", "reason"]
    row = data.quarantine.iloc[0]
    assert (row["table"], row["row"], row["id"], row["column"], row["value"]) == ("surveys", 1, "S1", "csat", "9")


def test_threshold_stops_loading_with_counts(tmp_path):
    tables = tiny.edited("surveys", "S1", csat="9")
    with pytest.raises(DataQualityError) as err:
        kit.load(tiny.write_tiny(tmp_path, tables=tables))  # default 5%: 1 of 6 is too many
    assert "surveys.csv: 1 of 6 rows (16.7%) set aside, above the limit of 5%" in str(err.value)
    data = kit.load(tiny.write_tiny(tmp_path, tables=tables), max_quarantine_share=0.2)
    assert len(data.quarantine) == 1
    with pytest.raises(ValueError, match="max_quarantine_share"):
        kit.load(tmp_path, max_quarantine_share=2)


def test_rows_balance_under_random_corruption(tmp_path):
    """Rows in = rows used + rows quarantined, whatever mix of problems a table has."""
    rng = random.Random(7)
    corruptions = [
        ("surveys", "csat", ["0", "6", "x5"][:2]),
        ("surveys", "rep_id", ["R7", ""]),
        ("interactions", "channel", ["fax", "sms"]),
        ("interactions", "rep_id", ["R8"]),
        ("deals", "amount", ["-1"]),
        ("deals", "stage", ["gone"]),
        ("customers", "owner_rep_id", ["R6"]),
    ]
    for trial in range(8):
        tables = _copy()
        for _ in range(rng.randint(1, 6)):
            table, column, values = rng.choice(corruptions)
            rows = tables[table]
            r = rng.randrange(1, len(rows))
            rows[r][rows[0].index(column)] = rng.choice(values)
        if rng.random() < 0.5:
            tables["surveys"].append(list(tables["surveys"][1]))  # a duplicate response
        data = _load(tmp_path / str(trial), tables)
        _balanced(data)
        for t, df in data.tables.items():
            assert data.rows_in[t] == len(df) + (data.quarantine["table"] == t).sum()
        # the kept rows are clean: KPIs compute
        kit.kpis.compute(data, quarter="2026Q3")


def test_cli_validate(tmp_path):
    import subprocess
    import sys

    good = tiny.write_tiny(tmp_path / "good")
    r = subprocess.run([sys.executable, "-m", "kit.cli", "validate", str(good)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "usable" in r.stdout and "No row set aside" in r.stdout

    tables = _copy()
    i = _col(tables, "interactions", "kind")
    for row in tables["interactions"]:
        del row[i]
    bad = tiny.write_tiny(tmp_path / "bad", tables=tables)
    r = subprocess.run([sys.executable, "-m", "kit.cli", "validate", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2
    assert "interactions.csv, column 'kind': column 'kind' is missing" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout

    dirty = tiny.write_tiny(tmp_path / "dirty", tables=tiny.edited("surveys", "S1", csat="9"))
    r = subprocess.run([sys.executable, "-m", "kit.cli", "validate", str(dirty)], capture_output=True, text=True)
    assert r.returncode == 3 and "above the limit of 5%" in r.stderr and "Traceback" not in r.stderr
    out = tmp_path / "q.csv"
    r = subprocess.run([sys.executable, "-m", "kit.cli", "validate", str(dirty), "--max-quarantine-share", "0.5",
                        "--quarantine-out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0 and "csat must be at most 5" in r.stdout
    assert pd.read_csv(out, encoding="utf-8-sig")["id"].tolist() == ["S1"]
