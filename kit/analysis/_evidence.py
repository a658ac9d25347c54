"""The evidence behind a KPI verdict, for one window of quarters.

Everything is computed from customer-bucket pieces (:mod:`kit.analysis._buckets`) over many
random customer halves, so that

- reliability is the mean over ``SPLITS`` random halves (not one hash split that can swing);
- the KPI and the satisfaction it is judged against always come from *disjoint* customers
  (half A's KPI against half B's satisfaction and the reverse), so a survey KPI is never
  correlated with the answers of the same respondents;
- the partial correlation controls the KPIs of the *other* dimensions, taken from the same
  half as the KPI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit import stats
from kit.analysis._buckets import Pieces, random_halves

__all__: list[str] = []

BUCKETS = 32
SPLITS = 200
PARTIAL_SPLITS = 40


@dataclass
class Inputs:
    """What the evidence of every window is computed from (computed once per call)."""

    pieces: Pieces
    sat_sums: dict[str, np.ndarray]  # quarter -> (C, R, B)
    sat_cnts: dict[str, np.ndarray]
    sat_columns: list[str]           # "csat", then the dimensions
    metas: dict[str, Any]
    need: dict[str, int]
    sat_min: int
    dims: list[str]
    covered: set = frozenset()  # KPIs with enough coverage to serve as controls
    seed: int = 0


def criterion_of(m: Any, dims: list[str]) -> str:
    """The satisfaction a KPI is judged against: its dimension's perception, else overall CSAT."""
    return m.dimension if m.dimension in dims else "csat"


def _sat(inp: Inputs, w: np.ndarray, quarters: list[str]) -> tuple[np.ndarray, np.ndarray]:
    s = sum(inp.sat_sums[q] for q in quarters)
    c = sum(inp.sat_cnts[q] for q in quarters)
    num = np.einsum("crb,sb->csr", s, w)
    cnt = np.einsum("crb,sb->csr", c, w)
    some = cnt > 0
    np.divide(num, cnt, out=num, where=some)   # in place: (C, splits, reps) is large for many reps
    num[~some] = np.nan
    return num, cnt


def _ranks_z(x: np.ndarray) -> np.ndarray:
    """Per row, ranks of the finite values standardized (mean 0, SD 1); NaN stays NaN."""
    ok = np.isfinite(x)
    from scipy.stats import rankdata

    r = np.where(ok, rankdata(np.where(ok, x, np.inf), axis=1), np.nan)
    mu = np.nanmean(r, axis=1, keepdims=True)
    sd = np.nanstd(r, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (r - mu) / np.where(sd > 0, sd, np.nan)


def _fisher_mean(rs: list[float]) -> float:
    rs = [r for r in rs if np.isfinite(r)]
    if not rs:
        return math.nan
    return float(math.tanh(np.mean([math.atanh(max(min(r, 0.9999999), -0.9999999)) for r in rs])))


def _interval(r: float, n: float, k: int = 0) -> tuple[float, float, float]:
    """Fisher-z interval and two-sided t-test p of a (partial) correlation from n units, k controls."""
    if not np.isfinite(r) or n - k - 3 <= 0:
        return math.nan, math.nan, math.nan
    from scipy import stats as st

    z = math.atanh(max(min(r, 0.9999999), -0.9999999))
    half = 1.959963984540054 / math.sqrt(n - k - 3)
    dof = n - k - 2
    t = r * math.sqrt(dof / max(1e-12, 1 - r * r))
    return math.tanh(z - half), math.tanh(z + half), float(2 * st.t.sf(abs(t), dof))


def window_evidence(inp: Inputs, win: list[str], ids: list[str]) -> pd.DataFrame:
    """Per KPI: reliability, cross-half convergent r, partial r (mechanism and overall), within-rep r.

    Returns
    -------
    DataFrame
        Indexed by KPI id, see :func:`kit.analysis.kpi_validity` for the columns.
    """
    p = inp.pieces
    q = win[-1]
    halves = random_halves(p.buckets, SPLITS, seed=inp.seed)
    other = 1.0 - halves
    half_sat_min = max(2, inp.sat_min // 2)
    sat_a, cnt_a = _sat(inp, halves, win)
    sat_a[cnt_a < half_sat_min] = np.nan
    sat_b, cnt_b = _sat(inp, other, win)
    sat_b[cnt_b < half_sat_min] = np.nan
    del cnt_a, cnt_b
    col = {c: i for i, c in enumerate(inp.sat_columns)}

    def kpi_halves(k: str, quarters: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The KPI on every half and on its complement (splits x reps), signed so higher is better."""
        sign = 1.0 if inp.metas[k].direction == "+" else -1.0
        half_min = max(1, math.ceil(inp.need[k] / 2))
        out = []
        for w in (halves, other):
            v, n = p.combine(k, w, quarters)
            out.append(np.where(n >= half_min, v * sign, np.nan))
        return out[0], out[1]

    # KPI halves over the window (for validity): every KPI's first PARTIAL_SPLITS halves are kept
    # (the controls and partial correlations use no more); all SPLITS of one KPI at a time, in
    # its row below (splits x reps x KPIs is large for a large sales force)
    sp = slice(0, PARTIAL_SPLITS)
    xa, xb = {}, {}
    for k in ids:
        a, b = kpi_halves(k, win)
        xa[k], xb[k] = a[sp].copy(), b[sp].copy()

    # composites of each service dimension (controls): the mean rank-z of its covered KPIs,
    # computed on all customers (both halves) so that the control is as reliable as it can be
    # and measurement error in it leaves as little residual confounding as possible
    service = [k for k in ids if inp.metas[k].dimension in inp.dims and k in inp.covered]
    comp: dict[str, dict[str, np.ndarray]] = {"a": {}, "b": {}}
    members: dict[str, list[str]] = {}
    for d in inp.dims:
        ks = [k for k in service if inp.metas[k].dimension == d]
        members[d] = ks
        if ks:
            zs = np.stack([_ranks_z(np.where(np.isfinite(xa[k][sp]) & np.isfinite(xb[k][sp]),
                                             (xa[k][sp] + xb[k][sp]) / 2, np.nan)) for k in ks])
            cnt = np.isfinite(zs).sum(axis=0)
            both = np.where(cnt > 0, np.nansum(zs, axis=0) / np.maximum(cnt, 1), np.nan)
            comp["a"][d] = comp["b"][d] = both
    rows = []
    for k in ids:
        m = inp.metas[k]
        c = criterion_of(m, inp.dims)
        row: dict[str, Any] = {"id": k, "criterion": c}
        qa, qb = kpi_halves(k, [q])   # in the quarter (for reliability)
        rel = stats.split_reliability(qa, qb, method="spearman", min_units=5)
        row["reliability"] = rel.reliability
        row["reliability_splits"] = rel.splits
        if np.isfinite(rel.reliability) and rel.n >= 4:
            r_half = rel.reliability / (2 - rel.reliability) if rel.reliability < 1 else 0.9999999
            lo, hi = stats.corr_ci(max(min(r_half, 1.0), -1.0), int(round(rel.n)))
            sb = lambda r: float(np.clip(2 * r / (1 + r), -1, 1)) if r > -1 else -1.0  # noqa: E731
            row["reliability_ci_low"], row["reliability_ci_high"] = sb(lo), sb(hi)
        else:
            row["reliability_ci_low"] = row["reliability_ci_high"] = math.nan
        if m.dimension == "overall" and m.survey:
            rows.append(row)
            continue
        ya, yb = sat_a[col[c]], sat_b[col[c]]
        xka, xkb = kpi_halves(k, win)
        r1 = stats.rowwise_correlation(xka, yb)
        r2 = stats.rowwise_correlation(xkb, ya)
        n_conv = float(np.mean((np.isfinite(xka) & np.isfinite(yb)).sum(axis=1)))
        r_conv = _fisher_mean(list(np.r_[r1, r2]))
        lo, hi, pv = _interval(r_conv, n_conv)
        row.update({"r_convergent": r_conv, "r_convergent_ci_low": lo, "r_convergent_ci_high": hi,
                    "p_convergent": pv, "n_convergent": int(round(n_conv))})
        rel_x = _fisher_mean(list(stats.rowwise_correlation(xka, xkb)))
        rel_y = _fisher_mean(list(stats.rowwise_correlation(ya, yb)))
        if np.isfinite(r_conv) and rel_x > 0 and rel_y > 0:
            row["r_convergent_corrected"] = stats.disattenuate(r_conv, min(rel_x, 1.0), min(rel_y, 1.0))
            row["r_convergent_corrected_ci_low"] = stats.disattenuate(lo, min(rel_x, 1.0), min(rel_y, 1.0))
            row["r_convergent_corrected_ci_high"] = stats.disattenuate(hi, min(rel_x, 1.0), min(rel_y, 1.0))
        else:
            row["r_convergent_corrected"] = math.nan
            row["r_convergent_corrected_ci_low"] = row["r_convergent_corrected_ci_high"] = math.nan
        controls = [d for d in inp.dims if d != m.dimension and d in comp["a"]]
        row["controls"] = ",".join(controls)
        for name, crit in (("partial", c), ("incremental", "csat")):
            if name == "incremental" and crit == c:
                row.update({f"r_{name}": row.get("r_partial", math.nan)} | {
                    f"r_{name}_ci_low": row.get("r_partial_ci_low", math.nan),
                    f"r_{name}_ci_high": row.get("r_partial_ci_high", math.nan),
                    f"p_{name}": row.get("p_partial", math.nan)})
                continue
            rr, nn = _partials(xa[k][sp], xb[k][sp], sat_a[col[crit]][sp], sat_b[col[crit]][sp], comp, controls)
            lo, hi, pv = _interval(rr, nn, len(controls))
            row.update({f"r_{name}": rr, f"r_{name}_ci_low": lo, f"r_{name}_ci_high": hi, f"p_{name}": pv})
            if name == "partial":
                row["n_partial"] = int(round(nn)) if np.isfinite(nn) else 0
                row["explained_by"] = _explainer(k, xa[k][sp], sat_b[col[crit]][sp], comp, controls, members, xa)
        w_r, w_n = _within(inp, k, c, win)
        lo, hi, pv = _interval(w_r, w_n)
        row.update({"r_within": w_r, "r_within_ci_low": lo, "r_within_ci_high": hi, "n_within": int(w_n)})
        rows.append(row)
    return pd.DataFrame(rows).set_index("id")


def _partials(xa, xb, ya, yb, comp, controls) -> tuple[float, float]:
    rs, ns = [], []
    for x, y, h in ((xa, yb, "a"), (xb, ya, "b")):
        z = np.stack([comp[h][d] for d in controls], axis=2) if controls else None
        r, n = stats.rowwise_partial_correlation(x, y, z, method="spearman")
        rs += list(r[np.isfinite(r)])
        ns += list(n[np.isfinite(r)])
    return _fisher_mean(rs), (float(np.mean(ns)) if ns else math.nan)


def _explainer(k, xa, yb, comp, controls, members, xa_all) -> str | None:
    """The other-dimension KPI that explains most of the KPI's association: the dimension whose
    composite alone lowers the partial r most, and in it the KPI closest to this one."""
    if not controls:
        return None
    best, low = None, math.inf
    for d in controls:
        r = float(stats.rowwise_partial_correlation(xa[:8], yb[:8], comp["a"][d][:8, :, None])[0].mean())
        if np.isfinite(r) and r < low:
            best, low = d, r
    if best is None:
        return None
    cands = [j for j in members[best] if j != k]
    if not cands:
        return None
    sims = {j: stats.rowwise_correlation(xa_all[k][:1], xa_all[j][:1])[0] for j in cands}
    sims = {j: v for j, v in sims.items() if np.isfinite(v)}
    return max(sims, key=lambda j: abs(sims[j])) if sims else cands[0]


def _within(inp: Inputs, k: str, c: str, win: list[str]) -> tuple[float, float]:
    """Within-rep evidence: quarterly KPI (half A) against quarterly criterion (half B), with rep
    and quarter fixed effects (two-way demeaning), both directions of one split averaged."""
    if len(win) < 3:
        return math.nan, 0.0
    p = inp.pieces
    col = inp.sat_columns.index(c)
    h = random_halves(p.buckets, 1, seed=inp.seed)
    m = inp.metas[k]
    sign = 1.0 if m.direction == "+" else -1.0
    half_min = max(1, math.ceil(inp.need[k] / 2))
    rs, ns = [], []
    for wa, wb in ((h, 1 - h), (1 - h, h)):
        xs, ys = [], []
        for q in win:
            v, n = p.combine(k, wa, [q])
            xs.append(np.where(n[0] >= half_min, v[0] * sign, np.nan))
            s, cnt = _sat(inp, wb, [q])
            ys.append(np.where(cnt[col, 0] >= max(2, inp.sat_min // 2), s[col, 0], np.nan))
        x, y = np.array(xs), np.array(ys)  # (Q, R)
        ok = np.isfinite(x) & np.isfinite(y)
        keep = ok.sum(axis=0) >= 2
        x, y, ok = x[:, keep], y[:, keep], ok[:, keep]
        if ok.sum() < 10:
            continue
        rx, ry = _two_way(x, ok), _two_way(y, ok)
        dof = ok.sum() - ok.shape[1] - ok.shape[0] + 1
        denom = math.sqrt((rx[ok] ** 2).sum() * (ry[ok] ** 2).sum())
        if denom > 0 and dof > 3:
            rs.append(float((rx[ok] * ry[ok]).sum() / denom))
            ns.append(dof)
    return _fisher_mean(rs), (float(np.mean(ns)) if ns else 0.0)


def _two_way(x: np.ndarray, ok: np.ndarray, iters: int = 30) -> np.ndarray:
    """Residuals of x on rep and quarter fixed effects (alternating projections, unbalanced)."""
    r = np.where(ok, x, 0.0)
    w = ok.astype(float)
    for _ in range(iters):
        r = r - np.where(ok, (r * w).sum(axis=1, keepdims=True) / np.maximum(w.sum(axis=1, keepdims=True), 1), 0)
        r = r - np.where(ok, (r * w).sum(axis=0, keepdims=True) / np.maximum(w.sum(axis=0, keepdims=True), 1), 0)
    return r
