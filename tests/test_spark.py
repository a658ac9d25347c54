"""Apache Spark as the engine: a real local Spark session validates and computes what DuckDB does.

One session for the module (``local[2]``), small data. Locally the tests skip when pyspark or
a Java runtime is missing; under CI=true they fail instead (``make test`` installs both).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import kit
from tests import tiny
from tests.ci import require

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
KEYS = {"reps": ["rep_id"], "customers": ["customer_id"], "interactions": ["interaction_id"],
        "surveys": ["response_id"], "deals": ["deal_id"], "quotas": ["rep_id", "quarter"]}


def _java() -> bool:
    return shutil.which("java") is not None


@pytest.fixture(scope="module")
def spark():
    require(importlib.util.find_spec("pyspark") is not None, "pyspark is not installed: pip install -e '.[spark]'")
    require(_java(), "no Java runtime: apt-get install default-jre-headless")
    from kit.spark import local_session

    session = local_session()
    yield session
    session.stop()


def _raw_parquet(folder: Path, tables: dict) -> Path:
    """The tiny tables as Parquet files of text, as an export would land in a lakehouse."""
    folder.mkdir(parents=True)
    for name, rows in tables.items():
        pd.DataFrame(rows[1:], columns=rows[0], dtype="string").replace({"": None}).to_parquet(
            folder / f"{name}.parquet", index=False)
    (folder / "instrument.yaml").write_text(tiny.INSTRUMENT, encoding="utf-8")
    return folder


def _same_tables(got: kit.Dataset, want: kit.Dataset) -> None:
    assert got.rows_in == want.rows_in
    for t, df in want.tables.items():
        a = got.tables[t].sort_values(KEYS[t]).reset_index(drop=True)
        b = df.sort_values(KEYS[t]).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=t)


def test_lakehouse_folder_validated_and_computed_by_spark(spark, tmp_path):
    # two bad rows: a score out of range, and an interaction of an unknown rep
    tables = tiny.edited("surveys", "S1", csat="7")
    tables["interactions"][5][tables["interactions"][0].index("rep_id")] = "R9"
    folder = _raw_parquet(tmp_path / "lake", tables)
    on_duckdb = kit.load(folder, max_quarantine_share=1.0)
    on_spark = kit.load(f"spark:{folder}", max_quarantine_share=1.0)
    assert on_spark.con.name == "pyspark"
    cols = ["table", "id", "column", "value", "reason"]
    pd.testing.assert_frame_equal(on_spark.quarantine[cols].sort_values(["table", "id"]).reset_index(drop=True),
                                  on_duckdb.quarantine[cols].sort_values(["table", "id"]).reset_index(drop=True))
    assert set(on_spark.quarantine["reason"]) >= {"csat must be at most 5", "rep_id 'R9' is not a known rep"}
    _same_tables(on_spark, on_duckdb)
    pd.testing.assert_frame_equal(kit.kpis.compute(on_spark, quarter="2026Q2:2026Q4"),
                                  kit.kpis.compute(on_duckdb, quarter="2026Q2:2026Q4"),
                                  check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.mark.skipif(not (SAMPLES / "surveys.csv").is_file(), reason="sample data not generated")
def test_sample_on_an_ibis_spark_connection_agrees_with_duckdb(spark, tmp_path):
    """KPIs, drivers, validity verdicts and scorecards: Spark equals DuckDB on the sample."""
    import ibis

    local = kit.load(SAMPLES)
    lake = tmp_path / "lake"
    lake.mkdir()
    for name, df in local.tables.items():
        df.to_parquet(lake / f"{name}.parquet", index=False)
        # the company's own table names, mapped by the column map's files section
        spark.read.parquet(str(lake / f"{name}.parquet")).createOrReplaceTempView(f"crm_{name}")
    con = ibis.pyspark.connect(spark)
    remote = kit.load(con, column_map={"files": {t: f"crm_{t}" for t in local.tables}},
                      instrument=local.instrument)
    _same_tables(remote, local)
    q = str(local.latest_quarter())
    pd.testing.assert_frame_equal(kit.kpis.compute(remote, quarter="all"), kit.kpis.compute(local, quarter="all"),
                                  check_exact=False, rtol=1e-9, atol=1e-9)
    d_remote = kit.analysis.drivers(remote, quarter=q, n_boot=50)
    d_local = kit.analysis.drivers(local, quarter=q, n_boot=50)
    pd.testing.assert_frame_equal(d_remote.table, d_local.table, check_exact=False, rtol=1e-9)
    assert d_remote.r2 == pytest.approx(d_local.r2, rel=1e-9) and d_remote.n == d_local.n
    v_remote = kit.analysis.kpi_validity(remote, quarter=q)
    v_local = kit.analysis.kpi_validity(local, quarter=q)
    pd.testing.assert_series_equal(v_remote["verdict"], v_local["verdict"])
    w = {"csat_mean": 40, "sla_met_rate": 30, "revenue_won": 30}
    s_remote, s_local = (kit.analysis.scorecard(d, q, weights=w) for d in (remote, local))
    pd.testing.assert_frame_equal(getattr(s_remote, "table", s_remote), getattr(s_local, "table", s_local),
                                  check_exact=False, rtol=1e-9)


def test_import_kit_does_not_load_pyspark(tmp_path):
    """With pyspark installed, loading data without Spark must not import it (nor pyspark.pandas)."""
    require(importlib.util.find_spec("pyspark") is not None, "pyspark is not installed: pip install -e '.[spark]'")
    code = ("import sys, kit; kit.load(sys.argv[1]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pyspark'))")
    out = subprocess.run([sys.executable, "-c", code, str(tiny.write_tiny(tmp_path / "d"))],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
    assert "FutureWarning" not in out.stderr


def test_offsets_day_month_text_and_the_data_window_read_alike_on_spark(spark, tmp_path):
    # Z and +01:00 converted to Shanghai time, a day-first date read, a 2100 response set aside
    tables = tiny.edited("interactions", "I1", opened_at="2026-07-15T01:00:00Z")
    tables["interactions"][2][tables["interactions"][0].index("opened_at")] = "2026-07-06 03:00:00+01:00"
    tables["interactions"][6][tables["interactions"][0].index("opened_at")] = "20.08.2026 14:00"
    tables["surveys"][4][tables["surveys"][0].index("submitted_at")] = "2100-01-15"
    folder = _raw_parquet(tmp_path / "lake", tables)
    on_duckdb = kit.load(folder, max_quarantine_share=1.0)
    on_spark = kit.load(f"spark:{folder}", max_quarantine_share=1.0)
    opened = on_spark.tables["interactions"].set_index("interaction_id")["opened_at"]
    assert opened["I1"] == pd.Timestamp("2026-07-15 09:00") and opened["I2"] == pd.Timestamp("2026-07-06 10:00")
    assert opened["I6"] == pd.Timestamp("2026-08-20 14:00")
    assert on_spark.quarantine["id"].tolist() == ["S4"] == on_duckdb.quarantine["id"].tolist()
    _same_tables(on_spark, on_duckdb)
