"""Properties of the scorecard's bootstrap intervals over small generated data sets.

Each example is a small synthetic data set (kit.sample.generate with few reps and customers,
two quarters) scored with a mix of a survey mean, a rate, a median and two totals. Whatever
the data, a rep's composite interval contains its composite, and the interval of a total
(won revenue, proposals) contains the value shown, which is the raw total (0 for a rep who
won nothing).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kit

WEIGHTS = {"csat_mean": 30, "sla_met_rate": 20, "resolution_hours_median": 20, "revenue_won": 20,
           "personalized_proposals": 10}
TOTALS = ("revenue_won", "personalized_proposals")


def _card(tmp_path_factory, seed: int, n_reps: int, n_customers: int, n_boot: int):
    folder = tmp_path_factory.mktemp(f"small{seed}")
    tables = kit.sample.generate(seed=seed, n_reps=n_reps, n_customers=n_customers, quarters="2026Q2:2026Q3")
    kit.sample.write(tables, folder)
    with warnings.catch_warnings():  # small data: "too few reps" and shrinkage notes are expected
        warnings.simplefilter("ignore")
        return kit.analysis.scorecard(kit.load(folder), "2026Q3", weights=WEIGHTS, n_boot=n_boot, seed=seed).table


@pytest.fixture(scope="module")
def tmp_factory(tmp_path_factory):
    return tmp_path_factory


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), n_reps=st.integers(8, 20), n_customers=st.integers(150, 400),
       n_boot=st.sampled_from([10, 20, 50]))
def test_bootstrap_intervals_contain_the_estimate(tmp_factory, seed, n_reps, n_customers, n_boot):
    card = _card(tmp_factory, seed, n_reps, n_customers, n_boot)
    scored = card[card["composite"].notna()]
    assert len(scored) >= 3  # the property is about something
    # every scored rep has a finite interval around its composite
    assert np.isfinite(scored[["composite_low", "composite_high"]].to_numpy()).all()
    assert (scored["composite_low"] <= scored["composite"]).all(), scored[["composite", "composite_low"]]
    assert (scored["composite"] <= scored["composite_high"]).all(), scored[["composite", "composite_high"]]
    assert (scored["score_low"] <= scored["score"]).all() and (scored["score"] <= scored["score_high"]).all()
    for k in TOTALS:
        shown = card[[k, f"{k}_low", f"{k}_high", f"raw_{k}"]].dropna(subset=[k])
        assert len(shown) >= 3
        # the shown value of a total is its raw value, never shrunk, and lies inside its interval
        np.testing.assert_array_equal(shown[k].to_numpy(), shown[f"raw_{k}"].to_numpy())
        ok = shown[[f"{k}_low", f"{k}_high"]].notna().all(axis=1)
        assert ok.all(), shown[~ok]
        inside = (shown[f"{k}_low"] <= shown[k]) & (shown[k] <= shown[f"{k}_high"])
        assert inside.all(), (k, shown[~inside])
