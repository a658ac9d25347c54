"""Benchmark: the kit's KPI layer against one hand-written DuckDB query (docs/design.md section 9).

Target: all KPIs for all reps and quarters on 10 million interactions and 1 million survey
responses, within 1.5x the time of ``benchmarks/kpi_reference.sql`` and in under 4 GB of
memory. The reference query is also an independent implementation of the KPI definitions,
so the two results are cross-checked value by value.

What it does:

1. Data: ``kit.sample.generate(seed=2026, scale=S)`` with ``S`` chosen from the scale-1
   counts so that there are about 10 million interactions; the survey responses are then
   sampled down to 1 million (a fixed-seed sample of whole responses, so every reference
   stays valid) and the deals topped up to 2 million (``--deals``: a fixed-seed resample under
   new ids). The tables are cached as Parquet under ``benchmarks/.data/`` (git-ignored)
   and reused. ``--data DIR`` uses any folder of the six Parquet files instead.
2. A fresh worker process loads the folder once with :func:`load_dataset` (the kit's
   loader: validation, then the tables in the data set's in-process DuckDB; not timed) and
   runs the two sides interleaved, ``--repeat`` (3) times each, keeping the best of each:
   ``kit.kpis.compute`` for the kit, the reference SQL for the baseline. Interleaving makes
   drift on a shared machine hit both sides alike. The reference query runs on the kit
   data set's own DuckDB connection (:func:`reference_connection`), so both sides read the
   very same in-memory DuckDB tables; where that connection is not found, on an in-memory
   DuckDB built from the same Parquet files.
3. Memory: the RSS high-water mark is reset before each run (``/proc/self/clear_refs``)
   and read after it (``VmHWM``). The kit runs first, straight after loading, so its first
   run's peak (loaded tables + its own work) is the figure held against 4 GB.
4. Report: best times and their ratio (target <= 1.5), the kit's peak memory (target
   < 4 GB), and the cross-check: per KPI the largest absolute difference, the rows that
   differ, and rows with a value on one side only.

Exit status: 0 when every target is met and the results agree, 1 otherwise (``--no-fail``:
always 0 unless the benchmark itself breaks).

Run from the repository root::

    .venv/bin/python benchmarks/bench_kpis.py                 # the full benchmark
    .venv/bin/python benchmarks/bench_kpis.py --sql-only      # only time the reference SQL
    .venv/bin/python benchmarks/bench_kpis.py --interactions 1e6 --surveys 1e5   # smaller
    .venv/bin/python benchmarks/bench_kpis.py --data DIR      # your own Parquet folder
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SQL_FILE = HERE / "kpi_reference.sql"
CACHE = HERE / ".data"
TABLES = ("reps", "customers", "interactions", "surveys", "deals", "quotas")

TARGET_RATIO = 1.5
TARGET_MEMORY_BYTES = 4 * 1024**3
# Values agree when |kit - reference| <= ABS_TOL + REL_TOL * |reference|.
ABS_TOL = 1e-9
REL_TOL = 1e-9

# The KPI ids of docs/design.md section 2, in catalogue order (the reference query's columns).
KPI_IDS = (
    "csat_mean", "csat_top2_rate", "nps", "resolution_hours_median", "sla_met_rate",
    "first_contact_resolution_rate", "reopen_rate", "needs_understood_score",
    "transparency_score", "first_response_hours_median", "callback_within_24h_rate",
    "needs_analysis_success_rate", "personalized_proposals", "personalized_acceptance_rate",
    "proactive_contact_share", "complaints_per_100_customers", "proactive_resolution_rate",
    "revenue_won", "quota_attainment", "win_rate",
)


# =========================================================================================
# Adjust here: how the kit loads the folder, and where its DuckDB tables live.
# =========================================================================================


def load_dataset(folder: Path):
    """Load the Parquet folder as a kit Dataset, ready to compute (not timed).

    ``kit.load`` validates the tables; touching ``data.con`` puts them into the data set's
    in-process DuckDB (Ibis), which the kit would otherwise do inside the first compute.
    """
    import kit

    data = kit.load(folder)
    con = getattr(data, "con", None)  # materialize the kit's DuckDB tables now
    del con
    return data


def kit_compute(data, quarters: str):
    """The timed call on the kit side."""
    import kit.kpis

    return kit.kpis.compute(data, quarter=quarters)


def reference_connection(data, folder: Path):
    """A DuckDB connection holding the six tables for the reference query, and its origin.

    Preferably the kit data set's own connection (the Ibis DuckDB backend at ``data.con``;
    its ``.con`` is the ``duckdb.DuckDBPyConnection``), so that the query reads exactly the
    tables the kit computes from. Otherwise a new in-memory DuckDB with the Parquet files
    loaded as tables (``CREATE TABLE ... AS SELECT * FROM read_parquet(...)``).
    """
    import duckdb

    if data is not None:
        backend = getattr(data, "con", None)
        raw = getattr(backend, "con", backend)
        if isinstance(raw, duckdb.DuckDBPyConnection):
            names = {r[0] for r in raw.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()}
            if set(TABLES) <= names:
                return raw, "the kit data set's DuckDB connection (data.con.con)"
            missing = sorted(set(TABLES) - names)
            print(f"  note: the kit's DuckDB lacks {missing}; using the Parquet files",
                  file=sys.stderr)
    return parquet_connection(folder), "a new in-memory DuckDB loaded from the Parquet files"


# =========================================================================================
# Data
# =========================================================================================


def parquet_connection(folder: Path):
    """A fresh in-memory DuckDB with the folder's tables loaded (quotas empty if absent)."""
    import duckdb

    con = duckdb.connect()
    for name in TABLES:
        path = Path(folder) / f"{name}.parquet"
        if path.exists():
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet(?)", [str(path)])
        elif name == "quotas":
            con.execute("CREATE TABLE quotas (rep_id VARCHAR, quarter VARCHAR, quota DOUBLE)")
        else:
            raise SystemExit(f"{path} is missing: a data folder needs {', '.join(TABLES)}")
    return con


def cache_folder(seed: int, interactions: int, surveys: int, scale: float | None,
                 deals: int = 0) -> Path:
    tag = f"scale{scale:g}" if scale else f"i{interactions}"
    return CACHE / (f"kpis_seed{seed}_{tag}_s{surveys}" + (f"_d{deals}" if deals else ""))


def _generator_hash() -> str | None:
    """Hash of kit/sample.py, to notice a cache made by an older generator."""
    import hashlib

    path = ROOT / "kit" / "sample.py"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else None


def generate_data(folder: Path, seed: int, interactions: int, surveys: int,
                  scale: float | None, deals: int = 0) -> None:
    """Write the benchmark tables as Parquet into ``folder`` (runs in a worker process)."""
    import pandas as pd

    import kit.sample

    if scale is None:
        probe = kit.sample.generate(seed=seed, scale=1.0)
        per_unit = len(probe["interactions"])
        del probe
        scale = min(1000.0, interactions / per_unit)
        print(f"  scale 1 has {per_unit:,} interactions: using scale={scale:.2f}")
    t0 = time.perf_counter()
    tables = kit.sample.generate(seed=seed, scale=scale)
    print(f"  generated in {time.perf_counter() - t0:.1f} s")
    s = tables["surveys"]
    if surveys and len(s) > surveys:
        tables["surveys"] = s.sample(n=surveys, random_state=seed).sort_index()
        print(f"  surveys sampled down from {len(s):,} to {surveys:,}")
    d = tables["deals"]
    if deals and len(d) < deals:
        # Top up with a fixed-seed sample of the generated deals under new ids (``<id>~<k>``):
        # every reference (customer, rep) stays valid and the quarters do not change.
        extra = d.sample(n=deals - len(d), replace=True, random_state=seed).reset_index(drop=True)
        extra["deal_id"] = extra["deal_id"] + "~" + pd.Series(range(len(extra))).astype(str)
        tables["deals"] = pd.concat([d, extra], ignore_index=True)
        print(f"  deals topped up from {len(d):,} to {deals:,} (resampled, ids suffixed)")
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    counts = {}
    for name, df in tables.items():
        if not hasattr(df, "to_parquet"):
            continue
        df.to_parquet(tmp / f"{name}.parquet", index=False)
        counts[name] = len(df)
    meta = {"seed": seed, "scale": scale, "rows": counts, "target_interactions": interactions,
            "target_surveys": surveys, "target_deals": deals, "created": time.strftime("%Y-%m-%d %H:%M:%S"),
            "generator_sha256": _generator_hash()}
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)


def ensure_data(args) -> Path:
    if args.data:
        folder = Path(args.data)
        if not all((folder / f"{t}.parquet").exists() for t in TABLES if t != "quotas"):
            raise SystemExit(f"--data {folder}: needs {', '.join(TABLES)} as .parquet files")
        return folder
    folder = cache_folder(args.seed, args.interactions, args.surveys, args.scale, args.deals)
    if (folder / "meta.json").exists() and not args.regenerate:
        print(f"data: reusing {folder}")
        made_by = json.loads((folder / "meta.json").read_text()).get("generator_sha256")
        if made_by != _generator_hash():
            print("  warning: kit/sample.py has changed since this data was generated; "
                  "use --regenerate for data from the current generator")
        return folder
    print(f"data: generating into {folder} (kit.sample.generate, seed={args.seed}) ...")
    folder.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, __file__, "--worker", "generate", "--folder", str(folder),
           "--seed", str(args.seed), "--interactions", str(args.interactions),
           "--surveys", str(args.surveys), "--deals", str(args.deals)]
    if args.scale:
        cmd += ["--scale", str(args.scale)]
    subprocess.run(cmd, check=True, timeout=args.timeout)
    return folder


def row_counts(folder: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect()
    out = {}
    for name in TABLES:
        path = folder / f"{name}.parquet"
        if path.exists():
            out[name] = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]
    return out


# =========================================================================================
# Workers (each side in its own process)
# =========================================================================================


def _proc_status(field: str) -> int | None:
    """A ``/proc/self/status`` memory field (VmRSS, VmHWM) in bytes; None off Linux."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset the process's RSS high-water mark (Linux: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _gb(n: int | None) -> str:
    return "?" if n is None else f"{n / 1024**3:.2f} GiB"


def _maxrss_bytes() -> int:
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def normalize(result):
    """The KPI table as columns quarter (str), rep_id, then the values, sorted."""
    import pandas as pd

    named_index = any(name is not None for name in result.index.names)
    df = result.reset_index() if named_index else result.reset_index(drop=True)
    if "quarter" not in df.columns:
        raise ValueError(f"result has no quarter column or index level: {list(df.columns)[:6]}")
    df["quarter"] = df["quarter"].astype(str)
    df["rep_id"] = df["rep_id"].astype(str)
    df = df.sort_values(["quarter", "rep_id"]).reset_index(drop=True)
    for col in df.columns:
        if col not in ("quarter", "rep_id"):
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df


def worker(args) -> None:
    """Load once, then run the sides interleaved; write result tables and a JSON of figures.

    Order: kit, sql, kit, sql, ... so that drift on a shared machine hits both sides alike.
    Before each run the RSS high-water mark is reset, and read after it: the kit's first
    run comes straight after loading, so its peak is the clean figure for the memory target.
    """
    sides = ["kit", "sql"] if args.worker == "both" else [args.worker]
    folder = Path(args.folder)
    t0 = time.perf_counter()
    need_kit = "kit" in sides or args.sql_source == "auto"
    data = load_dataset(folder) if need_kit else None
    load_seconds = time.perf_counter() - t0
    gc.collect()
    rss_loaded = _proc_status("VmRSS")
    peak_loading = _proc_status("VmHWM") or _maxrss_bytes()  # read before any reset

    sql = SQL_FILE.read_text()
    state: dict = {}

    def prepare(side: str):
        """Set a side up (outside the timer); return the function to time."""
        if side == "kit":
            return lambda: kit_compute(data, args.quarters)
        if "con" not in state:
            if args.sql_source == "parquet":
                state["con"], state["origin"] = parquet_connection(folder), \
                    "a new in-memory DuckDB loaded from the Parquet files"
            else:
                state["con"], state["origin"] = reference_connection(data, folder)
        con = state["con"]
        return lambda: con.execute(sql).df()

    figures = {side: {"side": side, "times": [], "peaks": [], "load_seconds": load_seconds,
                      "rss_loaded_bytes": rss_loaded, "peak_loading_bytes": peak_loading}
               for side in sides}
    results = {}
    for i in range(args.repeat):
        for side in sides:
            run = prepare(side)
            results[side] = None
            gc.collect()
            reset = _reset_peak_rss()
            t = time.perf_counter()
            results[side] = run()
            elapsed = time.perf_counter() - t
            hwm = _proc_status("VmHWM")
            f = figures[side]
            f["times"].append(elapsed)
            f["peaks"].append(hwm if (reset and hwm) else None)
            f.setdefault("peak_reset", reset)
            print(f"  {side}: run {i + 1}/{args.repeat}: {elapsed:.3f} s, peak RSS "
                  f"{_gb(f['peaks'][-1])}", file=sys.stderr)
    for side in sides:
        f = figures[side]
        f["best_seconds"] = min(f["times"])
        # The first run's peak: for the kit (first side), loaded data + its own work only.
        f["peak_compute_bytes"] = f["peaks"][0] if f["peaks"][0] else _maxrss_bytes()
        f["source"] = "kit.kpis.compute" if side == "kit" else state.get("origin")
        f["result_shape"] = list(results[side].shape)
        normalize(results[side]).to_parquet(Path(args.workdir) / f"{side}.parquet", index=False)
        f["result_path"] = str(Path(args.workdir) / f"{side}.parquet")
    (Path(args.workdir) / "figures.json").write_text(json.dumps(figures, indent=2))


def run_worker(sides: str, folder: Path, args, workdir: Path) -> dict:
    cmd = [sys.executable, __file__, "--worker", sides, "--folder", str(folder),
           "--quarters", args.quarters, "--repeat", str(args.repeat),
           "--workdir", str(workdir), "--sql-source", args.sql_source]
    what = "the reference SQL" if sides == "sql" else "the kit and the reference SQL"
    print(f"running {what} in a new process (load, then {args.repeat} runs each) ...")
    proc = subprocess.run(cmd, timeout=args.timeout)
    if proc.returncode != 0:
        raise SystemExit(f"the benchmark worker failed with exit status {proc.returncode}")
    return json.loads((workdir / "figures.json").read_text())


# =========================================================================================
# Cross-check and report
# =========================================================================================


def cross_check(kit_df, ref_df) -> tuple[list[dict], dict]:
    """Compare the kit's table with the reference on their common (quarter, rep_id) rows.

    Returns one dict per KPI (and per ``n_`` column) with ``max_abs_diff``, ``rows_differ``
    (outside the tolerance, or a value on one side only) and an example, plus a summary
    of the rows and columns found on one side only.
    """
    import numpy as np

    keys = ["quarter", "rep_id"]
    merged = ref_df.merge(kit_df, on=keys, how="outer", suffixes=("_ref", "_kit"),
                          indicator=True)
    both = merged[merged["_merge"] == "both"]
    summary = {
        "rows_common": int(len(both)),
        "rows_only_reference": int((merged["_merge"] == "left_only").sum()),
        "rows_only_kit": int((merged["_merge"] == "right_only").sum()),
        "quarters_only_reference": sorted(set(ref_df.quarter) - set(kit_df.quarter)),
        "quarters_only_kit": sorted(set(kit_df.quarter) - set(ref_df.quarter)),
        "columns_missing_in_kit": [c for c in ref_df.columns if c not in kit_df.columns],
    }
    rows = []
    for kpi in KPI_IDS:
        for col in (kpi, f"n_{kpi}"):
            if f"{col}_ref" not in both.columns:
                continue
            ref = both[f"{col}_ref"].to_numpy(dtype="float64")
            got = both[f"{col}_kit"].to_numpy(dtype="float64")
            ref_nan, got_nan = np.isnan(ref), np.isnan(got)
            one_sided = ref_nan != got_nan
            valued = ~ref_nan & ~got_nan
            diff = np.where(valued, np.abs(got - ref), 0.0)
            bad = one_sided | (diff > ABS_TOL + REL_TOL * np.abs(np.where(valued, ref, 0.0)))
            example = None
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                example = {"quarter": both["quarter"].iloc[i], "rep_id": both["rep_id"].iloc[i],
                           "reference": None if ref_nan[i] else float(ref[i]),
                           "kit": None if got_nan[i] else float(got[i])}
            rows.append({"column": col, "max_abs_diff": float(diff.max()) if len(diff) else 0.0,
                         "rows_differ": int(bad.sum()), "one_sided": int(one_sided.sum()),
                         "example": example})
    return rows, summary


def report(args, folder, counts, sql, kit, checks, summary) -> bool:
    ok = True
    print("\n=== KPI benchmark (docs/design.md section 9) ===")
    print(f"data: {folder}")
    print("  rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    if kit is not None:
        print(f"  quarters passed to kit.kpis.compute: {args.quarters!r}")
        print(f"loading (kit.load and the kit's DuckDB tables): {sql['load_seconds']:.1f} s; "
              f"resident after loading {_gb(sql['rss_loaded_bytes'])}")
    print(f"reference SQL: best {sql['best_seconds']:.3f} s of "
          f"{', '.join(f'{t:.3f}' for t in sql['times'])}; on {sql['source']}")
    if kit is None:
        print(f"  peak RSS of its first run {_gb(sql['peak_compute_bytes'])} (the tables included)")
        return True
    ratio = kit["best_seconds"] / sql["best_seconds"]
    mem = kit["peak_compute_bytes"]
    print(f"kit KPI layer: best {kit['best_seconds']:.3f} s of "
          f"{', '.join(f'{t:.3f}' for t in kit['times'])}; peak RSS of its first run "
          f"{_gb(mem)} (the process: {_gb(kit['rss_loaded_bytes'])} after loading, "
          f"{_gb(kit['peak_loading_bytes'])} at the peak of loading)")
    if not kit.get("peak_reset"):
        print("  note: the RSS high-water mark could not be reset: the peak includes loading")
    t = kit["times"]
    if len(t) > 1 and min(t[1:]) < 0.2 * t[0]:
        print("  warning: later kit runs are >5x faster than the first: does it cache results?")
    ratio_ok = ratio <= TARGET_RATIO
    mem_ok = mem is not None and mem < TARGET_MEMORY_BYTES
    print(f"ratio kit / SQL: {ratio:.2f}  (target <= {TARGET_RATIO})  "
          f"{'OK' if ratio_ok else 'MISSED'}")
    print(f"memory: {_gb(mem)}  (target < {_gb(TARGET_MEMORY_BYTES)})  "
          f"{'OK' if mem_ok else 'MISSED'}")
    ok = ratio_ok and mem_ok

    if checks is not None:
        print(f"\ncross-check on {summary['rows_common']:,} common (quarter, rep_id) rows "
              f"(tolerance {ABS_TOL:g} + {REL_TOL:g} x |value|):")
        if summary["rows_only_reference"] or summary["rows_only_kit"]:
            print(f"  rows only in the reference: {summary['rows_only_reference']:,} "
                  f"(quarters {summary['quarters_only_reference']}); only in the kit: "
                  f"{summary['rows_only_kit']:,} (quarters {summary['quarters_only_kit']})")
        if summary["columns_missing_in_kit"]:
            print(f"  MISSING in the kit's result: {summary['columns_missing_in_kit']}")
            ok = False
        width = max(len(c["column"]) for c in checks) if checks else 10
        print(f"  {'column':<{width}}  {'max |diff|':>12}  {'rows differ':>11}  example")
        for c in checks:
            flag = "" if not c["rows_differ"] else "  <-- MISMATCH"
            ex = "" if c["example"] is None else json.dumps(c["example"], ensure_ascii=False)
            print(f"  {c['column']:<{width}}  {c['max_abs_diff']:>12.3g}  "
                  f"{c['rows_differ']:>11,}  {ex}{flag}")
        bad = [c["column"] for c in checks if c["rows_differ"]]
        if bad:
            ok = False
            print(f"  {len(bad)} column(s) disagree: {', '.join(bad)}")
        else:
            print("  all values agree")
    print(f"\nresult: {'all targets met' if ok else 'NOT all targets met'}")
    return ok


# =========================================================================================


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help="a folder with the six tables as Parquet (skips generation)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--interactions", type=lambda s: int(float(s)), default=10_000_000,
                   help="target interactions; the scale is chosen from scale 1 (default 1e7)")
    p.add_argument("--surveys", type=lambda s: int(float(s)), default=1_000_000,
                   help="survey responses are sampled down to this many (default 1e6)")
    p.add_argument("--deals", type=lambda s: int(float(s)), default=2_000_000,
                   help="deals are topped up to this many with resampled deals under new ids "
                        "(default 2e6; 0 keeps the generated ones)")
    p.add_argument("--scale", type=float, help="use this kit.sample scale instead")
    p.add_argument("--regenerate", action="store_true", help="ignore the cached data")
    p.add_argument("--quarters", default="all",
                   help="the quarter argument of kit.kpis.compute (default 'all')")
    p.add_argument("--repeat", type=int, default=3, help="runs per side; the best counts")
    p.add_argument("--sql-only", action="store_true",
                   help="only time the reference SQL (on the Parquet files; kit.load not needed)")
    p.add_argument("--sql-source", choices=["auto", "parquet"], default="auto",
                   help="auto: the kit's DuckDB connection when found; parquet: always load "
                        "the Parquet files into a new in-memory DuckDB")
    p.add_argument("--no-check", action="store_true", help="skip the cross-check")
    p.add_argument("--no-fail", action="store_true", help="exit 0 even when a target is missed")
    p.add_argument("--json", help="also write the figures and the cross-check to this file")
    p.add_argument("--timeout", type=float, default=3600, help="seconds allowed per process")
    # internal: worker processes
    p.add_argument("--worker", choices=["both", "sql", "generate"], help=argparse.SUPPRESS)
    p.add_argument("--folder", help=argparse.SUPPRESS)
    p.add_argument("--workdir", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # keep our lines in order with the workers'
    if args.worker == "generate":
        generate_data(Path(args.folder), args.seed, args.interactions, args.surveys, args.scale, args.deals)
        return 0
    if args.worker:
        worker(args)
        return 0

    if args.sql_only:
        args.sql_source = "parquet"
    folder = ensure_data(args)
    counts = row_counts(folder)
    with tempfile.TemporaryDirectory(prefix="bench_kpis.") as tmp:
        workdir = Path(tmp)
        figures = run_worker("sql" if args.sql_only else "both", folder, args, workdir)
        sql, kit = figures["sql"], figures.get("kit")
        checks = summary = None
        if kit is not None and not args.no_check:
            import pandas as pd

            checks, summary = cross_check(pd.read_parquet(kit["result_path"]),
                                          pd.read_parquet(sql["result_path"]))
        ok = report(args, folder, counts, sql, kit, checks, summary)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"data": str(folder), "rows": counts, "sql": sql, "kit": kit,
             "cross_check": checks, "summary": summary, "ok": ok,
             "targets": {"ratio": TARGET_RATIO, "memory_bytes": TARGET_MEMORY_BYTES}},
            indent=2, ensure_ascii=False, default=str))
    return 0 if ok or args.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
