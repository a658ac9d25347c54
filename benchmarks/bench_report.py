"""Benchmark: ``kit run`` for one quarter against the naive way, and an unchanged re-run.

Targets (docs/design.md, "Performance"): a quarter in at most 0.3 times the naive way (the
``papermill`` and ``jupyter nbconvert`` command lines called once per notebook, each notebook
computing what it needs), an unchanged re-run in under a twentieth, many quarters in parallel.
``kit run`` runs the notebooks of a quarter side by side and computes each analysis once per
run (notebook 90 reads what 10, 20 and 30 saved). Both ways produce the same things: per notebook an
executed notebook, an analyst HTML (with code) and a management HTML (``--no-input``).

The notebooks are the real report notebooks of ``notebooks/`` when there are any, else the
engine's test notebooks (``tests/notebooks/ok_report`` and ``raises``). The data is
``data/samples`` when it holds the sample data, else a fresh sample written by ``kit.sample``
into a temporary folder (else the tiny test data set).

Run: ``.venv/bin/python benchmarks/bench_report.py [--quarter 2026Q3] [--keep]``.
Ratios are measured in the same run (the machines are shared and absolute times drift).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET = 0.30  # a quarter's kit run, as a share of the naive loop
sys.path.insert(0, str(ROOT))


def _notebooks() -> tuple[Path, list[str]]:
    real = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if not p.name.startswith((".", "_")))
    if real:
        return ROOT / "notebooks", [p.stem for p in real]
    return ROOT / "tests" / "notebooks", ["ok_report", "raises"]


def _source(tmp: Path) -> str:
    samples = ROOT / "data" / "samples"
    if any(samples.glob("reps.*")):
        return str(samples)
    try:
        from kit import sample

        sample.write_sample(tmp / "sample", seed=2026)
        return str(tmp / "sample")
    except Exception as exc:  # the sample generator is not usable: the tiny data set
        print(f"(kit.sample not usable: {exc}; using the tiny test data)")
        from tests import tiny

        return str(tiny.write_tiny(tmp / "tiny"))


def _timed(cmd: list[str], **kw) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quarter", default=None, help="quarter to run (default: the latest of the data)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()

    import kit

    tmp = Path(tempfile.mkdtemp(prefix="kit-bench-report-"))
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONIOENCODING": "utf-8",
           "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    try:
        nb_dir, names = _notebooks()
        source = _source(tmp)
        data = kit.load(source)
        quarter = args.quarter or str(data.latest_quarter())
        print(f"notebooks: {nb_dir.relative_to(ROOT)}/ {', '.join(names)}")
        print(f"data: {source} ({', '.join(f'{t} {n:,}' for t, n in data.rows_in.items())}); quarter {quarter}")

        # --- the naive way: papermill + nbconvert (analyst and management) per notebook ---
        naive = tmp / "naive"
        naive.mkdir()
        t_naive = 0.0
        for name in names:
            out_nb = naive / f"{name}.ipynb"
            (naive / "results").mkdir(exist_ok=True)
            t_naive += _timed([str(BIN / "papermill"), str(nb_dir / f"{name}.ipynb"), str(out_nb),
                               "-p", "quarter", quarter, "-p", "source", source, "-p", "lang", "zh",
                               "-p", "results_dir", str(naive / "results"), "--cwd", str(naive),
                               "--no-progress-bar"], env=env)
            t_naive += _timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(out_nb),
                               "--output", f"{name}.analyst"], env=env)
            t_naive += _timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", "--no-prompt",
                               str(out_nb), "--output", f"{name}.management"], env=env)

        # --- kit run: one process, in-process papermill and nbconvert ---
        out = tmp / "outputs"
        # (--no-pdf: the naive way prints no PDFs; their cost is measured apart below)
        kit_cmd = [sys.executable, "-m", "kit.cli", "run", "--quarter", quarter, "--source", source, "--out",
                   str(out), "--notebook-dir", str(nb_dir), "--notebooks", ",".join(names), "--no-pdf"]
        t_first = _timed([*kit_cmd, "--force"], env=env, cwd=str(ROOT))  # validates and snapshots the data too
        t_run = _timed([*kit_cmd, "--force"], env=env, cwd=str(ROOT))
        with_pdf = [c for c in kit_cmd if c != "--no-pdf"]
        t_pdf = _timed([*with_pdf, "--force", "--pdf"], env=env, cwd=str(ROOT))
        t_rerun = min(_timed(kit_cmd, env=env, cwd=str(ROOT)) for _ in range(3))

        from kit import report as R

        t0 = time.perf_counter()
        res = R.run(quarter, source=source, out=out, notebooks=names, notebook_dir=nb_dir, echo=lambda s: None)
        t_rerun_api = time.perf_counter() - t0
        assert res.quarters[0].status == "skipped", res.summary()

        # --- many quarters: one at a time vs two at once ---
        quarters = [str(q) for q in data.quarters()[-2:]]
        spec = f"{quarters[0]}:{quarters[-1]}"
        many = [sys.executable, "-m", "kit.cli", "run", "--quarters", spec, "--source", source, "--notebook-dir",
                str(nb_dir), "--notebooks", ",".join(names), "--force"]
        ok_names = [n for n in names if n != "raises"] or names  # `raises` fails for 2026Q2 by design
        many[many.index("--notebooks") + 1] = ",".join(ok_names)
        t_seq = _timed([*many, "--out", str(tmp / "seq"), "--jobs", "1"], env=env, cwd=str(ROOT))
        t_par = _timed([*many, "--out", str(tmp / "par"), "--jobs", "2"], env=env, cwd=str(ROOT))

        print()
        print(f"naive (papermill + 2 x nbconvert per notebook): {t_naive:7.2f} s")
        print(f"kit run, first (data validated and snapshotted): {t_first:7.2f} s   ({t_first / t_naive:.2f} x naive)")
        print(f"kit run, --force (data snapshot reused):        {t_run:7.2f} s   ({t_run / t_naive:.2f} x naive; "
              f"target <= {TARGET:.2f})")
        print(f"kit run, --force with the PDFs (Chromium):     {t_pdf:7.2f} s   ({t_pdf / t_run:.2f} x without; "
              f"{t_pdf / t_naive:.2f} x naive)")
        print(f"kit run, unchanged re-run (command line):       {t_rerun:7.2f} s   (1/{t_run / t_rerun:.0f} of a run; "
              f"target < 1/20)")
        print(f"kit.report.run, unchanged re-run (in process):  {t_rerun_api:7.3f} s   (1/{t_run / t_rerun_api:.0f})")
        print(f"{len(quarters)} quarters ({spec}), {', '.join(ok_names)}: --jobs 1 {t_seq:.2f} s, --jobs 2 "
              f"{t_par:.2f} s ({t_par / t_seq:.2f} x; {os.cpu_count()} CPUs)")
        ok = t_run <= TARGET * t_naive and t_rerun < t_run / 20
        print("targets met" if ok else "TARGET MISSED")
        if not ok:
            sys.exit(1)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
