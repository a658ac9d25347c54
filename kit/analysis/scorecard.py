"""Rep scorecards: direction-aware, shrunk for small samples, with intervals and honest tiers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats as _st

from kit import stats
from kit.analysis import _common as common

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset

__all__ = ["check_weights", "scorecard", "case_mix_adjusted", "TIERS"]

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


def _mean_shrink(rows: pd.DataFrame, value: str, ci: float) -> pd.DataFrame:
    return stats.shrink(rows[["rep_id", value]].dropna(), "rep_id", value, kind="mean", ci=ci)


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


def scorecard(
    data: Dataset,
    quarter: str | None = None,
    *,
    weights: Mapping[str, float],
    settings: Any = None,
    min_n: int | None = None,
    ci: float = 0.95,
    case_mix: bool = False,
) -> pd.DataFrame:
    """Score each rep on the weighted KPIs, honestly under small samples.

    For each KPI with a weight: rates (shares) are shrunk with the beta-binomial model,
    survey means and NPS with the normal-normal model on the responses (kit.stats.shrink),
    other KPIs (hours, counts, amounts) with Kelley's true-score formula using the KPI's
    split-half reliability at the rep's n. Each shrunk value is standardized (centred on the
    mean of the shrunk values, scaled by the standard deviation of the raw values of the reps
    with enough data; direction-aware: higher z is always better), and the composite is the
    weighted mean of the available z-scores, with an interval from the KPIs' intervals
    (treated as independent). A rep is placed above or below average only when the interval
    excludes the average (0); reps whose available KPIs carry less than half of the weight
    get "insufficient data".

    Parameters
    ----------
    data : kit.Dataset
    quarter : str, optional
        Default: the latest quarter.
    weights : mapping
        KPI id -> points, summing to 100 (``weights:`` in the parameter files).
    settings : KPISettings or mapping, optional
    min_n : int, optional
        A rep's KPI counts when computed from at least this many rows; default each KPI's own.
    ci : float
        Level of the intervals (0.95).
    case_mix : bool
        Replace ``csat_mean`` by its case-mix-adjusted value (:func:`case_mix_adjusted`).

    Returns
    -------
    DataFrame
        Indexed by rep_id: ``rep_name, team, composite, composite_low, composite_high``
        (in standard deviations from the average rep), ``score, score_low, score_high`` (the
        same on a 0-100 scale: 50 + 10 z), ``tier`` in {above average, average, below average,
        insufficient data}, ``rank`` (1 = best among scored reps), ``weight_covered`` (share
        of the weights with data), then per weighted KPI ``<id>`` (the shrunk value),
        ``raw_<id>``, ``n_<id>`` and ``z_<id>``. ``attrs``: ``quarter``, ``weights``,
        ``methods`` (the shrinkage used per KPI).
    """
    import kit.kpis as K

    w = check_weights(weights)
    used = [k for k, v in w.items() if v > 0]
    settings = common.settings_of(settings)
    q = common.one_quarter(data, quarter)
    values = common.kpi_table(data, [q], settings, used).xs(str(q), level="quarter")
    need = {k: (min_n if min_n is not None else K.get(k).min_n) for k in used}
    from kit.survey import dimension_scores

    scored = dimension_scores(data, [str(q)], items=True)
    nps = pd.to_numeric(scored["nps"], errors="coerce").astype("float64")
    scored["nps_points"] = np.select([nps >= 9, nps <= 6], [100.0, -100.0], 0.0)
    scored.loc[nps.isna(), "nps_points"] = np.nan
    inst = data.instrument
    tagged = inst.tagged("needs_understood")
    if tagged:  # the KPI's per-response score: the mean of its answered tagged items
        scored["needs_understood"] = scored[[i.column for i in tagged]].mean(axis=1, skipna=True)
    halves = None

    reps = data.tables["reps"].set_index("rep_id")
    out = pd.DataFrame(index=values.index)
    out["rep_name"] = reps["rep_name"].reindex(out.index)
    out["team"] = reps["team"].reindex(out.index)
    methods: dict[str, str] = {}
    z = pd.DataFrame(index=values.index)
    se = pd.DataFrame(index=values.index)
    level = _st.norm.ppf(0.5 + ci / 2)
    for k in used:
        meta = K.get(k)
        if k == "csat_mean" and case_mix:
            sh = case_mix_adjusted(data, str(q), ci=ci)
            methods[k] = "case-mix adjusted (MixedLM)"
        elif k in ("csat_mean", "nps", "transparency_score", "needs_understood_score"):
            col = {"csat_mean": "csat", "nps": "nps_points", "transparency_score": "transparency",
                   "needs_understood_score": "needs_understood"}[k]
            sh = _mean_shrink(scored, col, ci)
            methods[k] = "normal-normal empirical Bayes"
        elif meta.unit == "share":
            sh = _rate_shrink(values, k, ci)
            methods[k] = "beta-binomial empirical Bayes"
        else:
            if halves is None:
                halves = [common.kpi_table(common.split_half(data, h), [q], settings, used).xs(str(q), level="quarter")
                          for h in (0, 1)]
            a, b = halves
            ok = (a[f"n_{k}"] >= max(1, need[k] // 2)) & (b[f"n_{k}"] >= max(1, need[k] // 2))
            both = pd.concat([a.loc[ok, k], b.loc[ok, k]], axis=1).dropna()
            r = both.iloc[:, 0].corr(both.iloc[:, 1], method="spearman") if len(both) >= 5 else np.nan
            rel = stats.spearman_brown(max(r, 0.0), 2) if np.isfinite(r) else 0.0
            sh = _kelley(values, k, rel, ci, need[k])
            methods[k] = f"Kelley true score (split-half reliability {rel:.2f})"
        sh = sh.reindex(values.index)
        n = values[f"n_{k}"]
        enough = n >= need[k]
        sign = 1.0 if meta.direction == "+" else -1.0
        # standardized on the observed spread of the reps with enough data
        ref = sh.loc[enough, "raw"].dropna()
        mu, sd = (sh.loc[enough, "shrunk"].mean(), ref.std(ddof=1)) if len(ref) > 2 else (np.nan, np.nan)
        if not (np.isfinite(sd) and sd > 0):
            sd = np.nan
        zk = sign * (sh["shrunk"] - mu) / sd
        half = (sh["upper"] - sh["lower"]) / 2 / sd / level
        z[k] = zk.where(enough)
        se[k] = half.where(enough)
        out[k] = sh["shrunk"]
        out[f"raw_{k}"] = values[k]
        out[f"n_{k}"] = n
        out[f"z_{k}"] = z[k]
    wv = pd.Series({k: w[k] for k in used})
    avail = z.notna()
    wsum = avail.mul(wv, axis=1).sum(axis=1)
    comp = z.fillna(0).mul(wv, axis=1).sum(axis=1) / wsum.replace(0, np.nan)
    share = (avail.mul(wv, axis=1).div(wsum.replace(0, np.nan), axis=0)) ** 2
    var = (share * se.fillna(0) ** 2).sum(axis=1)
    covered = wsum / 100.0
    ok = covered >= 0.5
    out["weight_covered"] = covered
    out["composite"] = comp.where(ok)
    out["composite_low"] = (comp - level * np.sqrt(var)).where(ok)
    out["composite_high"] = (comp + level * np.sqrt(var)).where(ok)
    for a_, b_ in (("score", "composite"), ("score_low", "composite_low"), ("score_high", "composite_high")):
        out[a_] = 50 + 10 * out[b_]
    tier = np.where(~ok, "insufficient data",
                    np.where(out["composite_low"] > 0, "above average",
                             np.where(out["composite_high"] < 0, "below average", "average")))
    out["tier"] = tier
    out["rank"] = out["composite"].rank(ascending=False, method="min").astype("Int64")
    front = ["rep_name", "team", "composite", "composite_low", "composite_high", "score", "score_low",
             "score_high", "tier", "rank", "weight_covered"]
    out = out[front + [c for c in out.columns if c not in front]]
    out = out.sort_values(["composite"], ascending=False, na_position="last")
    out.attrs.update({"quarter": str(q), "weights": w, "methods": methods, "ci": ci})
    return out


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
    DataFrame
        Indexed by rep_id: ``n, raw, shrunk, lower, upper, weight`` (as :func:`kit.stats.shrink`;
        ``shrunk`` is the adjusted score). ``attrs``: ``formula``, ``tau2``, ``sigma2``.

    Notes
    -----
    Segment comes from the customer, channel from the surveyed interaction ("none" when the
    response names no interaction).
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
    cust = data.tables["customers"].set_index("customer_id")
    inter = data.tables["interactions"].set_index("interaction_id")
    df = pd.DataFrame({
        "rep_id": sc["rep_id"].astype(str),
        "y": pd.to_numeric(sc[outcome], errors="coerce").astype(float),
        "segment": sc["customer_id"].map(cust["segment"]).fillna("unknown").astype(str),
        "region": sc["customer_id"].map(cust["region"]).fillna("unknown").astype(str),
        "channel": sc["interaction_id"].map(inter["channel"]).fillna("none").astype(str),
    }).dropna(subset=["y"])
    terms = " + ".join(f"C({c})" for c in covariates if df[c].nunique() > 1) or "1"
    formula = f"y ~ {terms}"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm(formula, df, groups=df["rep_id"]).fit(reml=True)
    tau2 = float(fit.cov_re.iloc[0, 0])
    sigma2 = float(fit.scale)
    fixed_avg = float(np.mean(fit.model.exog @ fit.fe_params.to_numpy()))
    g = df.groupby("rep_id")["y"]
    n = g.size()
    re = pd.Series({k: float(v.iloc[0]) for k, v in fit.random_effects.items()})
    b = tau2 / (tau2 + sigma2 / n) if tau2 > 0 else n * 0.0
    cond_sd = np.sqrt(b * sigma2 / n) if tau2 > 0 else n * 0.0
    z = _st.norm.ppf(0.5 + ci / 2)
    adj = fixed_avg + re.reindex(n.index).fillna(0.0)
    out = pd.DataFrame({"n": n, "raw": g.mean(), "shrunk": adj, "lower": adj - z * cond_sd,
                        "upper": adj + z * cond_sd, "weight": b})
    out.index.name = "rep_id"
    out.attrs.update({"formula": formula + " + (1 | rep)", "tau2": tau2, "sigma2": sigma2})
    return out
