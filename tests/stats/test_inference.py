"""Inference helpers: Benjamini-Hochberg, Fisher-z intervals, correlations, Kendall, VIF.

References, quoted beside each number: R's p.adjust(method = "BH"), statsmodels
multipletests(method = "fdr_bh"), pingouin.corr, scipy.stats, R's car::vif on mtcars and
statsmodels' variance_inflation_factor, and hand computations.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.outliers_influence import variance_inflation_factor

from kit.stats import (
    CorrelationResult,
    KendallResult,
    benjamini_hochberg,
    corr_ci,
    correlation,
    kendall_tau,
    vif,
)

# --- Benjamini-Hochberg -----------------------------------------------------------------


def test_bh_matches_r_p_adjust():
    # R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "BH") -> 0.05 0.05 0.05 0.05 0.05
    got = benjamini_hochberg([0.01, 0.02, 0.03, 0.04, 0.05])
    assert got == pytest.approx([0.05] * 5, abs=1e-15)
    # By hand (and R): p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.2), "BH")
    #   sorted 0.005 0.01 0.03 0.04 0.2; m p / i = 0.025 0.025 0.05 0.05 0.2 (already
    #   monotone) -> 0.025 0.05 0.05 0.025 0.2 in the input order.
    got = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.005, 0.2]))
    assert got == pytest.approx([0.025, 0.05, 0.05, 0.025, 0.2], abs=1e-15)
    # R: p.adjust(c(0.01, NA, 0.02), "BH") -> 0.02 NA 0.02 (NA kept, m = 2).
    got = benjamini_hochberg(pd.Series([0.01, np.nan, 0.02]))
    assert got[[0, 2]] == pytest.approx([0.02, 0.02]) and np.isnan(got[1])
    assert benjamini_hochberg([]).shape == (0,)
    assert benjamini_hochberg([0.9, 0.95]) == pytest.approx([0.95, 0.95])


def test_bh_matches_statsmodels():
    p = np.random.default_rng(0).uniform(size=200) ** 3
    _, expected, _, _ = multipletests(p, method="fdr_bh")
    assert benjamini_hochberg(p) == pytest.approx(expected, abs=1e-15)


def test_bh_bad_input():
    with pytest.raises(ValueError, match=r"pvalues must lie in \[0, 1\]; found \[1.5\]"):
        benjamini_hochberg([0.1, 1.5])
    with pytest.raises(TypeError, match="pvalues must be a 1-D sequence"):
        benjamini_hochberg("0.1")
    with pytest.raises(ValueError, match="one-dimensional"):
        benjamini_hochberg([[0.1, 0.2]])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=60))
def test_bh_is_monotone_and_never_below_p(p):
    p = np.array(p)
    adj = benjamini_hochberg(p)
    assert (adj >= p - 1e-15).all() and (adj <= 1.0).all()
    order = np.argsort(p, kind="stable")
    assert (np.diff(adj[order]) >= -1e-15).all()  # a larger p never gets a smaller q
    _, expected, _, _ = multipletests(p, method="fdr_bh")
    assert adj == pytest.approx(expected, abs=1e-12)


# --- correlations ---------------------------------------------------------------------------


def test_corr_ci_by_hand():
    # r = 0.5, n = 28: atanh(0.5) = 0.549306, se = 1/5, z = 1.959964:
    # tanh(0.549306 -+ 0.391993) = tanh(0.157313), tanh(0.941299) = (0.156028, 0.735818).
    low, high = corr_ci(0.5, 28)
    assert low == pytest.approx(math.tanh(math.atanh(0.5) - 1.959963984540054 / 5), abs=1e-12)
    assert high == pytest.approx(math.tanh(math.atanh(0.5) + 1.959963984540054 / 5), abs=1e-12)
    assert (low, high) == pytest.approx((0.156028, 0.735818), abs=1e-6)
    assert corr_ci(1.0, 10) == (1.0, 1.0)
    with pytest.raises(ValueError, match="n must be an integer >= 4"):
        corr_ci(0.5, 3)
    with pytest.raises(ValueError, match=r"r must lie in \[-1.0, 1.0\]"):
        corr_ci(1.2, 30)


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_correlation_matches_pingouin(method):
    rng = np.random.default_rng(1)
    x = rng.normal(size=40)
    y = 0.5 * x + rng.normal(size=40)
    x[3], y[7] = np.nan, np.nan
    got = correlation(x, y, method=method)
    assert isinstance(got, CorrelationResult)
    ref = pg.corr(x, y, method=method).iloc[0]  # pingouin drops incomplete pairs too
    assert got.n == ref["n"] == 38
    assert got.r == pytest.approx(ref["r"], abs=1e-12)
    assert got.p == pytest.approx(ref["p_val"], rel=1e-9)
    assert (got.ci_low, got.ci_high) == pytest.approx(tuple(ref["CI95"]), abs=5e-3)  # 2 dp
    assert (got.ci_low, got.ci_high) == pytest.approx(corr_ci(got.r, 38), abs=1e-14)
    assert got.as_dict()["method"] == method


def test_correlation_aligns_series_and_survives_empty_data():
    a = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=list("abcde"))
    b = pd.Series([50.0, 40.0, 30.0, 20.0, 10.0], index=list("edcba"))  # same order by label
    got = correlation(a, b)
    assert got.r == pytest.approx(1.0) and got.n == 5
    flat = correlation([1, 2, 3, 4], [2, 2, 2, 2])
    assert math.isnan(flat.r) and math.isnan(flat.p) and flat.n == 4
    few = correlation([1.0, 2.0, np.nan], [1.0, 2.0, 3.0])
    assert few.n == 2 and math.isnan(few.r)
    with pytest.raises(ValueError, match="method must be one of 'pearson', 'spearman'"):
        correlation([1, 2, 3], [1, 2, 3], method="kendall")
    with pytest.raises(ValueError, match="x contains infinite values"):
        correlation([1, np.inf, 3], [1, 2, 3])


def test_kendall_tau_by_hand_and_scipy():
    # a = 1..5, b = 3 1 2 5 4: 7 concordant, 3 discordant pairs, no ties: tau = 4/10.
    got = kendall_tau([1, 2, 3, 4, 5], [3, 1, 2, 5, 4])
    assert isinstance(got, KendallResult)
    assert got.tau == pytest.approx(0.4, abs=1e-15) and got.n == 5
    assert got.p == pytest.approx(stats.kendalltau([1, 2, 3, 4, 5], [3, 1, 2, 5, 4]).pvalue)
    # With ties: tau-b, as scipy.
    a, b = [1, 2, 2, 3, 4, 4, 5], [1, 3, 2, 2, 5, 4, 4]
    ref = stats.kendalltau(a, b, variant="b")
    got = kendall_tau(pd.Series(a), pd.Series(b))
    assert (got.tau, got.p) == pytest.approx((ref.statistic, ref.pvalue), abs=1e-14)
    # Rankings keyed by rep: aligned on the index, missing reps dropped.
    before = pd.Series({"ann": 1, "bob": 2, "cy": 3, "dee": 4})
    after = pd.Series({"dee": 4, "cy": 3, "bob": 1, "ann": 2, "eve": 5})
    assert kendall_tau(before, after).n == 4
    assert kendall_tau(before, after).tau == pytest.approx(4 / 6)  # 5 C, 1 D of 6 pairs
    assert math.isnan(kendall_tau([1, 1, 1], [1, 2, 3]).tau)


# --- VIF --------------------------------------------------------------------------------------


def test_vif_matches_car_and_statsmodels(mtcars):
    # R: car::vif(lm(mpg ~ ., mtcars))
    #   cyl 15.373833 disp 21.620241 hp 9.832037 drat 3.374620 wt 15.164887
    #   qsec 7.527958 vs 4.965873 am 4.648487 gear 5.357452 carb 7.908747
    x = mtcars.drop(columns="mpg")
    got = vif(x)
    car = [15.373833, 21.620241, 9.832037, 3.374620, 15.164887, 7.527958, 4.965873,
           4.648487, 5.357452, 7.908747]
    assert got.to_list() == pytest.approx(car, abs=5e-7)
    assert got.name == "vif" and list(got.index) == list(x.columns)
    design = sm.add_constant(x).to_numpy()
    ref = [variance_inflation_factor(design, i) for i in range(1, design.shape[1])]
    assert got.to_list() == pytest.approx(ref, rel=1e-10)


def test_vif_edge_cases(mtcars):
    two = mtcars[["wt", "hp"]]
    r = two["wt"].corr(two["hp"])
    assert vif(two).to_list() == pytest.approx([1 / (1 - r**2)] * 2, rel=1e-12)
    copy = mtcars[["wt", "hp"]].assign(wt2=mtcars["wt"] * 2 + 1)
    got = vif(copy)
    assert math.isinf(got["wt"]) and math.isinf(got["wt2"]) and math.isfinite(got["hp"])
    with pytest.raises(ValueError, match="'?am'? are constant"):
        vif(mtcars[["wt", "am"]].assign(am=1))
    with pytest.raises(ValueError, match="at least 2 columns"):
        vif(mtcars[["wt"]])
    with pytest.raises(TypeError, match="df must be a pandas DataFrame"):
        vif(mtcars.to_numpy())
