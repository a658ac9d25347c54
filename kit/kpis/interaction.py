"""KPIs of seed section 2: the quality of the interaction with the customer.

2.1 customer feedback (CSAT, top-2 rate, NPS); 2.2 how fast customer problems are resolved
(resolution time, SLA); 2.3 how well the rep communicates (first-contact resolution, reopens,
"understood my needs").
"""

from __future__ import annotations

from kit.kpis.registry import Aggregate, Tables, kpi, rate

__all__ = [
    "csat_mean", "csat_top2_rate", "nps", "resolution_hours_median", "sla_met_rate",
    "first_contact_resolution_rate", "reopen_rate", "needs_understood_score",
]


@kpi(id="csat_mean", seed="2.1", dimension="overall", direction="+", unit="score", min_n=10, survey=True,
     name={"zh": "客户满意度均分", "en": "Mean CSAT"})
def csat_mean(t: Tables) -> Aggregate:
    """Mean overall CSAT (1-5) of the responses credited to the rep in the quarter."""
    s = t.surveys
    return Aggregate(s, s.csat.cast("float64").mean(), s.csat.count())


@kpi(id="csat_top2_rate", seed="2.1", dimension="overall", direction="+", unit="share", min_n=10, survey=True,
     name={"zh": "满意率(4-5分占比)", "en": "CSAT top-2 rate"})
def csat_top2_rate(t: Tables) -> Aggregate:
    """Share of responses with CSAT 4 or 5 (the usual good / (good + bad) score on 1-5)."""
    s = t.surveys
    return Aggregate(s, rate(s.csat >= 4), s.csat.count())


@kpi(id="nps", seed="2.1", dimension="overall", direction="+", unit="points", min_n=10, survey=True,
     name={"zh": "净推荐值", "en": "Net Promoter Score"})
def nps(t: Tables) -> Aggregate:
    """% promoters (9-10) minus % detractors (0-6), on the responses with an NPS answer."""
    import ibis

    s = t.surveys
    # cast to double: Spark reads the literals 100.0 and 0.0 as decimals (rounded averages)
    score = ibis.cases((s.nps >= 9, 100), (s.nps <= 6, -100), else_=0).cast("float64")
    return Aggregate(s, score.mean(where=s.nps.notnull()), s.nps.count())


@kpi(id="resolution_hours_median", seed="2.2", dimension="responsiveness", direction="-", unit="hours",
     name={"zh": "问题解决时长中位数(小时)", "en": "Median hours to resolve"})
def resolution_hours_median(t: Tables) -> Aggregate:
    """Median hours from opened to resolved, over the customer-raised issues that are resolved."""
    import ibis

    s, issue = t.interactions, t.is_issue
    # the median of the issues' hours (others NULL): median(where=) is not foldable on Spark
    hours = ibis.ifelse(issue, s.resolved_h - s.opened_h, ibis.null("float64"))
    return Aggregate(s, hours.median(), hours.count())


@kpi(id="sla_met_rate", seed="2.2", dimension="responsiveness", direction="+", unit="share",
     name={"zh": "SLA 内解决率", "en": "Resolved within SLA"})
def sla_met_rate(t: Tables) -> Aggregate:
    """Among customer-raised issues opened in the quarter, the share resolved within their SLA.

    The SLA is the issue's ``sla_hours``, else the default for its kind; an issue still
    unresolved counts as not met.
    """
    s, issue = t.interactions, t.is_issue
    met = s.resolved_h.notnull() & ((s.resolved_h - s.opened_h) <= s.sla)
    return Aggregate(s, rate(met.fill_null(False), where=issue), s.interaction_id.count(where=issue))


@kpi(id="first_contact_resolution_rate", seed="2.3", dimension="communication", direction="+", unit="share",
     name={"zh": "首次接触解决率", "en": "First-contact resolution"})
def first_contact_resolution_rate(t: Tables) -> Aggregate:
    """Among resolved customer-raised issues with a contact count, the share resolved in one contact."""
    s = t.interactions
    usable = t.is_issue & s.resolved_at.notnull() & s.contacts.notnull()
    return Aggregate(s, rate(s.contacts == 1, where=usable), s.interaction_id.count(where=usable))


@kpi(id="reopen_rate", seed="2.3", dimension="communication", direction="-", unit="share",
     name={"zh": "重开率", "en": "Reopen rate"})
def reopen_rate(t: Tables) -> Aggregate:
    """Among resolved customer-raised issues (with the reopened flag known), the share reopened."""
    s = t.interactions
    usable = t.is_issue & s.resolved_at.notnull() & s.reopened.notnull()
    return Aggregate(s, rate(s.reopened, where=usable), s.interaction_id.count(where=usable))


@kpi(id="needs_understood_score", seed="2.3", dimension="communication", direction="+", unit="score",
     min_n=10, survey=True, name={"zh": "需求理解得分", "en": "Needs understood score"})
def needs_understood_score(t: Tables) -> Aggregate:
    """Mean of the survey item(s) tagged ``needs_understood``, over the responses that answered them."""
    s = t.surveys
    score = t.tag_score("needs_understood")
    return Aggregate(s, score.mean(), score.count())
