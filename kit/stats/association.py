"""Association beyond confounders: partial correlation, attenuation, power, random splits.

Pure statistics on arrays; nothing here imports from the rest of :mod:`kit`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

from . import _checks

__all__ = [
    "PartialCorrelation",
    "SplitReliability",
    "disattenuate",
    "partial_correlation",
    "reps_needed",
    "rowwise_correlation",
    "rowwise_partial_correlation",
    "split_reliability",
]

_METHODS = ("pearson", "spearman")


@dataclass(frozen=True)
class PartialCorrelation:
    """A partial correlation with its test and interval.

    Attributes
    ----------
    r : float
        The partial correlation of x and y given the covariates.
    ci_low, ci_high : float
        Fisher-z interval with n - k - 3 degrees of freedom (as pingouin).
    p : float
        Two-sided p-value of the t test with n - k - 2 degrees of freedom.
    n, k : int
        Complete rows used; number of covariates.
    method : str
    """

    r: float
    ci_low: float
    ci_high: float
    p: float
    n: int
    k: int
    method: str


def partial_correlation(x: object, y: object, covariates: object = None, method: str = "pearson",
                        ci: float = 0.95) -> PartialCorrelation:
    """Partial correlation of ``x`` and ``y`` controlling for ``covariates``.

    Parameters
    ----------
    x, y : array-like
        One value per unit (rep); rows with a missing value anywhere are left out.
    covariates : array-like or DataFrame, optional
        One column per covariate, same rows as x; none gives the plain correlation.
    method : {"pearson", "spearman"}
        Spearman ranks every column first (as R's ``cor(method="spearman")`` and pingouin).
    ci : float
        Level of the interval.

    Returns
    -------
    PartialCorrelation
        ``r, ci_low, ci_high, p, n, k, method``.

    Notes
    -----
    r is read off the inverse of the correlation matrix of (x, y, covariates):
    r = -P_xy / sqrt(P_xx P_yy). p from t = r sqrt((n - k - 2) / (1 - r^2)); the interval is
    tanh(atanh(r) +- z / sqrt(n - k - 3)). Checked against ``pingouin.partial_corr``, see
    tests/stats/test_association.py.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=200); x = z + rng.normal(size=200); y = z + rng.normal(size=200)
    >>> abs(partial_correlation(x, y, z).r) < 0.15 < partial_correlation(x, y).r
    True
    """
    _checks.require_choice(method, "method", _METHODS)
    level = _checks.require_level(ci)
    xv = np.asarray(x, dtype=float).ravel()
    yv = np.asarray(y, dtype=float).ravel()
    if xv.size != yv.size:
        raise ValueError(f"x and y must have the same length; got {xv.size} and {yv.size}.")
    if covariates is None:
        zv = np.empty((xv.size, 0))
    else:
        zv = np.asarray(covariates, dtype=float)
        zv = zv.reshape(xv.size, -1) if zv.ndim == 1 else zv
        if zv.shape[0] != xv.size:
            raise ValueError(f"covariates must have {xv.size} rows like x; got {zv.shape[0]}.")
    m = np.column_stack([xv, yv, zv])
    m = m[np.isfinite(m).all(axis=1)]
    n, k = m.shape[0], zv.shape[1]
    if n < k + 4:
        raise ValueError(f"partial_correlation needs at least {k + 4} complete rows for {k} covariate(s); got {n}.")
    if method == "spearman":
        m = np.apply_along_axis(_st.rankdata, 0, m)
    sd = m.std(axis=0, ddof=1)
    if (sd == 0).any():
        which = ["x", "y"] + [f"covariate {i}" for i in range(k)]
        raise ValueError(f"partial_correlation: {', '.join(w for w, s in zip(which, sd) if s == 0)} has no variance.")
    c = np.corrcoef(m, rowvar=False)
    p_inv = np.linalg.pinv(c, hermitian=True)
    r = float(np.clip(-p_inv[0, 1] / math.sqrt(p_inv[0, 0] * p_inv[1, 1]), -1.0, 1.0))
    dof = n - k - 2
    if abs(r) < 1:
        t = r * math.sqrt(dof / (1 - r * r))
        p = float(2 * _st.t.sf(abs(t), dof))
    else:
        p = 0.0
    if abs(r) == 1.0:
        lo = hi = r
    elif n - k - 3 > 0:
        z = _st.norm.isf((1 - level) / 2) / math.sqrt(n - k - 3)
        lo, hi = math.tanh(math.atanh(r) - z), math.tanh(math.atanh(r) + z)
    else:
        lo, hi = -1.0, 1.0
    return PartialCorrelation(r=r, ci_low=lo, ci_high=hi, p=p, n=int(n), k=int(k), method=method)


def disattenuate(r: float, reliability_x: float, reliability_y: float) -> float:
    """Spearman's correction for attenuation: r / sqrt(r_xx r_yy).

    Parameters
    ----------
    r : float
        Observed correlation, in [-1, 1] (an interval bound can be passed the same way).
    reliability_x, reliability_y : float
        Reliabilities of the two measures, in (0, 1].

    Returns
    -------
    float
        The correlation of the true scores, clipped to [-1, 1] (sampling error can push the
        ratio past 1).

    Notes
    -----
    Spearman (1904). Checked against the worked example of Cramer & Howitt, The SAGE
    Dictionary of Statistics (2004), "attenuation, correcting correlations for",
    see tests/stats/test_association.py.

    Examples
    --------
    >>> round(disattenuate(0.3, 0.64, 0.81), 4)
    0.4167
    """
    rr = _checks.require_real(r, "r", -1.0, 1.0)
    rx = _checks.require_real(reliability_x, "reliability_x", 0.0, 1.0, low_open=True)
    ry = _checks.require_real(reliability_y, "reliability_y", 0.0, 1.0, low_open=True)
    return float(np.clip(rr / math.sqrt(rx * ry), -1.0, 1.0))


def reps_needed(r: float, k: int = 0, ci: float = 0.95) -> int:
    """Units (reps) a correlation of size ``r`` needs for its interval to exclude 0.

    n = (z / atanh|r|)^2 + 3 + k, with z the normal quantile of the level and k covariates.

    Examples
    --------
    >>> reps_needed(0.3)
    44
    """
    rr = abs(_checks.require_real(r, "r", -1.0, 1.0))
    level = _checks.require_level(ci)
    if rr == 0:
        return 10**9
    z = _st.norm.isf((1 - level) / 2)
    return int(math.ceil((z / math.atanh(min(rr, 0.9999999))) ** 2 + 3 + int(k)))


@dataclass(frozen=True)
class SplitReliability:
    """Reliability from many random halves.

    Attributes
    ----------
    reliability : float
        Mean over the splits of the Spearman-Brown corrected correlation of the halves.
    ci_low, ci_high : float
        Percentiles of the split values (the spread over splits, not a sampling interval of
        the reps; it says how much one split could mislead).
    splits : int
        Splits with a usable correlation.
    n : float
        Mean number of units per split.
    """

    reliability: float
    ci_low: float
    ci_high: float
    splits: int
    n: float


def _row_corr(a: np.ndarray, b: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Pearson correlation per row of (S, R) arrays over the columns where ``ok``."""
    w = ok.astype(float)
    cnt = w.sum(axis=1)
    a0 = np.where(ok, a, 0.0)
    b0 = np.where(ok, b, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ma = a0.sum(axis=1) / cnt
        mb = b0.sum(axis=1) / cnt
        da = np.where(ok, a0 - ma[:, None], 0.0)
        db = np.where(ok, b0 - mb[:, None], 0.0)
        return (da * db).sum(axis=1) / np.sqrt((da * da).sum(axis=1) * (db * db).sum(axis=1))


def _row_ranks(x: np.ndarray, ok: np.ndarray) -> np.ndarray:
    filled = np.where(ok, x, np.inf)
    return np.where(ok, _st.rankdata(filled, axis=1), np.nan)


def rowwise_correlation(a: object, b: object, method: str = "spearman") -> np.ndarray:
    """Correlation of ``a[i]`` with ``b[i]`` for every row i of two (rows, units) arrays.

    Units with a NaN in either array are left out of that row. Used to correlate many random
    splits at once.

    Returns
    -------
    ndarray
        One correlation per row (NaN where fewer than 3 units or no variance).

    Examples
    --------
    >>> import numpy as np
    >>> float(rowwise_correlation([[1, 2, 3, 4]], [[2, 4, 5, 9]], "pearson")[0]) > 0.9
    True
    """
    _checks.require_choice(method, "method", _METHODS)
    av = np.atleast_2d(np.asarray(a, dtype=float))
    bv = np.atleast_2d(np.asarray(b, dtype=float))
    if av.shape != bv.shape:
        raise ValueError(f"a and b must have the same shape; got {av.shape} and {bv.shape}.")
    ok = np.isfinite(av) & np.isfinite(bv)
    if method == "spearman":
        av, bv = _row_ranks(av, ok), _row_ranks(bv, ok)
    r = _row_corr(av, bv, ok)
    r[ok.sum(axis=1) < 3] = np.nan
    return r


def rowwise_partial_correlation(x: object, y: object, z: object = None, method: str = "spearman"
                                ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`partial_correlation` for every row of (rows, units) arrays at once.

    Parameters
    ----------
    x, y : array-like, shape (rows, units)
    z : array-like, shape (rows, units, k), optional
        The covariates of each row.
    method : {"pearson", "spearman"}
        Spearman ranks each row's complete units first.

    Returns
    -------
    (r, n) : tuple of ndarray
        The partial correlation per row (NaN where fewer than k + 4 complete units or a
        column has no variance) and the complete units behind it. Row by row equal to
        :func:`partial_correlation` (tested).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(3, 200, 1)); x = z[..., 0] + rng.normal(size=(3, 200))
    >>> y = z[..., 0] + rng.normal(size=(3, 200))
    >>> bool((abs(rowwise_partial_correlation(x, y, z)[0]) < 0.2).all())
    True
    """
    _checks.require_choice(method, "method", _METHODS)
    xv = np.atleast_2d(np.asarray(x, dtype=float))
    yv = np.atleast_2d(np.asarray(y, dtype=float))
    zv = np.zeros(xv.shape + (0,)) if z is None else np.asarray(z, dtype=float).reshape(xv.shape + (-1,))
    if yv.shape != xv.shape or zv.shape[:2] != xv.shape:
        raise ValueError("x, y and z must have the same (rows, units) shape.")
    m = np.concatenate([xv[..., None], yv[..., None], zv], axis=2)  # (S, R, q)
    ok = np.isfinite(m).all(axis=2)
    k = zv.shape[2]
    n = ok.sum(axis=1)
    if method == "spearman":
        m = np.stack([_row_ranks(m[..., j], ok) for j in range(m.shape[2])], axis=2)
    w = ok[..., None]
    mu = np.where(w, m, 0.0).sum(axis=1, keepdims=True) / np.maximum(n, 1)[:, None, None]
    d = np.where(w, m - mu, 0.0)
    cov = np.einsum("srj,srl->sjl", d, d)
    sd = np.sqrt(np.einsum("sjj->sj", cov))
    bad = (n < k + 4) | (sd <= 1e-12).any(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    corr[bad] = np.eye(m.shape[2])
    p_inv = np.linalg.pinv(corr, hermitian=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.clip(-p_inv[:, 0, 1] / np.sqrt(p_inv[:, 0, 0] * p_inv[:, 1, 1]), -1.0, 1.0)
    r[bad] = np.nan
    return r, n


def split_reliability(a: object, b: object, method: str = "spearman", ci: float = 0.95,
                      min_units: int = 5) -> SplitReliability:
    """Reliability as the mean over many random halves (vectorised).

    Parameters
    ----------
    a, b : array-like, shape (splits, units)
        The two halves' values per split and unit (rep); NaN where a unit has no value.
    method : {"pearson", "spearman"}
    ci : float
        Level of the percentile band over the splits.
    min_units : int
        A split counts when at least this many units have both halves.

    Returns
    -------
    SplitReliability

    Notes
    -----
    Each split gives r_sb = 2 r / (1 + r) (Spearman-Brown), clipped to [-1, 1] (a negative r
    steps "up" to a more negative value; below r = -1/3 it would leave the domain). The mean
    over random splits is the estimator of psych::splitHalf (its "average split half
    reliability"); for one split it equals :func:`kit.stats.split_half`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> true = rng.normal(size=50)
    >>> a = true + rng.normal(size=(200, 50)); b = true + rng.normal(size=(200, 50))
    >>> 0.3 < split_reliability(a, b, method="pearson").reliability < 0.8
    True
    """
    level = _checks.require_level(ci)
    r = rowwise_correlation(a, b, method)
    ok = np.isfinite(np.asarray(a, dtype=float)) & np.isfinite(np.asarray(b, dtype=float))
    ok = np.atleast_2d(ok)
    usable = np.isfinite(r) & (ok.sum(axis=1) >= min_units)
    if not usable.any():
        return SplitReliability(math.nan, math.nan, math.nan, 0, float(ok.sum(axis=1).mean()))
    r = r[usable]
    with np.errstate(invalid="ignore", divide="ignore"):
        sb = np.clip(np.where(r > -1, 2 * r / (1 + r), -1.0), -1.0, 1.0)
    lo, hi = np.quantile(sb, [(1 - level) / 2, 1 - (1 - level) / 2])
    return SplitReliability(float(sb.mean()), float(lo), float(hi), int(usable.sum()),
                            float(ok[usable].sum(axis=1).mean()))
