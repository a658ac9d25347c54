"""Partial correlation, attenuation correction, random-split reliability: reference checks."""

from __future__ import annotations

import numpy as np
import pingouin as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kit import stats


@pytest.fixture(scope="module")
def pc():
    return pg.read_dataset("partial_corr")


@pytest.mark.parametrize("method,covar", [("pearson", ["cv1", "cv2", "cv3"]), ("spearman", ["cv1", "cv2", "cv3"]),
                                          ("pearson", ["cv1"])])
def test_partial_correlation_matches_pingouin(pc, method, covar):
    ref = pg.partial_corr(data=pc, x="x", y="y", covar=covar, method=method)
    got = stats.partial_correlation(pc["x"], pc["y"], pc[covar], method=method)
    assert got.r == pytest.approx(float(ref["r"].iloc[0]), abs=1e-10)
    assert got.p == pytest.approx(float(ref["p_val"].iloc[0]), rel=1e-8)
    lo, hi = ref["CI95"].iloc[0]
    # pingouin rounds its interval to two decimals
    assert (got.ci_low, got.ci_high) == (pytest.approx(lo, abs=0.005), pytest.approx(hi, abs=0.005))
    assert got.n == 30 and got.k == len(covar)


def test_partial_correlation_published_values(pc):
    # pingouin 0.5-0.7 documentation of partial_corr on its 'partial_corr' data set:
    # x ~ y | cv1, cv2, cv3 gives r = 0.493, p = 0.009 (Pearson)
    got = stats.partial_correlation(pc["x"], pc["y"], pc[["cv1", "cv2", "cv3"]])
    assert round(got.r, 3) == 0.493 and round(got.p, 3) == 0.009


def test_partial_correlation_errors_name_the_problem():
    with pytest.raises(ValueError, match="at least 6 complete rows"):
        stats.partial_correlation([1, 2, 3, 4, 5], [2, 1, 4, 3, 5], np.ones((5, 2)))
    with pytest.raises(ValueError, match="covariate 0 has no variance"):
        stats.partial_correlation(range(10), [3, 1, 4, 1, 5, 9, 2, 6, 5, 3], np.ones(10))


def test_rowwise_partial_equals_one_at_a_time():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(6, 30))
    y = 0.4 * x + rng.normal(size=(6, 30))
    z = rng.normal(size=(6, 30, 2))
    x[0, 2] = np.nan
    z[3, 7, 1] = np.nan
    for method in ("pearson", "spearman"):
        r, n = stats.rowwise_partial_correlation(x, y, z, method=method)
        for s in range(6):
            ref = stats.partial_correlation(x[s], y[s], z[s], method=method)
            assert r[s] == pytest.approx(ref.r, abs=1e-10) and n[s] == ref.n


def test_disattenuate_against_the_published_example():
    # Cramer & Howitt, The SAGE Dictionary of Statistics (2004), "attenuation, correcting
    # correlations for": r = 0.40 with reliabilities 0.80 and 0.90 gives 0.47; with only the
    # first reliability known (the other taken as 1), 0.45.
    assert round(stats.disattenuate(0.40, 0.80, 0.90), 2) == 0.47
    assert round(stats.disattenuate(0.40, 0.80, 1.0), 2) == 0.45
    assert stats.disattenuate(0.9, 0.5, 0.5) == 1.0  # clipped: a correlation stays in [-1, 1]
    with pytest.raises(ValueError, match="reliability_x"):
        stats.disattenuate(0.3, 0.0, 0.8)


def test_reps_needed_is_the_smallest_n_whose_interval_excludes_zero():
    for r in (0.15, 0.3, 0.5):
        n = stats.reps_needed(r)
        assert stats.corr_ci(r, n)[0] > 0 >= stats.corr_ci(r, n - 1)[0]


def test_split_reliability_of_one_split_is_split_half():
    rng = np.random.default_rng(2)
    true = rng.normal(size=40)
    a, b = true + rng.normal(size=40), true + rng.normal(size=40)
    got = stats.split_reliability(a[None, :], b[None, :], method="pearson")
    assert got.reliability == pytest.approx(stats.split_half(a, b), abs=1e-12) and got.splits == 1


def test_split_reliability_averages_many_splits_and_stays_in_range():
    rng = np.random.default_rng(3)
    true = rng.normal(size=30)
    a = true + 2 * rng.normal(size=(300, 30))
    b = true + 2 * rng.normal(size=(300, 30))
    got = stats.split_reliability(a, b)
    # each half has reliability 1/(1+4) = 0.2; the whole, by Spearman-Brown, 1/3
    assert got.reliability == pytest.approx(1 / 3, abs=0.08)
    assert -1 <= got.ci_low <= got.reliability <= got.ci_high <= 1
    anti = stats.split_reliability(a, -a)  # r = -1 would step "up" to -inf: clipped to -1
    assert anti.reliability == -1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=12, max_size=12),
       st.lists(st.floats(-5, 5, allow_nan=False), min_size=12, max_size=12),
       st.lists(st.floats(-5, 5, allow_nan=False), min_size=12, max_size=12))
def test_partial_correlation_is_a_correlation(x, y, z):
    r, _ = stats.rowwise_partial_correlation([x], [y], np.array(z)[None, :, None])
    assert np.isnan(r[0]) or -1 <= r[0] <= 1
    if np.isfinite(r[0]):
        ref = stats.partial_correlation(x, y, z)
        assert ref.ci_low <= ref.r <= ref.ci_high
