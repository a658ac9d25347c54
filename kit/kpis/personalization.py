"""KPIs of seed section 4: personalized service.

4.1 needs analysis ("客户需求分析成功率"); 4.2 personalized proposals: how many, and how
often customers accept them.
"""

from __future__ import annotations

from kit.kpis.registry import Aggregate, Tables, kpi, rate

__all__ = ["needs_analysis_success_rate", "personalized_proposals", "personalized_acceptance_rate"]


@kpi(id="needs_analysis_success_rate", seed="4.1", dimension="personalization", direction="+", unit="share",
     name={"zh": "需求分析成功率", "en": "Needs-analysis success rate"})
def needs_analysis_success_rate(t: Tables) -> Aggregate:
    """Of the deals closed in the quarter with a documented needs analysis, the share won."""
    d = t.deals_closed
    usable = d.needs_analysis.fill_null(False)
    return Aggregate(d, rate(d.stage == "won", where=usable), d.deal_id.count(where=usable))


@kpi(id="personalized_proposals", min_n=1, seed="4.2", dimension="personalization", direction="+", unit="count",
     fill_zero=True, volume=True, counterpart="personalized_acceptance_rate",
     name={"zh": "个性化方案数量", "en": "Personalized proposals"})
def personalized_proposals(t: Tables) -> Aggregate:
    """Count of deals created in the quarter with a personalized proposal.

    A volume KPI: it can be raised without serving the customer better; watch it against
    ``personalized_acceptance_rate``. ``n`` is the count of deals created.
    """
    d = t.deals_created
    return Aggregate(d, d.deal_id.count(where=d.personalized.fill_null(False)), d.deal_id.count())


@kpi(id="personalized_acceptance_rate", seed="4.2", dimension="personalization", direction="+", unit="share",
     name={"zh": "个性化方案采纳率", "en": "Personalized proposal acceptance"})
def personalized_acceptance_rate(t: Tables) -> Aggregate:
    """Of the deals closed in the quarter with a personalized proposal, the share won."""
    d = t.deals_closed
    usable = d.personalized.fill_null(False)
    return Aggregate(d, rate(d.stage == "won", where=usable), d.deal_id.count(where=usable))
