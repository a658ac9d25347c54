"""How much data stands behind each rep this quarter, and rep scores ready for a funnel plot."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit import stats
from kit.analysis import _common as common
from kit.results import Result

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset

__all__ = ["coverage", "rep_scores", "quarantine_summary", "CoverageResult", "RepScoresResult"]


@dataclass(frozen=True)
class CoverageResult(Result):
    """Rows behind each rep (``table``, see :func:`coverage`), for a quarter and ``min_n``."""

    quarter: str = ""
    min_n: int = 10


@dataclass(frozen=True)
class RepScoresResult(Result):
    """Raw and shrunk rep means (``table``, see :func:`rep_scores`).

    Attributes
    ----------
    quarter, score : str
    sd : float
        The response-level standard deviation (for funnel limits).
    grand, tau2, sigma2 : float
        The overall mean and the variance components of the shrinkage.
    """

    quarter: str = ""
    score: str = "csat"
    sd: float = math.nan
    grand: float = math.nan
    tau2: float = math.nan
    sigma2: float = math.nan


def coverage(data: Dataset, quarter: str | None = None, *, min_n: int = 10) -> CoverageResult:
    """Rows behind each rep in a quarter.

    Returns
    -------
    CoverageResult
        ``table`` indexed by rep_id: ``rep_name, team, active, responses`` (survey responses credited),
        ``issues`` (customer-raised interactions opened), ``interactions``, ``deals_closed``,
        ``customers`` (accounts owned), ``enough_responses`` (responses >= ``min_n``).
    """
    from kit import moments
    from kit.schema import CUSTOMER_RAISED_KINDS

    q = common.one_quarter(data, quarter)
    reps = data.tables["reps"].set_index("rep_id")

    def per(t, key: str) -> pd.Series:
        """Rows of an engine table per ``key``, as whole numbers on the reps' index."""
        t = t.filter(t[key].notnull())
        got = t.group_by(key).aggregate(n=t.count()).execute()
        n = pd.Series(got["n"].to_numpy(dtype="int64"), index=got[key].astype(str))
        return n.reindex(out.index.astype(str)).fillna(0).astype(int).set_axis(out.index)

    inter = data.table("interactions")
    inter = inter.filter((inter.opened_at >= q.start) & (inter.opened_at < q.end))
    deals = data.table("deals")
    closed = deals.filter(deals.stage.isin(["won", "lost"]) & (deals.closed_at >= q.start) & (deals.closed_at < q.end))
    cust = data.table("customers")
    cust = cust.filter(cust.since.isnull() | (cust.since < q.end))
    out = pd.DataFrame(index=reps.index)
    out["rep_name"] = reps["rep_name"]
    out["team"] = reps["team"]
    out["active"] = reps["active"]
    responded = moments.response_counts(data, str(q))
    out["responses"] = responded.reindex(out.index.astype(str)).fillna(0).astype(int).set_axis(out.index)
    out["issues"] = per(inter.filter(inter.kind.isin(list(CUSTOMER_RAISED_KINDS))), "rep_id")
    out["interactions"] = per(inter, "rep_id")
    out["deals_closed"] = per(closed, "rep_id")
    out["customers"] = per(cust, "owner_rep_id")
    out["enough_responses"] = out["responses"] >= min_n
    return CoverageResult(table=out, quarter=str(q), min_n=min_n)


def rep_scores(data: Dataset, quarter: str | None = None, *, score: str = "csat", ci: float = 0.95
               ) -> RepScoresResult:
    """Each rep's mean survey score, raw and shrunk (normal-normal empirical Bayes), for a quarter.

    Returns
    -------
    RepScoresResult
        ``table`` as :func:`kit.stats.shrink`'s: indexed by rep_id, ``n, raw, shrunk, lower,
        upper, weight``; fields ``sd`` (the response-level standard deviation, for funnel
        limits), ``score``, ``quarter`` and the shrinkage's ``grand``, ``tau2``, ``sigma2``.
    """
    q = common.one_quarter(data, quarter)
    sc = common.scores(data, [q])
    if score not in sc.columns:
        raise ValueError(f"score must be 'csat' or a dimension ({', '.join(data.instrument.dimensions)}); "
                         f"got {score!r}.")
    rows = pd.DataFrame({"rep_id": sc["rep_id"].astype(str),
                         "v": pd.to_numeric(sc[score], errors="coerce").astype(float)}).dropna()
    sh = stats.shrink(rows, "rep_id", "v", kind="mean", ci=ci)
    return RepScoresResult(table=sh.table, quarter=str(q), score=score, sd=float(np.std(rows["v"], ddof=1)),
                           grand=sh.grand, tau2=sh.tau2, sigma2=sh.sigma2)


def quarantine_summary(data: Dataset) -> pd.DataFrame:
    """The rows set aside, counted by table and reason, with an example row.

    Returns
    -------
    DataFrame
        Columns ``table, reason, rows, example_row, example_id``, most frequent first.
    """
    q = data.quarantine
    cols = ["table", "reason", "rows", "example_row", "example_id"]
    if not len(q):
        return pd.DataFrame(columns=cols)
    g = q.groupby(["table", "reason"], sort=False)
    out = g.agg(rows=("row", "size"), example_row=("row", "first"), example_id=("id", "first")).reset_index()
    return out.sort_values("rows", ascending=False).reset_index(drop=True)[cols]
