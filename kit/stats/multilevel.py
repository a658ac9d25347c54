"""Rep-level measurement: ICC(1), reliability of a rep's mean, empirical-Bayes shrinkage.

A survey score averaged per rep is only as good as the number of responses behind it.
ICC(1) says how much of the score's variance lies between reps; Spearman-Brown turns it
into the reliability of a rep's mean at n responses, and back into the n needed for a
target reliability. Shrinkage pulls the means (or rates) of small-n reps toward the
overall level, by as much as their n leaves them uncertain.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize as _opt
from scipy import special as _sp
from scipy import stats as _st

from kit.results import Result

from . import _checks
from .reliability import spearman_brown

__all__ = ["ICCResult", "ShrinkResult", "fit_mixedlm", "icc1", "icc_reml", "rep_mean_reliability",
           "responses_needed", "shrink"]

_KINDS = ("mean", "rate")


@dataclass(frozen=True)
class ShrinkResult(Result):
    """Empirical-Bayes estimates of :func:`shrink` (``table``) and the fitted prior.

    Attributes
    ----------
    table : DataFrame
        Indexed by group: ``n, raw, shrunk, lower, upper, weight``.
    kind : str
        ``"mean"`` or ``"rate"``.
    ci : float
    grand : float
        The overall level mu the groups are pulled toward.
    dropped : int
        Rows left out for a missing group or value.
    tau2, sigma2 : float
        Means: between-group and within-group variance (NaN for rates).
    prior_a, prior_b : float
        Rates: the fitted Beta prior (NaN for means).
    """

    kind: str = "mean"
    ci: float = 0.95
    grand: float = math.nan
    dropped: int = 0
    tau2: float = math.nan
    sigma2: float = math.nan
    prior_a: float = math.nan
    prior_b: float = math.nan


def _grouped(df: pd.DataFrame, group: str, value: str, what: str) -> tuple[pd.DataFrame, int]:
    """Rows with both `group` and `value` present, and the number dropped."""
    _checks.require_dataframe(df, "df")
    _checks.require_column_name(group, "group")
    _checks.require_column_name(value, "value")
    _checks.require_columns(df, "df", [group, value])
    if group == value:
        raise ValueError("group and value must be two different columns.")
    _checks.require_numeric(df, "df", [value])
    data = df[[group, value]]
    vals = data[value].astype(float)
    if np.isinf(vals.to_numpy()).any():
        raise ValueError(f"df[{value!r}] contains infinite values; use NaN for missing.")
    keep = vals.notna() & data[group].notna()
    out = pd.DataFrame({"g": data[group][keep], "x": vals[keep]})
    return out, int((~keep).sum())


def _checked_anova(data: pd.DataFrame, group: str, what: str) -> dict[str, float]:
    """:func:`_anova` after checking there are 2+ groups and a within-group variance."""
    k = data["g"].nunique()
    if k < 2:
        raise ValueError(f"{what} needs at least 2 groups in df[{group!r}]; got {k}.")
    if len(data) <= k:
        raise ValueError(
            f"{what} needs at least one group with 2 or more observations (within-group "
            f"variance); got {len(data)} observations in {k} groups."
        )
    return _anova(data["g"], data["x"])


def _anova(g: pd.Series, x: pd.Series) -> dict[str, float]:
    """One-way ANOVA mean squares for unbalanced groups (sorted by group label)."""
    grp = x.groupby(g, sort=True, observed=True)
    n_i = grp.size().to_numpy(dtype=float)
    m_i = grp.mean().to_numpy()
    k = n_i.size
    n = n_i.sum()
    grand = float(x.mean())
    ss_between = float((n_i * (m_i - grand) ** 2).sum())
    ss_within = float(((x - grp.transform("mean")) ** 2).sum())
    n0 = (n - (n_i**2).sum() / n) / (k - 1)
    return {
        "k": k,
        "N": n,
        "msb": ss_between / (k - 1),
        "msw": ss_within / (n - k) if n > k else float("nan"),
        "n0": n0,
    }


def icc1(df: pd.DataFrame, group: str, value: str) -> float:
    """One-way intraclass correlation ICC(1) for unbalanced groups.

    How much of the variance of `value` lies between the groups (for example reps)
    rather than within them: ICC(1) = (MSB - MSW) / (MSB + (n0 - 1) MSW), with the
    one-way ANOVA mean squares and, for k groups of sizes n_i and N rows, the adjusted
    group size n0 = (N - sum(n_i^2) / N) / (k - 1).

    Parameters
    ----------
    df : DataFrame
        One row per observation (for example one survey response).
    group, value : str
        Column names: the grouping column and the numeric score. Rows where either is
        missing are left out.

    Returns
    -------
    float
        ICC(1); can be negative when groups differ less than chance would make them.

    Notes
    -----
    ANOVA estimator of the one-way random-effects model (Shrout & Fleiss 1979 ICC(1,1)
    for balanced groups; n0 from Snedecor & Cochran for unbalanced ones). Checked
    against pingouin.intraclass_corr (ICC1 row) and the real-statistics.com wine
    example (0.728) on a balanced set, and against the mean squares of statsmodels'
    ``anova_lm`` on unbalanced sets, see tests/stats/test_multilevel.py.
    """
    data, _ = _grouped(df, group, value, "icc1")
    a = _checked_anova(data, group, "icc1")
    denom = a["msb"] + (a["n0"] - 1.0) * a["msw"]
    if denom == 0:
        return float("nan")
    return float((a["msb"] - a["msw"]) / denom)


def rep_mean_reliability(icc: float, n: float | np.ndarray) -> float | np.ndarray:
    """Reliability of a group's (rep's) mean of n observations: Spearman-Brown of ICC(1).

    Parameters
    ----------
    icc : float
        ICC(1) of single observations, in [-1, 1].
    n : float or array-like
        Number of observations behind the mean (> 0); an array gives an array.

    Returns
    -------
    float or ndarray
        n * icc / (1 + (n - 1) * icc), the ICC(1,k) of the mean.

    Notes
    -----
    ICC(k) = Spearman-Brown of ICC(1) (Bliese 2000). Checked against pingouin's
    ICC(1,k) on the wine data (0.914), see tests/stats/test_multilevel.py.
    """
    return spearman_brown(icc, n)


def responses_needed(icc: float, target: float = 0.8) -> float:
    """Number of responses a rep's mean needs to reach a target reliability.

    Spearman-Brown solved for n: n = target (1 - icc) / (icc (1 - target)).

    Parameters
    ----------
    icc : float
        ICC(1) of single responses, in [-1, 1]. At or below 0 no number of responses
        makes the mean reliable, and the result is ``inf``.
    target : float, default 0.8
        Target reliability, strictly between 0 and 1.

    Returns
    -------
    float
        The number of responses (not rounded; round up to plan). Below 1 when one
        response already reaches the target.

    Notes
    -----
    Checked against the published statement that a rep-level ICC of about 0.05 needs
    50-80 responses for a reliability of 0.8 (Nelson et al. 2004): icc = 0.05 gives 76,
    see tests/stats/test_multilevel.py.
    """
    rho = _checks.require_real(icc, "icc", -1.0, 1.0)
    t = _checks.require_real(target, "target", 0.0, 1.0, low_open=True, high_open=True)
    if rho <= 0:
        return math.inf
    return t * (1.0 - rho) / (rho * (1.0 - t))


def shrink(
    df: pd.DataFrame,
    group: str,
    value: str,
    kind: str = "mean",
    ci: float = 0.95,
    trials: str | None = None,
) -> pd.DataFrame:
    """Empirical-Bayes shrinkage of group means or rates toward the overall level.

    ``kind="mean"``: the normal-normal model. The between-group variance tau^2 is the
    ANOVA (method-of-moments) estimate max(0, (MSB - MSW) / n0), the within-group
    variance s^2 is the pooled MSW, and each group mean is pulled toward the grand mean
    mu by shrunk = mu + B (raw - mu) with B = tau^2 / (tau^2 + s^2 / n). mu is the
    precision-weighted mean of the group means (the observation mean when tau^2 = 0 or
    the groups are balanced). The interval is shrunk +- z sqrt(B s^2 / n +
    (1 - B)^2 var(mu)): the posterior variance plus the uncertainty of mu (Morris 1983);
    the uncertainty of tau^2 itself is not included.

    ``kind="rate"``: the beta-binomial model. With successes y and trials n per group,
    a Beta(a, b) prior is fitted by maximum likelihood of the beta-binomial (scipy),
    starting from the method of moments; the posterior is Beta(a + y, b + n - y), with
    mean shrunk = (a + y) / (a + b + n) and equal-tailed interval from
    ``scipy.stats.beta``.

    Parameters
    ----------
    df : DataFrame
        ``kind="mean"``: one row per observation. ``kind="rate"`` without `trials`:
        one row per observation with `value` 0/1 (or bool). ``kind="rate"`` with
        `trials`: rows with `value` = successes and `trials` = attempts (rows of the
        same group are added up).
    group, value : str
        Column names: the grouping column and the numeric score (or 0/1 outcome, or
        success count). Rows where either is missing are left out.
    kind : {"mean", "rate"}, default "mean"
        Which model.
    ci : float, default 0.95
        Level of the interval.
    trials : str, optional
        Column with the number of trials, for ``kind="rate"`` only.

    Returns
    -------
    ShrinkResult
        ``table`` indexed by group (sorted), columns:

        - ``n``: observations (or trials) of the group;
        - ``raw``: the group's own mean (or rate);
        - ``shrunk``: the empirical-Bayes estimate;
        - ``lower``, ``upper``: the interval around ``shrunk``;
        - ``weight``: the weight of the group's own data, B = tau^2 / (tau^2 + s^2/n)
          for means and n / (a + b + n) for rates (0 = fully pooled, 1 = unchanged).

        Fields ``kind``, ``ci``, ``grand`` (mu), ``dropped`` (rows left out for a missing
        group or value) and, for means, ``tau2`` and ``sigma2``; for rates, ``prior_a`` and
        ``prior_b``.

    Notes
    -----
    Shrinkage never moves a group away from mu and never past it: shrunk lies between
    raw and mu, because the weight is in [0, 1] (property-tested in
    tests/stats/test_multilevel.py). For balanced groups the mean model's estimates
    equal statsmodels MixedLM's (REML, random intercept) predictions whenever tau^2 > 0,
    which is the reference the tests check against; the rate model's fit is checked as a
    maximum of the beta-binomial likelihood (scipy.stats.betabinom).
    """
    _checks.require_choice(kind, "kind", _KINDS)
    level = _checks.require_level(ci)
    if trials is not None and kind != "rate":
        raise ValueError("trials is only used with kind='rate'; leave it None for means.")
    if kind == "mean":
        return _shrink_mean(df, group, value, level)
    return _shrink_rate(df, group, value, level, trials)


def _shrink_mean(df: pd.DataFrame, group: str, value: str, level: float) -> pd.DataFrame:
    data, dropped = _grouped(df, group, value, "shrink")
    grp = data["x"].groupby(data["g"], sort=True, observed=True)
    n_i = grp.size()
    a = _checked_anova(data, group, "shrink (kind='mean')")
    raw = grp.mean()
    return _shrink_mean_table(raw.index.rename(group), n_i.to_numpy(dtype=float), raw.to_numpy(), a, level, dropped)


def _shrink_mean_table(index: pd.Index, n: np.ndarray, r: np.ndarray, a: dict[str, float], level: float,
                       dropped: int) -> ShrinkResult:
    """The normal-normal shrinkage of group means ``r`` of ``n`` observations, given the ANOVA ``a``."""
    k = len(n)
    sigma2 = a["msw"]
    tau2 = max(0.0, (a["msb"] - a["msw"]) / a["n0"])
    if tau2 > 0:
        b = tau2 / (tau2 + sigma2 / n)
        w = 1.0 / (tau2 + sigma2 / n)
    else:
        b = np.zeros(k)
        w = n / sigma2 if sigma2 > 0 else n.copy()
    grand = float((w * r).sum() / w.sum())
    var_grand = 1.0 / w.sum() if sigma2 > 0 or tau2 > 0 else 0.0
    shrunk = grand + b * (r - grand)
    post_var = b * sigma2 / n + (1.0 - b) ** 2 * var_grand
    z = _st.norm.isf((1.0 - level) / 2.0)
    half = z * np.sqrt(post_var)
    out = pd.DataFrame(
        {
            "n": n.astype(np.int64),
            "raw": r,
            "shrunk": shrunk,
            "lower": shrunk - half,
            "upper": shrunk + half,
            "weight": b,
        },
        index=index,
    )
    return ShrinkResult(table=out, kind="mean", ci=level, grand=grand, dropped=dropped, tau2=float(tau2),
                        sigma2=float(sigma2))


def _betabinom_nll(theta: np.ndarray, y: np.ndarray, n: np.ndarray) -> float:
    mu = _sp.expit(theta[0])
    m = math.exp(theta[1])
    a, b = mu * m, (1.0 - mu) * m
    # log C(n, y) is constant in (a, b) and left out.
    ll = (
        _sp.betaln(y + a, n - y + b) - _sp.betaln(a, b)
    ).sum()
    return float(-ll)


def _fit_beta_prior(y: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """ML fit of Beta(a, b) to successes y of n trials per group (beta-binomial)."""
    p = y / n
    mu0 = y.sum() / n.sum()
    # Method of moments start (Kleinman 1973 style, trial-weighted).
    var_p = float(np.average((p - mu0) ** 2, weights=n))
    binom_part = mu0 * (1 - mu0) * float(np.mean(1.0 / n))
    excess = var_p - binom_part
    if excess > 1e-12:
        m0 = min(max(mu0 * (1 - mu0) / excess - 1.0, 0.1), 1e6)
    else:
        m0 = 1e4
    lo_m, hi_m = math.log(1e-3), math.log(1e9)
    start = np.array([_sp.logit(mu0), min(max(math.log(m0), lo_m), hi_m)])
    res = _opt.minimize(
        _betabinom_nll,
        start,
        args=(y, n),
        method="L-BFGS-B",
        bounds=[(-30.0, 30.0), (lo_m, hi_m)],
    )
    mu = float(_sp.expit(res.x[0]))
    m = float(math.exp(res.x[1]))
    return mu * m, (1.0 - mu) * m


def _shrink_rate(
    df: pd.DataFrame, group: str, value: str, level: float, trials: str | None
) -> pd.DataFrame:
    data, dropped = _grouped(df, group, value, "shrink")
    if trials is None:
        x = data["x"].to_numpy()
        if not np.isin(x, (0.0, 1.0)).all():
            bad = np.unique(x[~np.isin(x, (0.0, 1.0))])[:5]
            raise ValueError(
                f"shrink(kind='rate') without trials needs df[{value!r}] to be 0/1 (or bool) "
                f"per row; found {bad.tolist()}. Pass trials='<column>' for success counts."
            )
        grp = data["x"].groupby(data["g"], sort=True, observed=True)
        y_s = grp.sum()
        n_s = grp.size().astype(float)
    else:
        _checks.require_column_name(trials, "trials")
        _checks.require_columns(df, "df", [trials])
        _checks.require_numeric(df, "df", [trials])
        t = df.loc[data.index, trials].astype(float)
        if t.isna().any():
            raise ValueError(f"df[{trials!r}] has missing values where {value!r} is present.")
        succ = data["x"]
        if (t < 0).any() or (succ < 0).any() or (succ > t).any():
            raise ValueError(
                f"shrink(kind='rate'): need 0 <= {value} <= {trials} on every row."
            )
        g = data["g"]
        y_s = succ.groupby(g, sort=True, observed=True).sum()
        n_s = t.groupby(g, sort=True, observed=True).sum()
        if (n_s <= 0).any():
            empty = n_s.index[n_s <= 0].tolist()[:5]
            raise ValueError(f"shrink(kind='rate'): groups with no trials: {empty}.")
    k = len(n_s)
    if k < 2:
        raise ValueError(f"shrink needs at least 2 groups in df[{group!r}]; got {k}.")
    y = y_s.to_numpy(dtype=float)
    n = n_s.to_numpy(dtype=float)
    total_y, total_n = y.sum(), n.sum()
    if total_y == 0 or total_y == total_n:
        raise ValueError(
            "shrink(kind='rate'): every observation is "
            f"{'0' if total_y == 0 else '1'}, so no Beta prior can be fitted; the rate is "
            f"{total_y / total_n:.0f} for every group."
        )
    if n.max() <= 1:
        # One trial per group: the beta-binomial likelihood cannot tell the spread between
        # groups from binomial noise (it is flat in the prior's precision), so an optimizer
        # would stay wherever it started. Say so and pool completely.
        warnings.warn(
            "shrink(kind='rate'): every group has a single trial, so the spread between groups "
            "cannot be estimated; each group is pulled fully to the overall rate "
            f"{total_y / total_n:.3f}.", RuntimeWarning, stacklevel=3)
        mu = total_y / total_n
        a, b = mu * 1e6, (1.0 - mu) * 1e6
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            a, b = _fit_beta_prior(y, n)
    post_a = a + y
    post_b = b + n - y
    shrunk = post_a / (post_a + post_b)
    alpha = 1.0 - level
    lower = _st.beta.ppf(alpha / 2.0, post_a, post_b)
    upper = _st.beta.isf(alpha / 2.0, post_a, post_b)
    out = pd.DataFrame(
        {
            "n": n.astype(np.int64) if np.all(n == np.round(n)) else n,
            "raw": y / n,
            "shrunk": shrunk,
            "lower": lower,
            "upper": upper,
            "weight": n / (a + b + n),
        },
        index=y_s.index.rename(group),
    )
    return ShrinkResult(table=out, kind="rate", ci=level, grand=float(a / (a + b)), dropped=dropped,
                        prior_a=float(a), prior_b=float(b))


@dataclass(frozen=True)
class ICCResult:
    """ICC(1) of a one-way random-effects model, with its interval.

    Attributes
    ----------
    icc : float
        tau^2 / (tau^2 + sigma^2).
    ci_low, ci_high : float
        F-based interval (Shrout & Fleiss 1979; n0 for unbalanced groups), in [-1, 1].
    tau2, sigma2 : float
        Between-group and within-group variance.
    n, groups : int
        Observations and groups used.
    method : str
        ``"REML"`` (statsmodels MixedLM, converged), or ``"ANOVA"`` when no REML fit converged.
    """

    icc: float
    ci_low: float
    ci_high: float
    tau2: float
    sigma2: float
    n: int
    groups: int
    method: str


def icc_reml(df: pd.DataFrame, group: str, value: str, ci: float = 0.95) -> ICCResult:
    """ICC(1) from REML variance components (statsmodels MixedLM), ANOVA only as a fallback.

    Parameters
    ----------
    df : DataFrame
        One row per observation (for example one survey response).
    group, value : str
        The grouping column (rep) and the numeric score; rows missing either are left out.
    ci : float
        Level of the interval.

    Returns
    -------
    ICCResult

    Notes
    -----
    Fits ``value ~ 1 + (1 | group)`` by REML, trying the optimizers lbfgs, bfgs, cg, powell
    and Nelder-Mead in turn until one converges without a warning (a between-group variance
    of 0 on the boundary is accepted as the estimate 0). When none converges, the ANOVA
    estimator of :func:`icc1` is used and ``method`` says so. The interval is the F-based
    interval of ICC(1) (as pingouin's ``intraclass_corr``), with n0 for unbalanced groups.
    Checked against statsmodels MixedLM directly and pingouin's ICC1 interval on the wine
    data, see tests/stats/test_multilevel.py.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(30), 20)
    >>> y = rng.normal(size=30)[g] + rng.normal(scale=2.0, size=g.size)
    >>> res = icc_reml(pd.DataFrame({"rep": g, "y": y}), "rep", "y")
    >>> res.method, 0.05 < res.icc < 0.5
    ('REML', True)
    """
    import statsmodels.api as sm

    level = _checks.require_level(ci)
    data, _ = _grouped(df, group, value, "icc_reml")
    a = _checked_anova(data, group, "icc_reml")
    model = sm.MixedLM(data["x"].to_numpy(), np.ones((len(data), 1)), groups=data["g"].to_numpy())
    tau2 = sigma2 = math.nan
    method = "ANOVA"
    try:
        fit, _ = fit_mixedlm(model, "icc_reml")
        tau2, sigma2, method = max(float(np.asarray(fit.cov_re).ravel()[0]), 0.0), float(fit.scale), "REML"
    except ValueError:
        pass
    if method == "REML":
        icc = tau2 / (tau2 + sigma2) if tau2 + sigma2 > 0 else math.nan
    else:
        warnings.warn("icc_reml: no REML fit converged; the ANOVA estimate is used.", RuntimeWarning, stacklevel=2)
        icc = icc1(df, group, value)
        sigma2 = a["msw"]
        tau2 = max(0.0, (a["msb"] - a["msw"]) / a["n0"])
    lo, hi = _icc_interval(a, level)
    return ICCResult(icc=float(icc), ci_low=lo, ci_high=hi, tau2=float(tau2),
                     sigma2=float(sigma2), n=int(a["N"]), groups=int(a["k"]), method=method)


def _icc_interval(a: dict[str, float], level: float) -> tuple[float, float]:
    """F-based interval of ICC(1) from the one-way ANOVA (Shrout & Fleiss 1979; n0 for unbalanced groups)."""
    alpha = 1.0 - level
    f = a["msb"] / a["msw"] if a["msw"] > 0 else math.inf
    df1, df2 = a["k"] - 1, a["N"] - a["k"]
    f_l = f / _st.f.ppf(1 - alpha / 2, df1, df2)
    f_u = f * _st.f.ppf(1 - alpha / 2, df2, df1)
    n0 = a["n0"]
    lo = (f_l - 1) / (f_l + n0 - 1)
    hi = (f_u - 1) / (f_u + n0 - 1)
    return float(max(lo, -1.0)), float(min(hi, 1.0))


MIXEDLM_OPTIMIZERS = ("lbfgs", "bfgs", "cg", "powell", "nm")


def fit_mixedlm(model: object, what: str = "the mixed model") -> tuple[object, str]:
    """Fit a statsmodels MixedLM by REML with every optimizer; keep the best converged fit.

    A fit counts when it converged and raised no convergence warning other than "on the
    boundary" (a variance of 0 can be the estimate). Of those, the one with the highest REML
    log-likelihood wins: an optimizer can stop on the boundary where another finds a
    positive variance with a higher likelihood (statsmodels' lbfgs does so on small data).
    A clean interior fit (no warning at all) ends the search early.

    Returns
    -------
    (fit, optimizer) : tuple

    Raises
    ------
    ValueError
        Naming every optimizer and why it failed, when none converged.
    """
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    best, best_method, best_llf, tried = None, "", -np.inf, []
    for method in MIXEDLM_OPTIMIZERS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = model.fit(reml=True, method=method)  # type: ignore[attr-defined]
            except (np.linalg.LinAlgError, ValueError) as exc:
                tried.append(f"{method}: {exc}")
                continue
        t2, s2 = float(np.asarray(fit.cov_re).ravel()[0]), float(fit.scale)
        boundary = t2 <= 1e-6 * max(s2, 1e-300)
        bad = [str(c.message).splitlines()[0] for c in caught if issubclass(c.category, ConvergenceWarning)
               and not boundary]
        if not (fit.converged and not bad):
            tried.append(f"{method}: {bad[0] if bad else 'did not converge'}")
            continue
        # exactly on the boundary statsmodels reports llf = inf (singular covariance): rank such
        # a fit last, so that a fit with a computable likelihood is preferred
        llf = float(fit.llf) if np.isfinite(fit.llf) else -np.inf
        if best is None or llf > best_llf + 1e-9:
            best, best_method, best_llf = fit, method, llf
        if not boundary and not caught:  # a clean interior optimum: no need to try further
            break
    if best is None:
        raise ValueError(f"{what}: the mixed model did not converge with any optimizer ({'; '.join(tried)}).")
    return best, best_method
