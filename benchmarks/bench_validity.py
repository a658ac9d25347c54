"""Benchmark: the KPI verdicts and the scorecard bootstrap against the KPI query they rest on.

The verdicts average 200 random customer halves and the scorecard's intervals come from 200
customer-level bootstrap resamples. Both are computed from KPI pieces per customer bucket, so
their cost should be a small multiple of computing the KPIs themselves, not 200 KPI queries.
Baseline, measured in the same run: one ``kit.kpis.compute`` of every KPI over the quarters a
verdict needs (the validity window and last quarter's).

Run: ``.venv/bin/python benchmarks/bench_validity.py [--source data/samples] [--quarter 2026Q3]``.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(fn):
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, dt, peak / 2**20


def main() -> None:
    import numpy as np

    import kit
    from kit.analysis import _buckets as B
    from kit.analysis import _common as C

    ap = argparse.ArgumentParser()
    ap.add_argument("--source", default=str(ROOT / "data" / "samples"))
    ap.add_argument("--quarter", default="2026Q3")
    a = ap.parse_args()
    data = kit.load(a.source)
    q = C.one_quarter(data, a.quarter)
    quarters = C.window(data, q, 5)
    settings = C.settings_of(None)
    weights = {"csat_mean": 20, "sla_met_rate": 15, "resolution_hours_median": 15, "first_contact_resolution_rate": 10,
               "proactive_contact_share": 10, "revenue_won": 20, "personalized_proposals": 10}
    C.kpi_table(data, quarters, settings)  # warm-up: connection, views, imports
    _, base, base_mem = _timed(lambda: C.kpi_table(data, quarters, settings))
    print(f"baseline: every KPI for {len(quarters)} quarters, one query: {base:.2f} s, peak {base_mem:.0f} MiB")
    _, t_piece, m_piece = _timed(lambda: B.kpi_pieces(data, quarters, settings, kit.kpis.ids(), 32))
    print(f"KPI pieces per customer bucket (32): {t_piece:.2f} s ({t_piece / base:.2f}x), peak {m_piece:.0f} MiB")
    pieces = B.kpi_pieces(data, quarters, settings, kit.kpis.ids(), 32)
    halves = B.random_halves(32, 200)
    k = "sla_met_rate"
    _, t_split, _ = _timed(lambda: kit.stats.split_reliability(*(pieces.combine(k, w, pieces.quarters[-1:])[0]
                                                                  for w in (halves, 1 - halves))))
    print(f"200 random halves of one KPI, combined and correlated: {t_split * 1000:.1f} ms")
    v, t_val, m_val = _timed(lambda: kit.analysis.kpi_validity(data, str(q)))
    print(f"kpi_validity (this and last quarter's verdicts, 200 splits each): {t_val:.2f} s "
          f"({t_val / base:.2f}x), peak {m_val:.0f} MiB")
    sc, t_sc, m_sc = _timed(lambda: kit.analysis.scorecard(data, str(q), weights=weights))
    print(f"scorecard with a 200-resample customer bootstrap of {len(weights)} KPIs: {t_sc:.2f} s "
          f"({t_sc / base:.2f}x), peak {m_sc:.0f} MiB")
    _, t_sc0, _ = _timed(lambda: kit.analysis.scorecard(data, str(q), weights=weights, n_boot=0))
    print(f"  the same without the bootstrap: {t_sc0:.2f} s; the bootstrap adds {t_sc - t_sc0:.2f} s")
    print(f"verdicts: {dict(zip(*np.unique(v['verdict'], return_counts=True)))}")


if __name__ == "__main__":
    main()
