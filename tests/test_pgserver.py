"""The test suite's private PostgreSQL server (tests/pgserver.py, fixture in conftest.py)."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import time
from urllib.parse import urlsplit

import pytest

try:
    from . import pgserver
except ImportError:
    import pgserver

ROWS = [
    (1, "张伟", "客户投诉：交付延迟，已解决。", dt.datetime(2026, 7, 1, 9, 30, 0), True, 4.5),
    (2, "Li Na", "needs analysis 需求分析 ✓", dt.datetime(2026, 9, 30, 23, 59, 59, 123456),
     False, None),
    (3, "王芳", None, dt.datetime(2024, 2, 29, 0, 0), None, 0.0),
]


@pytest.fixture()
def sample_table(postgres_url):
    """A table ``pg_roundtrip`` with ROWS, dropped afterwards."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS pg_roundtrip")
        conn.execute(
            "CREATE TABLE pg_roundtrip (id integer PRIMARY KEY, rep_name text, comment text,"
            " opened_at timestamp, reopened boolean, score double precision)"
        )
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO pg_roundtrip VALUES (%s, %s, %s, %s, %s, %s)", ROWS)
    yield "pg_roundtrip"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS pg_roundtrip")


def test_url_points_at_a_local_server(postgres_server, postgres_url):
    parts = urlsplit(postgres_url)
    assert parts.scheme == "postgresql"
    assert parts.username == "kit" and parts.hostname == "127.0.0.1"
    assert parts.path == "/kit" and parts.port == postgres_server.port
    # The fixture start-up is timed; it takes about a second on the 2-core machine.
    print(f"postgres fixture start-up: {postgres_server.timings}")
    assert postgres_server.timings["total"] < 60


def test_server_does_not_run_as_root(postgres_server, postgres_url):
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]
        encoding = conn.execute("SHOW server_encoding").fetchone()[0]
        tz = conn.execute("SHOW timezone").fetchone()[0]
    assert encoding == "UTF8" and tz == "UTC"
    assert data_dir == str(postgres_server.data_dir)
    owner = os.stat(data_dir).st_uid
    assert owner != 0
    if os.geteuid() != 0:
        assert owner == os.geteuid()


def test_psycopg_round_trip(postgres_url, sample_table):
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        got = conn.execute(f"SELECT * FROM {sample_table} ORDER BY id").fetchall()
        found = conn.execute(
            f"SELECT id FROM {sample_table} WHERE comment LIKE %s", ("%投诉%",)
        ).fetchall()
    assert got == ROWS
    assert found == [(1,)]


def test_ibis_connect_url_lists_and_reads(postgres_url, sample_table):
    import ibis
    import pandas as pd

    con = ibis.connect(postgres_url)
    try:
        assert sample_table in con.list_tables()
        df = con.table(sample_table).order_by("id").to_pandas()
    finally:
        con.disconnect()
    assert df["id"].tolist() == [1, 2, 3]
    assert df["rep_name"].tolist() == ["张伟", "Li Na", "王芳"]
    assert df["comment"].iloc[0] == ROWS[0][2] and pd.isna(df["comment"].iloc[2])
    assert [pd.Timestamp(t) for t in df["opened_at"]] == [pd.Timestamp(r[3]) for r in ROWS]
    assert pd.isna(df["score"].iloc[1]) and df["score"].iloc[0] == 4.5


def test_ibis_postgres_connect_keywords(postgres_url, sample_table):
    # ibis.postgres.connect takes keyword arguments, not a URL (a URL string is taken as
    # the host name); ibis.connect(url) is the URL entry point.
    import ibis

    parts = urlsplit(postgres_url)
    con = ibis.postgres.connect(
        host=parts.hostname, port=parts.port, user=parts.username, database=parts.path[1:]
    )
    try:
        assert sample_table in con.list_tables()
        t = con.table(sample_table)
        assert t.count().execute() == len(ROWS)
        assert t.filter(t.rep_name == "王芳").comment.isnull().execute().tolist() == [True]
    finally:
        con.disconnect()


def test_second_server_starts_and_is_cleaned_up():
    bindir = pgserver.require_bindir()
    started = time.perf_counter()
    server = pgserver.PostgresServer(bindir=bindir).start()
    elapsed = time.perf_counter() - started
    base, port = server.base_dir, server.port
    try:
        assert re.fullmatch(r"postgresql://kit@127\.0\.0\.1:\d+/kit", server.url)
        assert base.is_dir()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    finally:
        server.stop()
    server.stop()  # idempotent
    assert not base.exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert elapsed < 60


def test_missing_binaries_skip_locally_fail_in_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(pgserver, "_candidate_bindirs", lambda: [tmp_path])
    with pytest.raises(pgserver.PostgresNotFound, match="initdb"):
        pgserver.find_bindir()

    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="not found"):
        pgserver.require_bindir()

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        pgserver.require_bindir()


def test_start_failure_reports_the_server_log(tmp_path):
    bindir = pgserver.require_bindir()
    server = pgserver.PostgresServer(bindir=bindir, start_timeout=20)
    # An invalid setting makes the postmaster exit at start-up; the error must carry
    # the server log, and nothing may be left behind.
    original = server._initdb

    def broken_initdb():
        original()
        with (server.data_dir / "postgresql.conf").open("a") as fh:
            fh.write("shared_buffers = 'not a size'\n")

    server._initdb = broken_initdb
    with pytest.raises(pgserver.PostgresServerError) as info:
        server.start()
    message = str(info.value)
    assert "pg_ctl start" in message and "server log" in message
    assert "shared_buffers" in message
    assert server.base_dir is None
