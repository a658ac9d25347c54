"""Satisfaction dimensions: reliability, key drivers, importance x performance, rep-level measurement."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kit import moments, stats
from kit.analysis import _common as common
from kit.results import Result

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset

__all__ = ["reliability", "drivers", "rep_reliability", "dimension_trends", "QUADRANTS", "ReliabilityResult",
           "DriversResult", "RepReliabilityResult"]

QUADRANTS = ("fix first", "keep up", "maintain", "low priority")


@dataclass(frozen=True)
class ReliabilityResult(Result):
    """Cronbach's alpha per dimension (``table``, see :func:`reliability`).

    Attributes
    ----------
    quarter : str
    items : DataFrame
        One row per item: ``dimension, item, reverse, alpha_if_deleted, item_total``.
    missing : str
        How missing answers were handled.
    threshold : float
    """

    quarter: str = ""
    items: pd.DataFrame = field(default_factory=pd.DataFrame)
    missing: str = ""
    threshold: float = 0.7


@dataclass(frozen=True)
class DriversResult(Result):
    """Key drivers (``table``, see :func:`drivers`) and the facts of the fit.

    Attributes
    ----------
    r2 : float
    n : int
    quarter, method, ordinal_note : str
    differences : DataFrame
        Bootstrap pairwise differences of the shares.
    ordinal_agrees : bool or None
    n_boot : int
    seed : Any
    """

    r2: float = math.nan
    n: int = 0
    quarter: str = ""
    differences: pd.DataFrame = field(default_factory=pd.DataFrame)
    ordinal_agrees: Any = None
    ordinal_note: str = ""
    method: str = ""
    n_boot: int = 0
    seed: Any = None


@dataclass(frozen=True)
class RepReliabilityResult(Result):
    """How well reps are measured (``table``, see :func:`rep_reliability`), for a quarter."""

    quarter: str = ""


def reliability(data: Dataset, quarter: str | None = None, *, threshold: float = 0.7,
                ci: float = 0.95) -> pd.DataFrame:
    """Cronbach's alpha of each dimension of the instrument for a quarter's responses.

    Returns
    -------
    DataFrame
        Indexed by dimension: ``items``, ``n`` (respondents used), ``alpha``, ``ci_low``,
        ``ci_high``, ``flag`` (True when alpha is below ``threshold``): the ``table`` of a
        :class:`ReliabilityResult`, whose ``items`` has one row per item with ``dimension, item,
        reverse, alpha_if_deleted, item_total`` (corrected item-total correlation) and
        ``missing`` says how missing answers were handled.

    Notes
    -----
    Items are reflected first (reverse-keyed items). With two items per dimension, alpha equals
    the Spearman-Brown corrected inter-item correlation and alpha-if-deleted is undefined (NaN).
    Checked through :func:`kit.stats.cronbach_alpha` (tests against R psych and pingouin).
    """
    q = common.one_quarter(data, quarter)
    from kit.survey import dimension_scores

    answers = dimension_scores(data, [str(q)], items=True)
    inst = data.instrument
    rows, items = [], []
    missing = ""
    for dim in inst.dimensions:
        cols = [i.column for i in inst.items_of(dim)]
        res = stats.cronbach_alpha(answers[cols].astype(float), ci=ci)
        missing = res.missing
        rows.append({"dimension": dim, "items": len(cols), "n": res.n, "alpha": res.alpha,
                     "ci_low": res.ci[0], "ci_high": res.ci[1], "flag": bool(res.alpha < threshold)})
        for it in inst.items_of(dim):
            items.append({"dimension": dim, "item": it.column, "reverse": it.reverse,
                          "alpha_if_deleted": float(res.alpha_if_deleted.get(it.column, np.nan)),
                          "item_total": float(res.item_total.get(it.column, np.nan))})
    out = pd.DataFrame(rows).set_index("dimension")
    return ReliabilityResult(table=out, quarter=str(q), items=pd.DataFrame(items), missing=missing,
                             threshold=threshold)


def _ordinal_check(df: pd.DataFrame, outcome: str, dims: list[str]) -> dict:
    """Ordered logit of the outcome on standardized dimension scores (statsmodels OrderedModel)."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    sub = df[[outcome, *dims]].dropna()
    x = (sub[dims] - sub[dims].mean()) / sub[dims].std(ddof=0)
    y = sub[outcome].astype(int)
    if y.nunique() < 3 or len(sub) < 10 * len(dims):
        return {"coef": pd.Series(np.nan, index=dims), "agrees": None, "note": "too few responses"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = OrderedModel(y.to_numpy(), x.to_numpy(), distr="logit").fit(method="bfgs", disp=False, maxiter=500)
    coef = pd.Series(np.asarray(fit.params)[: len(dims)], index=dims)
    return {"coef": coef, "pvalues": pd.Series(np.asarray(fit.pvalues)[: len(dims)], index=dims)}


#: Largest number of responses the ordered-logit check fits on; above it, a fixed-seed sample of customers.
ORDINAL_MAX_RESPONSES = 20_000


def _ordinal_responses(data: Dataset, q: str, cols: list[str], m: moments.ClusterMoments, limit: int,
                       seed: int) -> tuple[pd.DataFrame, str]:
    """The complete-case responses for the ordered logit: all of them up to ``limit``, else the
    responses of customers drawn at random (fixed seed) until ``limit`` responses are reached."""
    total = int(m.n.sum())
    if total <= limit:
        return moments.complete_responses(data, q, cols), ""
    order = np.random.default_rng(seed).permutation(len(m.clusters))
    take = order[: max(1, int(np.searchsorted(np.cumsum(m.n[order]), limit, side="right")))]
    df = moments.complete_responses(data, q, cols, customers=m.clusters[np.sort(take)])
    return df, (f" The ordered logit was fitted on the {len(df):,} responses of {len(take):,} customers drawn at "
                f"random (seed {seed}) of {len(m.clusters):,}, not on all {total:,} responses.")


def drivers(
    data: Dataset,
    quarter: str | None = None,
    *,
    outcome: str = "csat",
    method: str = "shapley",
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
    ordinal_max_responses: int = ORDINAL_MAX_RESPONSES,
) -> pd.DataFrame:
    """Which satisfaction dimensions drive overall satisfaction, and where performance lags.

    Key driver analysis on the quarter's responses: the outcome (overall CSAT, or ``nps``)
    regressed on the dimension scores; relative importance as the exact Shapley (LMG)
    decomposition of R² (or Johnson's relative weights) with bootstrap intervals; an
    ordered logit as a robustness check; and each dimension's performance.

    Parameters
    ----------
    data : kit.Dataset
    quarter : str, optional
        Default: the latest quarter.
    outcome : {'csat', 'nps'}
    method : {'shapley', 'relative_weights'}
    n_boot, seed, ci
        Bootstrap resamples of the customers (fixed seed: the same intervals on every run and
        every engine) and interval level.
    ordinal_max_responses : int
        Largest number of responses the ordered-logit check is fitted on (20,000); above it,
        on the responses of customers drawn at random with ``seed``, as ``ordinal_note`` says.

    Returns
    -------
    DataFrame
        Indexed by dimension: ``importance`` (share of R²), ``ci_low``, ``ci_high``, ``rank``,
        ``rank_ci_low``, ``rank_ci_high``, ``raw`` (part of R²), ``beta`` (standardized
        coefficient), ``ordinal_coef`` (ordered-logit coefficient per SD), ``performance``
        (mean score), ``top2`` (share of responses scoring 4 or more on the dimension's
        scale), ``change`` (performance minus the previous quarter's), ``quadrant`` in
        {fix first, keep up, maintain, low priority}, ``priority`` (importance times the
        performance gap, in [0, 1], for the weight recommendation).
        The ``table`` of a :class:`DriversResult`, whose fields are ``r2``, ``n``,
        ``quarter``, ``differences`` (bootstrap pairwise differences of shares),
        ``ordinal_agrees`` (bool), ``ordinal_note`` (a sentence).

    Notes
    -----
    The regression uses the responses with the outcome and every dimension score
    (complete cases). Its correlation matrix is computed in the engine from per-customer
    sums and cross-product sums (:func:`kit.moments.cross_products`): one row per customer
    leaves the database, never the responses. The shares are those of
    :func:`kit.stats.relative_importance` on the same responses (equal to 1e-9,
    tests/test_drivers_moments.py).

    The bootstrap resamples **customers**, not responses: the responses of one customer
    are not independent (the same account, the same reps, the same experience), so
    resampling responses as if they were would understate the uncertainty. Each resample
    draws as many customers as there are, with replacement, and takes all their responses;
    its correlation matrix is the weighted sum of the per-customer rows
    (:func:`kit.moments.bootstrap_correlations`): exact, and its cost grows with the number
    of customers, not of responses. Performance and top-2 shares are aggregates in the
    engine too; only the ordered-logit check reads responses, at most
    ``ordinal_max_responses`` of them.

    Quadrants as in the key-driver charts of customer-experience tools: importance above the
    mean share (1 / number of dimensions) is "high", performance above the mean of the
    dimensions' performance is "high"; high importance with low performance is "fix first".

    Examples
    --------
    >>> import kit
    >>> d = kit.analysis.drivers(kit.load("data/samples"), "2026Q3", n_boot=100)
    >>> round(float(d["importance"].sum()), 6), d.table.index.name
    (1.0, 'dimension')
    """
    if outcome not in {"csat", "nps"}:
        raise ValueError(f"outcome must be 'csat' or 'nps'; got {outcome!r}.")
    if not isinstance(ordinal_max_responses, int) or ordinal_max_responses < 1:
        raise ValueError(f"ordinal_max_responses must be a whole number >= 1; got {ordinal_max_responses!r}.")
    q = common.one_quarter(data, quarter)
    dims = list(data.instrument.dimensions)
    prev = q.previous()
    cols = [outcome, *dims]
    m = moments.cross_products(data, str(q), columns=cols)
    boot = moments.bootstrap_correlations(m, n_boot, seed) if n_boot else None
    ri = stats.relative_importance_from_correlations(moments.correlation(m), outcome, dims, n=int(m.n.sum()),
                                                     boot=boot, method=method, ci=ci, seed=seed)
    out = ri[["importance", "ci_low", "ci_high", "rank", "rank_ci_low", "rank_ci_high", "raw", "beta"]].copy()
    sample, sample_note = _ordinal_responses(data, str(q), cols, m, ordinal_max_responses, seed)
    ordinal = _ordinal_check(sample, outcome, dims)
    out["ordinal_coef"] = ordinal["coef"]
    hi = data.instrument.scale_max
    lo = data.instrument.scale_min
    top_cut = lo + (hi - lo) * 0.75  # 4 on a 1-5 scale
    now = moments.column_summary(data, str(q), dims, at_least=top_cut)
    perf = now["mean"]
    out["performance"] = perf
    with np.errstate(invalid="ignore", divide="ignore"):
        out["top2"] = now["n_at_least"] / now["n"].where(now["n"] > 0)
    if common.has_quarter(data, prev):
        out["change"] = perf - moments.column_summary(data, str(prev), dims)["mean"]
    else:
        out["change"] = np.nan
    high_imp = out["importance"] > 1.0 / len(dims)
    high_perf = out["performance"] > out["performance"].mean()
    out["quadrant"] = np.select([high_imp & ~high_perf, high_imp & high_perf, ~high_imp & high_perf],
                                ["fix first", "keep up", "maintain"], "low priority")
    gap = (hi - out["performance"]) / (hi - lo)
    pr = out["importance"] * gap
    out["priority"] = pr / pr.max() if pr.max() > 0 else pr
    agrees = None
    note = ordinal.get("note", "")
    if ordinal["coef"].notna().all():
        rho = pd.Series(out["beta"]).rank().corr(ordinal["coef"].rank(), method="spearman")
        agrees = bool(ordinal["coef"].idxmax() == out["importance"].idxmax() and rho >= 0.5)
        top_ord = ordinal["coef"].idxmax()
        note = (f"The ordered logit agrees: its strongest dimension is {top_ord} as well "
                f"(rank correlation with the linear coefficients {rho:.2f})." if agrees else
                f"The ordered logit disagrees: its strongest dimension is {top_ord}, not "
                f"{out['importance'].idxmax()} (rank correlation {rho:.2f}); read the ranking with care.")
    out.index.name = "dimension"
    return DriversResult(table=out, r2=ri.r2, n=ri.n, quarter=str(q), differences=ri.differences,
                         ordinal_agrees=agrees, ordinal_note=(note + sample_note).strip(), method=method,
                         n_boot=n_boot, seed=seed)


def rep_reliability(data: Dataset, quarter: str | None = None, *, targets: tuple[float, ...] = (0.7, 0.8)
                    ) -> pd.DataFrame:
    """How well a rep's survey score is measured: ICC(1), reliability at the median n, n needed.

    Returns
    -------
    DataFrame
        Indexed by score (``csat`` and each dimension): ``icc`` with its interval
        ``icc_ci_low``, ``icc_ci_high``, ``icc_method`` (``"REML"``), ``reps``, ``median_n`` (responses per rep),
        ``reliability_at_median`` (Spearman-Brown), ``reps_reliable`` (reps whose own n
        reaches 0.7), and ``n_for_<target>`` per target reliability, all from that ``icc``.

    Notes
    -----
    The ICC comes from REML variance components of ``score ~ 1 + (1 | rep)``, with the
    F-based interval. That model depends on the responses only through each rep's count,
    sum and sum of squares, which the engine computes (:func:`kit.moments.group_moments`):
    one row per rep leaves the database, and the REML maximum is found from them
    (:func:`kit.stats.grouped.icc_reml_from_moments`; equal to statsmodels MixedLM's fit on
    the responses to that optimizer's tolerance, 1e-4, tests/test_drivers_moments.py).
    A rep-level ICC of about 0.05 needs 50-80 responses per rep for a reliability of
    0.8 (Nelson et al. 2004); this table says how many the user's own reps need.

    Examples
    --------
    >>> import kit
    >>> rr = kit.analysis.rep_reliability(kit.load("data/samples"), "2026Q3")
    >>> rr.loc["csat", "icc_method"], bool(rr.loc["csat", "icc_ci_low"] < rr.loc["csat", "icc"])
    ('REML', True)
    """
    from kit.stats.grouped import icc_reml_from_moments

    q = common.one_quarter(data, quarter)
    rows = []
    for col in ["csat", *data.instrument.dimensions]:
        m = moments.group_moments(data, str(q), value=col)
        counts = m["n"]
        if counts.size < 3:  # 1 rep: no between-rep variance at all; 2: one degree of freedom
            warnings.warn(f"rep_reliability: {col} has {counts.size} rep(s) with responses in {q}; at least 3 "
                          "are needed to estimate how much of it lies between reps (ICC).", RuntimeWarning,
                          stacklevel=2)
            icc, lo, hi, method = np.nan, np.nan, np.nan, ""
        else:
            res = icc_reml_from_moments(m)
            icc, lo, hi, method = res.icc, res.ci_low, res.ci_high, res.method
        med = float(counts.median()) if len(counts) else np.nan
        known = np.isfinite(icc)
        row = {"score": col, "icc": icc, "icc_ci_low": lo, "icc_ci_high": hi, "icc_method": method,
               "reps": int(counts.size), "median_n": med,
               "reliability_at_median": (float(stats.rep_mean_reliability(icc, med)) if icc > 0 else 0.0)
               if known else np.nan,
               "reps_reliable": (int((stats.rep_mean_reliability(icc, counts.to_numpy(dtype=float)) >= 0.7).sum())
                                 if icc > 0 else 0) if known else 0}
        for t in targets:
            row[f"n_for_{t:g}"] = (float(np.ceil(stats.responses_needed(icc, t))) if icc > 0 else np.inf) if known \
                else np.nan
        rows.append(row)
    return RepReliabilityResult(table=pd.DataFrame(rows).set_index("score"), quarter=str(q))


def dimension_trends(data: Dataset, quarters: str = "all") -> pd.DataFrame:
    """Mean CSAT and dimension scores per quarter (for trend charts).

    Returns
    -------
    DataFrame
        Indexed by quarter: ``n`` responses, ``csat``, then one column per dimension.
    """
    from kit.periods import label_of_index
    from kit.survey import dimension_score_exprs

    qs = data.quarters_for(quarters)
    dims = list(data.instrument.dimensions)
    t = data.table("surveys_attributed")
    t = t.filter((t.submitted_at >= qs[0].start) & (t.submitted_at < qs[-1].end))
    t = t.filter(t.quarter_index.isin([q.index for q in qs]))
    scored = t.mutate(csat=t.csat.cast("float64"), **dimension_score_exprs(t, data.instrument))
    means = {c: scored[c].mean() for c in ["csat", *dims]}
    got = scored.group_by("quarter_index").aggregate(n=scored.count(), **means).order_by("quarter_index").execute()
    index = pd.Index([label_of_index(int(i), data.fiscal_start_month) for i in got["quarter_index"]],
                     dtype="string", name="quarter")
    out = pd.DataFrame({c: got[c].to_numpy(dtype=float) for c in ["csat", *dims]}, index=index)
    out.insert(0, "n", got["n"].to_numpy(dtype="int64"))
    return out
