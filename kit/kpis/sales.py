"""Sales results (the seed's conclusion: KPIs should not measure revenue alone, but still do)."""

from __future__ import annotations

from kit.kpis.registry import Aggregate, Tables, kpi, rate

__all__ = ["revenue_won", "quota_attainment", "win_rate"]


@kpi(id="revenue_won", min_n=1, seed="concl.", dimension="sales", direction="+", unit="amount", fill_zero=True,
     name={"zh": "赢单金额", "en": "Revenue won"})
def revenue_won(t: Tables) -> Aggregate:
    """Sum of the amounts of deals won in the quarter (by ``closed_at``); ``n`` is the deals won."""
    d = t.deals_closed
    won = d.stage == "won"
    return Aggregate(d, d.amount.sum(where=won).fill_null(0.0), d.deal_id.count(where=won))


@kpi(id="quota_attainment", min_n=1, seed="concl.", dimension="sales", direction="+", unit="ratio",
     name={"zh": "配额完成率", "en": "Quota attainment"})
def quota_attainment(t: Tables):
    """``revenue_won`` / quota, where a quota is given for the rep and quarter; ``n`` is the deals won."""
    import ibis

    d = t.deals_closed
    won = d.filter(d.stage == "won")
    rev = won.group_by(["rep_id", "quarter_index"]).aggregate(revenue=won.amount.sum(), n=won.deal_id.count())
    labels = {str(q): q.index for q in t.quarters}
    q = t.data.table("quotas", t._con)
    q = q.filter(q.quarter.isin(list(labels)))
    q = q.mutate(quarter_index=ibis.cases(*[(q.quarter == k, v) for k, v in labels.items()]).cast("int64"))
    rev = rev.rename(_rep="rep_id", _q="quarter_index")
    j = q.left_join(rev, (q.rep_id == rev._rep) & (q.quarter_index == rev._q))
    return j.select("rep_id", "quarter_index", value=j.revenue.fill_null(0.0) / j.quota, n=j.n.fill_null(0))


@kpi(id="win_rate", seed="concl.", dimension="sales", direction="+", unit="share",
     name={"zh": "赢单率", "en": "Win rate"})
def win_rate(t: Tables) -> Aggregate:
    """Won / (won + lost) among deals closed in the quarter."""
    d = t.deals_closed
    return Aggregate(d, rate(d.stage == "won"), d.deal_id.count())
