"""Rep scorecards: direction-aware, shrunk for small samples, with intervals and honest tiers."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats as _st

from kit import stats
from kit.analysis import _common as common
from kit.results import Result

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset

__all__ = ["check_weights", "scorecard", "case_mix_adjusted", "ScorecardResult", "CaseMixResult", "TIERS"]

TIERS = ("above average", "average", "below average", "insufficient data")


def check_weights(weights: Mapping[str, float], tolerance: float = 0.01) -> dict[str, float]:
    """Check KPI weights: known KPI ids, numbers >= 0, summing to 100. Returns them as floats."""
    import kit.kpis as K

    if not isinstance(weights, Mapping) or not weights:
        raise ValueError("weights must map KPI ids to points summing to 100, e.g. {'csat_mean': 40, ...}.")
    known = set(K.ids())
    out = {}
    for k, v in weights.items():
        if k not in known:
            raise ValueError(f"weights: {k!r} is not a KPI id; known ids: {', '.join(K.ids())}.")
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
            raise ValueError(f"weights.{k} must be a number >= 0; got {v!r}.")
        out[k] = float(v)
    total = sum(out.values())
    if abs(total - 100) > tolerance:
        raise ValueError(f"weights must sum to 100; they sum to {total:g}.")
    return out


def _rate_shrink(values: pd.DataFrame, k: str, ci: float) -> pd.DataFrame:
    df = values[[k, f"n_{k}"]].dropna()
    df = df[df[f"n_{k}"] > 0]
    succ = (df[k] * df[f"n_{k}"]).round()
    frame = pd.DataFrame({"rep_id": df.index, "y": succ.to_numpy(), "n": df[f"n_{k}"].to_numpy()})
    return stats.shrink(frame, "rep_id", "y", kind="rate", trials="n", ci=ci)


def _mean_shrink(data: Dataset, q: str, value: str, ci: float) -> pd.DataFrame:
    """Normal-normal shrinkage of the reps' mean ``value`` (kit.stats.shrink's model), from the
    per-rep count, sum and sum of squares computed in the engine."""
    from kit import moments
    from kit.stats.grouped import shrink_from_moments

    return shrink_from_moments(moments.group_moments(data, q, value=value), ci=ci)


def _kelley(values: pd.DataFrame, k: str, reliability: float, ci: float, min_n: int) -> pd.DataFrame:
    """Kelley's true-score estimate: pull toward the mean by the reliability at each rep's n."""
    df = values[[k, f"n_{k}"]].dropna()
    df = df[df[f"n_{k}"] > 0]
    x, n = df[k].astype(float), df[f"n_{k}"].astype(float)
    ok = n >= min_n
    mu = float(np.average(x[ok], weights=n[ok])) if ok.any() else float(x.mean())
    sd = float(x[ok].std(ddof=1)) if ok.sum() > 2 else float("nan")
    rel = reliability if np.isfinite(reliability) else 0.0
    rel = min(max(rel, 0.0), 0.999)
    med = float(n[ok].median()) if ok.any() else float(n.median())
    per_unit = rel / (med - (med - 1) * rel) if med > 0 and rel > 0 else 0.0
    rho = (n * per_unit) / (1 + (n - 1) * per_unit) if per_unit > 0 else n * 0.0
    shrunk = mu + rho * (x - mu)
    z = _st.norm.ppf(0.5 + ci / 2)
    se = sd * np.sqrt(rho * (1 - rho)) if np.isfinite(sd) else np.nan
    return pd.DataFrame({"n": n, "raw": x, "shrunk": shrunk, "lower": shrunk - z * se, "upper": shrunk + z * se,
                         "weight": rho})


@dataclass(frozen=True)
class ScorecardResult(Result):
    """The scorecard of :func:`scorecard` (``table``) and the facts about it.

    Attributes
    ----------
    table : DataFrame
        Indexed by rep_id; columns in :func:`scorecard`.
    quarter : str
    weights : dict
        KPI id -> points in force.
    methods : dict
        KPI id -> how its shown value was estimated (shrinkage model, or raw for totals).
    ci : float
        Level of the intervals.
    n_boot : int
        Customer-level bootstrap resamples behind the composite intervals (0: none possible).
    notes : list of str
        What limited the scorecard (e.g. too few reps to standardize a KPI).
    """

    quarter: str = ""
    weights: dict = field(default_factory=dict)
    methods: dict = field(default_factory=dict)
    ci: float = 0.95
    n_boot: int = 0
    notes: list = field(default_factory=list)


MIN_REPS_TO_STANDARDIZE = 3


def scorecard(
    data: Dataset,
    quarter: str | None = None,
    *,
    weights: Mapping[str, float],
    settings: Any = None,
    min_n: int | None = None,
    ci: float = 0.95,
    case_mix: bool = False,
    n_boot: int = 200,
    seed: int = 0,
) -> ScorecardResult:
    """Score each rep on the weighted KPIs, honestly under small samples.

    For each KPI with a weight: rates (shares) are shrunk with the beta-binomial model,
    survey means and NPS with the normal-normal model (kit.stats.shrink's, from each rep's count,
    sum and sum of squares computed in the engine: the responses stay there),
    medians (hours) with Kelley's true-score formula at the KPI's reliability (mean of random
    customer halves). Totals (revenue, counts, quota attainment) are never shrunk: they are
    shown raw, a rep with none has 0 (zero is zero), and their interval comes from the
    bootstrap. Each value is standardized (centred on the mean of the shown values, scaled by
    the standard deviation of the raw values of the reps with enough data; direction-aware:
    higher z is always better), and the composite is the weighted mean of the available
    z-scores. Its interval comes from a customer-level bootstrap of the whole scorecard
    (customers resampled in buckets, every KPI recomputed from the same resample, the spread
    between reps re-estimated in every resample), so correlated KPI errors and the
    uncertainty of the shrinkage count. A rep is placed above or below average only when the
    interval excludes the average (0); reps whose available KPIs carry less than half of the
    weight get "insufficient data".

    Parameters
    ----------
    data : kit.Dataset
    quarter : str, optional
        Default: the latest quarter.
    weights : mapping
        KPI id -> points, summing to 100 (``weights:`` in the parameter files).
    settings : KPISettings or mapping, optional
    min_n : int, optional
        A rep's KPI counts when computed from at least this many rows and at least the KPI's
        own ``min_n`` (so a report's ``min_n`` can raise the bar, never lower it); default each
        KPI's own. A report passes its ``min_n``: a figure it blanks then never enters a
        composite score, from which it could be worked back.
    ci : float
        Level of the intervals (0.95).
    case_mix : bool
        Replace ``csat_mean`` by its case-mix-adjusted value (:func:`case_mix_adjusted`).
    n_boot : int
        Customer-level bootstrap resamples for the composite's interval (200).
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    ScorecardResult
        ``table`` indexed by rep_id: ``rep_name, team, composite, composite_low,
        composite_high`` (in standard deviations from the average rep), ``score, score_low,
        score_high`` (the same on a 0-100 scale: 50 + 10 z), ``tier`` in {above average,
        average, below average, insufficient data}, ``rank`` (1 = best among scored reps),
        ``weight_covered`` (share of the weights with data), ``reason`` (why a rep has no
        tier, when it has none), then per weighted KPI ``<id>`` (the shown value: shrunk, or
        raw for totals), ``<id>_low`` and ``<id>_high`` (its interval), ``raw_<id>``,
        ``n_<id>`` and ``z_<id>``.

    Examples
    --------
    >>> import kit
    >>> card = kit.analysis.scorecard(kit.load("data/samples"), "2026Q3",
    ...                               weights={"csat_mean": 60, "revenue_won": 40})  # doctest: +SKIP
    >>> card.methods["revenue_won"]  # doctest: +SKIP
    'raw total (not shrunk), bootstrap interval'
    """
    import kit.kpis as K
    from kit.analysis import _buckets as B

    w = check_weights(weights)
    if not isinstance(n_boot, int) or isinstance(n_boot, bool) or n_boot < 0:
        raise ValueError(f"n_boot must be a whole number >= 0; got {n_boot!r}.")
    used = [k for k, v in w.items() if v > 0]
    settings = common.settings_of(settings)
    q = common.one_quarter(data, quarter)
    values = common.kpi_table(data, [q], settings, used).xs(str(q), level="quarter")
    need = {k: max(K.get(k).min_n, min_n or 0) for k in used}
    from kit import moments

    pieces = B.kpi_pieces(data, [q], settings, used, _BUCKETS)
    rep_pos = {r: i for i, r in enumerate(pieces.reps)}
    idx = [rep_pos.get(str(r), -1) for r in values.index]
    boots = B.bootstrap_weights(pieces.buckets, n_boot, seed) if n_boot else np.zeros((0, pieces.buckets))
    # active in the quarter: any row counted for any weighted KPI (a total is 0 for them, not missing)
    responded = moments.response_counts(data, str(q)).index
    active = (values[[f"n_{k}" for k in used]] > 0).any(axis=1) | values.index.isin(responded)

    reps = data.tables["reps"].set_index("rep_id")
    out = pd.DataFrame(index=values.index)
    out["rep_name"] = reps["rep_name"].reindex(out.index)
    out["team"] = reps["team"].reindex(out.index)
    methods: dict[str, str] = {}
    notes: list[str] = []
    z = pd.DataFrame(index=values.index)
    zb = np.full((len(used), n_boot, len(values)), np.nan)   # reshrunk z per resample
    eb = np.full((len(used), n_boot, len(values)), np.nan)   # raw errors per resample
    se_k = pd.DataFrame(index=values.index)                   # posterior SE of each z
    level = _st.norm.ppf(0.5 + ci / 2)
    for j, k in enumerate(used):
        meta = K.get(k)
        total = pieces.total[k]
        n = values[f"n_{k}"]
        if total:
            raw = values[k].where(active, np.nan).fillna(0.0).where(active)
            enough = active.copy()
            sh = pd.DataFrame({"n": n, "raw": raw, "shrunk": raw})
            methods[k] = "raw total (not shrunk), bootstrap interval"
        else:
            enough = n >= need[k]
            sh = _shown(k, meta, values, data, str(q), ci, case_mix, pieces, methods, notes, need[k])
            sh = sh.reindex(values.index)
        sign = 1.0 if meta.direction == "+" else -1.0
        ref = sh.loc[enough, "raw"].dropna()
        if len(ref) >= MIN_REPS_TO_STANDARDIZE and ref.std(ddof=1) > 0:
            mu, sd = float(sh.loc[enough, "shrunk"].mean()), float(ref.std(ddof=1))
        else:
            mu, sd = np.nan, np.nan
            notes.append(f"{k}: only {len(ref)} rep(s) with n >= {need[k]} (or no spread between them); at least "
                         f"{MIN_REPS_TO_STANDARDIZE} reps with different values are needed to standardize it, so it "
                         "counts for nobody")
        z[k] = (sign * (sh["shrunk"] - mu) / sd).where(enough)
        # the bootstrap: the KPI recomputed on each resample of the customers, shrunk again with
        # the spread between reps re-estimated on that resample
        with warnings.catch_warnings():  # reps without data in a resample give NaN, not noise
            warnings.simplefilter("ignore", RuntimeWarning)
            if n_boot:
                xb, nb = pieces.combine(k, boots, [str(q)])
                xb = np.where(np.array(idx)[None, :] >= 0, xb[:, np.maximum(idx, 0)], np.nan)
                if total:
                    xb = np.nan_to_num(xb, nan=0.0)
                with np.errstate(invalid="ignore"):
                    eb[j] = sign * (xb - np.nanmean(xb, axis=0, keepdims=True))
                if not total:
                    xb = _reshrink(xb, enough.to_numpy())
                zb[j] = sign * (xb - mu) / sd
                lo, hi = np.nanquantile(xb, [(1 - ci) / 2, 1 - (1 - ci) / 2], axis=0) if total else (
                    sh["lower"].to_numpy(), sh["upper"].to_numpy())
            else:
                lo, hi = sh.get("lower", sh["shrunk"]).to_numpy(), sh.get("upper", sh["shrunk"]).to_numpy()
            if total:
                se_k[k] = (_quiet(np.nanstd, eb[j], axis=0, ddof=1) / sd) if n_boot else np.nan
            else:
                se_k[k] = ((sh["upper"] - sh["lower"]) / 2 / level / sd).to_numpy()
        out[k] = sh["shrunk"]
        out[f"{k}_low"] = np.where(enough, lo, np.nan)
        out[f"{k}_high"] = np.where(enough, hi, np.nan)
        out[f"raw_{k}"] = sh["raw"] if total else values[k]
        out[f"n_{k}"] = n
        out[f"z_{k}"] = z[k]
    wv = pd.Series({k: w[k] for k in used})
    avail = z.notna()
    wsum = avail.mul(wv, axis=1).sum(axis=1)
    comp = z.fillna(0).mul(wv, axis=1).sum(axis=1) / wsum.replace(0, np.nan)
    covered = wsum / 100.0
    ok = covered >= 0.5
    se = _composite_se(avail, wv, wsum, se_k, zb, eb, n_boot)
    out["weight_covered"] = covered
    out["composite"] = comp.where(ok)
    out["composite_low"] = (comp - level * se).where(ok)
    out["composite_high"] = (comp + level * se).where(ok)
    for a_, b_ in (("score", "composite"), ("score_low", "composite_low"), ("score_high", "composite_high")):
        out[a_] = 50 + 10 * out[b_]
    tier = np.where(~ok, "insufficient data",
                    np.where(out["composite_low"] > 0, "above average",
                             np.where(out["composite_high"] < 0, "below average", "average")))
    out["tier"] = tier
    unstandardized = [k for k in used if z[k].isna().all()]
    out["reason"] = ""
    for r in out.index[~ok]:
        if unstandardized and covered[r] < 0.5:
            out.at[r, "reason"] = (f"too few reps to standardize {', '.join(unstandardized)} "
                                   f"(at least {MIN_REPS_TO_STANDARDIZE} with enough data are needed)")
        else:
            out.at[r, "reason"] = f"KPIs with enough data carry {covered[r]:.0%} of the weight (50% needed)"
    out["rank"] = out["composite"].rank(ascending=False, method="min").astype("Int64")
    front = ["rep_name", "team", "composite", "composite_low", "composite_high", "score", "score_low",
             "score_high", "tier", "rank", "weight_covered", "reason"]
    out = out[front + [c for c in out.columns if c not in front]]
    out = out.sort_values(["composite"], ascending=False, na_position="last")
    return ScorecardResult(table=out, quarter=str(q), weights=w, methods=methods, ci=ci, n_boot=int(n_boot),
                           notes=notes)


_BUCKETS = 64


def _quiet(fn: Any, *args: Any, **kw: Any) -> Any:
    """A nan-function without its warning for all-NaN slices (reps without data give NaN)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kw)


def _composite_se(avail: pd.DataFrame, wv: pd.Series, wsum: pd.Series, se_k: pd.DataFrame, zb: np.ndarray,
                  eb: np.ndarray, n_boot: int) -> np.ndarray:
    """Standard error of each rep's composite.

    Two views, and the larger is kept: (1) the KPIs' posterior standard errors combined with
    the correlation of their errors, estimated from the customer-level bootstrap (two KPIs
    computed from the same customers err together: SLA rate and resolution hours); (2) the
    spread of the composite over the bootstrap resamples with every KPI reshrunk, which carries
    the uncertainty of the spread between reps (tau^2). Without resamples, errors are taken
    as independent.
    """
    share = avail.mul(wv, axis=1).div(wsum.replace(0, np.nan), axis=0).fillna(0.0).to_numpy()  # (R, K)
    s = np.nan_to_num(se_k[list(wv.index)].to_numpy(dtype=float), nan=0.0) * share
    k = len(wv)
    corr = np.eye(k)
    if n_boot >= 10 and k > 1:
        with np.errstate(invalid="ignore", divide="ignore"):
            e = eb / _quiet(np.nanstd, eb, axis=1, keepdims=True)  # standardized per KPI and rep
        for i in range(k):
            for j in range(i + 1, k):
                both = np.isfinite(e[i]) & np.isfinite(e[j])
                if both.sum() > 10:
                    corr[i, j] = corr[j, i] = float(np.clip(np.mean(e[i][both] * e[j][both]), -1, 1))
    var_post = np.einsum("rk,kl,rl->r", s, corr, s)
    if not n_boot:
        return np.sqrt(var_post)
    mask = avail.to_numpy().T[:, None, :]  # (K, 1, R)
    wts = wv.to_numpy()[:, None, None] * mask
    usable = np.where(mask, np.isfinite(zb), True).all(axis=0)  # resamples where the rep has all its KPIs
    cb = (np.where(mask, np.nan_to_num(zb), 0.0) * wts).sum(axis=0) / np.where(wsum.to_numpy() > 0,
                                                                              wsum.to_numpy(), np.nan)[None, :]
    cb = np.where(usable, cb, np.nan)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        var_boot = np.nanvar(cb, axis=0, ddof=1)
    return np.sqrt(np.fmax(var_post, np.nan_to_num(var_boot, nan=0.0)))


def _reshrink(xb: np.ndarray, enough: np.ndarray) -> np.ndarray:
    """Normal-normal shrinkage of every resample's rep values, the spread re-estimated each time.

    The sampling variance of each rep's value is its variance over the resamples; the spread
    between reps (tau^2) is, per resample, the variance of the values minus the mean sampling
    variance (method of moments, at least 0).
    """
    import warnings

    with warnings.catch_warnings():  # reps without data in any resample have no variance: NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        v = np.nanvar(xb, axis=0, ddof=1)  # (R,)
    sel = enough & np.isfinite(v)
    if sel.sum() < 3:
        return xb
    mu = np.nanmean(xb[:, sel], axis=1, keepdims=True)
    tau2 = np.maximum(np.nanvar(xb[:, sel], axis=1, ddof=1, keepdims=True) - np.nanmean(v[sel]), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(tau2 > 0, tau2 / (tau2 + v[None, :]), 0.0)
    return mu + b * (xb - mu)


def _shown(k: str, meta: Any, values: pd.DataFrame, data: Dataset, q: str, ci: float,
           case_mix: bool, pieces: Any, methods: dict, notes: list, need_k: int) -> pd.DataFrame:
    """The shown (shrunk) value of a non-total KPI: n, raw, shrunk, lower, upper."""
    if k == "csat_mean" and case_mix:
        methods[k] = "case-mix adjusted (MixedLM)"
        return case_mix_adjusted(data, q, ci=ci).table
    if k in ("csat_mean", "nps", "transparency_score", "needs_understood_score"):
        col = {"csat_mean": "csat", "nps": "nps_points", "transparency_score": "transparency",
               "needs_understood_score": "needs_understood"}[k]
        methods[k] = "normal-normal empirical Bayes"
        return _mean_shrink(data, q, col, ci)
    if meta.unit == "share":
        try:
            methods[k] = "beta-binomial empirical Bayes"
            return _rate_shrink(values, k, ci)
        except ValueError as exc:  # every rep at 0 or at 1: nothing to shrink toward but itself
            methods[k] = "raw (no spread between reps to shrink with)"
            notes.append(f"{k}: {exc}")
            df = values[[k, f"n_{k}"]].dropna()
            return pd.DataFrame({"n": df[f"n_{k}"], "raw": df[k], "shrunk": df[k], "lower": df[k], "upper": df[k]})
    from kit.analysis import _buckets as B

    halves = B.random_halves(pieces.buckets, 200, seed=0)
    qk = pieces.quarters[-1]
    a, na = pieces.combine(k, halves, [qk])
    b, nb = pieces.combine(k, 1 - halves, [qk])
    half_min = max(1, math.ceil(need_k / 2))
    a, b = np.where(na >= half_min, a, np.nan), np.where(nb >= half_min, b, np.nan)
    rel = stats.split_reliability(a, b, method="spearman").reliability
    rel = rel if np.isfinite(rel) else 0.0
    methods[k] = f"Kelley true score (reliability {rel:.2f}, mean of 200 random customer halves)"
    return _kelley(values, k, rel, ci, need_k)


def case_mix_adjusted(
    data: Dataset,
    quarter: str | None = None,
    *,
    outcome: str = "csat",
    covariates: tuple[str, ...] = ("segment", "channel"),
    ci: float = 0.95,
) -> pd.DataFrame:
    """Rep means of a survey score adjusted for case mix with a mixed model.

    Fits ``outcome ~ C(segment) + C(channel) + (1 | rep)`` by REML (statsmodels MixedLM) on
    the quarter's responses. A rep's adjusted score is the average-case prediction (the
    fixed part at the sample's covariate mix) plus the rep's predicted random effect (BLUP),
    with an interval from its conditional variance.

    Returns
    -------
    CaseMixResult
        ``table`` indexed by rep_id: ``n, raw, shrunk, lower, upper, weight`` (as
        :func:`kit.stats.shrink`; ``shrunk`` is the adjusted score); ``formula``, ``tau2``,
        ``sigma2`` and the ``optimizer`` that converged (lbfgs, then bfgs, cg, powell,
        Nelder-Mead are tried; an error names them all when none converges).

    Notes
    -----
    Segment comes from the customer, channel from the surveyed interaction ("none" when the
    response names no interaction). Unlike the scorecard's default shrinkage, which needs
    only per-rep moments, this fit reads the quarter's responses into memory (one row each,
    five columns): it is used only when ``case_mix`` is asked for.
    """
    import statsmodels.formula.api as smf

    allowed = {"segment", "channel", "region"}
    bad = set(covariates) - allowed
    if bad:
        raise ValueError(f"covariates: {sorted(bad)} unknown; allowed: {sorted(allowed)}.")
    q = common.one_quarter(data, quarter)
    sc = common.scores(data, [q])
    if outcome not in sc.columns:
        raise ValueError(f"outcome must be 'csat' or a dimension ({', '.join(data.instrument.dimensions)}); "
                         f"got {outcome!r}.")
    cust = _lookup(data, "customers", "customer_id", ["segment", "region"], sc["customer_id"])
    inter = _lookup(data, "interactions", "interaction_id", ["channel"], sc["interaction_id"])
    df = pd.DataFrame({
        "rep_id": sc["rep_id"].astype(str),
        "y": pd.to_numeric(sc[outcome], errors="coerce").astype(float),
        "segment": sc["customer_id"].map(cust["segment"]).fillna("unknown").astype(str),
        "region": sc["customer_id"].map(cust["region"]).fillna("unknown").astype(str),
        "channel": sc["interaction_id"].map(inter["channel"]).fillna("none").astype(str),
    }).dropna(subset=["y"])
    terms = " + ".join(f"C({c})" for c in covariates if df[c].nunique() > 1) or "1"
    formula = f"y ~ {terms}"
    fit, optimizer = _converged_fit(smf.mixedlm(formula, df, groups=df["rep_id"]), formula)
    tau2 = float(fit.cov_re.iloc[0, 0])
    sigma2 = float(fit.scale)
    fixed_avg = float(np.mean(fit.model.exog @ fit.fe_params.to_numpy()))
    g = df.groupby("rep_id")["y"]
    n = g.size()
    if tau2 > 1e-8 * sigma2:
        re = pd.Series({k: float(v.iloc[0]) for k, v in fit.random_effects.items()})
    else:  # reps do not differ beyond chance: every rep gets the average-case prediction
        tau2 = 0.0
        re = pd.Series(0.0, index=df["rep_id"].unique())
    b = tau2 / (tau2 + sigma2 / n) if tau2 > 0 else n * 0.0
    cond_sd = np.sqrt(b * sigma2 / n) if tau2 > 0 else n * 0.0
    z = _st.norm.ppf(0.5 + ci / 2)
    adj = fixed_avg + re.reindex(n.index).fillna(0.0)
    out = pd.DataFrame({"n": n, "raw": g.mean(), "shrunk": adj, "lower": adj - z * cond_sd,
                        "upper": adj + z * cond_sd, "weight": b})
    out.index.name = "rep_id"
    return CaseMixResult(table=out, formula=formula + " + (1 | rep)", tau2=tau2, sigma2=sigma2, optimizer=optimizer)


def _lookup(data: Dataset, table: str, key: str, columns: list[str], wanted: pd.Series) -> pd.DataFrame:
    """``columns`` of the rows of ``table`` whose ``key`` is among ``wanted``, indexed by ``key``.

    The rows are picked in the engine (a semi-join on the wanted keys), so a large table is
    never read whole.
    """
    import ibis

    keys = pd.Series(wanted.dropna().astype(str).unique(), dtype=object)
    t = data.table(table)
    if not len(keys):
        return pd.DataFrame(columns=columns, index=pd.Index([], name=key))
    k = ibis.memtable(pd.DataFrame({"_key": keys}))
    got = t.semi_join(k, t[key] == k._key).select(key, *columns).execute()
    return got.set_index(key)


def _converged_fit(model: Any, formula: str) -> tuple[Any, str]:
    """The best converged REML fit over several optimizers, or a clear error."""
    from kit.stats.multilevel import fit_mixedlm

    try:
        return fit_mixedlm(model, f"case-mix adjustment ({formula} + (1 | rep))")
    except ValueError as exc:
        raise ValueError(f"{exc} Use fewer covariates or more responses per rep.") from None


@dataclass(frozen=True)
class CaseMixResult(Result):
    """Case-mix-adjusted rep means (:func:`case_mix_adjusted`).

    Attributes
    ----------
    table : DataFrame
        Indexed by rep_id: ``n, raw, shrunk, lower, upper, weight``.
    formula : str
    tau2, sigma2 : float
        Between-rep and residual variance (REML).
    optimizer : str
        The optimizer whose fit converged.
    """

    formula: str = ""
    tau2: float = float("nan")
    sigma2: float = float("nan")
    optimizer: str = ""
