"""Benchmark: files -> KPIs for all quarters, the kit against DuckDB on the same files.

Each side runs in its own fresh process, so that its peak memory is its own:

* ``kit``: ``kit.load(folder)`` (registers the Parquet files in DuckDB and validates them
  there) then ``kit.kpis.compute(data, quarter="all")``; load and compute timed apart;
* ``sql``: a new in-memory DuckDB with a view per Parquet file, running
  ``benchmarks/kpi_reference.sql`` (the hand-written query of bench_kpis.py);
* ``spark`` (``--spark``): ``kit.load("spark:folder")`` and the KPIs on a local Spark session.

Targets (issue "the data stays in the engine"): at 10M interactions, the kit within 2x the
reference's time and under 2 GB peak; at 100M (``--replicate 10``) under 4 GB, time growing
linearly. The peak is the process' resident high-water mark (``VmHWM``), Python included.

The data is bench_kpis.py's cached folder (``benchmarks/.data/kpis_seed2026_i10000000_s1000000_d2000000``;
run ``bench_kpis.py --sql-only`` once to generate it). ``--replicate K`` writes a copy whose
interactions are repeated K times (ids suffixed), streaming with DuckDB, so only the number of
interactions grows: reps, customers and quarters stay.

Run from the repository root::

    .venv/bin/python benchmarks/bench_engine.py                 # 10M interactions
    .venv/bin/python benchmarks/bench_engine.py --replicate 10  # 100M interactions
    .venv/bin/python benchmarks/bench_engine.py --spark         # also Spark in local mode
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATA = HERE / ".data" / "kpis_seed2026_i10000000_s1000000_d2000000"
SQL_FILE = HERE / "kpi_reference.sql"
TABLES = ("reps", "customers", "interactions", "surveys", "deals", "quotas")
TARGET_RATIO = 2.0
TARGET_PEAK = {1: 2 * 1024**3, 10: 4 * 1024**3}


def _hwm() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def replicate(folder: Path, k: int) -> Path:
    """A copy of ``folder`` with the interactions repeated ``k`` times (copies 1.. with ids suffixed ``~i``)."""
    import duckdb

    out = folder.parent / f"{folder.name}_x{k}r"
    if (out / "interactions.parquet").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    for t in TABLES:
        if t != "interactions" and (folder / f"{t}.parquet").exists():
            (out / f"{t}.parquet").write_bytes((folder / f"{t}.parquet").read_bytes())
    con = duckdb.connect()
    con.execute("SET memory_limit = '2GB'; SET preserve_insertion_order = false")
    src = str(folder / "interactions.parquet")
    cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{src}')").fetchall()]
    # the first copy keeps its ids: the survey responses that name an interaction still find it
    sel = ", ".join("CASE WHEN i = 0 THEN interaction_id ELSE interaction_id || '~' || i::VARCHAR END "
                    "AS interaction_id" if c == "interaction_id" else c for c in cols)
    con.execute(f"COPY (SELECT {sel} FROM read_parquet('{src}'), range({k}) r(i)) "
                f"TO '{out / 'interactions.parquet'}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
    return out


def side_kit(folder: Path, spark: bool) -> dict:
    import kit

    t = time.perf_counter()
    data = kit.load(f"spark:{folder}" if spark else folder)
    load = time.perf_counter() - t
    t = time.perf_counter()
    res = kit.kpis.compute(data, quarter="all")
    compute = time.perf_counter() - t
    res.reset_index().to_parquet(folder.parent / f".result_{'spark' if spark else 'kit'}_{folder.name}.parquet")
    return {"load_s": load, "compute_s": compute, "total_s": load + compute, "peak_bytes": _hwm(),
            "quarantined": len(data.quarantine), "rows": data.rows_in}


def side_sql(folder: Path) -> dict:
    import duckdb

    t = time.perf_counter()
    con = duckdb.connect()
    for name in TABLES:
        path = folder / f"{name}.parquet"
        if path.exists():
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
        else:
            con.execute("CREATE TABLE quotas (rep_id VARCHAR, quarter VARCHAR, quota DOUBLE)")
    res = con.execute(SQL_FILE.read_text()).df()
    total = time.perf_counter() - t
    return {"total_s": total, "peak_bytes": _hwm(), "result_rows": len(res)}


def run_side(side: str, folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--side", side, "--folder", str(folder)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{side} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=str(DATA))
    p.add_argument("--replicate", type=int, default=1)
    p.add_argument("--spark", action="store_true")
    p.add_argument("--side", choices=["kit", "sql", "spark"], help=argparse.SUPPRESS)
    p.add_argument("--folder", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.side:
        folder = Path(args.folder)
        res = side_sql(folder) if args.side == "sql" else side_kit(folder, args.side == "spark")
        print(json.dumps(res, default=str))
        return 0
    folder = Path(args.data)
    if not (folder / "interactions.parquet").exists():
        raise SystemExit(f"{folder}: no data; run benchmarks/bench_kpis.py --sql-only once to generate it")
    if args.replicate > 1:
        folder = replicate(folder, args.replicate)
    sql = run_side("sql", folder)
    kit = run_side("kit", folder)
    gb = 1024**3
    ratio = kit["total_s"] / sql["total_s"]
    target_peak = TARGET_PEAK.get(args.replicate, 4 * gb)
    print(f"data: {folder} ({kit['rows']})")
    print(f"reference SQL on the Parquet files: {sql['total_s']:.1f} s, peak {sql['peak_bytes'] / gb:.2f} GiB")
    print(f"kit: load {kit['load_s']:.1f} s + compute {kit['compute_s']:.1f} s = {kit['total_s']:.1f} s, "
          f"peak {kit['peak_bytes'] / gb:.2f} GiB")
    print(f"ratio {ratio:.2f}x (target <= {TARGET_RATIO}x); peak target {target_peak / gb:.0f} GiB")
    ok = kit["peak_bytes"] <= target_peak and (args.replicate > 1 or ratio <= TARGET_RATIO)
    if args.spark:
        sp = run_side("spark", folder)
        print(f"spark (local): load {sp['load_s']:.1f} s + compute {sp['compute_s']:.1f} s, "
              f"driver process peak {sp['peak_bytes'] / gb:.2f} GiB")
        import pandas as pd

        a = pd.read_parquet(folder.parent / f".result_kit_{folder.name}.parquet").set_index(["quarter", "rep_id"])
        b = pd.read_parquet(folder.parent / f".result_spark_{folder.name}.parquet").set_index(["quarter", "rep_id"])
        pd.testing.assert_frame_equal(b.sort_index(), a.sort_index(), check_exact=False, rtol=1e-9, atol=1e-9)
        print("spark KPIs equal DuckDB's")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
