"""Inference helpers: false discovery rate, correlations with intervals, Kendall's tau, VIF."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _st

from . import _checks

__all__ = [
    "CorrelationResult",
    "KendallResult",
    "benjamini_hochberg",
    "corr_ci",
    "correlation",
    "kendall_tau",
    "vif",
]

_CORR_METHODS = ("pearson", "spearman")


def benjamini_hochberg(pvalues: object) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate).

    Sorted p-values p_(1) <= ... <= p_(m) become min over j >= i of m p_(j) / j, capped
    at 1, and are returned in the original order. A p-value at or below q after
    adjustment is a discovery at false discovery rate q.

    Parameters
    ----------
    pvalues : array-like of float
        P-values in [0, 1]. NaN stays NaN and does not count in m (as R's
        ``p.adjust`` treats NA).

    Returns
    -------
    ndarray
        Adjusted p-values, same shape and order as the input; each is >= its p-value.

    Notes
    -----
    Benjamini & Hochberg (1995). Checked against R's ``p.adjust(method = "BH")``
    (``p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "BH")`` is 0.05 five times) and
    ``statsmodels.stats.multitest.multipletests(method="fdr_bh")``, see
    tests/stats/test_inference.py.
    """
    p = _checks.as_float_vector(pvalues, "pvalues")
    present = ~np.isnan(p)
    pv = p[present]
    if ((pv < 0) | (pv > 1)).any():
        bad = pv[(pv < 0) | (pv > 1)][:5]
        raise ValueError(f"pvalues must lie in [0, 1]; found {bad.tolist()}.")
    m = pv.size
    out = np.full(p.shape, np.nan)
    if m == 0:
        return out
    order = np.argsort(pv, kind="stable")[::-1]  # largest first
    ranks = np.arange(m, 0, -1)
    adjusted = np.minimum.accumulate(pv[order] * m / ranks)
    res = np.empty(m)
    res[order] = np.minimum(adjusted, 1.0)
    out[present] = res
    return out


def corr_ci(r: float, n: int, ci: float = 0.95) -> tuple[float, float]:
    """Confidence interval of a correlation by Fisher's z transformation.

    tanh(atanh(r) -+ z_(1 - a/2) / sqrt(n - 3)).

    Parameters
    ----------
    r : float
        The correlation, in [-1, 1].
    n : int
        Number of pairs behind it (at least 4).
    ci : float, default 0.95
        Confidence level.

    Returns
    -------
    tuple of float
        ``(low, high)``.

    Notes
    -----
    Fisher (1921). Checked against the CI95% of ``pingouin.corr``, which uses the same
    transformation, and by hand, see tests/stats/test_inference.py.
    """
    rr = _checks.require_real(r, "r", -1.0, 1.0)
    nn = _checks.require_int(n, "n", 4)
    level = _checks.require_level(ci)
    if abs(rr) == 1.0:
        return rr, rr
    z = math.atanh(rr)
    half = _st.norm.isf((1.0 - level) / 2.0) / math.sqrt(nn - 3)
    return math.tanh(z - half), math.tanh(z + half)


@dataclass(frozen=True)
class CorrelationResult:
    """A correlation with its test and interval, as returned by :func:`correlation`.

    Attributes
    ----------
    r : float
        The coefficient (Pearson's r or Spearman's rho).
    n : int
        Complete pairs used.
    p : float
        Two-sided p-value (scipy).
    ci_low, ci_high : float
        Fisher-z confidence interval (NaN when n < 4).
    method : str
        ``"pearson"`` or ``"spearman"``.
    """

    r: float
    n: int
    p: float
    ci_low: float
    ci_high: float
    method: str

    def as_dict(self) -> dict[str, float | int | str]:
        """The fields as a plain dict."""
        return dict(self.__dict__)


def correlation(
    x: object, y: object, method: str = "pearson", ci: float = 0.95
) -> CorrelationResult:
    """Pearson or Spearman correlation over the complete pairs, with p and interval.

    Parameters
    ----------
    x, y : array-like or Series
        Paired values. Two Series are aligned on their index (for example KPI and
        satisfaction keyed by rep id); otherwise they must have the same length. Pairs
        with a NaN are dropped.
    method : {"pearson", "spearman"}, default "pearson"
        Which coefficient.
    ci : float, default 0.95
        Level of the Fisher-z interval.

    Returns
    -------
    CorrelationResult
        Fields ``r``, ``n``, ``p``, ``ci_low``, ``ci_high``, ``method``. With fewer than
        3 complete pairs or a constant variable, ``r`` and ``p`` are NaN (no exception),
        so a KPI without data does not stop a report; ``n`` says why.

    Notes
    -----
    r and p from ``scipy.stats.pearsonr`` / ``spearmanr``; the interval is Fisher's z
    on r (also for Spearman's rho), as pingouin.corr computes it. Checked against
    pingouin.corr, see tests/stats/test_inference.py.
    """
    _checks.require_choice(method, "method", _CORR_METHODS)
    level = _checks.require_level(ci)
    xv, yv, _ = _checks.paired_vectors(x, y, ("x", "y"))
    n = int(xv.size)
    nan = float("nan")
    if n < 3 or np.ptp(xv) == 0 or np.ptp(yv) == 0:
        return CorrelationResult(nan, n, nan, nan, nan, method)
    if method == "pearson":
        res = _st.pearsonr(xv, yv)
        r, p = float(res.statistic), float(res.pvalue)
    else:
        res = _st.spearmanr(xv, yv)
        r, p = float(res.statistic), float(res.pvalue)
    if n >= 4 and not math.isnan(r):
        low, high = corr_ci(max(-1.0, min(1.0, r)), n, level)
    else:
        low = high = nan
    return CorrelationResult(r, n, p, low, high, method)


@dataclass(frozen=True)
class KendallResult:
    """Kendall's tau-b between two rankings, as returned by :func:`kendall_tau`.

    Attributes
    ----------
    tau : float
        Kendall's tau-b (ties corrected).
    p : float
        Two-sided p-value (scipy).
    n : int
        Complete pairs used.
    """

    tau: float
    p: float
    n: int


def kendall_tau(rank_a: object, rank_b: object) -> KendallResult:
    """Kendall's tau-b between two rankings (for example reps before and after a change).

    Parameters
    ----------
    rank_a, rank_b : array-like or Series
        Ranks or scores of the same units. Two Series are aligned on their index;
        otherwise they must have the same length. Pairs with a NaN are dropped.

    Returns
    -------
    KendallResult
        Fields ``tau``, ``p``, ``n``; NaN tau and p with fewer than 2 pairs or a constant
        ranking.

    Notes
    -----
    ``scipy.stats.kendalltau`` (variant "b"). Checked against scipy and a hand count of
    concordant and discordant pairs, see tests/stats/test_inference.py.
    """
    a, b, _ = _checks.paired_vectors(rank_a, rank_b, ("rank_a", "rank_b"))
    n = int(a.size)
    if n < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return KendallResult(float("nan"), float("nan"), n)
    res = _st.kendalltau(a, b, variant="b")
    return KendallResult(float(res.statistic), float(res.pvalue), n)


def vif(df: pd.DataFrame) -> pd.Series:
    """Variance inflation factors of the columns of `df` (a regression with intercept).

    VIF_j = 1 / (1 - R²_j), with R²_j from regressing column j on all the others and a
    constant.

    Parameters
    ----------
    df : DataFrame
        Numeric columns (at least 2). Rows with a missing value are left out.

    Returns
    -------
    Series
        VIF by column, named ``vif``; ``inf`` for a column that the others reproduce
        exactly.

    Notes
    -----
    Checked against ``statsmodels.stats.outliers_influence.variance_inflation_factor``
    on the data with a constant column added, see tests/stats/test_inference.py.
    """
    _checks.require_dataframe(df, "df")
    if df.shape[1] < 2:
        raise ValueError(f"vif needs at least 2 columns; got {df.shape[1]}.")
    if df.columns.has_duplicates:
        raise ValueError("df has duplicated column names.")
    _checks.require_numeric(df, "df", list(df.columns))
    x = df.to_numpy(dtype=float, na_value=np.nan)
    x = x[~np.isnan(x).any(axis=1)]
    n, k = x.shape
    if n <= k:
        raise ValueError(
            f"vif needs more complete rows than columns; got {n} rows for {k} columns."
        )
    if np.isinf(x).any():
        raise ValueError("df contains infinite values.")
    z = x - x.mean(axis=0)
    ss = (z**2).sum(axis=0)
    flat = [str(c) for c, s in zip(df.columns, ss) if not s > 0]
    if flat:
        raise ValueError(f"df: column(s) {', '.join(flat)} are constant; VIF is undefined.")
    z /= np.sqrt(ss)
    out = np.empty(k)
    for j in range(k):  # one least-squares fit per column (columns are few)
        others = np.delete(z, j, axis=1)
        coef, *_ = np.linalg.lstsq(others, z[:, j], rcond=None)
        resid = z[:, j] - others @ coef
        one_minus_r2 = float(resid @ resid)  # z[:, j] has unit sum of squares
        out[j] = np.inf if one_minus_r2 <= 1e-13 else 1.0 / one_minus_r2
    return pd.Series(out, index=df.columns, name="vif")
