"""The KPI library: the registry and the KPI definitions, grouped by seed section.

>>> import kit
>>> kit.kpis.catalog()                          # doctest: +SKIP
>>> kit.kpis.compute(data, quarter="2026Q3")    # doctest: +SKIP

Add your own KPI with the decorator (in a module or a notebook cell)::

    from kit.kpis import kpi, Aggregate, rate

    @kpi(id="visit_share", seed="own", dimension="communication", direction="+", unit="share",
         name={"zh": "拜访占比", "en": "Visit share"})
    def visit_share(t):
        "Share of the rep's interactions that were visits."
        s = t.interactions
        return Aggregate(s, rate(s.channel == "visit"), s.interaction_id.count())
"""

from kit.kpis import interaction, personalization, proactivity, sales, transparency  # noqa: E402,F401  (register)
from kit.kpis.registry import (
    KPI,
    Aggregate,
    BusinessHours,
    KPIError,
    KPISettings,
    Tables,
    catalog,
    compute,
    display_name,
    get,
    ids,
    kpi,
    rate,
    unregister,
)

__all__ = [
    "KPI", "Aggregate", "BusinessHours", "KPIError", "KPISettings", "Tables",
    "catalog", "compute", "display_name", "get", "ids", "kpi", "rate", "unregister",
]
