"""ICC and shrinkage from per-group moments equal the statistics computed on the observations.

References: kit.stats.icc1 / shrink (checked against pingouin and statsmodels in
test_multilevel.py) on the same observations; statsmodels MixedLM (REML) through
kit.stats.icc_reml; and, for balanced groups, the closed form of the REML estimates
(tau^2 = (MSB - MSW) / n and sigma^2 = MSW when MSB > MSW; Searle, Casella & McCulloch 1992,
Variance Components, section 3.8).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kit import stats
from kit.stats import grouped as G


def _moments(df: pd.DataFrame, group: str = "g", value: str = "y") -> pd.DataFrame:
    d = df.assign(_sq=df[value] ** 2)
    return d.groupby(group).agg(n=(value, "size"), sum=(value, "sum"), sum_sq=("_sq", "sum"))


def _unbalanced(seed: int, k: int = 25, tau: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 40, size=k)
    g = np.repeat(np.arange(k), sizes)
    y = 3.0 + rng.normal(scale=tau, size=k)[g] + rng.normal(size=g.size)
    return pd.DataFrame({"g": [f"r{i:02d}" for i in g], "y": y})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_anova_and_shrinkage_equal_the_row_based_ones(seed):
    df = _unbalanced(seed)
    m = _moments(df)
    a = G.anova_from_moments(m)
    icc = (a["msb"] - a["msw"]) / (a["msb"] + (a["n0"] - 1) * a["msw"])
    assert icc == pytest.approx(stats.icc1(df, "g", "y"), abs=1e-12)
    ref = stats.shrink(df, "g", "y", kind="mean")
    got = G.shrink_from_moments(m)
    pd.testing.assert_frame_equal(got.table, ref.table, rtol=1e-10, atol=1e-12, check_names=False)
    assert (got.grand, got.tau2, got.sigma2) == pytest.approx((ref.grand, ref.tau2, ref.sigma2), rel=1e-10)


@pytest.mark.parametrize("seed,tau", [(0, 0.5), (1, 0.3), (2, 0.0)])
def test_reml_from_moments_equals_statsmodels(seed, tau):
    df = _unbalanced(seed, tau=tau)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = stats.icc_reml(df, "g", "y")
    got = G.icc_reml_from_moments(_moments(df))
    # statsmodels stops at its optimizer's tolerance; the REML maximum itself is found to ~1e-8
    assert got.icc == pytest.approx(ref.icc, abs=1e-4)
    assert (got.ci_low, got.ci_high) == pytest.approx((ref.ci_low, ref.ci_high), abs=1e-12)
    assert (got.n, got.groups, got.method) == (ref.n, ref.groups, "REML")


def test_reml_from_moments_equals_the_closed_form_on_balanced_groups():
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(30), 12)
    y = rng.normal(scale=0.6, size=30)[g] + rng.normal(size=g.size)
    df = pd.DataFrame({"g": g, "y": y})
    m = _moments(df)
    a = G.anova_from_moments(m)
    assert a["msb"] > a["msw"]
    tau2, sigma2 = (a["msb"] - a["msw"]) / 12, a["msw"]
    got = G.icc_reml_from_moments(m)
    # an optimum found from function values: to about the square root of the machine epsilon
    assert (got.tau2, got.sigma2) == pytest.approx((tau2, sigma2), rel=1e-6)
    assert got.icc == pytest.approx(tau2 / (tau2 + sigma2), abs=1e-7)
    # groups that differ less than chance: the estimate is on the boundary, 0
    flat = pd.DataFrame({"g": g, "y": rng.normal(size=g.size)})
    fm = _moments(flat)
    fa = G.anova_from_moments(fm)
    if fa["msb"] < fa["msw"]:
        assert G.icc_reml_from_moments(fm).icc == 0.0


def test_bad_moments_are_explained():
    with pytest.raises(ValueError, match="at least 2 groups"):
        G.icc_reml_from_moments(pd.DataFrame({"n": [3], "sum": [3.0], "sum_sq": [5.0]}))
    with pytest.raises(ValueError, match="2 or more observations"):
        G.shrink_from_moments(pd.DataFrame({"n": [1, 1], "sum": [3.0, 2.0], "sum_sq": [9.0, 4.0]}))
    with pytest.raises(ValueError, match="sum_sq"):
        G.anova_from_moments(pd.DataFrame({"n": [1, 1], "sum": [3.0, 2.0]}))
