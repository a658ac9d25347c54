"""Rep-level measurement from per-group moments: ICC (REML and ANOVA) and shrinkage of means.

The one-way random-effects model ``y_ij = mu + u_i + e_ij`` depends on the data only
through each group's count ``n_i``, sum and sum of squares: its ANOVA mean squares, its
REML likelihood and the normal-normal shrinkage of the group means are functions of them.
So these functions take one row per group (for example per rep, summed in a database by
:func:`kit.moments.group_moments`), never the observations, and give what
:func:`kit.stats.icc1`, :func:`kit.stats.icc_reml` and :func:`kit.stats.shrink` give on the
observations (tests/stats/test_grouped.py).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize as _opt

from . import _checks
from .multilevel import ICCResult, ShrinkResult, _icc_interval, _shrink_mean_table

__all__ = ["anova_from_moments", "icc_reml_from_moments", "shrink_from_moments"]

_COLUMNS = ("n", "sum", "sum_sq")


def _moments(m: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    _checks.require_dataframe(m, "moments")
    _checks.require_columns(m, "moments", list(_COLUMNS))
    m = m[m["n"] > 0]
    n, s, ss = (m[c].to_numpy(dtype=float) for c in _COLUMNS)
    if not (np.isfinite(n).all() and np.isfinite(s).all() and np.isfinite(ss).all()):
        raise ValueError("moments: n, sum and sum_sq must be finite numbers.")
    k = len(n)
    if k < 2:
        raise ValueError(f"{what} needs at least 2 groups; got {k}.")
    if n.sum() <= k:
        raise ValueError(f"{what} needs at least one group with 2 or more observations (within-group variance); "
                         f"got {int(n.sum())} observations in {k} groups.")
    return n, s, ss


def anova_from_moments(m: pd.DataFrame) -> dict[str, float]:
    """One-way ANOVA of unbalanced groups from per-group ``n, sum, sum_sq``.

    Parameters
    ----------
    m : DataFrame
        One row per group with columns ``n``, ``sum``, ``sum_sq`` (groups with n = 0 ignored).

    Returns
    -------
    dict
        ``k`` (groups), ``N`` (observations), ``msb``, ``msw`` (between- and within-group mean
        squares) and ``n0`` = (N - sum n_i^2 / N) / (k - 1), as the row-based ANOVA of
        :func:`kit.stats.icc1`.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"n": [2, 2], "sum": [3.0, 7.0], "sum_sq": [5.0, 25.0]})
    >>> a = anova_from_moments(m)
    >>> a["msb"], a["msw"]
    (4.0, 0.5)
    """
    n, s, ss = _moments(m, "the ANOVA")
    k, total = n.size, n.sum()
    means = s / n
    grand = s.sum() / total
    ss_between = float((n * (means - grand) ** 2).sum())
    ss_within = float(np.clip(ss - s * means, 0.0, None).sum())
    return {"k": k, "N": float(total), "msb": ss_between / (k - 1), "msw": ss_within / float(total - k),
            "n0": float((total - (n**2).sum() / total) / (k - 1))}


def _neg_profile_reml(rho: float, n: np.ndarray, means: np.ndarray, ssw: float, total: float) -> tuple[float, float]:
    """-2 x the REML log-likelihood (up to a constant) at ICC ``rho``, sigma^2 profiled out;
    and that sigma^2."""
    gamma = rho / (1.0 - rho)
    w = n / (1.0 + n * gamma)
    mu = (w * means).sum() / w.sum()
    q = ssw + (w * (means - mu) ** 2).sum()
    sigma2 = q / (total - 1.0)
    return (total - 1.0) * math.log(sigma2) + float(np.log1p(n * gamma).sum()) + math.log(w.sum()), sigma2


def icc_reml_from_moments(m: pd.DataFrame, ci: float = 0.95) -> ICCResult:
    """ICC(1) from the REML fit of ``value ~ 1 + (1 | group)``, given per-group moments.

    Parameters
    ----------
    m : DataFrame
        One row per group: ``n``, ``sum``, ``sum_sq`` (as :func:`kit.moments.group_moments`).
    ci : float
        Level of the F-based interval.

    Returns
    -------
    ICCResult
        ``icc`` = tau^2 / (tau^2 + sigma^2) at the REML maximum, the F-based interval of
        :func:`kit.stats.icc_reml`, ``tau2``, ``sigma2``, ``n``, ``groups``; ``method``
        ``"REML"``.

    Notes
    -----
    The REML log-likelihood of the one-way random-effects model, written with gamma =
    tau^2 / sigma^2 and w_i = n_i / (1 + n_i gamma), is, up to a constant,
    -1/2 [(N - 1) log sigma^2 + sum log(1 + n_i gamma) + log sum w_i + Q / sigma^2] with
    Q = SSW + sum w_i (ybar_i - mu)^2 and mu = sum w_i ybar_i / sum w_i; sigma^2 = Q / (N - 1)
    maximizes it for each gamma. The remaining one-dimensional profile over the ICC in
    [0, 1) is searched on a grid and refined with Brent's method, the boundary (ICC 0)
    included; the ICC is found to about 1e-8 (an optimum located from function values), and
    equals the closed form of the REML estimates on balanced groups to that precision. It
    always converges, so no ANOVA fallback is needed. It equals statsmodels MixedLM's REML
    fit (the estimator of :func:`kit.stats.icc_reml`, on the observations) to that
    optimizer's tolerance, with a likelihood at least as high, tests/stats/test_grouped.py.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(30), 20)
    >>> y = rng.normal(size=30)[g] + rng.normal(scale=2.0, size=g.size)
    >>> d = pd.DataFrame({"g": g, "y": y, "y2": y * y}).groupby("g").agg(n=("y", "size"), sum=("y", "sum"),
    ...                                                                   sum_sq=("y2", "sum"))
    >>> res = icc_reml_from_moments(d)
    >>> res.method, 0.05 < res.icc < 0.5
    ('REML', True)
    """
    level = _checks.require_level(ci)
    n, s, ss = _moments(m, "icc_reml_from_moments")
    a = anova_from_moments(m)
    total = float(n.sum())
    means = s / n
    ssw = float(np.clip(ss - s * means, 0.0, None).sum())
    grid = np.concatenate([np.linspace(0.0, 0.2, 81), np.linspace(0.2, 0.999, 161)[1:]])
    f = np.array([_neg_profile_reml(r, n, means, ssw, total)[0] for r in grid])
    i = int(np.argmin(f))
    best_rho, best_f = float(grid[i]), float(f[i])
    lo, hi = float(grid[max(i - 1, 0)]), float(grid[min(i + 1, len(grid) - 1)])
    if hi > lo:
        res = _opt.minimize_scalar(lambda r: _neg_profile_reml(r, n, means, ssw, total)[0], bounds=(lo, hi),
                                   method="bounded", options={"xatol": 1e-12})
        if res.fun < best_f:
            best_rho, best_f = float(res.x), float(res.fun)
    sigma2 = _neg_profile_reml(best_rho, n, means, ssw, total)[1]
    tau2 = best_rho / (1.0 - best_rho) * sigma2
    ci_low, ci_high = _icc_interval(a, level)
    return ICCResult(icc=float(best_rho), ci_low=ci_low, ci_high=ci_high, tau2=float(tau2), sigma2=float(sigma2),
                     n=int(total), groups=int(n.size), method="REML")


def shrink_from_moments(m: pd.DataFrame, ci: float = 0.95) -> ShrinkResult:
    """Empirical-Bayes shrinkage of group means (``kind="mean"`` of :func:`kit.stats.shrink`) from moments.

    Parameters
    ----------
    m : DataFrame
        Indexed by group: ``n``, ``sum``, ``sum_sq`` (groups with n = 0 left out).
    ci : float
        Level of the interval.

    Returns
    -------
    ShrinkResult
        ``table`` indexed by group (sorted): ``n, raw, shrunk, lower, upper, weight``; fields
        ``grand``, ``tau2``, ``sigma2`` as :func:`kit.stats.shrink` (``dropped`` 0: the caller
        left out missing values when summing).

    Notes
    -----
    The same normal-normal model and code as :func:`kit.stats.shrink`: tau^2 and sigma^2 from
    the one-way ANOVA, which needs only the moments. Equal to it on the observations,
    tests/stats/test_grouped.py.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"n": [2, 2, 3], "sum": [3.0, 7.0, 9.0], "sum_sq": [5.0, 25.0, 29.0]}, index=list("abc"))
    >>> shrink_from_moments(m).table["shrunk"].between(1.5, 3.5).all()
    np.True_
    """
    level = _checks.require_level(ci)
    a = anova_from_moments(m)
    m = m[m["n"] > 0].sort_index()
    n = m["n"].to_numpy(dtype=float)
    return _shrink_mean_table(m.index, n, m["sum"].to_numpy(dtype=float) / n, a, level, 0)
