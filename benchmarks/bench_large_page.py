"""Benchmark: the rep scorecard page at 5,000 reps against the same page at 40 reps.

Target (the management pages scale with the sales force): the management page of
``30_rep_scorecards`` stays under 2 MB with 5,000 reps, and its size grows far less than the
number of reps (the baseline is the same notebook on the 40-rep sample, run here too). Also
printed: the run times and the peak memory of the notebook kernels.

Data: ``kit.sample.generate(n_reps=5000, n_customers=30000, quarters="2026Q3")`` written as
Parquet into a temporary folder (one quarter keeps it quick).

Run: ``.venv/bin/python benchmarks/bench_large_page.py [--reps 5000] [--keep]``.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _run(source: Path, out: Path) -> tuple[float, int]:
    from kit import report as R

    t0 = time.perf_counter()
    res = R.run("2026Q3", source=str(source), out=out, notebooks=["30"], pdf=False, force=True,
                echo=lambda s: None)
    assert res.ok, res.summary()
    page = out / "2026Q3" / "management" / "30_rep_scorecards.html"
    return time.perf_counter() - t0, page.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5000)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    from kit import sample

    tmp = Path(tempfile.mkdtemp(prefix="kit-bench-large-"))
    try:
        small = tmp / "small"
        large = tmp / "large"
        for folder, kw in ((small, {}), (large, {"n_reps": args.reps, "n_customers": args.reps * 6})):
            folder.mkdir()
            for name, table in sample.generate(quarters="2026Q3", **kw).items():
                table.to_parquet(folder / f"{name}.parquet")
        t_small, size_small = _run(small, tmp / "out-small")
        t_large, size_large = _run(large, tmp / "out-large")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"40 reps:    {size_small / 1e6:6.2f} MB page, {t_small:6.1f} s")
        print(f"{args.reps} reps: {size_large / 1e6:6.2f} MB page, {t_large:6.1f} s "
              f"({size_large / size_small:.1f}x the size for {args.reps / 40:.0f}x the reps; "
              f"{t_large / t_small:.1f}x the time)")
        print(f"peak memory of a notebook kernel: {peak:,.0f} MB")
        print(f"target: page under 2 MB: {'met' if size_large < 2e6 else 'NOT met'}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
