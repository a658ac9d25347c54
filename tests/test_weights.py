"""Weights: checks, rounding, and the invariants of the recommendation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kit
from kit.analysis import check_weights, round_to_total


def test_check_weights_names_the_problem():
    with pytest.raises(ValueError, match="'revenue' is not a KPI id"):
        check_weights({"revenue": 100})
    with pytest.raises(ValueError, match="sum to 100; they sum to 90"):
        check_weights({"revenue_won": 90})
    with pytest.raises(ValueError, match="weights.nps must be a number >= 0"):
        check_weights({"revenue_won": 110, "nps": -10})
    assert check_weights({"revenue_won": 60, "csat_mean": 40.004}) == {"revenue_won": 60.0, "csat_mean": 40.004}


@given(st.lists(st.floats(min_value=0, max_value=60, allow_nan=False), min_size=2, max_size=20))
def test_round_to_total_sums_to_100_and_stays_close(raw):
    if sum(raw) <= 0:
        return
    values = {f"k{i}": v for i, v in enumerate(raw)}
    out = round_to_total(values)
    assert sum(out.values()) == 100
    scaled = np.array(raw) * 100 / sum(raw)
    assert all(abs(out[f"k{i}"] - s) < 1 for i, s in enumerate(scaled))
    assert all(out[f"k{i}"] == 0 for i, v in enumerate(raw) if v == 0)


@pytest.fixture(scope="module")
def evidence(sample):
    validity = kit.analysis.kpi_validity(sample, "2026Q3")
    drivers = kit.analysis.drivers(sample, "2026Q3", n_boot=50)
    return validity, drivers


_IDS = ["revenue_won", "quota_attainment", "win_rate", "csat_mean", "nps", "resolution_hours_median",
        "sla_met_rate", "first_contact_resolution_rate", "personalized_proposals", "proactive_contact_share",
        "reopen_rate", "transparency_score"]


@settings(max_examples=6, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=30), min_size=len(_IDS), max_size=len(_IDS)),
       st.sampled_from([5, 10, 20]))
def test_recommendation_invariants(sample, evidence, raw, cap):
    if sum(raw) == 0:
        return
    weights = round_to_total(dict(zip(_IDS, raw)))
    validity, drivers = evidence
    rec = kit.analysis.recommend_weights(sample, "2026Q3", weights=weights, cap=cap, validity=validity,
                                         drivers=drivers)
    ch = rec.changes
    assert rec.weights.sum() == 100 and (rec.weights >= 0).all()
    assert (ch["change"].abs() <= cap + 1).all()              # capped (rounding may add a point)
    sales = [k for k in ch.index if ch.at[k, "dimension"] == "sales"]
    assert (ch.loc[sales, "change"] == 0).all()               # business KPIs untouched
    gained = ch[ch["change"] > 0]
    assert set(gained["verdict"]) <= {"valid", "weak", "insufficient data"}
    assert (gained.loc[gained["verdict"] == "valid", "reason"].str.contains("moved toward")).all()
    lost = ch[ch["change"] < -1]
    assert set(lost["verdict"]) <= {"not valid", "confounded", "inconclusive"}
    assert (ch.loc[sales, "reason"].str.contains("business decision")).all()
    valid = ch["verdict"] == "valid"
    assert rec.valid_share_before == pytest.approx(ch.loc[valid, "old"].sum() / 100)
    assert rec.valid_share_after == pytest.approx(ch.loc[valid, "new"].sum() / 100)
    assert ch["reason"].str.len().min() > 0
    assert -1 <= rec.kendall_tau <= 1
    assert rec.next_quarter == "2026Q4"


def test_protected_kpis_keep_their_weight_whatever_the_evidence(sample, evidence):
    validity, drivers = evidence
    weights = {"revenue_won": 30, "csat_mean": 30, "personalized_proposals": 20, "resolution_hours_median": 20}
    assert validity.loc["personalized_proposals", "verdict"] in {"inconclusive", "not valid"}
    rec = kit.analysis.recommend_weights(sample, "2026Q3", weights=weights, validity=validity, drivers=drivers)
    assert rec.changes.at["personalized_proposals", "change"] < 0
    assert rec.valid_share_after > rec.valid_share_before
    kept = kit.analysis.recommend_weights(sample, "2026Q3", weights=weights, validity=validity, drivers=drivers,
                                          protected=["personalized_proposals"])
    assert kept.changes.at["personalized_proposals", "change"] == 0
    assert "protected by the parameters" in kept.changes.at["personalized_proposals", "reason"]
    # listing protected KPIs replaces the default: the sales KPI can now give up weight
    assert kept.changes.at["revenue_won", "change"] <= 0
    with pytest.raises(ValueError, match="not KPI ids"):
        kit.analysis.recommend_weights(sample, "2026Q3", weights=weights, validity=validity, drivers=drivers,
                                       protected=["revenue"])


def test_a_given_scorecard_gives_the_same_recommendation_and_must_match(sample, evidence):
    validity, drivers = evidence
    weights = {"revenue_won": 30, "csat_mean": 30, "personalized_proposals": 20, "resolution_hours_median": 20}
    kw = dict(weights=weights, validity=validity, drivers=drivers)
    card = kit.analysis.scorecard(sample, "2026Q3", weights=weights)
    computed = kit.analysis.recommend_weights(sample, "2026Q3", **kw)
    reused = kit.analysis.recommend_weights(sample, "2026Q3", scorecard=card, **kw)
    assert reused.weights.equals(computed.weights)
    assert reused.ranking.equals(computed.ranking)
    assert reused.kendall_tau == computed.kendall_tau
    other = kit.analysis.scorecard(sample, "2026Q3", weights={"revenue_won": 50, "csat_mean": 50}, n_boot=0)
    with pytest.raises(ValueError, match="other weights"):
        kit.analysis.recommend_weights(sample, "2026Q3", scorecard=other, **kw)
    with pytest.raises(ValueError, match="scorecard is of 2026Q3, the evidence of 2026Q2"):
        kit.analysis.recommend_weights(sample, "2026Q2", scorecard=card, **kw)
    with pytest.raises(TypeError, match="ScorecardResult"):
        kit.analysis.recommend_weights(sample, "2026Q3", scorecard=card.table, **kw)
