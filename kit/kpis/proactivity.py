"""KPIs of seed section 5: spotting and solving problems before the customer complains.

5.1 problem identification and prevention; 5.2 proactive resolution.
"""

from __future__ import annotations

from kit.kpis.registry import Aggregate, Tables, kpi, rate

__all__ = ["proactive_contact_share", "complaints_per_100_customers", "proactive_resolution_rate"]


@kpi(id="proactive_contact_share", seed="5.1", dimension="proactivity", direction="+", unit="share",
     name={"zh": "主动联系占比", "en": "Proactive contact share"})
def proactive_contact_share(t: Tables) -> Aggregate:
    """Share of the rep's interactions in the quarter that the rep initiated (kind ``proactive``)."""
    s = t.interactions
    return Aggregate(s, rate(s.kind == "proactive"), s.interaction_id.count())


@kpi(id="complaints_per_100_customers", seed="5.1", dimension="proactivity", direction="-",
     unit="per 100 customers", name={"zh": "每百客户投诉数", "en": "Complaints per 100 customers"})
def complaints_per_100_customers(t: Tables):
    """Complaints opened in the quarter by the rep's customers, per 100 customers owned.

    Customers owned: ``owner_rep_id`` is the rep and ``since`` is before the quarter's end (or
    empty). ``n`` is the number of customers owned.
    """
    owned = t.owned_customers
    i = t.interactions
    complaints = i.filter(i.kind == "complaint").select(_cid="customer_id", _q="quarter_index")
    # the complaints of owned customers, and the customers owned, counted per rep apart (no
    # aggregation per customer: a quarter of a large book is millions of customer rows)
    j = owned.join(complaints, (owned.customer_id == complaints._cid) & (owned.quarter_index == complaints._q))
    total = j.group_by(["rep_id", "quarter_index"]).aggregate(total=j.count()).rename(_r="rep_id", _qi="quarter_index")
    n = owned.group_by(["rep_id", "quarter_index"]).aggregate(n=owned.customer_id.count())
    g = n.left_join(total, (n.rep_id == total._r) & (n.quarter_index == total._qi))
    return g.select("rep_id", "quarter_index", value=100.0 * g.total.fill_null(0).cast("float64") / g.n, n=g.n)


@kpi(id="proactive_resolution_rate", seed="5.2", dimension="proactivity", direction="+", unit="share",
     name={"zh": "主动解决率", "en": "Proactive resolution rate"})
def proactive_resolution_rate(t: Tables):
    """Of the rep's customers with an issue in the quarter, the share whose issue the rep raised first.

    For each customer the rep owns: the first proactive contact by the rep and the first
    complaint (by anyone) in the quarter. Customers with either count (``n``); a success is
    a proactive contact before any complaint.
    """
    i = t.interactions
    c = t.customers.select(_cid=t.customers.customer_id, owner=t.customers.owner_rep_id)
    j = i.filter(i.kind.isin(["proactive", "complaint"])).join(c, i.customer_id == c._cid)
    per = j.group_by([j.owner, j.quarter_index, j.customer_id]).aggregate(
        first_proactive=j.opened_at.min(where=(j.kind == "proactive") & (j.rep_id == j.owner)),
        first_complaint=j.opened_at.min(where=j.kind == "complaint"),
    )
    per = per.filter(per.first_proactive.notnull() | per.first_complaint.notnull())
    ok = per.first_proactive.notnull() & (per.first_complaint.isnull() | (per.first_proactive < per.first_complaint))
    g = per.group_by([per.owner, per.quarter_index]).aggregate(value=rate(ok), n=per.customer_id.count())
    return g.select(rep_id=g.owner, quarter_index=g.quarter_index, value=g.value, n=g.n)
