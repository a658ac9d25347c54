"""The analyses on the sample data: they recover the effects planted in data/samples.

The planted truth is kit.sample.GROUND_TRUTH (documented in data/samples/README.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kit
from kit.sample import GROUND_TRUTH

Q = "2026Q3"


@pytest.fixture(scope="module")
def validity(sample):
    return kit.analysis.kpi_validity(sample, Q)


@pytest.fixture(scope="module")
def drivers(sample):
    return kit.analysis.drivers(sample, Q, n_boot=200)


def test_reliability_of_the_dimensions(sample):
    rel = kit.analysis.reliability(sample, Q)
    assert list(rel.index) == sample.instrument.dimensions
    assert rel["alpha"].between(0.7, 0.9).all()          # planted alphas 0.78-0.81
    assert not rel["flag"].any()
    assert (rel["ci_low"] < rel["alpha"]).all() and (rel["alpha"] < rel["ci_high"]).all()
    items = rel.attrs["items"]
    # the reverse-keyed item is reflected before alpha: its item-total correlation is positive
    assert items.set_index("item").loc["q_transparency_2", "item_total"] > 0.4
    assert "Pairwise" in rel.attrs["missing"]


def test_drivers_recover_the_planted_ranking(drivers):
    top3 = list(drivers.sort_values("rank").index[:3])
    assert top3 == GROUND_TRUTH["driver_ranking"][:3]
    assert abs(drivers["importance"].sum() - 1) < 1e-9
    assert (drivers["ci_low"] <= drivers["importance"]).all() and (drivers["importance"] <= drivers["ci_high"]).all()
    # fix first: the most important dimension performs worst
    fix = drivers.index[drivers["quadrant"] == "fix first"].tolist()
    assert fix == [GROUND_TRUTH["fix_first"]]
    assert drivers.attrs["ordinal_agrees"] is True
    assert 0.5 < drivers.attrs["r2"] < 0.8
    # the planted fall of transparency shows in the quarter-on-quarter change
    trend = GROUND_TRUTH["trend"]["dimension"]
    assert drivers.loc[trend, "change"] == drivers["change"].min() < -0.1


def test_drivers_are_reproducible_with_a_seed(sample, drivers):
    again = kit.analysis.drivers(sample, Q, n_boot=200)
    pd.testing.assert_frame_equal(again, drivers)


def test_rep_reliability_tells_how_many_responses_are_needed(sample):
    rr = kit.analysis.rep_reliability(sample, Q)
    icc = rr.loc["csat", "icc"]
    assert 0.04 < icc < 0.15                                   # planted: 0.07-0.12 per quarter
    # Spearman-Brown: n = target (1 - icc) / (icc (1 - target))
    assert rr.loc["csat", "n_for_0.8"] == np.ceil(0.8 * (1 - icc) / (icc * 0.2))
    assert rr.loc["csat", "n_for_0.8"] > rr.loc["csat", "n_for_0.7"] > rr.loc["csat", "median_n"] / 2


def test_kpi_validity_recovers_valid_and_noise_kpis(validity):
    truth = GROUND_TRUTH["kpis"]
    assert set(validity["verdict"]) <= set(kit.analysis.VERDICTS)
    # the pure-noise volume KPI is not valid
    assert validity.loc["personalized_proposals", "verdict"] == "not valid"
    assert truth["personalized_proposals"]["validity"] == "not valid"
    # planted-valid KPIs with enough data are found valid (or related but noisy: weak)
    for k in ["resolution_hours_median", "first_response_hours_median", "first_contact_resolution_rate",
              "proactive_contact_share", "sla_met_rate"]:
        assert truth[k]["validity"] == "valid"
        assert validity.loc[k, "verdict"] == "valid", (k, validity.loc[k, "reason"])
    for k, t in truth.items():
        if t["validity"] == "valid" and k in validity.index:
            assert validity.loc[k, "verdict"] in {"valid", "weak", "insufficient data"}, k
    # correlations are direction-adjusted: "lower is better" KPIs correlate positively too
    assert validity.loc["resolution_hours_median", "r_target"] > 0.6
    # every verdict has a reason with numbers
    assert validity["reason"].str.len().min() > 20
    assert "r = " in validity.loc["resolution_hours_median", "reason"]


def test_kpi_validity_flags_the_planted_gaming(validity):
    flagged = validity.loc["personalized_proposals", "gaming_reps"]
    assert "R015" in flagged and set(GROUND_TRUTH["sample"]["gaming"]) & set(flagged) and len(flagged) <= 4
    assert "Gaming warning" in validity.loc["personalized_proposals", "reason"]


def test_kpi_validity_sparse_kpis_are_insufficient(validity):
    # deals with a documented needs analysis are few per rep and quarter
    row = validity.loc["needs_analysis_success_rate"]
    assert row["verdict"] == "insufficient data" and row["coverage"] < 0.5


def test_kpi_validity_in_chinese(sample):
    zh = kit.analysis.kpi_validity(sample, Q, kpis=["resolution_hours_median", "personalized_proposals"], lang="zh")
    assert zh.loc["resolution_hours_median", "reason"].startswith("有效。")
    assert "没有证据" in zh.loc["personalized_proposals", "reason"]
    with pytest.raises(ValueError, match="lang must be one of zh, en"):
        kit.analysis.kpi_validity(sample, Q, lang="fr")


def test_scorecard_is_honest_about_small_samples(sample):
    w = {"revenue_won": 30, "csat_mean": 30, "sla_met_rate": 20, "resolution_hours_median": 20}
    sc = kit.analysis.scorecard(sample, Q, weights=w)
    assert set(sc["tier"]) <= set(kit.analysis.TIERS)
    scored = sc[sc["tier"] != "insufficient data"]
    # tiers only where the interval excludes the average
    assert (scored.loc[scored["tier"] == "above average", "composite_low"] > 0).all()
    assert (scored.loc[scored["tier"] == "below average", "composite_high"] < 0).all()
    assert ((scored.loc[scored["tier"] == "average", "composite_low"] <= 0)
            & (scored.loc[scored["tier"] == "average", "composite_high"] >= 0)).all()
    # shrinkage: small-n reps move toward the average more than large-n reps
    raw, shrunk, n = sc["raw_csat_mean"], sc["csat_mean"], sc["n_csat_mean"]
    ok = n > 0
    grand = shrunk[ok].mean()
    assert (np.abs(shrunk[ok] - grand) <= np.abs(raw[ok] - grand) + 0.2).all()
    small, big = sc[ok & (n < 8)], sc[ok & (n > 60)]
    assert len(small) and len(big)
    width_small = (small["composite_high"] - small["composite_low"]).dropna().mean()
    width_big = (big["composite_high"] - big["composite_low"]).dropna().mean()
    assert width_small > width_big
    # the new reps hired last quarter with few responses are not ranked on noise
    newbies = GROUND_TRUTH["sample"]["new_hire"]
    assert all(sc.loc[r, "tier"] in {"average", "insufficient data"} for r in newbies)
    assert sc["rank"].dropna().min() == 1


def test_scorecard_checks_weights(sample):
    with pytest.raises(ValueError, match="sum to 100"):
        kit.analysis.scorecard(sample, Q, weights={"csat_mean": 50})


def test_case_mix_adjustment_removes_a_segment_effect(tmp_path):
    # Rep A serves only the unhappy segment, rep B only the happy one; both are equally good:
    # raw means differ by the segment effect, adjusted means do not.
    rng = np.random.default_rng(1)
    reps = pd.DataFrame({"rep_id": ["A", "B", "C", "D"], "rep_name": list("ABCD")})
    cust = pd.DataFrame({"customer_id": [f"C{i}" for i in range(400)],
                         "segment": ["enterprise"] * 100 + ["smb"] * 100 + ["enterprise", "smb"] * 100,
                         "owner_rep_id": ["A"] * 100 + ["B"] * 100 + ["C"] * 100 + ["D"] * 100})
    seg_effect = np.where(cust["segment"] == "enterprise", -0.8, 0.0)
    rows = []
    for i in range(400):
        for j in range(3):
            y = int(np.clip(np.round(4 + seg_effect[i] + rng.normal(0, 0.6)), 1, 5))
            rows.append({"response_id": f"S{i}-{j}", "customer_id": f"C{i}", "rep_id": cust.owner_rep_id[i],
                         "submitted_at": "2026-08-01 10:00:00", "csat": y})
    surveys = pd.DataFrame(rows)
    inter = pd.DataFrame({"interaction_id": ["I1"], "customer_id": ["C0"], "rep_id": ["A"], "channel": ["email"],
                          "kind": ["inquiry"], "opened_at": ["2026-08-01 09:00:00"]})
    deals = pd.DataFrame({"deal_id": ["D1"], "customer_id": ["C0"], "rep_id": ["A"],
                          "created_at": ["2026-08-01 09:00:00"], "stage": ["open"], "amount": [1.0]})
    for name, df in {"reps": reps, "customers": cust, "surveys": surveys, "interactions": inter,
                     "deals": deals}.items():
        df.to_csv(tmp_path / f"{name}.csv", index=False)
    (tmp_path / "instrument.yaml").write_text(
        "scale: {min: 1, max: 5}\nitems:\n  - {column: q_x_1, dimension: x}\n", encoding="utf-8")
    surveys.assign(q_x_1="").to_csv(tmp_path / "surveys.csv", index=False)
    data = kit.load(tmp_path)
    adj = kit.analysis.case_mix_adjusted(data, "2026Q3", covariates=("segment",))
    assert adj.loc["B", "raw"] - adj.loc["A", "raw"] > 0.6
    assert abs(adj.loc["B", "shrunk"] - adj.loc["A", "shrunk"]) < 0.15
