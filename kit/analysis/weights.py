"""Next quarter's KPI weights, with the reason for every change (the seed's section 6)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from kit import i18n, stats
from kit.analysis import _common as common
from kit.analysis import _text as T
from kit.analysis.scorecard import ScorecardResult, check_weights
from kit.analysis.scorecard import scorecard as _scorecard

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset

__all__ = ["WeightRecommendation", "recommend_weights", "round_to_total"]

def round_to_total(values: Mapping[str, float], total: int = 100) -> dict[str, int]:
    """Whole numbers summing to ``total`` (largest remainder), keeping zeros at zero."""
    keys = list(values)
    raw = np.array([max(0.0, float(values[k])) for k in keys])
    if raw.sum() <= 0:
        raise ValueError("weights: nothing left to distribute (all weights are 0).")
    raw = raw * total / raw.sum()
    floor = np.floor(raw)
    short = int(round(total - floor.sum()))
    order = np.argsort(-(raw - floor), kind="stable")
    for i in order[:short]:
        floor[i] += 1
    return {k: int(v) for k, v in zip(keys, floor)}


@dataclass
class WeightRecommendation:
    """The recommended weights for the next quarter.

    Attributes
    ----------
    weights : Series
        KPI id -> recommended points (whole numbers summing to 100).
    changes : DataFrame
        Indexed by KPI id: ``old, new, change, verdict, dimension, reason``.
    kendall_tau : float
        Kendall's tau-b between the rep rankings under the old and the new weights.
    kendall_p : float
    ranking : DataFrame
        Per rep: ``rank_old, rank_new, score_old, score_new, tier_old, tier_new``.
    quarter, next_quarter : str
    valid_share_before, valid_share_after : float
        Share (0-1) of the scorecard's weight on KPIs whose verdict is "valid", under the
        weights in force and under the recommended ones.
    """

    weights: pd.Series
    changes: pd.DataFrame
    kendall_tau: float
    kendall_p: float
    ranking: pd.DataFrame
    quarter: str
    next_quarter: str
    cap: float
    notes: list[str] = field(default_factory=list)
    valid_share_before: float = float("nan")
    valid_share_after: float = float("nan")

    def to_yaml(self, path: str | Path | None = None, base: Mapping[str, Any] | None = None) -> str:
        """Next quarter's parameter file draft (YAML); written to ``path`` when given.

        The draft carries ``quarter`` (the next one) and ``weights``, with the reason of each
        change as a comment, on top of ``base`` (other parameters to carry over).
        """
        doc = dict(base or {})
        doc["quarter"] = self.next_quarter
        doc["weights"] = {k: int(v) for k, v in self.weights.items()}
        header = [
            f"# Draft parameters for {self.next_quarter}, recommended from the evidence of {self.quarter}.",
            f"# Changes are capped at {self.cap:g} points per KPI; weights sum to 100.",
            f"# Ranking of reps under old vs new weights: Kendall's tau = {self.kendall_tau:.2f}.",
            "# Review before use. Reasons per KPI:",
        ]
        for k, r in self.changes.iterrows():
            if r["change"] != 0:
                header.append(f"#   {k}: {r['old']:g} -> {r['new']:g} ({r['change']:+g}): {r['reason']}")
        text = "\n".join(header) + "\n" + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text


def recommend_weights(
    data: Dataset,
    quarter: str | None = None,
    *,
    weights: Mapping[str, float],
    cap: float = 10.0,
    protected: Iterable[str] | None = None,
    protect: Iterable[str] | None = None,
    validity: pd.DataFrame | None = None,
    drivers: pd.DataFrame | None = None,
    settings: Any = None,
    lang: str = "en",
    n_boot: int = 200,
    comments: Any = None,
    comment_weight: float = 0.5,
    scorecard: ScorecardResult | None = None,
    case_mix: bool = False,
) -> WeightRecommendation:
    """Draft next quarter's KPI weights from this quarter's evidence (DESIGN section 6).

    Rules, in order:

    1. KPIs listed in ``protected`` keep their weight whatever the evidence. By default the
       sales result KPIs (dimension ``sales``) are protected, as a business decision (how much
       revenue counts is not a finding about satisfaction), and their reason says so.
    2. KPIs judged "not valid", "confounded" or "inconclusive" lose weight, at most ``cap``
       points each (an inconclusive KPI gets it back once the evidence settles).
    3. The points freed go to KPIs judged "valid" whose dimension is a priority (high
       importance for overall satisfaction and low or falling performance:
       :func:`kit.analysis.drivers`'s ``priority``), in proportion to that priority, at most
       ``cap`` points each; KPIs of the overall dimension count with the mean priority. A
       "fix first" dimension without any weighted valid KPI gets its most reliable valid KPI
       added (from 0). Points that no valid KPI can take stay where they were.
    4. "weak" and "insufficient data" KPIs keep their weight.
    5. Whole points summing to 100 (largest remainder).

    Parameters
    ----------
    data : kit.Dataset
    quarter : str, optional
        The quarter whose evidence is used (default: latest).
    weights : mapping
        The weights in force (KPI id -> points, sum 100).
    cap : float
        Largest change per KPI per quarter, in points (default 10).
    protected : list of str, optional
        KPI ids whose weight is never changed (default: the ``sales`` KPIs). ``protect`` is
        the older name of the same parameter.
    validity, drivers : DataFrame, optional
        Results of :func:`kpi_validity` and :func:`drivers`, when already computed.
    settings : KPISettings or mapping, optional
    lang : {'en', 'zh'}
        Language of the reasons.
    n_boot : int
        Bootstrap resamples for :func:`drivers` when it is computed here.
    comments : CommentThemes, optional
        What customers say (:func:`comment_themes`). A dimension that many comments complain
        about has its priority raised by :func:`comment_priority` (at most ``comment_weight``,
        nothing for a handful of complaints), so its valid KPIs take weight, and the most
        complained-about dimension gets its most reliable valid KPI added like a "fix first"
        one (seed 6.1); the reason of each such change cites the complaints.
    comment_weight : float
        Cap of the comments' priority boost, 0 to 1 (the drivers' priority is at most 1).
    scorecard : ScorecardResult, optional
        The scorecard of ``quarter`` under ``weights`` (:func:`scorecard`), when already
        computed (a report's ``report.scorecard()``): the ranking under the weights in force is
        read from it instead of being computed again. It must be of the same quarter and
        weights, and with ``case_mix`` as given here.
    case_mix : bool
        Scorecards with ``csat_mean`` adjusted for case mix (:func:`scorecard`'s ``case_mix``),
        as the report's scorecard is.

    Returns
    -------
    WeightRecommendation
    """
    import kit.kpis as K
    from kit.analysis.drivers import drivers as _drivers
    from kit.analysis.validity import kpi_validity

    lang = T.check_lang(lang)
    old = check_weights(weights)
    if not isinstance(cap, (int, float)) or isinstance(cap, bool) or not (0 <= cap <= 100):
        raise ValueError(f"cap must be a number of points between 0 and 100; got {cap!r}.")
    q = common.one_quarter(data, quarter)
    settings = common.settings_of(settings)
    in_force = dict(old)  # the ranking under these (``old`` gains the KPIs added at 0 below)
    if scorecard is not None:
        if not isinstance(scorecard, ScorecardResult):
            raise TypeError(f"scorecard must be the ScorecardResult of kit.analysis.scorecard; "
                            f"got {type(scorecard).__name__}.")
        if scorecard.quarter != str(q):
            raise ValueError(f"scorecard is of {scorecard.quarter}, the evidence of {q}: "
                             f"give the scorecard of {q}, or none.")
        theirs = {k: float(v) for k, v in scorecard.weights.items()}
        if theirs != old:
            raise ValueError(f"scorecard was computed under other weights ({theirs}) than those in "
                             f"force ({old}): give the scorecard under the weights in force, or none.")
    if validity is None:
        validity = kpi_validity(data, str(q), settings=settings, lang=lang)
    if drivers is None:
        drivers = _drivers(data, str(q), n_boot=n_boot)
    if protected is not None and protect is not None:
        raise ValueError("give the protected KPIs once: protected=[...] (protect is its older name).")
    listed = protected if protected is not None else protect
    if listed is not None:
        listed = [listed] if isinstance(listed, str) else list(listed)
        unknown = [k for k in listed if k not in K.ids()]
        if unknown:
            raise ValueError(f"protected: {unknown} are not KPI ids; known ids: {', '.join(K.ids())}.")
    by_default = listed is None
    protected = set(listed) if listed is not None else {k for k in K.ids() if K.get(k).dimension == "sales"}
    ids = list(old)
    verdict = {k: (validity.at[k, "verdict"] if k in validity.index else "insufficient data") for k in ids}
    dim = {k: K.get(k).dimension for k in ids}
    prio = drivers["priority"] if "priority" in drivers else pd.Series(dtype=float)
    mean_prio = float(prio.mean()) if len(prio) else 0.0
    from kit.analysis.comments import comment_priority, comment_reason

    voice = comment_priority(comments, weight=comment_weight) if comments is not None else pd.Series(dtype=float)
    prio = prio.add(voice, fill_value=0.0) if len(voice) else prio

    new = dict(old)
    reasons: dict[str, str] = {}
    freed = 0.0
    for k in ids:
        v = verdict[k]
        if k in protected:
            reasons[k] = i18n.t("weights.protected" if by_default and dim[k] == "sales" else
                                "weights.protected_listed", lang)
        elif v in ("not valid", "confounded", "inconclusive") and old[k] > 0:
            cut = min(cap, old[k])
            new[k] = old[k] - cut
            freed += cut
            why = validity.at[k, "reason"] if k in validity.index else ""
            why = why.split(". ", 1)[-1].split("。", 1)[-1].strip().rstrip(".。") if why else ""
            key = {"not valid": "not_valid", "confounded": "confounded", "inconclusive": "inconclusive"}[v]
            reasons[k] = i18n.t(f"weights.{key}", lang, verdict=i18n.t(f"verdict.{v}", lang), why=why)
        elif v == "valid":
            reasons[k] = i18n.t("weights.kept_valid", lang)
        elif v == "weak":
            reasons[k] = i18n.t("weights.kept_weak", lang)
        elif v == "insufficient data":
            reasons[k] = i18n.t("weights.kept_insufficient", lang)
        else:
            reasons[k] = i18n.t("weights.zero", lang)

    # a valid KPI at 0 joins when its dimension is "fix first" and no valid KPI of that dimension
    # carries weight yet: the most reliable one per dimension
    quadrant = drivers["quadrant"] if "quadrant" in drivers else pd.Series(dtype=str)
    weighted_dims = {dim[k] for k in ids if old[k] > 0 and verdict[k] == "valid"}
    top_complaint = [voice.idxmax()] if len(voice) and voice.max() > 0 else []
    for d in dict.fromkeys([*quadrant[quadrant == "fix first"].index, *top_complaint]):
        if d in weighted_dims:
            continue
        cands = [k for k in validity.index if k not in old and k not in protected and k in K.ids()
                 and K.get(k).dimension == d and validity.at[k, "verdict"] == "valid"]
        if cands:
            best = max(cands, key=lambda k: np.nan_to_num(validity.at[k, "reliability"], nan=-1.0))
            ids.append(best)
            old[best] = 0.0
            new[best] = 0.0
            verdict[best] = "valid"
            dim[best] = d
            reasons[best] = i18n.t("weights.zero", lang)
    takers = {}
    for k in ids:
        if k in protected or verdict[k] != "valid":
            continue
        p = float(prio.get(dim[k], mean_prio if dim[k] == "overall" else 0.0))
        if p > 0:
            takers[k] = p
    left = freed
    # water-filling: give in proportion to priority, at most `cap` each, until the points run out
    room = {k: cap for k in takers}
    while left > 1e-9 and takers:
        total = sum(takers[k] for k in takers if room[k] > 1e-9)
        if total <= 0:
            break
        given = 0.0
        for k in list(takers):
            if room[k] <= 1e-9:
                continue
            share = min(room[k], left * takers[k] / total)
            new[k] += share
            room[k] -= share
            given += share
        left -= given
        if given <= 1e-9:
            break
    if left > 1e-9:  # nobody could take them: give the remainder back to where it came from
        back = {k: old[k] - new[k] for k in ids if new[k] < old[k]}
        tot = sum(back.values())
        for k, b in back.items():
            new[k] += left * b / tot
    for k in takers:
        if new[k] > old[k] + 1e-9:
            d = dim[k]
            reasons[k] = i18n.t("weights.priority", lang,
                dimension=i18n.dimension_name(d, lang),
                imp=float(drivers.at[d, "importance"]) if d in drivers.index else float("nan"),
                perf=float(drivers.at[d, "performance"]) if d in drivers.index else float("nan"),
                quadrant=i18n.t(f"quadrant.{drivers.at[d, 'quadrant']}", lang)
                if d in drivers.index else "")
            if voice.get(d, 0.0) > 0:
                reasons[k] += comment_reason(comments, d, lang)
    rounded = round_to_total(new)
    for k in ids:
        if abs(rounded[k] - new[k]) > 1e-6 and rounded[k] != old[k] and abs(new[k] - old[k]) < 1e-9:
            reasons[k] += i18n.t("weights.rounding", lang)
    changes = pd.DataFrame({
        "old": pd.Series(old), "new": pd.Series(rounded).astype(float),
        "verdict": pd.Series(verdict), "dimension": pd.Series(dim), "reason": pd.Series(reasons),
    })
    changes["change"] = changes["new"] - changes["old"]
    changes = changes[["old", "new", "change", "verdict", "dimension", "reason"]]
    changes.index.name = "kpi"

    if scorecard is not None:
        sc_old = scorecard
        ci = float(scorecard.ci)
    else:
        ci = 0.95
        sc_old = _scorecard(data, str(q), weights=in_force, settings=settings, case_mix=case_mix, ci=ci)
    nz = {k: float(v) for k, v in rounded.items()}
    sc_new = _scorecard(data, str(q), weights=nz, settings=settings, case_mix=case_mix, ci=ci)
    ranking = pd.DataFrame({"rank_old": sc_old["rank"], "rank_new": sc_new["rank"].reindex(sc_old.index),
                            "score_old": sc_old["score"], "score_new": sc_new["score"].reindex(sc_old.index),
                            "tier_old": sc_old["tier"], "tier_new": sc_new["tier"].reindex(sc_old.index)})
    both = ranking[["rank_old", "rank_new"]].dropna()
    if len(both) >= 3:
        kt = stats.kendall_tau(both["rank_old"].astype(float), both["rank_new"].astype(float))
        tau, p = kt.tau, kt.p
    else:
        tau, p = math.nan, math.nan
    valid = changes["verdict"] == "valid"
    return WeightRecommendation(
        weights=pd.Series(rounded, name="weight"), changes=changes, kendall_tau=tau, kendall_p=p, ranking=ranking,
        quarter=str(q), next_quarter=str(q.next()), cap=float(cap),
        valid_share_before=float(changes.loc[valid, "old"].sum() / 100.0),
        valid_share_after=float(changes.loc[valid, "new"].sum() / 100.0),
    )
