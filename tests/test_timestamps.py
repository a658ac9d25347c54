"""Dates and time zones: one clock (the timezone parameter), no guessed day/month order, a data window.

The tiny data set's times are Shanghai wall-clock times; each test writes some of them another
way and checks that the kit reads back the same instants (or refuses, naming where).
"""

from __future__ import annotations

import datetime as dt
import inspect
import subprocess
import sys
import zoneinfo

import pandas as pd
import pytest

import kit
from kit import params as P
from kit.periods import Quarter, quarter_of
from kit.schema import SchemaError
from kit.timestamps import DateSettingError
from tests import tiny


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    data = kit.load(tiny.write_tiny(tmp_path_factory.mktemp("ref")))
    return data, kit.kpis.compute(data, quarter="2026Q3")


def _load(folder, tables, **kw):
    kw.setdefault("max_quarantine_share", 1.0)
    return kit.load(tiny.write_tiny(folder, tables=tables), **kw)


def _same(data, reference):
    ref_data, ref_kpis = reference
    for t in ("reps", "customers", "interactions", "surveys", "deals", "quotas"):
        pd.testing.assert_frame_equal(data.tables[t], ref_data.tables[t], check_dtype=False, obj=t)
    pd.testing.assert_frame_equal(kit.kpis.compute(data, quarter="2026Q3"), ref_kpis)


def _rewritten(table: str, column: str, fmt: str) -> dict:
    """tiny's tables with every value of one timestamp column written with ``fmt``."""
    out = {k: [list(r) for r in v] for k, v in tiny.TABLES.items()}
    i = out[table][0].index(column)
    for row in out[table][1:]:
        if row[i]:
            row[i] = pd.Timestamp(row[i]).strftime(fmt)
    return out


def _set(tables: dict, table: str, row_id: str, **changes: str) -> dict:
    header = tables[table][0]
    for row in tables[table][1:]:
        if row[0] == row_id:
            for col, value in changes.items():
                row[header.index(col)] = value
    return tables


# --- one clock ------------------------------------------------------------------------------------


def test_offsets_z_and_naive_times_in_one_column_land_on_one_clock(tmp_path, reference):
    # I1 opened 2026-07-15 09:00 and I2 2026-07-06 10:00, Shanghai time (UTC+8), written with
    # Z, +01:00 and +08:00 beside the naive values of the other rows
    tables = tiny.edited("interactions", "I1", opened_at="2026-07-15T01:00:00Z",
                         first_response_at="2026-07-15 11:00:00+08:00")
    _set(tables, "interactions", "I2", opened_at="2026-07-06 03:00:00+01:00")
    _same(_load(tmp_path, tables), reference)


def test_the_quarter_of_an_instant_follows_the_timezone(tmp_path):
    # D4 (won, 2000) closed 2026-09-30T16:30:00Z: 00:30 on 1 October in Shanghai, so 2026Q4
    tables = tiny.edited("deals", "D4", closed_at="2026-09-30T16:30:00Z")
    shanghai = _load(tmp_path / "sh", tables)
    closed = shanghai.tables["deals"].set_index("deal_id")["closed_at"]
    assert closed["D4"] == pd.Timestamp("2026-10-01 00:30") and quarter_of(closed["D4"]) == Quarter(2026, 4)
    assert kit.kpis.compute(shanghai, quarter="2026Q3").loc["R2", "revenue_won"] == 0
    utc = _load(tmp_path / "utc", tables, timezone="UTC")
    assert utc.tables["deals"].set_index("deal_id")["closed_at"]["D4"] == pd.Timestamp("2026-09-30 16:30")
    assert kit.kpis.compute(utc, quarter="2026Q3").loc["R2", "revenue_won"] == 2000
    local = _load(tmp_path / "local", tiny.edited("deals", "D4", closed_at="2026-09-30 23:30:00+08:00"))
    d4 = local.tables["deals"].set_index("deal_id")["closed_at"]["D4"]
    assert d4 == pd.Timestamp("2026-09-30 23:30") and quarter_of(d4) == Quarter(2026, 3)


def test_time_zone_aware_parquet_columns_are_converted_naive_ones_kept(tmp_path, reference):
    folder = tiny.write_tiny(tmp_path)
    deals = pd.read_csv(folder / "deals.csv", dtype=str)
    closed = pd.to_datetime(deals["closed_at"]).dt.tz_localize("Asia/Shanghai").dt.tz_convert("UTC")
    deals = deals.assign(created_at=pd.to_datetime(deals["created_at"]), closed_at=closed)
    assert str(deals["closed_at"].dt.tz) == "UTC" and deals["created_at"].dt.tz is None
    (folder / "deals.csv").unlink()
    deals.to_parquet(folder / "deals.parquet", index=False)
    _same(kit.load(folder), reference)


def test_timestamptz_columns_of_postgresql_are_converted(postgres_url, reference):
    import ibis
    import pyarrow as pa

    data = reference[0]
    con = ibis.connect(postgres_url)
    try:
        con.raw_sql('DROP SCHEMA IF EXISTS "kit_tz" CASCADE; CREATE SCHEMA "kit_tz"')
        for name, df in data.tables.items():
            if name == "deals":  # timestamptz: instants, stored in UTC
                df = df.assign(closed_at=df["closed_at"].dt.tz_localize("Asia/Shanghai"))
            con.create_table(name, pa.Table.from_pandas(df, preserve_index=False), database="kit_tz")
        assert con.table("deals", database="kit_tz").closed_at.type().timezone is not None
    finally:
        con.disconnect()
    remote = kit.load(postgres_url, db_schema="kit_tz", instrument=data.instrument)
    got = remote.tables["deals"].sort_values("deal_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, data.tables["deals"], check_dtype=False)


def test_text_pandas_reads_with_mixed_zones_or_unreadable_is_named(tmp_path):
    # forms the engine does not read go to pandas, which refuses to mix zones in one call
    tables = tiny.edited("interactions", "I1", opened_at="15 Jul 2026 01:00 +0000")
    _set(tables, "interactions", "I2", opened_at="6 Jul 2026 10:00")
    data = _load(tmp_path / "ok", tables)
    opened = data.tables["interactions"].set_index("interaction_id")["opened_at"]
    assert opened["I1"] == pd.Timestamp("2026-07-15 09:00") and opened["I2"] == pd.Timestamp("2026-07-06 10:00")
    _set(tables, "interactions", "I3", opened_at="yesterday")
    with pytest.raises(SchemaError) as err:
        _load(tmp_path / "bad", tables)
    msg = str(err.value)
    assert "interactions.csv, column 'opened_at': 1 value(s) are not a date or timestamp" in msg
    assert "'yesterday'" in msg and "(row 3)" in msg and "Mixed timezones" not in msg


# --- day and month -----------------------------------------------------------------------------


def test_ambiguous_day_month_stops_naming_column_examples_rows_and_the_fix(tmp_path):
    tables = tiny.edited("interactions", "I2", opened_at="06.07.2026 10:00")
    for row_id, value in (("I3", "03.08.2026 08:00"), ("I4", "10.07.2026 09:00"), ("I5", "10.08.2026 09:00")):
        _set(tables, "interactions", row_id, opened_at=value)
    with pytest.raises(SchemaError) as err:
        _load(tmp_path, tables)
    assert err.value.exit_code == 2
    msg = str(err.value)
    assert ("interactions.csv, column 'opened_at': 4 value(s) can be read day-first or month-first: "
            "'06.07.2026 10:00' (row 2), '03.08.2026 08:00' (row 3), '10.07.2026 09:00' (row 4).") in msg
    assert "(row 5)" not in msg  # three examples at most
    assert "date_format: '%d.%m.%Y %H:%M'" in msg and "{interactions.opened_at: '%d.%m.%Y %H:%M'}" in msg
    assert [(p.table, p.column) for p in err.value.problems] == [("interactions", "opened_at")]


@pytest.mark.parametrize("fmt", ["%d.%m.%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%-d/%-m/%Y %H:%M"])
def test_day_month_read_when_the_columns_values_say_which_is_the_day(tmp_path, reference, fmt):
    # opened_at has days 15 and 20 (one reading only), so 03.08.2026 is read as 3 August
    _same(_load(tmp_path, _rewritten("interactions", "opened_at", fmt)), reference)


def test_a_two_digit_year_is_never_guessed(tmp_path, reference):
    # 20-07-26 may be 20 July 2026 or 26 July 2020: only the export's format can tell
    fmt = "%d-%m-%y %H:%M"
    tables = _rewritten("interactions", "opened_at", fmt)
    with pytest.raises(SchemaError, match="have a two-digit year") as err:
        _load(tmp_path, tables)
    assert "date_format: '%d-%m-%y %H:%M'" in str(err.value)
    _same(_load(tmp_path / "f", tables, date_format=fmt), reference)


def test_a_column_with_day_first_and_month_first_values_is_refused(tmp_path):
    tables = tiny.edited("interactions", "I1", opened_at="15.07.2026 09:00")
    _set(tables, "interactions", "I6", opened_at="08/20/2026 14:00")
    _set(tables, "interactions", "I3", opened_at="03.08.2026 08:00")
    with pytest.raises(SchemaError, match=r"values only day-first \(1\) and values only month-first \(1\)"):
        _load(tmp_path, tables)


def test_date_format_reads_its_form_and_iso_and_quarantines_the_rest(tmp_path, reference):
    fmt = "%d.%m.%Y %H:%M"
    tables = _rewritten("interactions", "opened_at", fmt)
    _set(tables, "interactions", "I4", opened_at="2026-07-10 09:00:00")  # ISO: still read
    _set(tables, "interactions", "I5", opened_at="10.08.2026")           # the format's date part
    _set(tables, "interactions", "I9", opened_at="09/05/2026 09:00")     # another form
    data = _load(tmp_path, tables, date_format={"interactions.opened_at": fmt})
    opened = data.tables["interactions"].set_index("interaction_id")["opened_at"]
    assert opened["I3"] == pd.Timestamp("2026-08-03 08:00") and opened["I4"] == pd.Timestamp("2026-07-10 09:00")
    assert opened["I5"] == pd.Timestamp("2026-08-10 00:00") and "I9" not in opened.index
    q = data.quarantine
    assert q[["table", "id", "column", "value", "reason"]].values.tolist() == [
        ["interactions", "I9", "opened_at", "09/05/2026 09:00",
         "opened_at does not match the date_format '%d.%m.%Y %H:%M'"]]
    s = data.summary()
    assert (s["rows_in"] == s["rows_used"] + s["rows_quarantined"]).all()
    # one format for every text timestamp column: ISO columns read as before
    _same(_load(tmp_path / "iso", tiny.TABLES, date_format=fmt), reference)


# --- the data window -------------------------------------------------------------------------------


def test_rows_outside_the_data_window_are_quarantined(tmp_path, reference):
    tables = tiny.edited("surveys", "S4", submitted_at="2100-01-15")
    _set(tables, "interactions", "I10", opened_at="1900-05-01 09:00:00")
    window = {"start": "2000-01-01", "end": "2027-12-02"}
    data = _load(tmp_path / "fixed", tables, data_window=window)
    assert data.quarantine[["table", "id", "reason"]].values.tolist() == [
        ["interactions", "I10", "opened_at 1900-05-01 09:00:00 is outside the data window 2000-01-01 .. 2027-12-02"],
        ["surveys", "S4", "submitted_at 2100-01-15 is outside the data window 2000-01-01 .. 2027-12-02"]]
    s = data.summary()
    assert (s["rows_in"] == s["rows_used"] + s["rows_quarantined"]).all()
    assert [str(q) for q in data.quarters()] == ["2026Q2", "2026Q3", "2026Q4"]
    assert data.quarters_for("latest") == reference[0].quarters_for("latest")
    # by default the window ends a year after today (in the time zone)
    today = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    end = today.replace(year=today.year + 1, day=28 if (today.month, today.day) == (2, 29) else today.day)
    default = _load(tmp_path / "default", tables)
    assert f"is outside the data window 2000-01-01 .. {end}" in default.quarantine["reason"].iloc[1]


# --- parameters and the commands -----------------------------------------------------------------


@pytest.mark.parametrize("values, message", [
    ({"timezone": "Beijing"}, "timezone must be an IANA time zone name such as Asia/Shanghai"),
    ({"timezone": "Asia/Shangai"}, "Did you mean 'Asia/Shanghai'?"),
    ({"timezone": 8}, "timezone must be an IANA time zone name"),
    ({"date_format": "%d.%m.%Y %I"}, "%I is not supported"),
    ({"date_format": "%H:%M"}, "must give the year (%Y or %y), the month (%m or %b) and the day (%d)"),
    ({"date_format": {"interactions.channel": "%d.%m.%Y"}}, "'interactions.channel' is not a timestamp column"),
    ({"data_window": {"start": "2030-01-01", "end": "2020-01-01"}}, "end 2020-01-01 is before start 2030-01-01"),
    ({"data_window": {"start": "01.01.2000"}}, "data_window.start must be a date written 2000-01-01"),
])
def test_time_parameters_are_checked(values, message):
    with pytest.raises(P.ParamsError) as err:
        P.validate(values)
    assert message in str(err.value)


def test_time_parameters_default_once_and_reach_the_settings():
    v = P.validate({})
    assert (v["timezone"], v["date_format"], v["data_window"]) == (
        "Asia/Shanghai", None, {"start": "2000-01-01", "end": None})
    s = P.Settings.from_params(P.validate({"timezone": "UTC", "date_format": {"deals.closed_at": "%d/%m/%Y"}}))
    assert (s.timezone, s.date_format) == ("UTC", {"deals.closed_at": "%d/%m/%Y"})
    for key in ("timezone", "date_format", "data_window"):
        assert inspect.signature(kit.io.load).parameters[key].default is None  # read from default.yaml
    with pytest.raises(DateSettingError, match="IANA time zone") as err:
        kit.load("data/samples", timezone="Mars/Base")
    assert err.value.exit_code == 4


def test_a_run_loads_with_the_time_parameters(tmp_path):
    from kit.report.cache import source_digest
    from kit.report.snapshot import load_data

    folder = tiny.write_tiny(tmp_path, tables=tiny.edited("deals", "D4", closed_at="2026-09-30T16:30:00Z"))
    params = P.validate({"source": str(folder)})
    got = {}
    for zone in ("Asia/Shanghai", "UTC"):
        data = load_data(str(folder), {**params, "timezone": zone})
        got[zone] = data.tables["deals"].set_index("deal_id")["closed_at"]["D4"]
    assert got == {"Asia/Shanghai": pd.Timestamp("2026-10-01 00:30"), "UTC": pd.Timestamp("2026-09-30 16:30")}
    assert source_digest(str(folder), params) != source_digest(str(folder), {**params, "timezone": "UTC"})


def test_cli_timezone_and_ambiguous_dates(tmp_path):
    folder = tiny.write_tiny(tmp_path / "z", tables=tiny.edited("deals", "D4", closed_at="2026-09-30T16:30:00Z"))
    revenue = {}
    for zone in ("Asia/Shanghai", "UTC"):
        out = tmp_path / f"{zone.replace('/', '_')}.csv"
        r = subprocess.run([sys.executable, "-m", "kit.cli", "kpis", "--source", str(folder), "--quarter", "2026Q3",
                            "--timezone", zone, "--csv", str(out)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        revenue[zone] = pd.read_csv(out, encoding="utf-8-sig").set_index("rep_id").loc["R2", "revenue_won"]
    assert revenue == {"Asia/Shanghai": 0, "UTC": 2000}
    bad = tiny.write_tiny(tmp_path / "dm", tables=tiny.edited("interactions", "I3", opened_at="03.08.2026 08:00"))
    r = subprocess.run([sys.executable, "-m", "kit.cli", "validate", str(bad), "--timezone", "UTC"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "interactions.csv, column 'opened_at': 1 value(s) can be read day-first or month-first" in r.stderr
    r = subprocess.run([sys.executable, "-m", "kit.cli", "validate", str(bad), "--timezone", "Beijing"],
                       capture_output=True, text=True)
    assert r.returncode == 4 and "IANA time zone" in r.stderr and "Traceback" not in r.stderr
