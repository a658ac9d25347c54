"""Teams: the per-team summary, one team's view, and `kit run --team`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kit
from kit.analysis import notable_reps, team_summary, team_view
from tests import tiny
from tests.notebooks.runs import make_inputs
from tests.report.helpers import cli


def test_team_summary_interval_matches_statsmodels():
    from statsmodels.stats.weightstats import DescrStatsW

    rng = np.random.default_rng(3)
    scores = rng.normal(50, 8, 40)
    card = pd.DataFrame({"team": ["A"] * 25 + ["B"] * 15, "score": scores,
                         "tier": ["average"] * 38 + ["above average", "insufficient data"]})
    got = team_summary(card)
    for team, g in card.groupby("team"):
        s = g.loc[g["tier"] != "insufficient data", "score"]
        low, high = DescrStatsW(s.to_numpy()).tconfint_mean(alpha=0.05)   # statsmodels' t interval
        assert got.loc[team, "score_low"] == pytest.approx(low) and got.loc[team, "score_high"] == pytest.approx(high)
        assert got.loc[team, "scored"] == len(s) and got.loc[team, "reps"] == len(g)
    assert got.loc["B", "above"] == 1 and list(got.index) == sorted(got.index, key=lambda t: -got.loc[t, "score"])


def test_notable_reps_are_the_separated_extremes():
    card = pd.DataFrame({"score": np.arange(100.0), "tier": ["below average"] * 20 + ["average"] * 60
                         + ["above average"] * 20})
    top = notable_reps(card, limit=30)
    assert len(top) == 30 and (top["tier"] != "average").all()
    assert top["score"].iloc[0] == 99 and top["score"].iloc[-1] == 0


def test_team_view_on_the_tiny_data(tmp_path):
    data = kit.load(tiny.write_tiny(tmp_path))
    weights = {"csat_mean": 50, "win_rate": 50}
    view = team_view(data, "2026Q3", "华东一组", weights=weights, min_n=1)
    assert set(view.card["team"]) == {"华东一组"} and list(view.card.index) == ["R1"]
    # R1's responses in 2026Q3 (tests/test_kpis.py): CSAT 5, 3, 4, 1; all four: 5, 3, 4, 1 and R2's
    assert view.table.loc["csat", "team"] == pytest.approx(3.25) and view.table.loc["csat", "n_team"] == 4
    assert view.table.loc["csat", "difference"] == pytest.approx(3.25 - view.table.loc["csat", "company"])
    small = team_view(data, "2026Q3", "华东一组", weights=weights, min_n=5)
    assert np.isnan(small.table.loc["csat", "team"])            # fewer than min_n responses: not shown
    with pytest.raises(ValueError, match="team 'Team Z' is not a team.*华东一组"):
        team_view(data, "2026Q3", "Team Z", weights=weights)


def test_kit_run_team_writes_one_teams_pages(tmp_path):
    data, _ = make_inputs(tmp_path)
    r = cli("run", "--quarter", "2026Q3", "--source", str(data), "--team", "华北一组", "--no-pdf",
            "--set", "min_n=1", "--lang", "en", cwd=tmp_path, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    folder = tmp_path / "outputs" / "teams" / "华北一组" / "2026Q3"
    page = (folder / "management" / "team_view.html").read_text(encoding="utf-8")
    assert "Team view: 华北一组" in page and "Li Na" in page          # the team's own rep, by name
    assert "王伟" not in page                                           # no other team's rep names
    assert not (tmp_path / "outputs" / "2026Q3").exists()             # the company's pages are not written
    card = pd.read_csv(folder / "results" / "team_card.csv", encoding="utf-8-sig")
    assert set(card["team"]) == {"华北一组"}
    assert (folder / "2026Q3.xlsx").is_file()
