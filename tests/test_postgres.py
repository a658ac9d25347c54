"""A real PostgreSQL server: the data loads back identically and the KPI definitions run on it.

The server is started by the test suite (tests/pgserver.py). Locally the tests skip when no
PostgreSQL server binaries exist; under CI=true they must run.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
import pytest

import kit
from tests import tiny

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def _upload(url: str, data: kit.Dataset, schema: str) -> None:
    con = ibis.connect(url)
    try:
        con.raw_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"')
        for name, df in data.tables.items():
            con.create_table(name, pa.Table.from_pandas(df, preserve_index=False), database=schema)
    finally:
        con.disconnect()


def _check_roundtrip(url: str, folder: Path, schema: str, quarters: str, **load_kw) -> None:
    local = kit.load(folder, **load_kw)
    _upload(url, local, schema)
    remote = kit.load(url, db_schema=schema, instrument=local.instrument, **load_kw)
    assert remote.rows_in == local.rows_in
    for t, df in local.tables.items():
        key = list(df.columns[:2]) if t == "quotas" else [df.columns[0]]   # the row order is the database's
        got = remote.tables[t].sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, df.sort_values(key).reset_index(drop=True), check_dtype=False, obj=t)
    on_duckdb = kit.kpis.compute(local, quarter=quarters)
    # the same rows loaded back from PostgreSQL, computed on the embedded DuckDB
    pd.testing.assert_frame_equal(kit.kpis.compute(remote, quarter=quarters), on_duckdb)
    # the same KPI definitions executed by PostgreSQL itself
    pg = ibis.connect(url)
    try:
        on_pg = kit.kpis.compute(local, quarter=quarters, con=pg)
    finally:
        pg.disconnect()
    pd.testing.assert_frame_equal(on_pg, on_duckdb, check_exact=False, rtol=1e-9, atol=1e-9)


def test_tiny_roundtrip_and_kpis_on_postgres(postgres_url, tmp_path):
    _check_roundtrip(postgres_url, tiny.write_tiny(tmp_path), "tiny", "2026Q2:2026Q4")


@pytest.mark.skipif(not (SAMPLES / "surveys.csv").is_file(), reason="sample data not generated")
def test_sample_roundtrip_and_kpis_on_postgres(postgres_url):
    _check_roundtrip(postgres_url, SAMPLES, "sample", "all")


def test_unreachable_database_is_explained():
    with pytest.raises(kit.schema.SchemaError, match="cannot connect"):
        kit.load("postgresql://nobody:secret@127.0.0.1:1/none")
