"""Sufficient statistics computed in the engine: per-group moments and per-cluster cross products.

The statistics of the kit need only small summaries of the responses, never the responses:

* ICC(1), Spearman-Brown reliability and shrinkage of rep means need, per rep, the count,
  the sum and the sum of squares of a score (:func:`group_moments`);
* the drivers' correlation matrix needs the sums and cross-product sums of CSAT and the
  dimension scores; kept per customer (:func:`cross_products`), a bootstrap that resamples
  customers is exact and costs one weighted sum of those rows per replicate
  (:func:`bootstrap_correlations`): it scales with the number of customers, not responses.

The summaries are Ibis aggregations, so DuckDB, PostgreSQL or Spark computes them where the
data lies; only one row per rep or per customer comes back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from kit.dataset import Dataset

__all__ = ["ClusterMoments", "group_moments", "icc1_from_moments", "cross_products", "correlation",
           "bootstrap_counts", "bootstrap_correlations", "column_summary", "response_counts", "complete_responses"]


def _responses(data: Dataset, quarter: str | Iterable[str] | None):
    """The credited responses of the quarters (Ibis), with per-response scores.

    Columns added: ``csat`` and ``nps`` as float, one per dimension score, ``nps_points``
    (100 for a promoter, -100 for a detractor, 0 for a passive, the NPS of one response) and
    one per item tag of the instrument (the mean of the answered tagged items,
    :func:`kit.survey.tag_score_expr`) unless a column of that name exists.
    """
    import ibis

    from kit.survey import dimension_score_exprs, tag_score_expr

    t = data.table("surveys_attributed")
    if quarter is not None:
        quarters = data.quarters_for(quarter)
        t = t.filter((t.submitted_at >= quarters[0].start) & (t.submitted_at < quarters[-1].end))
        t = t.filter(t.quarter_index.isin([q.index for q in quarters]))
    nps = t.nps.cast("float64")
    extra: dict[str, Any] = {"nps_points": ibis.cases((nps >= 9, 100.0), (nps <= 6, -100.0), else_=0.0)}
    extra["nps_points"] = ibis.ifelse(nps.isnull(), ibis.null("float64"), extra["nps_points"])
    dims = dimension_score_exprs(t, data.instrument)
    for tag in sorted({g for it in data.instrument.items for g in it.tags}):
        if tag not in t.columns and tag not in dims and tag not in extra:
            extra[tag] = tag_score_expr(t, data.instrument, tag)
    return t.mutate(csat=t.csat.cast("float64"), nps=nps, **dims, **extra)


def group_moments(data: Dataset, quarter: str | Iterable[str] | None = None, *, group: str = "rep_id",
                  value: str = "csat") -> pd.DataFrame:
    """Per group (rep), the count, sum and sum of squares of a score, computed in the engine.

    Parameters
    ----------
    data : kit.Dataset
    quarter : str or list, optional
        Responses placed by ``submitted_at``; default all.
    group : str
        ``rep_id`` (the rep credited) or ``customer_id``.
    value : str
        ``csat``, ``nps`` or a dimension of the instrument.

    Returns
    -------
    DataFrame
        Indexed by ``group`` (sorted): ``n, sum, sum_sq, mean``; responses with the value
        missing are left out.

    Examples
    --------
    >>> import kit
    >>> m = kit.moments.group_moments(kit.load("data/samples"), "2026Q3")  # doctest: +SKIP
    >>> kit.moments.icc1_from_moments(m)  # doctest: +SKIP
    """
    t = _responses(data, quarter)
    if value not in t.columns or group not in t.columns:
        raise ValueError(f"value={value!r} / group={group!r}: value must be csat, nps or a dimension "
                         f"({', '.join(data.instrument.dimensions)}); group rep_id or customer_id.")
    x = t[value]
    t = t.filter(x.notnull() & t[group].notnull())
    x = t[value]
    out = t.group_by(group).aggregate(n=t.count(), sum=x.sum(), sum_sq=(x * x).sum()).execute()
    out = out.astype({"n": "int64", "sum": "float64", "sum_sq": "float64"})
    out[group] = out[group].astype(str)
    out = out.set_index(group).sort_index()
    out["mean"] = out["sum"] / out["n"]
    return out


def icc1_from_moments(m: pd.DataFrame) -> float:
    """One-way ICC(1) from :func:`group_moments` (the estimator of :func:`kit.stats.icc1`).

    Returns
    -------
    float
        ``(MSB - MSW) / (MSB + (n0 - 1) MSW)`` with n0 = (N - sum n_i^2 / N) / (k - 1).

    Notes
    -----
    Equal to ``kit.stats.icc1`` on the responses themselves (tests/test_moments.py).
    """
    n_i = m["n"].to_numpy(dtype=float)
    s_i = m["sum"].to_numpy(dtype=float)
    k, n = n_i.size, n_i.sum()
    if k < 2 or n <= k:
        raise ValueError(f"icc1 needs at least 2 groups and one with 2 or more observations; got {int(n)} in {k}.")
    grand = s_i.sum() / n
    means = s_i / n_i
    ss_between = float((n_i * (means - grand) ** 2).sum())
    ss_within = float((m["sum_sq"].to_numpy(dtype=float) - s_i**2 / n_i).sum())
    msb, msw = ss_between / (k - 1), ss_within / (n - k)
    n0 = (n - (n_i**2).sum() / n) / (k - 1)
    denom = msb + (n0 - 1.0) * msw
    return float((msb - msw) / denom) if denom else float("nan")


@dataclass(frozen=True)
class ClusterMoments:
    """Per-cluster sums of a set of variables: ``n``, ``sums`` (K x p), ``cross`` (K x p x p).

    Attributes
    ----------
    clusters : Index
        The cluster ids (customers), sorted.
    columns : list of str
        The variables, in order.
    """

    clusters: pd.Index
    columns: list[str]
    n: np.ndarray
    sums: np.ndarray
    cross: np.ndarray

    def totals(self, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(n, sums, cross)`` summed over clusters, each cluster counted ``weights`` times."""
        w = np.ones(len(self.n)) if weights is None else np.asarray(weights, dtype=float)
        return w @ self.n, w @ self.sums, np.tensordot(w, self.cross, axes=1)


def cross_products(data: Dataset, quarter: str | Iterable[str] | None = None, *,
                   columns: Iterable[str] | None = None, cluster: str = "customer_id") -> ClusterMoments:
    """Per customer, the count, sums and cross-product sums of CSAT and the dimension scores.

    Responses with any of the variables missing are left out (complete cases, as the drivers
    analysis uses them). Computed in the engine: one row per customer comes back.

    Parameters
    ----------
    data : kit.Dataset
    quarter : str or list, optional
    columns : list of str, optional
        Default ``csat`` then the instrument's dimensions.
    cluster : str
        ``customer_id`` (default) or ``rep_id``.

    Returns
    -------
    ClusterMoments
        ``n`` (K), ``sums`` (K x p), ``cross`` (K x p x p), per cluster id.
    """
    cols = ["csat", *data.instrument.dimensions] if columns is None else list(columns)
    t = _responses(data, quarter)
    import ibis

    t = t.filter(ibis.and_(*[t[c].notnull() for c in cols], t[cluster].notnull()))
    aggs: dict[str, Any] = {"n": t.count()}
    for i, a in enumerate(cols):
        aggs[f"s{i}"] = t[a].sum()
        for j in range(i, len(cols)):
            aggs[f"p{i}_{j}"] = (t[a] * t[cols[j]]).sum()
    df = t.group_by(cluster).aggregate(**aggs).execute()
    df[cluster] = df[cluster].astype(str)
    df = df.set_index(cluster).sort_index()
    p = len(cols)
    cross = np.empty((len(df), p, p))
    for i in range(p):
        for j in range(i, p):
            cross[:, i, j] = cross[:, j, i] = df[f"p{i}_{j}"].to_numpy(dtype=float)
    sums = np.column_stack([df[f"s{i}"].to_numpy(dtype=float) for i in range(p)])
    return ClusterMoments(df.index, cols, df["n"].to_numpy(dtype=float), sums, cross)


def _corr(n: float, s: np.ndarray, c: np.ndarray) -> np.ndarray:
    cov = c - np.outer(s, s) / n
    d = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant variable: NaN, left to the caller
        return cov / np.outer(d, d)


def correlation(m: ClusterMoments) -> pd.DataFrame:
    """The correlation matrix of the variables over all responses (complete cases).

    Returns
    -------
    DataFrame
        p x p, indexed and labelled by ``m.columns``; equal to ``DataFrame.corr()`` of the responses.
    """
    n, s, c = m.totals()
    return pd.DataFrame(_corr(n, s, c), index=m.columns, columns=m.columns)


def bootstrap_counts(k: int, n_boot: int, seed: int = 0) -> np.ndarray:
    """How often each of ``k`` clusters is drawn in each of ``n_boot`` resamples (``n_boot x k``).

    Resampling ``k`` clusters with replacement, as the nonparametric cluster bootstrap does,
    with the draws of :func:`kit.stats.importance.bootstrap_count_chunks`; a fixed seed gives
    the same resamples on every engine. (For checks: :func:`bootstrap_correlations` never
    holds the whole matrix.)
    """
    from kit.stats.importance import bootstrap_count_chunks

    out = np.zeros((n_boot, k))
    for start, stop, counts in bootstrap_count_chunks(k, n_boot, seed):
        out[:, start:stop] = counts
    return out


def bootstrap_correlations(m: ClusterMoments, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """Correlation matrices of ``n_boot`` customer-bootstrap resamples, from the per-customer sums.

    Exact: each replicate equals the correlation of the responses of the resampled customers
    (each customer's responses repeated as often as it is drawn, :func:`bootstrap_counts`).
    The draws come a chunk of customers at a time (about 2^19 counts), each chunk's counts
    multiplied by its customers' ``[n, sums, cross]`` rows: memory stays bounded and time
    grows with the number of customers, not responses.

    Returns
    -------
    ndarray
        ``n_boot x p x p``; NaN where a resample leaves a variable without variance.
    """
    from kit.stats.importance import bootstrap_count_chunks

    k, p = len(m.n), len(m.columns)
    iu, ju = np.triu_indices(p)
    design = np.column_stack([m.n, m.sums, m.cross[:, iu, ju]])
    acc = np.zeros((n_boot, design.shape[1]))
    for start, stop, counts in bootstrap_count_chunks(k, n_boot, seed):
        acc += counts.astype(np.float64) @ design[start:stop]
    out = np.empty((n_boot, p, p))
    for r in range(n_boot):
        c = np.empty((p, p))
        c[iu, ju] = c[ju, iu] = acc[r, 1 + p:]
        out[r] = _corr(acc[r, 0], acc[r, 1:1 + p], c)
    return out


def column_summary(data: Dataset, quarter: str | Iterable[str] | None, columns: Iterable[str], *,
                   at_least: float | None = None) -> pd.DataFrame:
    """Per score, the responses with a value, their mean and how many reach ``at_least`` (engine).

    Each score on its own answered responses (not complete cases).

    Parameters
    ----------
    data : kit.Dataset
    quarter : str or list, optional
    columns : list of str
        ``csat``, ``nps``, dimensions or tags (see :func:`group_moments`).
    at_least : float, optional
        Threshold counted by ``n_at_least`` (for example 4 on a 1-5 scale: top-2 box).

    Returns
    -------
    DataFrame
        Indexed by score: ``n, mean, n_at_least`` (``n_at_least`` 0 without a threshold).

    Examples
    --------
    >>> import kit
    >>> kit.moments.column_summary(kit.load("data/samples"), "2026Q3", ["csat"], at_least=4)  # doctest: +SKIP
    """
    import ibis

    cols = list(columns)
    t = _responses(data, quarter)
    aggs: dict[str, Any] = {}
    for i, c in enumerate(cols):
        x = t[c]
        aggs[f"n{i}"] = x.count()
        aggs[f"s{i}"] = x.sum()
        aggs[f"k{i}"] = (ibis.ifelse(x >= at_least, 1, 0).sum() if at_least is not None else ibis.literal(0))
    row = t.aggregate(**aggs).execute().iloc[0]
    n = np.array([float(row[f"n{i}"]) for i in range(len(cols))])
    s = np.array([float(row[f"s{i}"]) if pd.notna(row[f"s{i}"]) else np.nan for i in range(len(cols))])
    k = np.array([float(row[f"k{i}"]) if pd.notna(row[f"k{i}"]) else 0.0 for i in range(len(cols))])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, s / np.where(n > 0, n, 1.0), np.nan)
    return pd.DataFrame({"n": n.astype("int64"), "mean": mean, "n_at_least": k.astype("int64")},
                        index=pd.Index(cols, name="score"))


def response_counts(data: Dataset, quarter: str | Iterable[str] | None = None, *,
                    group: str = "rep_id") -> pd.Series:
    """Responses per group (rep) in the quarters, whatever they answered (engine).

    Returns
    -------
    Series
        Indexed by ``group`` (str, sorted): the number of responses credited to it.
    """
    t = _responses(data, quarter)
    t = t.filter(t[group].notnull())
    out = t.group_by(group).aggregate(n=t.count()).execute()
    return pd.Series(out["n"].to_numpy(dtype="int64"), index=pd.Index(out[group].astype(str), name=group),
                     name="n").sort_index()


def complete_responses(data: Dataset, quarter: str | Iterable[str] | None, columns: Iterable[str], *,
                       customers: Iterable[str] | None = None) -> pd.DataFrame:
    """The responses with every one of ``columns`` answered, one row each (from the engine).

    For the few analyses that need individual responses (an ordered logit): callers bound the
    size, for example by passing a sample of ``customers``.

    Returns
    -------
    DataFrame
        ``response_id, customer_id`` and ``columns`` (float), ordered by ``response_id``.
    """
    import ibis

    cols = list(columns)
    t = _responses(data, quarter)
    t = t.filter(ibis.and_(*[t[c].notnull() for c in cols]))
    if customers is not None:
        t = t.filter(t.customer_id.cast("string").isin([str(c) for c in customers]))
    df = t.select("response_id", "customer_id", *cols).order_by("response_id").execute()
    return df.astype({c: "float64" for c in cols}).reset_index(drop=True)
