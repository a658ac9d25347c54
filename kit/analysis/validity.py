"""KPI validity: does each KPI measure something reliable that moves customer satisfaction?"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kit import i18n, stats
from kit.analysis import _common as C
from kit.analysis import _text as T

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset

__all__ = ["ValidityThresholds", "kpi_validity", "VERDICTS"]

VERDICTS = ("valid", "weak", "not valid", "insufficient data")


@dataclass(frozen=True)
class ValidityThresholds:
    """Thresholds of the verdict (``analysis.validity`` in the parameter files).

    Attributes
    ----------
    min_coverage : float
        Share of reps that need ``n >= min_n`` for a verdict (default 0.5).
    min_reps : int
        And at least this many reps (default 10).
    reliability_valid, reliability_min : float
        A KPI is "valid" when it correlates with its target satisfaction over the window
        (Benjamini-Hochberg controlled) and a rep's quarterly value has a reliability of at
        least ``reliability_min`` (0.5); "weak" when it is related but too noisy to rank reps
        on one quarter, or when only its predictive correlation holds. For the survey scores
        that are satisfaction itself (CSAT,
        NPS), the verdict is their reliability: "valid" from ``reliability_valid`` (0.7, the
        usual bar for comparing groups), "weak" from ``reliability_min``. The reason says
        "reliable" from 0.7 and "moderately reliable" from 0.5.
    fdr : float
        False discovery rate of the Benjamini-Hochberg control over the KPIs (0.05).
    redundant_r : float
        Two KPIs correlating at least this much are reported as overlapping (0.8).
    gaming_rise, gaming_drop : float
        Gaming flag: a volume KPI up by at least ``gaming_rise`` (relative, 0.25) from the
        earlier to the later half of the window while its quality counterpart falls by at
        least ``gaming_drop`` (0.10, e.g. ten points of a rate).
    """

    min_coverage: float = 0.5
    min_reps: int = 10
    reliability_valid: float = 0.7
    reliability_min: float = 0.5
    fdr: float = 0.05
    redundant_r: float = 0.8
    gaming_rise: float = 0.25
    gaming_drop: float = 0.10

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any] | None) -> ValidityThresholds:
        spec = dict(spec or {})
        fields = asdict(cls())
        bad = set(spec) - set(fields)
        if bad:
            raise ValueError(f"validity thresholds: unknown key(s) {sorted(bad)}; allowed: {sorted(fields)}.")
        for k, v in spec.items():
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                raise ValueError(f"validity thresholds: {k} must be a number >= 0; got {v!r}.")
            if k != "min_reps" and v > 1:
                raise ValueError(f"validity thresholds: {k} must be between 0 and 1; got {v!r}.")
        return cls(**{**fields, **spec})


def _corr(x: pd.Series, y: pd.Series) -> stats.CorrelationResult | None:
    both = pd.concat([x, y], axis=1, join="inner").dropna()
    if len(both) < 5 or both.iloc[:, 0].nunique() < 2 or both.iloc[:, 1].nunique() < 2:
        return None
    return stats.correlation(both.iloc[:, 0], both.iloc[:, 1], method="spearman")


def _fields(prefix: str, res: stats.CorrelationResult | None) -> dict[str, float]:
    if res is None:
        return {f"r_{prefix}": np.nan, f"r_{prefix}_ci_low": np.nan, f"r_{prefix}_ci_high": np.nan,
                f"p_{prefix}": np.nan, f"n_{prefix}": 0}
    return {f"r_{prefix}": res.r, f"r_{prefix}_ci_low": res.ci_low, f"r_{prefix}_ci_high": res.ci_high,
            f"p_{prefix}": res.p, f"n_{prefix}": res.n}


def kpi_validity(
    data: Dataset,
    quarter: str | None = None,
    *,
    kpis: Iterable[str] | None = None,
    settings: Any = None,
    min_n: int | None = None,
    window: int = 4,
    thresholds: ValidityThresholds | Mapping[str, Any] | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Judge each KPI: coverage, reliability, stability, validity against satisfaction, overlap, gaming.

    Parameters
    ----------
    data : kit.Dataset
    quarter : str, optional
        The quarter judged (default: the latest with data).
    kpis : list of str, optional
        KPI ids (default: every registered KPI).
    settings : KPISettings or mapping, optional
        KPI settings (``kpi:`` in the parameter files).
    min_n : int, optional
        A rep's value counts when computed from at least this many rows; default: each KPI's
        own ``min_n`` (see :func:`kit.kpis.catalog`).
    window : int
        Quarters (ending at ``quarter``) pooled per rep for the correlations with
        satisfaction and for the gaming check (default 4): each rep's KPI is the n-weighted
        mean of its quarterly values, its satisfaction the mean over all its responses in
        the window, so that a rep is one observation.
    thresholds : ValidityThresholds or mapping, optional
        See :class:`ValidityThresholds` for the defaults.
    lang : {'en', 'zh'}
        Language of ``reason``.

    Returns
    -------
    DataFrame
        Indexed by KPI id:

        - ``dimension``, ``direction``, ``target``: the dimension it serves and the
          satisfaction score it is judged against (its dimension, or ``csat`` for KPIs
          computed from the survey and for sales KPIs);
        - ``reps``, ``reps_covered``, ``coverage``: reps, reps with n >= min_n this quarter;
          ``min_n`` the count used;
        - ``reliability``, ``reliability_method``: the reliability of a rep's quarterly value:
          for the survey scores, ICC(1) across reps stepped up to the median n by
          Spearman-Brown; for the others, split-half (customers split in two halves,
          Spearman-Brown corrected);
        - ``stability``, ``stability_n``: rank correlation of the rep values with the
          previous quarter's;
        - ``r_target, r_target_ci_low, r_target_ci_high, p_target, q_target, n_target``: rank
          correlation (Spearman, Fisher-z interval) between the direction-adjusted KPI and
          the target satisfaction over the window; ``q_`` is the BH-adjusted p-value;
        - ``r_overall ...``: the same against overall CSAT;
        - ``r_predictive ...``: the previous quarter's KPI against this quarter's target;
        - ``most_similar``, ``r_most_similar``: the other KPI it overlaps most;
        - ``vif``: variance inflation among the KPIs with enough coverage;
        - ``gaming``, ``gaming_reps``: the gaming flag for volume KPIs;
        - ``verdict`` in {valid, weak, not valid, insufficient data} and ``reason``.

        ``attrs``: ``quarter``, ``window`` (quarters used), ``thresholds``, ``min_n``.

    Notes
    -----
    Correlations are Spearman (KPIs such as hours are skewed); "-" KPIs are negated first,
    so a positive r always means "better KPI, more satisfied customers". The statistics are
    those of :mod:`kit.stats` (checked against R and statsmodels); the recovery of planted
    effects is tested on the sample data (tests/test_analysis.py).
    """
    import kit.kpis as K

    lang = T.check_lang(lang)
    th = thresholds if isinstance(thresholds, ValidityThresholds) else ValidityThresholds.from_dict(thresholds)
    if min_n is not None and (not isinstance(min_n, int) or isinstance(min_n, bool) or min_n < 1):
        raise ValueError(f"min_n must be a whole number >= 1 (or None: each KPI's own); got {min_n!r}.")
    settings = C.settings_of(settings)
    q = C.one_quarter(data, quarter)
    ids = list(kpis) if kpis is not None else K.ids()
    metas = {k: K.get(k) for k in ids}
    win = C.window(data, q, window)
    prev = q.previous()
    quarters = sorted({*win, *([prev] if C.has_quarter(data, prev) else [])})
    values = C.kpi_table(data, quarters, settings, ids)
    dims = data.instrument.dimensions
    from kit.survey import dimension_scores

    scored = dimension_scores(data, [str(x) for x in quarters], items=True)
    by_q = C.rep_means(scored, dims, by_quarter=True)
    in_win = scored[scored["quarter"].isin([str(x) for x in win])]
    need = {k: (min_n if min_n is not None else m.min_n) for k, m in metas.items()}
    sat_min = min_n if min_n is not None else max([m.min_n for m in metas.values() if m.survey], default=10)
    sat = C.rep_means(in_win, dims)
    sat = sat[sat["n"] >= sat_min]
    now = values.xs(str(q), level="quarter")
    reps = now.index
    halves = [C.kpi_table(C.split_half(data, h), [q], settings, ids).xs(str(q), level="quarter") for h in (0, 1)]

    sign = {k: (1.0 if m.direction == "+" else -1.0) for k, m in metas.items()}
    pooled = {k: C.pooled(values[values.index.get_level_values("quarter").isin([str(x) for x in win])], k, need[k])
              for k in ids}

    rows = []
    for k, m in metas.items():
        kn = need[k]
        target = "csat" if (m.survey or m.dimension in {"overall", "sales"} or m.dimension not in dims) else m.dimension
        n_now = now[f"n_{k}"]
        covered = int((n_now >= kn).sum())
        row: dict[str, Any] = {"id": k, "dimension": m.dimension, "direction": m.direction, "target": target,
                               "reps": len(reps), "reps_covered": covered,
                               "coverage": covered / len(reps) if len(reps) else np.nan}
        # reliability: ICC-based for the built-in survey scores, else split halves of the customers
        per_response = _survey_values(k, scored[scored["quarter"] == str(q)], data)
        if per_response is not None:
            row["reliability"], row["reliability_n"] = _icc_reliability(per_response, kn)
            row["reliability_method"] = "ICC(1), Spearman-Brown at the median n"
        else:
            a, b = halves[0], halves[1]
            half_min = max(2, math.ceil(kn / 2))
            ok = (a[f"n_{k}"] >= half_min) & (b[f"n_{k}"] >= half_min)
            r_half = _corr(a.loc[ok, k], b.loc[ok, k])
            row["reliability"] = (stats.spearman_brown(max(r_half.r, 0.0), 2) if r_half is not None else np.nan)
            row["reliability_n"] = 0 if r_half is None else r_half.n
            row["reliability_method"] = "split-half over customers, Spearman-Brown"
        # stability
        if prev in quarters:
            before = values.xs(str(prev), level="quarter")
            both = (n_now >= kn) & (before[f"n_{k}"] >= kn)
            st = _corr(now.loc[both, k], before.loc[both, k])
        else:
            st = None
        row["stability"] = np.nan if st is None else st.r
        row["stability_n"] = 0 if st is None else st.n
        # validity against satisfaction, over the window
        x = pooled[k]["value"] * sign[k]
        if m.dimension == "overall" and m.survey:
            row.update(_fields("target", None))
            row.update(_fields("overall", None))
        else:
            row.update(_fields("target", _corr(x, sat[target])))
            row.update(_fields("overall", _corr(x, sat["csat"])))
        # predictive: previous quarter's KPI against this quarter's target satisfaction
        if prev in quarters and not (m.dimension == "overall" and m.survey):
            before = values.xs(str(prev), level="quarter")
            xb = (before.loc[before[f"n_{k}"] >= kn, k] * sign[k])
            sat_now = by_q.xs(str(q), level="quarter") if str(q) in by_q.index.get_level_values(0) else None
            res = None if sat_now is None else _corr(xb, sat_now.loc[sat_now["n"] >= sat_min, target])
            row.update(_fields("predictive", res))
        else:
            row.update(_fields("predictive", None))
        row["min_n"] = kn
        rows.append(row)
    out = pd.DataFrame(rows).set_index("id")
    for prefix in ("target", "overall", "predictive"):
        out[f"q_{prefix}"] = stats.benjamini_hochberg(out[f"p_{prefix}"].to_numpy(dtype=float))

    _redundancy(out, pooled, sign, th)
    _gaming(out, values, win, metas, need, th)
    verdicts = [_verdict(out.loc[k], metas[k], th, need[k], lang) for k in out.index]
    out["verdict"] = [v for v, _ in verdicts]
    out["reason"] = [r for _, r in verdicts]
    out.attrs.update({"quarter": str(q), "window": [str(x) for x in win], "thresholds": asdict(th), "min_n": min_n})
    return out


def _survey_values(kpi_id: str, scored: pd.DataFrame, data: Dataset) -> pd.DataFrame | None:
    """Per-response values of a built-in survey KPI (rep_id, v), or None for other KPIs."""
    csat = pd.to_numeric(scored["csat"], errors="coerce").astype(float)
    nps = pd.to_numeric(scored["nps"], errors="coerce").astype(float)
    if kpi_id == "csat_mean":
        v = csat
    elif kpi_id == "csat_top2_rate":
        v = (csat >= 4).astype(float).where(csat.notna())
    elif kpi_id == "nps":
        v = pd.Series(np.select([nps >= 9, nps <= 6], [100.0, -100.0], 0.0), index=scored.index).where(nps.notna())
    elif kpi_id == "needs_understood_score" and data.instrument.tagged("needs_understood"):
        v = scored[[i.column for i in data.instrument.tagged("needs_understood")]].astype(float).mean(axis=1)
    elif kpi_id == "transparency_score" and "transparency" in scored:
        v = pd.to_numeric(scored["transparency"], errors="coerce").astype(float)
    else:
        return None
    return pd.DataFrame({"rep_id": scored["rep_id"].astype(str), "v": v}).dropna()


def _icc_reliability(rows: pd.DataFrame, min_n: int) -> tuple[float, int]:
    counts = rows.groupby("rep_id").size()
    if counts.size < 3:
        return np.nan, int(counts.size)
    icc = stats.icc1(rows, "rep_id", "v")
    covered = counts[counts >= min_n]
    med = float(covered.median()) if len(covered) else float(counts.median())
    rel = float(stats.rep_mean_reliability(icc, med)) if icc > 0 else 0.0
    return rel, int(counts.size)


def _redundancy(out: pd.DataFrame, pooled: dict, sign: dict, th: ValidityThresholds) -> None:
    wide = pd.DataFrame({k: v["value"] * sign[k] for k, v in pooled.items()})
    corr = wide.corr(method="spearman", min_periods=8)
    most, rmost = [], []
    for k in out.index:
        c = corr[k].drop(k, errors="ignore").dropna() if k in corr else pd.Series(dtype=float)
        if len(c):
            j = c.abs().idxmax()
            most.append(j)
            rmost.append(float(c[j]))
        else:
            most.append(None)
            rmost.append(np.nan)
    out["most_similar"] = most
    out["r_most_similar"] = rmost
    enough = [k for k in out.index if out.at[k, "coverage"] >= th.min_coverage and wide.get(k) is not None
              and wide[k].notna().sum() >= 8]
    sub = wide[enough].dropna() if enough else pd.DataFrame()
    sub = sub.loc[:, sub.std() > 0] if len(sub) else sub
    out["vif"] = np.nan
    if sub.shape[1] >= 2 and len(sub) > sub.shape[1] + 2:
        v = stats.vif(sub)
        out.loc[v.index, "vif"] = v.to_numpy()


def _gaming(out: pd.DataFrame, values: pd.DataFrame, win: list, metas: dict, need: dict,
            th: ValidityThresholds) -> None:
    """Flag reps whose volume KPI rose while its quality counterpart fell.

    The window is cut in two halves (earlier, later quarters); per rep, the volume is the mean
    of its quarterly values in each half and the counterpart is pooled over each half
    (n-weighted), so that small quarters count less.
    """
    out["gaming"] = False
    out["gaming_reps"] = [[] for _ in range(len(out))]
    if len(win) < 2:
        return
    early = [str(x) for x in win[: len(win) // 2]]
    late = [str(x) for x in win[len(win) // 2:]]
    quarters = values.index.get_level_values("quarter")
    for k, m in metas.items():
        if not (m.volume and m.counterpart and m.counterpart in values.columns):
            continue
        c = m.counterpart
        halves = []
        for part in (early, late):
            v = values[quarters.isin(part)]
            vol = v[k].groupby(level="rep_id").mean()
            qual = C.pooled(v, c, need.get(c, 5))
            halves.append((vol, qual))
        (vol_a, qual_a), (vol_b, qual_b) = halves
        rise = (vol_b - vol_a) / vol_a.where(vol_a > 0)
        sign = 1.0 if metas.get(c) is None or metas[c].direction == "+" else -1.0
        drop = ((qual_a["value"] - qual_b["value"]) * sign).reindex(rise.index)
        flagged = sorted(rise[(rise >= th.gaming_rise) & (drop >= th.gaming_drop)].index)
        out.at[k, "gaming_reps"] = list(flagged)
        out.at[k, "gaming"] = bool(flagged)


def _verdict(row: pd.Series, m: Any, th: ValidityThresholds, min_n: int, lang: str) -> tuple[str, str]:
    import kit.kpis as K

    reps, covered = int(row["reps"]), int(row["reps_covered"])
    if covered < th.min_reps or (reps and covered / reps < th.min_coverage):
        return "insufficient data", T.say("insufficient", lang, covered=covered, reps=reps, min_n=min_n)
    rel = row["reliability"]
    rel_word = T.say("reliable" if rel >= th.reliability_valid else
                     "moderately_reliable" if rel >= th.reliability_min else "unreliable", lang)
    if m.dimension == "overall" and m.survey:
        verdict = "valid" if rel >= th.reliability_valid else "weak" if rel >= th.reliability_min else "not valid"
        return verdict, T.join([T.say(f"verdict_{verdict.replace(' ', '_')}", lang), T.say(
            "is_satisfaction", lang, rel_word=rel_word, rel=T.num(rel))], lang)
    target = row["target"]
    target_words = (T.say("overall_csat", lang) if target == "csat" else
                    T.say("dimension_satisfaction", lang, dimension=i18n.dimension_name(target, lang)))
    r, lo, hi, qv = row["r_target"], row["r_target_ci_low"], row["r_target_ci_high"], row["q_target"]
    rp, qp = row["r_predictive"], row["q_predictive"]
    sig_pos = (qv <= th.fdr and r > 0) or (qp <= th.fdr and rp > 0)
    sig_neg = (qv <= th.fdr and r < 0) or (qp <= th.fdr and rp < 0 and not (qv <= th.fdr and r > 0))
    parts = []
    if sig_neg:
        verdict = "not valid"
        parts.append(T.say("wrong_way", lang, target=target_words, r=T.num(r), lo=T.num(lo), hi=T.num(hi)))
    elif sig_pos:
        conv = qv <= th.fdr and r > 0
        verdict = "valid" if (conv and rel >= th.reliability_min) else "weak"
        if qv <= th.fdr and r > 0:
            parts.append(T.say("relation", lang, target=target_words, r=T.num(r), lo=T.num(lo), hi=T.num(hi),
                               q=T.pval(qv)))
        if qp <= th.fdr and rp > 0:
            parts.append(T.say("predicts", lang, target=target_words, r=T.num(rp), q=T.pval(qp)))
        parts.append(T.say("reliability_sentence", lang, rel_word=rel_word, rel=T.num(rel)))
    else:
        verdict = "not valid"
        parts.append(T.say("no_relation", lang, target=target_words, r=T.num(r), lo=T.num(lo), hi=T.num(hi)))
        if not (rel >= th.reliability_min):
            parts.append(T.say("reliability_sentence", lang, rel_word=rel_word, rel=T.num(rel)))
    if row["gaming"]:
        if verdict == "valid":
            verdict = "weak"
        parts.append(T.say("gaming", lang, reps=", ".join(row["gaming_reps"][:5]),
                           counterpart=K.display_name(m.counterpart, lang)))
    if abs(row["r_most_similar"]) >= th.redundant_r and row["most_similar"]:
        parts.append(T.say("redundant", lang, other=K.display_name(row["most_similar"], lang),
                           r=T.num(row["r_most_similar"])))
    return verdict, T.join([T.say(f"verdict_{verdict.replace(' ', '_')}", lang), *parts], lang)
