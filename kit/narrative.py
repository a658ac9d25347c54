"""Sentences and presentation tables built from the analyses, in the report's language.

The notebooks call these so that every report says the same thing the same way, and so that
the wording is tested here rather than written twice in notebooks. Each function takes the
result of one analysis (``kit.analysis``) and returns a list of sentences (Markdown) or a
table ready to show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kit import i18n
from kit.narrative_comments import comment_sentences, comment_table, top_complaint

if TYPE_CHECKING:  # pragma: no cover
    from kit.analysis import QuarterChange, TeamView, WeightRecommendation

__all__ = [
    "rows", "coverage", "trend", "reliability", "drivers", "rep_measurement", "validity", "scorecard",
    "weights", "validity_table", "scorecard_table", "scorecard_highlights", "weights_table", "dimension", "kpi_name",
    "comment_sentences", "comment_table", "top_complaint", "team", "quarter_change",
]


def _sep(lang: str) -> str:
    return "、" if lang == "zh" else ", "


def dimension(name: str, lang: str) -> str:
    """A dimension's display name (:func:`kit.i18n.dimension_name`)."""
    return i18n.dimension_name(name, lang)


def kpi_name(kpi_id: str, lang: str) -> str:
    """A KPI's display name from the catalogue (:func:`kit.kpis.display_name`)."""
    from kit.kpis import display_name

    return display_name(kpi_id, lang)


def _rep_ids(ids: list[str], pseudonymize: Callable[[Any], Any] | None) -> list[str]:
    """Rep ids as the report shows them: through the report's pseudonymizing callable, if any."""
    ids = list(ids) if ids is not None else []
    if not ids:
        return []
    series = pd.Series(ids, dtype="object")
    return [str(x) for x in (pseudonymize(series) if pseudonymize is not None else series)]


def _with_pseudonyms(text: str, ids: list[str], pseudonymize: Callable[[Any], Any] | None) -> str:
    for raw, shown in zip(ids, _rep_ids(ids, pseudonymize)):
        text = text.replace(str(raw), shown)
    return text


def rows(summary: pd.DataFrame, lang: str) -> list[str]:
    """From :meth:`kit.Dataset.summary`: rows read and set aside."""
    n_in, n_out = int(summary["rows_in"].sum()), int(summary["rows_quarantined"].sum())
    if n_out:
        return [i18n.t("nb.rows_sentence", lang, rows_in=n_in, set_aside=n_out, share=n_out / max(n_in, 1))]
    return [i18n.t("nb.rows_clean", lang, rows_in=n_in)]


def coverage(cov: pd.DataFrame, lang: str) -> list[str]:
    """From :func:`kit.analysis.coverage`."""
    with_resp = cov[cov["responses"] > 0]
    return [i18n.t("nb.coverage_sentence", lang, reps=len(with_resp), below=int((~with_resp["enough_responses"]).sum()),
                   min_n=getattr(cov, "min_n", 10))]


def trend(trends: pd.DataFrame, quarter: str, lang: str) -> list[str]:
    """From :func:`kit.analysis.dimension_trends`: this quarter's CSAT and the largest change."""
    if quarter not in trends.index:
        return []
    pos = list(trends.index).index(quarter)
    if pos == 0:
        return []
    now, before = trends.iloc[pos], trends.iloc[pos - 1]
    dims = [c for c in trends.columns if c not in {"n", "csat"}]
    change = (now[dims] - before[dims]).astype(float)
    biggest = change.abs().idxmax()
    return [i18n.t("nb.trend_sentence", lang, csat=float(now["csat"]), change=float(now["csat"] - before["csat"]),
                   dimension=dimension(biggest, lang), dchange=float(change[biggest]))]


def reliability(rel: pd.DataFrame, lang: str) -> list[str]:
    """From :func:`kit.analysis.reliability`."""
    flagged = [dimension(d, lang) for d in rel.index[rel["flag"]]]
    if flagged:
        return [i18n.t("nb.reliability_flag", lang, dims=_sep(lang).join(flagged))]
    return [i18n.t("nb.reliability_ok", lang, lo=float(rel["alpha"].min()), hi=float(rel["alpha"].max()))]


def drivers(drv: pd.DataFrame, lang: str) -> list[str]:
    """From :func:`kit.analysis.drivers`: the ranking, the fix-first dimensions, the robustness check."""
    top = drv.sort_values("rank")
    names = [dimension(d, lang) for d in top.index]
    out = [i18n.t("nb.drivers_sentence", lang, r2=getattr(drv, "r2", None), n=getattr(drv, "n", None), first=names[0],
                  share1=top["importance"].iloc[0], lo1=top["ci_low"].iloc[0], hi1=top["ci_high"].iloc[0],
                  second=names[1], share2=top["importance"].iloc[1], third=names[min(2, len(names) - 1)],
                  share3=top["importance"].iloc[min(2, len(names) - 1)])]
    fix = drv[drv["quadrant"] == "fix first"]
    if len(fix):
        out.append(i18n.t("nb.fix_first", lang, dims=_sep(lang).join(dimension(d, lang) for d in fix.index),
                          perf=float(fix["performance"].mean())))
    else:
        out.append(i18n.t("nb.no_fix_first", lang))
    agrees = getattr(drv, "ordinal_agrees", None)
    if agrees is True:
        out.append(i18n.t("nb.ordinal_agrees", lang))
    elif agrees is False:
        out.append(i18n.t("nb.ordinal_disagrees", lang, other=dimension(drv["ordinal_coef"].idxmax(), lang)))
    return out


def rep_measurement(rr: pd.DataFrame, lang: str, score: str = "csat") -> list[str]:
    """From :func:`kit.analysis.rep_reliability`."""
    c = rr.loc[score]
    n80 = c["n_for_0.8"] if "n_for_0.8" in c else np.nan
    return [i18n.t("nb.rep_measurement_sentence", lang, icc=float(c["icc"]), median=float(c["median_n"]),
                   method=str(c.get("icc_method", "")) or "ANOVA", lo=float(c.get("icc_ci_low", np.nan)),
                   hi=float(c.get("icc_ci_high", np.nan)),
                   rel=float(c["reliability_at_median"]), n80=float(n80), ok=int(c["reps_reliable"]),
                   reps=int(c["reps"]))]


def validity(val: pd.DataFrame, lang: str, pseudonymize: Callable[[Any], Any] | None = None) -> list[str]:
    """From :func:`kit.analysis.kpi_validity`: counts per verdict, the KPIs not valid, gaming.

    ``pseudonymize`` maps a Series of rep ids to the ids shown (``report.pseudonymize``); the
    reps suspected of gaming are named through it.
    """
    counts = val["verdict"].value_counts()
    out = [i18n.t("nb.validity_sentence", lang, k=len(val), valid=int(counts.get("valid", 0)),
                  weak=int(counts.get("weak", 0)), not_valid=int(counts.get("not valid", 0)),
                  insufficient=int(counts.get("insufficient data", 0)))]
    if counts.get("confounded", 0) or counts.get("inconclusive", 0):
        out.append(i18n.t("nb.validity_sentence_more", lang, confounded=int(counts.get("confounded", 0)),
                          inconclusive=int(counts.get("inconclusive", 0))))
    bad = [kpi_name(k, lang) for k in val.index[val["verdict"] == "not valid"]]
    if bad:
        out.append(i18n.t("nb.not_valid_list", lang, kpis=_sep(lang).join(bad)))
    if "previous_verdict" in val:
        moved = [f"{kpi_name(k, lang)} ({i18n.t(f'verdict.{p}', lang)} → {i18n.t(f'verdict.{v}', lang)})"
                 for k, p, v in zip(val.index, val["previous_verdict"], val["verdict"])
                 if isinstance(p, str) and p != v]
        if moved:
            out.append(i18n.t("nb.validity_changed", lang, changes=_sep(lang).join(moved)))
    for k in val.index[val["gaming"].astype(bool)]:
        out.append(i18n.t("nb.gaming_sentence", lang, kpi=kpi_name(k, lang),
                          reps=", ".join(_rep_ids(val.at[k, "gaming_reps"], pseudonymize))))
    return out


def scorecard(card: pd.DataFrame, lang: str) -> list[str]:
    """From :func:`kit.analysis.scorecard`: how many reps are above, below or not distinguishable."""
    tiers = card["tier"].value_counts()
    return [i18n.t("nb.scorecard_sentence", lang, above=int(tiers.get("above average", 0)),
                   below=int(tiers.get("below average", 0)), middle=int(tiers.get("average", 0)),
                   insufficient=int(tiers.get("insufficient data", 0))),
            i18n.t("nb.scorecard_note", lang)]


def weights(rec: WeightRecommendation, lang: str) -> list[str]:
    """From :func:`kit.analysis.recommend_weights`: what changes and what it does to the ranking."""
    changed = int((rec.changes["change"] != 0).sum())
    out = [i18n.t("nb.weights_sentence", lang, changed=changed, cap=rec.cap, next=rec.next_quarter) if changed
           else i18n.t("nb.weights_nochange", lang, next=rec.next_quarter)]
    if changed and np.isfinite(rec.kendall_tau):
        key = "nb.ranking_sentence" if rec.kendall_tau >= 0.7 else "nb.ranking_sentence_changed"
        out.append(i18n.t(key, lang, tau=rec.kendall_tau))
    if np.isfinite(getattr(rec, "valid_share_before", np.nan)):
        out.append(i18n.t("nb.valid_weight_share", lang, before=round(100 * rec.valid_share_before),
                          after=round(100 * rec.valid_share_after)))
    return out


def _label(lang: str, en: str, zh: str) -> str:
    return zh if lang == "zh" else en


def validity_table(val: pd.DataFrame, lang: str, pseudonymize: Callable[[Any], Any] | None = None) -> pd.DataFrame:
    """The verdict table of a report: KPI, dimension, verdict, reason and the main figures.

    ``pseudonymize`` as in :func:`validity`: rep ids in the reasons are shown through it.
    """
    out = pd.DataFrame({
        _label(lang, "KPI", "KPI"): [kpi_name(k, lang) for k in val.index],
        _label(lang, "serves", "服务维度"): [dimension(d, lang) for d in val["dimension"]],
        _label(lang, "verdict", "结论"): [i18n.t(f"verdict.{v}", lang) for v in val["verdict"]],
        _label(lang, "last quarter", "上季度"): [i18n.t(f"verdict.{v}", lang) if isinstance(v, str) else ""
                                               for v in val.get("previous_verdict", [None] * len(val))],
        _label(lang, "decided by", "判定方法"): list(val.get("method", [""] * len(val))),
        _label(lang, "reason", "理由"): [_with_pseudonyms(r, g, pseudonymize)
                                          for r, g in zip(val["reason"], val["gaming_reps"])],
        _label(lang, "coverage", "覆盖率"): val["coverage"].round(2).to_numpy(),
        _label(lang, "reliability", "信度"): val["reliability"].round(2).to_numpy(),
        "r": val["r_target"].round(2).to_numpy(),
        _label(lang, "r 95% interval", "r 的 95% 区间"): [
            "" if pd.isna(a) else f"{a:.2f} – {b:.2f}" for a, b in zip(val["r_target_ci_low"],
                                                                       val["r_target_ci_high"])],
    }, index=pd.Index(val.index, name="kpi"))
    return out


def scorecard_table(card: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rep table of a report: name, team, score with its interval, tier and rank."""
    out = pd.DataFrame(index=card.index)
    out["rep_name"] = card["rep_name"]
    out["team"] = card["team"]
    out["score"] = card["score"].round(1)
    out["score_low"] = card["score_low"].round(1)
    out["score_high"] = card["score_high"].round(1)
    out["tier"] = [i18n.t(f"tier.{t}", lang) for t in card["tier"]]
    out["rank"] = card["rank"]
    out.index.name = "rep_id"
    return out


def scorecard_highlights(card: pd.DataFrame, lang: str, max_named: int = 30) -> pd.DataFrame:
    """The reps a management page names: all of them in a small sales force; with more than
    ``kit.plots.MAX_ROWS_PER_REP`` scored reps only those whose interval separates from the
    average (at most ``max_named``, best and worst). Columns as :func:`scorecard_table`; the
    full list stays in ``card_reps`` (CSV and workbook)."""
    from kit.analysis.teams import notable_reps
    from kit.plots import MAX_ROWS_PER_REP

    scored = card[card["tier"] != "insufficient data"]
    shown = card if len(scored) <= MAX_ROWS_PER_REP else notable_reps(scored, max_named)
    return scorecard_table(shown, lang)


def weights_table(rec: WeightRecommendation, lang: str) -> pd.DataFrame:
    """The weight changes of a report: KPI, this quarter, recommended, change, verdict, reason."""
    ch = rec.changes
    ch = ch[(ch["old"] > 0) | (ch["new"] > 0)]
    return pd.DataFrame({
        "KPI": [kpi_name(k, lang) for k in ch.index],
        _label(lang, "this quarter", "本季度"): ch["old"].to_numpy(),
        _label(lang, "recommended", "建议"): ch["new"].to_numpy(),
        _label(lang, "change", "变化"): ch["change"].to_numpy(),
        _label(lang, "verdict", "结论"): [i18n.t(f"verdict.{v}", lang) for v in ch["verdict"]],
        _label(lang, "reason", "理由"): ch["reason"].to_numpy(),
    }, index=pd.Index(ch.index, name="kpi"))


def team(view: TeamView, lang: str) -> list[str]:
    """From :func:`kit.analysis.team_view`: the team's score and dimensions against the company."""
    row = view.summary.loc[view.team] if view.team in view.summary.index else None
    comp = view.summary.loc["company"]
    out = []
    if row is not None and not np.isnan(row["score"]):
        out.append(i18n.t("team.score_sentence", lang, team=view.team, score=float(row["score"]),
                          low=float(row["score_low"]) if not np.isnan(row["score_low"]) else float(row["score"]),
                          high=float(row["score_high"]) if not np.isnan(row["score_high"]) else float(row["score"]),
                          company=float(comp["score"]), above=int(row["above"]), below=int(row["below"]),
                          reps=int(row["reps"])))
    d = view.table.drop(index="csat", errors="ignore")["difference"].dropna()
    if len(d):
        worst, best = d.idxmin(), d.idxmax()
        out.append(i18n.t("team.dimension_sentence", lang, best=dimension(best, lang), best_diff=float(d[best]),
                          worst=dimension(worst, lang), worst_diff=float(d[worst])))
    small = view.table.index[view.table["team"].isna()].tolist()
    if small:
        dims = _sep(lang).join(dimension(x, lang) for x in small)
        out.append(i18n.t("team.small_n", lang, min_n=view.min_n, dims=dims))
    return out


def quarter_change(change: QuarterChange, card: pd.DataFrame, lang: str, max_named: int = 10) -> list[str]:
    """From :func:`kit.analysis.quarter_change`: what moved since the previous quarter's report.

    ``card`` (this quarter's scorecard) gives the names of the reps whose tier changed.
    """
    t = lambda key, **kw: i18n.t(f"qoq.{key}", lang, **kw)  # noqa: E731
    if not change.available:
        return [t("none", quarter=change.quarter)]
    out = []
    perf = change.table["performance_change"].dropna() if len(change.table) else pd.Series(dtype=float)
    if len(perf):
        up, down = perf.idxmax(), perf.idxmin()
        key = "dimensions" if perf[up] >= 0.005 and perf[down] <= -0.005 else (
            "dimensions_fall" if perf[up] < 0.005 else "dimensions_rise")
        out.append(t(key, previous=change.previous, up=dimension(up, lang), up_d=float(perf[up]),
                     down=dimension(down, lang), down_d=float(perf[down])))
        ranks = change.table.dropna(subset=["rank_before", "rank_now"])
        moved = ranks[ranks["rank_before"] != ranks["rank_now"]]
        if len(moved):
            out.append(t("ranks", moves=_sep(lang).join(
                f"{dimension(d, lang)} {int(r['rank_before'])}→{int(r['rank_now'])}" for d, r in moved.iterrows())))
    if len(change.tiers):
        names = card["rep_name"] if "rep_name" in card else pd.Series(dtype=str)
        shown = [_moved(names.get(r, r), i18n.t("tier." + a, lang), i18n.t("tier." + b, lang), lang)
                 for r, (a, b) in change.tiers[["tier_before", "tier_now"]].iterrows()][:max_named]
        more = len(change.tiers) - len(shown)
        out.append(t("tiers", n=len(change.tiers), reps=_sep(lang).join(shown), more=t("more", n=more) if more else ""))
    else:
        out.append(t("tiers_none"))
    if len(change.verdicts):
        word = lambda v: i18n.t("verdict." + v, lang) if i18n.has("verdict." + v, lang) else v  # noqa: E731
        out.append(t("verdicts", n=len(change.verdicts), kpis=_sep(lang).join(
            _moved(kpi_name(k, lang), word(a), word(b), lang)
            for k, (a, b) in change.verdicts[["verdict_before", "verdict_now"]].iterrows())))
    else:
        out.append(t("verdicts_none"))
    out.append(t(f"weights_{change.weights_status}", previous=change.previous))
    return out


def _moved(name: str, before: str, now: str, lang: str) -> str:
    return f"{name}({before}→{now})" if lang == "zh" else f"{name} ({before} → {now})"
