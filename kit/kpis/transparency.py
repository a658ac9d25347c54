"""KPIs of seed section 3: a transparent sales process and efficient communication.

3.1 transparency as the customer sees it; 3.2 communication efficiency (reply times to
e-mail and phone call-backs).
"""

from __future__ import annotations

from kit.kpis.registry import Aggregate, Tables, kpi, rate

__all__ = ["transparency_score", "first_response_hours_median", "callback_within_24h_rate"]


@kpi(id="transparency_score", seed="3.1", dimension="transparency", direction="+", unit="score", min_n=10, survey=True,
     name={"zh": "流程透明度得分", "en": "Transparency score"})
def transparency_score(t: Tables) -> Aggregate:
    """Mean transparency-dimension score of the rep's responses (those with a score)."""
    s = t.surveys
    score = t.dimension_score("transparency")
    return Aggregate(s, score.mean(), score.count())


@kpi(id="first_response_hours_median", seed="3.2", dimension="responsiveness", direction="-", unit="hours",
     name={"zh": "首次响应时长中位数(小时)", "en": "Median hours to first response"})
def first_response_hours_median(t: Tables) -> Aggregate:
    """Median hours from opened to the rep's first response, customer-raised issues, all channels."""
    import ibis

    s, issue = t.interactions, t.is_issue
    # the median of the issues' hours (others NULL): median(where=) is not foldable on Spark
    hours = ibis.ifelse(issue, s.first_response_h - s.opened_h, ibis.null("float64"))
    return Aggregate(s, hours.median(), hours.count())


@kpi(id="callback_within_24h_rate", seed="3.2", dimension="responsiveness", direction="+", unit="share",
     name={"zh": "24小时内回复率", "en": "Replied within 24 hours"})
def callback_within_24h_rate(t: Tables) -> Aggregate:
    """Share of customer-raised phone and e-mail contacts with a first response within 24 hours.

    A contact with no response counts as not met. The threshold is ``kpi.callback_hours``.
    """
    s = t.interactions
    phone_mail = t.is_issue & s.channel.isin(["phone", "email"])
    met = s.first_response_h.notnull() & ((s.first_response_h - s.opened_h) <= t.settings.callback_hours)
    return Aggregate(s, rate(met.fill_null(False), where=phone_mail), s.interaction_id.count(where=phone_mail))
