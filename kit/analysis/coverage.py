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
    from kit.schema import CUSTOMER_RAISED_KINDS

    q = common.one_quarter(data, quarter)
    t = data.tables
    reps = t["reps"].set_index("rep_id")
    sc = common.scores(data, [q])
    inter = t["interactions"]
    inter = inter[(inter["opened_at"] >= q.start) & (inter["opened_at"] < q.end)]
    deals = t["deals"]
    closed = deals[deals["stage"].isin(["won",
                                        "lost"]) & (deals["closed_at"] >= q.start) & (deals["closed_at"] < q.end)]
    cust = t["customers"]
    cust = cust[cust["since"].isna() | (cust["since"] < q.end)]
    out = pd.DataFrame(index=reps.index)
    out["rep_name"] = reps["rep_name"]
    out["team"] = reps["team"]
    out["active"] = reps["active"]
    out["responses"] = sc.groupby("rep_id").size().reindex(out.index).fillna(0).astype(int)
    out["issues"] = inter[inter["kind"].isin(CUSTOMER_RAISED_KINDS)].groupby("rep_id").size().reindex(
        out.index).fillna(0).astype(int)
    out["interactions"] = inter.groupby("rep_id").size().reindex(out.index).fillna(0).astype(int)
    out["deals_closed"] = closed.groupby("rep_id").size().reindex(out.index).fillna(0).astype(int)
    out["customers"] = cust.groupby("owner_rep_id").size().reindex(out.index).fillna(0).astype(int)
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
