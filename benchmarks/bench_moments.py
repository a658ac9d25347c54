"""Benchmark: the drivers analysis, rep reliability and the scorecard, time and peak memory.

The analyses start from the engine's sufficient statistics (kit/moments.py): per-customer
cross products for the drivers' correlation matrix and its customer bootstrap, per-rep
moments for ICC, reliability and shrinkage. So their memory should grow with the number of
customers and reps, not responses. This script measures it.

Each analysis runs in its own fresh process: ``kit.load(folder)`` (not timed), then the
resident high-water mark is reset (Linux ``/proc/self/clear_refs``) and the analysis is timed;
the figures are the time, the peak resident memory during the analysis (``VmHWM``) and the
resident memory after loading (the peak minus it is what the analysis itself added).

Data: ``--sample`` (the shipped ``data/samples``) or ``kit.sample.generate(seed=2026,
scale=S)`` written as Parquet to ``benchmarks/.data/moments_seed2026_s<S>/`` and reused
(scale 95 gives about 1 million responses over 8 quarters, 125,000 in the latest one).

``--kit DIR`` runs the analyses from another checkout of the kit (for a before/after
comparison), ``--json FILE`` also writes the figures. Run from the repository root::

    .venv/bin/python benchmarks/bench_moments.py --sample
    .venv/bin/python benchmarks/bench_moments.py --scale 95
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ANALYSES = ("drivers", "rep_reliability", "scorecard")


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:  # pragma: no cover - not Linux, or not allowed
        pass


def generated(scale: float) -> Path:
    """The Parquet folder of ``kit.sample.generate(seed=2026, scale=scale)`` (written once)."""
    folder = HERE / ".data" / f"moments_seed2026_s{scale:g}"
    if (folder / "surveys.parquet").exists():
        return folder
    import kit.sample

    folder.mkdir(parents=True, exist_ok=True)
    for name, df in kit.sample.generate(seed=2026, scale=scale).items():
        df.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def side(analysis: str, folder: str, n_boot: int) -> dict:
    import kit

    t = time.perf_counter()
    data = kit.load(folder)
    q = str(data.latest_quarter())
    load_s = time.perf_counter() - t
    rss = _status("VmRSS")
    _reset_peak()
    t = time.perf_counter()
    if analysis == "drivers":
        res = kit.analysis.drivers(data, q, n_boot=n_boot)
        facts = {"n": int(res.n), "r2": float(res.r2)}
    elif analysis == "rep_reliability":
        res = kit.analysis.rep_reliability(data, q)
        facts = {"icc_csat": float(res.loc["csat", "icc"]), "reps": int(res.loc["csat", "reps"])}
    else:
        w = kit.config.defaults()["weights"]
        res = kit.analysis.scorecard(data, q, weights=w, n_boot=200)
        facts = {"reps": int(len(res.table))}
    seconds = time.perf_counter() - t
    return {"analysis": analysis, "kit": kit.__file__, "quarter": q, "load_s": load_s, "seconds": seconds,
            "rss_after_load": rss, "peak": _status("VmHWM"), **facts}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sample", action="store_true", help="the shipped data/samples")
    p.add_argument("--scale", type=float, default=95.0)
    p.add_argument("--data", help="a folder of your own (CSV or Parquet)")
    p.add_argument("--kit", help="run the kit from this checkout instead")
    p.add_argument("--only", nargs="*", choices=ANALYSES, default=list(ANALYSES))
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples of the drivers")
    p.add_argument("--json")
    p.add_argument("--side", choices=ANALYSES, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.side:
        print(json.dumps(side(args.side, args.data, args.n_boot), default=str))
        return 0
    folder = Path(args.data) if args.data else ROOT / "data" / "samples" if args.sample else generated(args.scale)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([args.kit or str(ROOT), os.environ.get("PYTHONPATH", "")]))
    rows = []
    mib = 1024**2
    print(f"data: {folder}")
    for a in args.only:
        out = subprocess.run([sys.executable, __file__, "--side", a, "--data", str(folder),
                              "--n-boot", str(args.n_boot)], capture_output=True, text=True, env=env)
        if out.returncode != 0:
            raise SystemExit(f"{a} failed:\n{out.stderr[-3000:]}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(r)
        extra = {k: v for k, v in r.items() if k not in {"analysis", "kit", "quarter", "load_s", "seconds",
                                                          "rss_after_load", "peak"}}
        print(f"{a:16s} {r['seconds']:8.2f} s   peak {r['peak'] / mib:8.0f} MiB   "
              f"(after load {r['rss_after_load'] / mib:.0f} MiB, added {(r['peak'] - r['rss_after_load']) / mib:.0f})"
              f"   {extra}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"data": str(folder), "kit": rows[0]["kit"] if rows else "",
                                               "results": rows}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
