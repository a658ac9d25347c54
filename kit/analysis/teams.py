"""Teams: a summary per team with intervals, and one team's view against the company.

A team lead should see their own team: its reps' scorecards (scored against the whole
company, so that "above average" means what it means on the company page) and the team's
satisfaction dimensions next to the company average, with no other team's rep names.
At thousands of reps the company page shows a per-team summary instead of one row per rep.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kit.results import Result

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset

__all__ = ["TeamView", "team_summary", "team_view", "teams_of", "notable_reps"]


def teams_of(data: Dataset) -> list[str]:
    """The teams of the data set's reps, sorted."""
    reps = data.tables["reps"]
    return sorted({str(t) for t in reps["team"].dropna()})


def team_summary(card: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per team: reps, reps scored, the mean score with its t interval, and the tier counts.

    Parameters
    ----------
    card : DataFrame
        :func:`kit.analysis.scorecard`'s table (``team, score, tier``).
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        Indexed by team: ``reps, scored, score, score_low, score_high`` (mean 0-100 score of
        the scored reps and its t interval, from the spread between the team's reps),
        ``above, average, below`` (reps per tier), sorted by ``score`` (best first).

    Notes
    -----
    The interval is ``mean ± t(level, k-1) · sd / sqrt(k)`` over the team's k scored reps,
    checked against statsmodels' ``DescrStatsW.tconfint_mean`` in tests/test_teams.py. With
    one scored rep it is missing.

    Example
    -------
    >>> card = pd.DataFrame({"team": ["A", "A", "B"], "score": [60.0, 50.0, 40.0],
    ...                      "tier": ["above average", "average", "below average"]})
    >>> row = team_summary(card).loc["A"]
    >>> int(row["reps"]), float(row["score"])
    (2, 55.0)
    """
    from scipy import stats

    if not {"team", "score", "tier"} <= set(card.columns):
        raise ValueError("team_summary: card needs the columns team, score and tier (kit.analysis.scorecard).")
    rows = {}
    for team, g in card.groupby(card["team"].fillna("—"), sort=True):
        s = g.loc[g["tier"] != "insufficient data", "score"].dropna().astype(float)
        k = len(s)
        mean = float(s.mean()) if k else np.nan
        if k >= 2:
            half = float(stats.t.ppf(0.5 + level / 2, k - 1) * s.std(ddof=1) / np.sqrt(k))
        else:
            half = np.nan
        rows[team] = {"reps": len(g), "scored": k, "score": mean, "score_low": mean - half,
                      "score_high": mean + half, "above": int((g["tier"] == "above average").sum()),
                      "average": int((g["tier"] == "average").sum()),
                      "below": int((g["tier"] == "below average").sum())}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "team"
    return out.sort_values("score", ascending=False, na_position="last")


def notable_reps(card: pd.DataFrame, limit: int = 30) -> pd.DataFrame:
    """The reps whose interval separates from the average, at most ``limit`` (best and worst).

    Returns
    -------
    DataFrame
        Rows of ``card`` with tier above or below average: the ``limit // 2`` highest and
        lowest scores (fewer when fewer separate), best first.
    """
    above = card[card["tier"] == "above average"].sort_values("score", ascending=False)
    below = card[card["tier"] == "below average"].sort_values("score", ascending=True)
    half = max(1, limit // 2)
    return pd.concat([above.head(half), below.head(half).iloc[::-1]])


@dataclass(frozen=True)
class TeamView(Result):
    """One team against the company.

    ``table`` is indexed by dimension (``csat`` first): ``team, company, difference,
    n_team, n_company``; the team's value is missing where fewer than ``min_n`` of its
    responses score the dimension.

    Attributes
    ----------
    team : str
    quarter : str
    card : DataFrame
        The scorecard rows of the team's reps only (scored against the whole company).
    summary : DataFrame
        The team's row of :func:`team_summary` and a ``company`` row (all reps).
    min_n : int
    """

    team: str = ""
    quarter: str = ""
    card: pd.DataFrame = None  # type: ignore[assignment]
    summary: pd.DataFrame = None  # type: ignore[assignment]
    min_n: int = 5


def team_view(
    data: Dataset,
    quarter: str,
    team: str,
    *,
    weights: Mapping[str, float] | None = None,
    settings: Mapping[str, Any] | None = None,
    min_n: int = 5,
    card: pd.DataFrame | None = None,
) -> TeamView:
    """One team's reps and satisfaction dimensions, against the company average.

    Parameters
    ----------
    data : kit.Dataset
    quarter : str
    team : str
        A value of ``reps.team``.
    weights, settings : mapping, optional
        As for :func:`kit.analysis.scorecard` (used when ``card`` is not given).
    min_n : int
        A team dimension scored by fewer responses is left missing.
    card : DataFrame, optional
        The company's scorecard, if already computed.

    Returns
    -------
    TeamView
        ``table`` per dimension (``team, company, difference, n_team, n_company``), ``card``
        (the team's reps only), ``summary`` (the team and the company: ``reps, scored, score,
        score_low, score_high, above, average, below``).

    Example
    -------
    >>> import kit
    >>> data = kit.load("data/samples")                                  # doctest: +SKIP
    >>> view = kit.analysis.team_view(data, "2026Q3", "华东1组")           # doctest: +SKIP
    >>> view.table[["team", "company", "difference"]]                     # doctest: +SKIP
    """
    from kit.analysis.scorecard import scorecard
    from kit.survey import dimension_scores

    known = teams_of(data)
    if team not in known:
        raise ValueError(f"team {team!r} is not a team of the reps table (column team); "
                         f"teams: {', '.join(known) or 'none'}.")
    if card is None:
        card = scorecard(data, quarter, weights=weights, settings=settings)
    card = card.table if isinstance(card, Result) else card
    mine = card[card["team"] == team]
    summary = pd.concat([team_summary(mine), team_summary(card.assign(team="company"))])
    scores = dimension_scores(data, quarter)
    reps = data.tables["reps"][["rep_id", "team"]]
    scores = scores.merge(reps, on="rep_id", how="left")
    dims = ["csat", *[d for d in data.instrument.dimensions if d in scores.columns]]
    rows = {}
    in_team = scores["team"] == team
    for d in dims:
        col = pd.to_numeric(scores[d], errors="coerce")
        n_team, n_all = int(col[in_team].notna().sum()), int(col.notna().sum())
        t = float(col[in_team].mean()) if n_team >= min_n else np.nan
        c = float(col.mean()) if n_all else np.nan
        rows[d] = {"team": t, "company": c, "difference": t - c, "n_team": n_team, "n_company": n_all}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "dimension"
    return TeamView(table=table, team=team, quarter=str(quarter), card=mine, summary=summary, min_n=int(min_n))
