"""Benchmark: a quarter's ``kit run`` on a large data set, and on the sample for comparison.

Target: peak resident memory of **every** process of the run (the ``kit run`` process and each
notebook kernel) at most 2 GB (GiB, 2^30 bytes) on 10 million interactions, 1 million survey
responses, 2 million deals; the wall time is printed beside the sample's.

The real command line runs in a subprocess:
``python -c "from kit.cli import main; main()" run --source FOLDER --quarter Q --out TMP --force``
with this checkout (or ``--kit DIR``) first on ``PYTHONPATH`` and as the working directory, so
the kit and notebooks measured are that tree's. For a before/after comparison, export the older
commit (``git archive COMMIT | tar -x -C DIR``) and pass ``--kit DIR``. A sampler thread
walks the process tree of that command every 0.2 s and keeps, per process, the largest
``VmHWM`` (the kernel's own high-water mark of resident memory) read from ``/proc/<pid>/status``:
growth in the last 0.2 s of a process's life is the only thing it can miss. Kernels are named by
the notebook whose log their standard output goes to (``logs/<notebook>.kernel.log``).
Per-notebook times come from the run's ``manifest.json``.

Run from the repository root:

```
.venv/bin/python benchmarks/bench_run_large.py --source benchmarks/.data/kpis_seed2026_i10000000_s1000000_d2000000
.venv/bin/python benchmarks/bench_run_large.py --sample-only        # only data/samples
.venv/bin/python benchmarks/bench_run_large.py --source DIR --no-sample --json out.json
```

The exit status is 0 when the large run succeeded with every process at most ``--limit-gib``
(default 2), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GIB = 1024 ** 3


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc."""
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read().decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _tree(root: int) -> list[int]:
    kids = _children()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += kids.get(pid, [])
    return out


def _hwm_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _label(pid: int, root: int) -> str:
    if pid == root:
        return "kit run"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        cmd = "?"
    if "ipykernel" in cmd:
        try:
            log = os.readlink(f"/proc/{pid}/fd/1")
            if log.endswith(".kernel.log"):
                return "kernel " + Path(log).name.removesuffix(".kernel.log")
        except OSError:
            pass
        return f"kernel pid {pid}"
    return f"{cmd[:40]} (pid {pid})"


class Sampler(threading.Thread):
    """The largest VmHWM per process of a process tree, sampled every ``every`` seconds."""

    def __init__(self, root: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.root, self.every = root, every
        self.peak: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in _tree(self.root):
                kib = _hwm_kib(pid)
                if kib is None:
                    continue
                if pid not in self.names or self.names[pid].startswith("kernel pid"):
                    self.names[pid] = _label(pid, self.root)
                self.peak[pid] = max(self.peak.get(pid, 0), kib)
            self.stop.wait(self.every)

    def by_name(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, kib in self.peak.items():
            name = self.names.get(pid, str(pid))
            out[name] = max(out.get(name, 0.0), kib * 1024 / GIB)
        return out


def run_once(source: Path, quarter: str, out: Path, *, notebooks: list[str] | None = None,
             kit_root: Path = ROOT) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(kit_root), os.environ.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)}
    cmd = [sys.executable, "-c", "from kit.cli import main; main()", "run", "--source", str(source),
           "--quarter", quarter, "--out", str(out), "--force", "--no-pdf"]
    for nb in notebooks or []:
        cmd += ["--notebooks", nb]
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=kit_root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = Sampler(proc.pid)
    sampler.start()
    log = proc.stdout.read()
    rc = proc.wait()
    wall = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    load1 = os.getloadavg()
    manifests = sorted(out.glob("*/manifest.json"))
    nb_times, q_done = {}, None
    if manifests:
        m = json.loads(manifests[-1].read_text(encoding="utf-8"))
        q_done = m.get("quarter")
        nb_times = {nb["name"]: nb["duration_s"] for nb in m.get("notebooks", [])}
    validated = next((ln.strip() for ln in log.splitlines() if " validated in " in ln), "")
    return {"source": str(source), "quarter": q_done or quarter, "exit": rc, "wall_s": round(wall, 1),
            "load_before": [round(x, 2) for x in load0], "load_after": [round(x, 2) for x in load1],
            "peak_gib": {k: round(v, 3) for k, v in sorted(sampler.by_name().items())},
            "notebook_s": nb_times, "validated": validated, "log_tail": log.splitlines()[-25:]}


def show(label: str, r: dict) -> None:
    print(f"\n== {label}: {r['source']} {r['quarter']} (exit {r['exit']})")
    print(f"wall time {r['wall_s']:.1f} s; load average {r['load_before']} before, {r['load_after']} after")
    if r["validated"]:
        print(f"  {r['validated']}")
    print("peak resident memory (VmHWM) per process:")
    for name, gib in sorted(r["peak_gib"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:<40} {gib:6.2f} GiB")
    print("notebook times:")
    for name, s in r["notebook_s"].items():
        print(f"  {name:<40} {s:7.1f} s")
    if r["exit"]:
        print("log tail:\n  " + "\n  ".join(r["log_tail"]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=ROOT / "benchmarks" / ".data" /
                    "kpis_seed2026_i10000000_s1000000_d2000000", help="the large data set (a folder)")
    ap.add_argument("--quarter", default="latest")
    ap.add_argument("--notebooks", action="append", default=None, help="only these notebooks (repeatable)")
    ap.add_argument("--no-sample", action="store_true", help="skip the sample run")
    ap.add_argument("--sample-only", action="store_true")
    ap.add_argument("--limit-gib", type=float, default=2.0)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--keep", action="store_true", help="keep the output folders")
    ap.add_argument("--kit", type=Path, default=ROOT,
                    help="the checkout whose kit and notebooks run (default: this one), e.g. a copy of an older commit")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kit-bench-run-"))
    results: dict[str, dict] = {}
    kit_root = args.kit.resolve()
    try:
        if not args.no_sample:
            results["sample"] = run_once(kit_root / "data" / "samples", args.quarter, tmp / "sample",
                                         notebooks=args.notebooks, kit_root=kit_root)
            show("sample", results["sample"])
        if not args.sample_only:
            results["large"] = run_once(args.source.resolve(), args.quarter, tmp / "large", notebooks=args.notebooks,
                                        kit_root=kit_root)
            show("large", results["large"])
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    if "large" in results and "sample" in results:
        a, b = results["sample"], results["large"]
        ratio = b["wall_s"] / a["wall_s"]
        print(f"\nlarge / sample wall time: {b['wall_s']:.1f} s / {a['wall_s']:.1f} s = {ratio:.1f}x")
    check = results.get("large") or results.get("sample")
    worst = max(check["peak_gib"].values(), default=0.0)
    met = worst <= args.limit_gib
    print(f"target: every process at most {args.limit_gib:g} GiB: {'met' if met else 'NOT met'} "
          f"(largest {worst:.2f} GiB); the run itself: {'ok' if check['exit'] == 0 else 'FAILED'} "
          f"(exit {check['exit']})")
    met = met and check["exit"] == 0
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
