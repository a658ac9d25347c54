"""The drivers analysis from the engine's per-customer moments equals the analysis of the responses.

The reference is the computation on the responses themselves: kit.survey.dimension_scores
pulled into pandas and kit.stats.relative_importance (checked against R's relaimpo in
tests/stats/test_importance.py), pandas means and counts, and the ordered logit on the same
rows. Point estimates agree to 1e-9; the intervals come from resampling customers and are
checked against a brute-force customer bootstrap of the responses.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kit
from kit import moments

D = importlib.import_module("kit.analysis.drivers")  # the module (kit.analysis.drivers is the function)

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
pytestmark = pytest.mark.skipif(not (SAMPLES / "surveys.csv").is_file(), reason="sample data not generated")
Q = "2026Q3"


@pytest.fixture(scope="module")
def sample():
    data = kit.load(SAMPLES)
    scores = kit.survey.dimension_scores(data, [str(data.quarters_for(Q)[0].previous()), Q])
    return data, scores


def _now(scores: pd.DataFrame, cols: list[str], quarter: str = Q) -> pd.DataFrame:
    now = scores[scores["quarter"] == quarter].copy()
    for c in cols:
        now[c] = pd.to_numeric(now[c], errors="coerce").astype(float)
    return now


@pytest.mark.parametrize("outcome,method", [("csat", "shapley"), ("nps", "relative_weights")])
def test_point_estimates_equal_the_responses_path(sample, outcome, method):
    data, scores = sample
    dims = list(data.instrument.dimensions)
    now = _now(scores, [outcome, *dims])
    ref = kit.stats.relative_importance(now, outcome, dims, method=method, n_boot=0)
    got = kit.analysis.drivers(data, Q, outcome=outcome, method=method, n_boot=50)
    for col in ["importance", "raw", "beta"]:
        np.testing.assert_allclose(got[col].to_numpy(), ref[col].to_numpy(), rtol=0, atol=1e-9)
    assert got["rank"].tolist() == ref["rank"].tolist()
    assert got.r2 == pytest.approx(ref.r2, abs=1e-9)
    assert got.n == ref.n == len(now[[outcome, *dims]].dropna())
    assert ref.dropped > 0  # the sample has incomplete responses: the same ones are left out
    # performance and top-2 box: pandas on each dimension's answered responses
    hi, lo = data.instrument.scale_max, data.instrument.scale_min
    np.testing.assert_allclose(got["performance"].to_numpy(), now[dims].mean().to_numpy(), rtol=0, atol=1e-12)
    top2 = (now[dims] >= lo + (hi - lo) * 0.75).sum() / now[dims].notna().sum()
    np.testing.assert_allclose(got["top2"].to_numpy(), top2.to_numpy(), rtol=0, atol=1e-12)
    before = _now(scores, dims, "2026Q2")[dims].mean()
    np.testing.assert_allclose(got["change"].to_numpy(), (now[dims].mean() - before).to_numpy(), atol=1e-12)
    # the ordered logit: on the sample all responses fit under the bound, so the very same rows
    ordinal = D._ordinal_check(now, outcome, dims)
    np.testing.assert_allclose(got["ordinal_coef"].to_numpy(), ordinal["coef"].to_numpy(), rtol=1e-9, atol=1e-9)
    assert "drawn at random" not in got.ordinal_note


def test_the_bootstrap_resamples_customers(sample):
    """Each resample = all responses of customers drawn with replacement; the intervals are the
    percentiles of relative_importance on those responses (brute force)."""
    data, scores = sample
    dims = list(data.instrument.dimensions)
    n_boot, seed = 30, 4
    got = kit.analysis.drivers(data, Q, n_boot=n_boot, seed=seed)
    complete = _now(scores, ["csat", *dims])[["customer_id", "csat", *dims]].dropna()
    customers = np.sort(complete["customer_id"].astype(str).unique())
    counts = moments.bootstrap_counts(len(customers), n_boot, seed=seed)
    shares = []
    for b in range(n_boot):
        times = pd.Series(counts[b], index=customers)
        rows = complete.loc[complete.index.repeat(complete["customer_id"].astype(str).map(times).astype(int))]
        shares.append(kit.stats.relative_importance(rows, "csat", dims, n_boot=0)["importance"].to_numpy())
    lo, hi = np.quantile(np.array(shares), [0.025, 0.975], axis=0)
    np.testing.assert_allclose(got["ci_low"].to_numpy(), lo, atol=1e-9)
    np.testing.assert_allclose(got["ci_high"].to_numpy(), hi, atol=1e-9)


def test_the_ordered_logit_is_bounded_to_a_sample_of_customers(sample):
    data, scores = sample
    dims = list(data.instrument.dimensions)
    got = kit.analysis.drivers(data, Q, n_boot=0, ordinal_max_responses=600)
    assert "drawn at random (seed 0)" in got.ordinal_note
    m = moments.cross_products(data, Q)
    df, note = D._ordinal_responses(data, Q, ["csat", *dims], m, 600, 0)
    assert 0 < len(df) <= 600 and note
    # whole customers: every complete response of a drawn customer is in
    complete = _now(scores, ["csat", *dims])[["customer_id", "csat", *dims]].dropna()
    drawn = complete[complete["customer_id"].astype(str).isin(set(df["customer_id"].astype(str)))]
    assert len(drawn) == len(df)
    np.testing.assert_allclose(got["ordinal_coef"].to_numpy(), D._ordinal_check(df, "csat", dims)["coef"].to_numpy(),
                               atol=1e-9)
    # the point estimates do not depend on the bound
    full = kit.analysis.drivers(data, Q, n_boot=0)
    pd.testing.assert_series_equal(got["importance"], full["importance"])
    with pytest.raises(ValueError, match="ordinal_max_responses"):
        kit.analysis.drivers(data, Q, n_boot=0, ordinal_max_responses=0)


def test_rep_reliability_from_rep_moments_equals_the_responses_path(sample):
    """Today's computation on the responses: kit.stats.icc_reml (statsmodels MixedLM, REML) per score."""
    data, scores = sample
    got = kit.analysis.rep_reliability(data, Q)
    now = scores[scores["quarter"] == Q]
    for col in ["csat", *data.instrument.dimensions]:
        d = pd.DataFrame({"rep_id": now["rep_id"].astype(str),
                          "v": pd.to_numeric(now[col], errors="coerce").astype(float)}).dropna()
        ref = kit.stats.icc_reml(d, "rep_id", "v")
        counts = d.groupby("rep_id").size()
        row = got.loc[col]
        assert ref.method == row["icc_method"] == "REML"
        # statsmodels' optimizer tolerance; the moments' REML maximum is at least as high
        assert row["icc"] == pytest.approx(ref.icc, abs=1e-4)
        assert (row["icc_ci_low"], row["icc_ci_high"]) == pytest.approx((ref.ci_low, ref.ci_high), abs=1e-12)
        assert (row["reps"], row["median_n"]) == (counts.size, float(counts.median()))
        rel = kit.stats.rep_mean_reliability(ref.icc, float(counts.median()))
        assert row["reliability_at_median"] == pytest.approx(rel, abs=1e-4)
        assert abs(row["n_for_0.8"] - np.ceil(kit.stats.responses_needed(ref.icc, 0.8))) <= 1
