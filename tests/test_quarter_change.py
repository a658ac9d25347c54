"""Quarter over quarter: dimension changes, tier and verdict changes, the fate of last quarter's weights."""

from __future__ import annotations

import types

import pandas as pd
import pytest

from kit import narrative
from kit.analysis import quarter_change, quarter_state
from kit.periods import Quarter
from kit.report.history import STATE_FILE, previous_quarter_state, save_quarter_state


def _state(q, perf, rank, verdicts, tiers, weights, recommended):
    return {"quarter": q, "dimensions": {d: {"importance": 0.2, "performance": p, "rank": r}
                                         for (d, p), r in zip(perf.items(), rank)},
            "verdicts": verdicts, "tiers": tiers, "weights": weights, "recommended": recommended}


BEFORE = _state("2026Q2", {"responsiveness": 3.30, "quality": 3.90}, [2, 1], {"nps": "weak", "win_rate": "valid"},
                {"R1": "average", "R2": "above average", "R3": "insufficient data"},
                {"nps": 10, "win_rate": 90}, {"nps": 20, "win_rate": 80})


def test_changes_since_the_previous_quarter():
    now = _state("2026Q3", {"responsiveness": 3.10, "quality": 3.95}, [1, 2], {"nps": "valid", "win_rate": "valid"},
                 {"R1": "below average", "R2": "above average", "R3": "average"},
                 {"nps": 20, "win_rate": 80}, {"nps": 25, "win_rate": 75})
    ch = quarter_change(BEFORE, now)
    assert ch.previous == "2026Q2" and ch.available
    assert ch.loc["responsiveness", "performance_change"] == pytest.approx(-0.20)
    assert ch.loc["quality", "performance_change"] == pytest.approx(0.05)
    assert ch.loc["responsiveness", ["rank_before", "rank_now"]].tolist() == [2, 1]
    # R1 moved; R2 kept its tier; R3 had too little data before, which is no tier to change from
    assert ch.tiers.to_dict("index") == {"R1": {"tier_before": "average", "tier_now": "below average"}}
    assert list(ch.verdicts.index) == ["nps"]
    assert ch.weights_status == "adopted"
    sentences = narrative.quarter_change(ch, pd.DataFrame({"rep_name": ["王伟"]}, index=["R1"]), "zh")
    text = "".join(sentences)
    assert "与 2026Q2 相比" in text and "1 位销售的分层发生变化:王伟(平均→低于平均)。" in text
    assert "净推荐值(证据较弱→有效)" in text and "采用了 2026Q2 的建议" in text


@pytest.mark.parametrize("weights, status", [
    ({"nps": 20, "win_rate": 80}, "adopted"),
    ({"nps": 20.3, "win_rate": 79.7}, "adopted"),       # rounding is not a change
    ({"nps": 10, "win_rate": 90}, "ignored"),            # last quarter's weights again
    ({"nps": 15, "win_rate": 85}, "changed"),
])
def test_what_became_of_the_recommended_weights(weights, status):
    now = {**BEFORE, "quarter": "2026Q3", "weights": weights}
    assert quarter_change(BEFORE, now).weights_status == status


def test_no_dimension_rose():
    now = _state("2026Q3", {"responsiveness": 3.10, "quality": 3.90}, [2, 1], {}, {}, {}, {})
    text = narrative.quarter_change(quarter_change(BEFORE, now), pd.DataFrame(), "en")[0]
    assert text == "Since 2026Q2, no dimension's performance rose noticeably; it fell most in responsiveness (-0.20)."


def test_no_previous_quarter():
    ch = quarter_change(None, {**BEFORE, "quarter": "2026Q3"})
    assert not ch.available and ch.weights_status == "unknown"
    assert narrative.quarter_change(ch, pd.DataFrame(), "en") == [
        "No saved results of the previous quarter were found: quarter-over-quarter comparison starts with 2026Q3."]


def test_state_is_saved_beside_the_results_and_found_next_quarter(tmp_path):
    drivers = pd.DataFrame({"importance": [0.3], "performance": [3.2], "rank": [1]}, index=["responsiveness"])
    validity = pd.DataFrame({"verdict": ["valid"]}, index=["nps"])
    card = pd.DataFrame({"tier": ["average"]}, index=["R1"])
    rec = types.SimpleNamespace(weights=pd.Series({"nps": 100.0}))
    state = quarter_state("2026Q2", drivers, validity, card, {"nps": 100}, rec)
    assert state["tiers"] == {"R1": "average"} and state["recommended"] == {"nps": 100.0}
    outputs = tmp_path / "outputs"
    q2 = types.SimpleNamespace(results_dir=outputs / "2026Q2" / "results", period=Quarter.parse("2026Q2"))
    assert save_quarter_state(q2, state) == outputs / "2026Q2" / "results" / STATE_FILE
    # next quarter's run writes into outputs/.2026Q3.tmp-*/results
    q3 = types.SimpleNamespace(results_dir=outputs / ".2026Q3.tmp-1" / "results", period=Quarter.parse("2026Q3"))
    assert previous_quarter_state(q3) == state
    q4 = types.SimpleNamespace(results_dir=outputs / ".2026Q4.tmp-1" / "results", period=Quarter.parse("2026Q4"))
    assert previous_quarter_state(q4) is None
