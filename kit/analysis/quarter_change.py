"""Quarter over quarter: what changed since the previous quarter's report.

Each quarter's management summary saves its state (:func:`quarter_state`: the dimensions'
importance, performance and rank, each KPI's verdict, each rep's tier, the weights in force
and the weights recommended for the next quarter) beside its results. The next quarter's
summary compares its own state with that one (:func:`quarter_change`): dimension changes,
reps whose tier changed, KPIs whose verdict changed, and whether the weights in force are
last quarter's recommendation (adopted), last quarter's weights again although a change was
recommended (ignored), or something else (changed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kit.results import Result

__all__ = ["QuarterChange", "quarter_state", "quarter_change", "WEIGHTS_STATUS"]

#: what became of last quarter's recommended weights
WEIGHTS_STATUS = ("adopted", "changed", "ignored", "unknown")
_TOLERANCE = 0.5  # points: weights closer than this count as equal


def _weights(w: Mapping[str, Any] | None) -> dict[str, float]:
    return {str(k): float(v) for k, v in (w or {}).items() if v is not None}


def quarter_state(quarter: str, drivers: Any, validity: Any, card: Any, weights: Mapping[str, float] | None,
                  recommendation: Any = None) -> dict:
    """What a quarter's summary reported, in machine form (saved as JSON for the next quarter).

    Parameters
    ----------
    quarter : str
    drivers, validity, card
        :func:`kit.analysis.drivers`, :func:`kit.analysis.kpi_validity`,
        :func:`kit.analysis.scorecard` of the quarter.
    weights : mapping
        The weights in force.
    recommendation : WeightRecommendation, optional
        The weights recommended for the next quarter.

    Returns
    -------
    dict
        ``quarter``, ``dimensions`` (dimension -> ``importance, performance, rank``),
        ``verdicts`` (KPI id -> verdict), ``tiers`` (rep id -> tier), ``weights`` and
        ``recommended`` (KPI id -> points).
    """
    d = getattr(drivers, "table", drivers)
    v = getattr(validity, "table", validity)
    c = getattr(card, "table", card)
    dims = {str(k): {"importance": _num(r.get("importance")), "performance": _num(r.get("performance")),
                     "rank": _num(r.get("rank"))} for k, r in d.iterrows()}
    rec = getattr(recommendation, "weights", None)
    return {"quarter": str(quarter), "dimensions": dims,
            "verdicts": {str(k): str(x) for k, x in v["verdict"].items()},
            "tiers": {str(k): str(x) for k, x in c["tier"].items()},
            "weights": _weights(weights),
            "recommended": _weights(dict(rec) if rec is not None else None)}


def _num(x: Any) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(f) else f


@dataclass(frozen=True)
class QuarterChange(Result):
    """This quarter against the previous one.

    ``table`` is indexed by dimension: ``importance_before, importance_now, performance_before,
    performance_now, performance_change, rank_before, rank_now``.

    Attributes
    ----------
    previous, quarter : str
        The quarters compared ("" when there is no previous state).
    tiers : DataFrame
        Reps whose tier changed: indexed by rep_id, ``tier_before, tier_now``.
    verdicts : DataFrame
        KPIs whose verdict changed: indexed by KPI id, ``verdict_before, verdict_now``.
    weights_status : str
        One of :data:`WEIGHTS_STATUS`.
    weights : DataFrame
        Per KPI: ``recommended`` (last quarter), ``in_force`` (now), ``difference``.
    """

    previous: str = ""
    quarter: str = ""
    tiers: pd.DataFrame = field(default_factory=pd.DataFrame)
    verdicts: pd.DataFrame = field(default_factory=pd.DataFrame)
    weights_status: str = "unknown"
    weights: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def available(self) -> bool:
        """Whether a previous quarter's state was found."""
        return bool(self.previous)


def quarter_change(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> QuarterChange:
    """Compare this quarter's state with the previous quarter's (both from :func:`quarter_state`).

    Returns
    -------
    QuarterChange
        Empty tables and ``weights_status="unknown"`` when ``previous`` is None.

    Example
    -------
    >>> before = {"quarter": "2026Q2", "dimensions": {"quality": {"importance": 0.2, "performance": 3.9, "rank": 2}},
    ...           "verdicts": {"nps": "weak"}, "tiers": {"R1": "average"}, "weights": {"nps": 10},
    ...           "recommended": {"nps": 15}}
    >>> now = {"quarter": "2026Q3", "dimensions": {"quality": {"importance": 0.3, "performance": 3.7, "rank": 1}},
    ...        "verdicts": {"nps": "valid"}, "tiers": {"R1": "above average"}, "weights": {"nps": 15},
    ...        "recommended": {"nps": 15}}
    >>> ch = quarter_change(before, now)
    >>> change = round(float(ch.loc["quality", "performance_change"]), 2)
    >>> ch.weights_status, ch.verdicts.loc["nps", "verdict_now"], change
    ('adopted', 'valid', -0.2)
    """
    q = str(current.get("quarter", ""))
    if not previous:
        return QuarterChange(table=pd.DataFrame(), quarter=q)
    rows = {}
    before_d, now_d = previous.get("dimensions") or {}, current.get("dimensions") or {}
    for dim in [*now_d, *[d for d in before_d if d not in now_d]]:
        b, n = before_d.get(dim) or {}, now_d.get(dim) or {}
        rows[dim] = {"importance_before": b.get("importance"), "importance_now": n.get("importance"),
                     "performance_before": b.get("performance"), "performance_now": n.get("performance"),
                     "rank_before": b.get("rank"), "rank_now": n.get("rank")}
    table = pd.DataFrame.from_dict(rows, orient="index", dtype="float64")
    if len(table):
        table.insert(4, "performance_change", table["performance_now"] - table["performance_before"])
    table.index.name = "dimension"
    tiers = _changed(previous.get("tiers"), current.get("tiers"), "tier", skip={"insufficient data"})
    verdicts = _changed(previous.get("verdicts"), current.get("verdicts"), "verdict", skip=set())
    rec, now, old = _weights(previous.get("recommended")), _weights(current.get("weights")), \
        _weights(previous.get("weights"))
    kpis = sorted(set(rec) | set(now))
    w = pd.DataFrame({"recommended": [rec.get(k, 0.0) for k in kpis], "in_force": [now.get(k, 0.0) for k in kpis]},
                     index=pd.Index(kpis, name="kpi"))
    w["difference"] = w["in_force"] - w["recommended"]
    if not rec or not now:
        status = "unknown"
    elif (w["difference"].abs() < _TOLERANCE).all():
        status = "adopted"
    elif old and all(abs(now.get(k, 0.0) - old.get(k, 0.0)) < _TOLERANCE for k in set(now) | set(old)):
        status = "ignored"
    else:
        status = "changed"
    return QuarterChange(table=table, previous=str(previous.get("quarter", "")), quarter=q, tiers=tiers,
                         verdicts=verdicts, weights_status=status, weights=w)


def _changed(before: Mapping[str, str] | None, now: Mapping[str, str] | None, what: str, skip: set) -> pd.DataFrame:
    before, now = dict(before or {}), dict(now or {})
    keys = [k for k in now if k in before and before[k] != now[k] and before[k] not in skip and now[k] not in skip]
    out = pd.DataFrame({f"{what}_before": [before[k] for k in keys], f"{what}_now": [now[k] for k in keys]},
                       index=pd.Index(keys, name="rep_id" if what == "tier" else "kpi"), dtype="object")
    return out
