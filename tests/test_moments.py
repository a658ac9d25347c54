"""Sufficient statistics from the engine equal the statistics computed on the responses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kit
from kit import moments

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
pytestmark = pytest.mark.skipif(not (SAMPLES / "surveys.csv").is_file(), reason="sample data not generated")


@pytest.fixture(scope="module")
def sample():
    data = kit.load(SAMPLES)
    q = str(data.latest_quarter())
    return data, q, kit.survey.dimension_scores(data, q)


def test_icc_from_rep_moments_equals_icc_on_responses(sample):
    data, q, scores = sample
    for value in ["csat", data.instrument.dimensions[0]]:
        m = moments.group_moments(data, q, value=value)
        resp = scores[["rep_id", value]].dropna()
        assert m["n"].sum() == len(resp)
        got = moments.icc1_from_moments(m)
        # the reference: kit.stats.icc1 (checked against pingouin) on the responses themselves
        assert got == pytest.approx(kit.stats.icc1(scores, "rep_id", value), rel=1e-10, abs=1e-12)
        means = resp.astype({value: float}).groupby("rep_id")[value].mean()
        np.testing.assert_allclose(m["mean"].to_numpy(), means.sort_index().to_numpy(), rtol=1e-12)


def test_correlation_from_customer_sums_equals_pandas(sample):
    data, q, scores = sample
    cols = ["csat", *data.instrument.dimensions]
    m = moments.cross_products(data, q)
    complete = scores[["customer_id", *cols]].dropna().astype({c: float for c in cols})
    assert m.n.sum() == len(complete)
    pd.testing.assert_frame_equal(moments.correlation(m), complete[cols].corr(), rtol=1e-10, atol=1e-12,
                                  check_names=False)


def test_customer_bootstrap_is_exact(sample):
    """Each replicate equals the correlation of the resampled customers' responses."""
    data, q, scores = sample
    cols = ["csat", *data.instrument.dimensions]
    m = moments.cross_products(data, q)
    boots = moments.bootstrap_correlations(m, n_boot=3, seed=11)
    counts = moments.bootstrap_counts(len(m.clusters), 3, seed=11)
    complete = scores[["customer_id", *cols]].dropna().astype({c: float for c in cols})
    for r in range(3):
        times = pd.Series(counts[r], index=m.clusters)
        rows = complete.loc[complete.index.repeat(complete["customer_id"].map(times).astype(int))]
        np.testing.assert_allclose(boots[r], rows[cols].corr().to_numpy(), rtol=1e-9, atol=1e-12)
    assert not np.allclose(boots[0], boots[1])


def test_response_counts_and_column_summary_equal_pandas(sample):
    data, q, scores = sample
    got = moments.response_counts(data, q)
    ref = scores.dropna(subset=["rep_id"]).groupby(scores["rep_id"].astype(str)).size().sort_index()
    assert got.to_dict() == ref.to_dict()
    dims = data.instrument.dimensions
    summary = moments.column_summary(data, q, ["csat", *dims], at_least=4)
    num = scores[["csat", *dims]].astype(float)
    assert summary["n"].to_list() == num.notna().sum().to_list()
    np.testing.assert_allclose(summary["mean"].to_numpy(), num.mean().to_numpy(), rtol=1e-12)
    assert summary["n_at_least"].to_list() == (num >= 4).sum().to_list()
