"""ICC(1), the reliability of a rep's mean, responses needed, empirical-Bayes shrinkage.

References, quoted beside each number: pingouin.intraclass_corr and its documented wine
example (real-statistics.com, ICC(1) = 0.728, ICC(1,k) = 0.914); one-way ANOVA mean
squares from statsmodels; Nelson et al. (2004) on responses needed; statsmodels MixedLM
(REML) for the normal-normal shrinkage; scipy.stats.betabinom for the beta-binomial fit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats
from statsmodels.stats.anova import anova_lm

from kit.stats import icc1, rep_mean_reliability, responses_needed, shrink


@pytest.fixture(scope="module")
def wine() -> pd.DataFrame:
    """pingouin's ``icc`` data set: 8 wines each rated by 4 judges (balanced)."""
    return pg.read_dataset("icc")


def _unbalanced(seed: int = 0, k: int = 15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 25, size=k)
    g = np.repeat([f"rep{i:02d}" for i in range(k)], sizes)
    effect = dict(zip(np.unique(g), rng.normal(scale=0.5, size=k)))
    x = 4.0 + np.array([effect[v] for v in g]) + rng.normal(size=len(g))
    return pd.DataFrame({"rep": g, "score": x})


# --- ICC(1) -------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")  # pingouin
def test_icc1_matches_pingouin_on_the_wine_data(wine):
    # real-statistics.com wine example / pingouin docs: ICC(1,1) = 0.728, ICC(1,k) = 0.914.
    got = icc1(wine, "Wine", "Scores")
    assert got == pytest.approx(0.728, abs=5e-4)
    ref = pg.intraclass_corr(wine, targets="Wine", raters="Judge", ratings="Scores")
    ref = ref.set_index("Type")["ICC"]
    assert got == pytest.approx(ref["ICC(1,1)"], abs=1e-12)
    # The reliability of the mean of 4 ratings is ICC(1,k), Spearman-Brown of ICC(1).
    assert rep_mean_reliability(got, 4) == pytest.approx(0.914, abs=5e-4)
    assert rep_mean_reliability(got, 4) == pytest.approx(ref["ICC(1,k)"], abs=1e-12)


def test_icc1_unbalanced_by_hand():
    # Groups A = (1, 2, 3), B = (4, 6), C = (5): N = 6, k = 3, grand mean 3.5.
    # SSB = 3 * 1.5^2 + 2 * 1.5^2 + 1.5^2 = 13.5, MSB = 6.75; SSW = 2 + 2 + 0 = 4, MSW = 4/3.
    # n0 = (6 - (9 + 4 + 1) / 6) / 2 = 11/6.
    # ICC(1) = (6.75 - 4/3) / (6.75 + (11/6 - 1) * 4/3) = (65/12) / (283/36) = 195/283.
    df = pd.DataFrame({"g": list("AAABBC"), "x": [1, 2, 3, 4, 6, 5]})
    assert icc1(df, "g", "x") == pytest.approx(195 / 283, abs=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_icc1_unbalanced_matches_statsmodels_anova(seed):
    df = _unbalanced(seed)
    table = anova_lm(smf.ols("score ~ C(rep)", data=df).fit())
    msb, msw = table.loc["C(rep)", "mean_sq"], table.loc["Residual", "mean_sq"]
    sizes = df.groupby("rep").size().to_numpy()
    n, k = sizes.sum(), len(sizes)
    n0 = (n - (sizes**2).sum() / n) / (k - 1)
    expected = (msb - msw) / (msb + (n0 - 1) * msw)
    assert icc1(df, "rep", "score") == pytest.approx(expected, abs=1e-12)


def test_icc1_is_negative_when_groups_differ_less_than_chance():
    df = pd.DataFrame({"g": list("AABBCC"), "x": [1, 3, 1, 3, 1, 3]})  # equal group means
    # MSB = 0, MSW = 2, n0 = 2: ICC(1) = -2 / (0 + 1 * 2) = -1.
    assert icc1(df, "g", "x") == pytest.approx(-1.0, abs=1e-14)


def test_icc1_bad_input():
    df = pd.DataFrame({"g": list("AAB"), "x": [1.0, 2.0, 3.0], "t": list("xyz")})
    with pytest.raises(ValueError, match="'nope' not found"):
        icc1(df, "g", "nope")
    with pytest.raises(TypeError, match="'t' .* must be numeric"):
        icc1(df, "g", "t")
    with pytest.raises(ValueError, match="at least 2 groups"):
        icc1(df.assign(g="A"), "g", "x")
    with pytest.raises(ValueError, match="at least one group with 2 or more"):
        icc1(pd.DataFrame({"g": list("AB"), "x": [1.0, 2.0]}), "g", "x")
    with pytest.raises(TypeError, match="group must be a column name"):
        icc1(df, 0, "x")


# --- responses needed -------------------------------------------------------------------


def test_responses_needed_reproduces_nelson_2004():
    # Nelson et al. (2004): a rep-level ICC of about 0.05 needs 50-80 responses per rep
    # for a reliability of 0.8. Spearman-Brown inverted: 0.8 * 0.95 / (0.05 * 0.2) = 76.
    assert responses_needed(0.05, 0.8) == pytest.approx(76.0, abs=1e-12)
    assert 50 <= responses_needed(0.05, 0.8) <= 80
    # ICC 0.06 to 0.075 needs 50 to 63: the published range spans ICC about 0.05-0.075.
    assert responses_needed(0.075, 0.8) == pytest.approx(0.8 * 0.925 / (0.075 * 0.2))
    assert responses_needed(0.0, 0.8) == float("inf")
    assert responses_needed(-0.1, 0.8) == float("inf")
    with pytest.raises(ValueError, match=r"target must lie in \(0.0, 1.0\)"):
        responses_needed(0.05, 1.0)
    with pytest.raises(ValueError, match="icc must lie in"):
        responses_needed(1.2)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.001, 0.99), st.floats(0.05, 0.99))
def test_responses_needed_inverts_rep_mean_reliability(icc, target):
    n = responses_needed(icc, target)
    assert rep_mean_reliability(icc, n) == pytest.approx(target, rel=1e-9)
    # More responses, more reliable; fewer, less.
    assert rep_mean_reliability(icc, n * 1.1) > target > rep_mean_reliability(icc, n * 0.9)


# --- shrinkage of means -------------------------------------------------------------------


def test_shrink_mean_equals_mixedlm_predictions_on_balanced_groups():
    # Balanced groups: REML's variance components equal the ANOVA estimates (when tau^2 > 0)
    # and the BLUP of each group is grand + B (raw - grand): statsmodels MixedLM.
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(12), 8)
    df = pd.DataFrame({"g": g, "x": 3 + 0.7 * rng.normal(size=12)[g] + rng.normal(size=96)})
    got = shrink(df, "g", "x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm("x ~ 1", df, groups=df["g"]).fit(reml=True)
    blup = fit.fe_params.iloc[0] + np.array([v.iloc[0] for v in fit.random_effects.values()])
    assert got["shrunk"].to_numpy() == pytest.approx(blup, abs=1e-4)
    assert got.tau2 == pytest.approx(float(fit.cov_re.iloc[0, 0]), rel=1e-3)
    assert got.sigma2 == pytest.approx(fit.scale, rel=1e-3)
    assert got.grand == pytest.approx(fit.fe_params.iloc[0], abs=1e-4)


def test_shrink_mean_by_hand():
    # Groups A = (1, 3), B = (5, 7), C = (9, 11): MSW = 2, MSB = 2 * 16 = 32, n0 = 2,
    # tau^2 = (32 - 2) / 2 = 15, B = 15 / (15 + 2/2) = 15/16; grand = 6.
    # A: 6 + 15/16 * (2 - 6) = 2.25. Posterior variance 15/16 * 1 + (1/16)^2 * var(grand),
    # var(grand) = 1 / (3 / 16) = 16/3.
    df = pd.DataFrame({"rep": list("AABBCC"), "x": [1, 3, 5, 7, 9, 11]})
    got = shrink(df, "rep", "x", ci=0.95)
    assert list(got.columns) == ["n", "raw", "shrunk", "lower", "upper", "weight"]
    assert got.index.name == "rep" and list(got.index) == ["A", "B", "C"]
    assert got["shrunk"].to_list() == pytest.approx([2.25, 6.0, 9.75], abs=1e-12)
    assert got["weight"].to_list() == pytest.approx([15 / 16] * 3, abs=1e-14)
    half = stats.norm.isf(0.025) * np.sqrt(15 / 16 + (1 / 16) ** 2 * 16 / 3)
    assert (got["upper"] - got["shrunk"]).to_list() == pytest.approx([half] * 3, abs=1e-12)
    facts = {f: getattr(got, f) for f in ("kind", "ci", "grand", "tau2", "sigma2", "dropped")}
    assert facts == {"kind": "mean", "ci": 0.95, "grand": 6.0, "tau2": 15.0, "sigma2": 2.0, "dropped": 0}


def test_shrink_mean_pools_fully_when_groups_do_not_differ():
    # MSB < MSW: tau^2 = 0, every group gets the observation mean.
    df = pd.DataFrame({"g": list("AABBCC"), "x": [1, 3, 1, 3, 1, 4]})
    got = shrink(df, "g", "x")
    assert got.tau2 == 0.0
    assert got["shrunk"].to_list() == pytest.approx([13 / 6] * 3, abs=1e-14)
    assert (got["weight"] == 0).all()


def test_shrink_mean_counts_dropped_rows():
    df = pd.DataFrame({"g": ["A", "A", "B", "B", None, "B"], "x": [1, 2, 3, np.nan, 5, 6]})
    got = shrink(df, "g", "x")
    assert got.dropped == 2
    assert got["n"].to_list() == [2, 2]


# --- shrinkage of rates -------------------------------------------------------------------


def _rates(seed: int = 0, k: int = 25) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.beta(8, 12, size=k)
    n = rng.integers(3, 120, size=k)
    y = rng.binomial(n, p)
    return pd.DataFrame({"rep": [f"r{i:02d}" for i in range(k)], "wins": y, "deals": n})


def test_rate_prior_is_the_beta_binomial_maximum_likelihood():
    df = _rates()
    got = shrink(df, "rep", "wins", kind="rate", trials="deals")
    a, b = got.prior_a, got.prior_b
    y, n = df["wins"].to_numpy(), df["deals"].to_numpy()

    def nll(theta):
        return -stats.betabinom.logpmf(y, n, np.exp(theta[0]), np.exp(theta[1])).sum()

    ref = optimize.minimize(nll, x0=[0.0, 0.0], method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    assert nll(np.log([a, b])) <= ref.fun + 1e-7
    assert (a, b) == pytest.approx(tuple(np.exp(ref.x)), rel=1e-3)
    # Posterior Beta(a + y, b + n - y): its mean and equal-tailed 95% interval.
    row = got.loc["r00"]
    post = stats.beta(a + y[0], b + n[0] - y[0])
    assert row["shrunk"] == pytest.approx(post.mean(), abs=1e-14)
    assert (row["lower"], row["upper"]) == pytest.approx(post.interval(0.95), abs=1e-12)
    assert row["weight"] == pytest.approx(n[0] / (a + b + n[0]), abs=1e-14)
    assert got.grand == pytest.approx(a / (a + b), abs=1e-14)


def test_rate_from_rows_equals_rate_from_counts():
    df = _rates(1, k=8)
    rows = pd.DataFrame({
        "rep": np.repeat(df["rep"], df["deals"]),
        "won": np.concatenate([np.r_[np.ones(y), np.zeros(n - y)]
                               for y, n in zip(df["wins"], df["deals"])]),
    })
    by_rows = shrink(rows, "rep", "won", kind="rate")
    by_counts = shrink(df, "rep", "wins", kind="rate", trials="deals")
    pd.testing.assert_frame_equal(by_rows.table, by_counts.table, check_exact=False, rtol=1e-9)


def test_rate_bad_input():
    df = pd.DataFrame({"g": list("AABB"), "x": [0, 1, 2, 1]})
    with pytest.raises(ValueError, match="to be 0/1 .* per row; found \\[2.0\\]"):
        shrink(df, "g", "x", kind="rate")
    with pytest.raises(ValueError, match="every observation is 0"):
        shrink(df.assign(x=0), "g", "x", kind="rate")
    with pytest.raises(ValueError, match="trials is only used with kind='rate'"):
        shrink(df, "g", "x", trials="x")
    with pytest.raises(ValueError, match="kind must be one of 'mean', 'rate'"):
        shrink(df, "g", "x", kind="median")
    counts = pd.DataFrame({"g": ["A", "B"], "y": [3, 5], "n": [2, 10]})
    with pytest.raises(ValueError, match="need 0 <= y <= n"):
        shrink(counts, "g", "y", kind="rate", trials="n")


# --- the property: never away from the grand mean, never past it --------------------------


@st.composite
def _grouped(draw: st.DrawFn) -> pd.DataFrame:
    k = draw(st.integers(2, 12))
    sizes = draw(st.lists(st.integers(1, 15), min_size=k, max_size=k))
    if max(sizes) < 2:
        sizes[0] = 2
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(k), sizes)
    spread = draw(st.floats(0.0, 3.0))
    x = rng.normal(size=k)[g] * spread + rng.normal(size=len(g))
    binary = (x > draw(st.floats(-1.0, 1.0))).astype(float)
    if binary.min() == binary.max():
        binary[0] = 1.0 - binary[0]
    return pd.DataFrame({"g": g, "x": x * draw(st.floats(0.1, 50.0)), "b": binary})


@settings(max_examples=60, deadline=None)
@given(df=_grouped(), kind=st.sampled_from(["mean", "rate"]))
def test_shrinkage_moves_toward_the_grand_mean_and_not_past_it(df, kind):
    got = shrink(df, "g", "x" if kind == "mean" else "b", kind=kind)
    grand = got.grand
    raw, shrunk = got["raw"].to_numpy(), got["shrunk"].to_numpy()
    tol = 1e-9 * (1 + np.abs(raw).max())
    assert (np.abs(shrunk - grand) <= np.abs(raw - grand) + tol).all()  # not away
    assert ((shrunk - grand) * (raw - grand) >= -tol**2).all()  # not past
    assert ((got["weight"] >= 0) & (got["weight"] <= 1)).all()
    assert (got["lower"] <= got["upper"]).all()
    if kind == "mean":  # symmetric interval around the estimate
        assert (got["lower"] <= shrunk + tol).all() and (shrunk <= got["upper"] + tol).all()
    else:
        # An equal-tailed Beta interval holds the posterior median (its mean can fall
        # outside when the posterior is extremely skewed, e.g. Beta(2, 0.001)).
        n, y = got["n"].to_numpy(), (got["raw"] * got["n"]).to_numpy()
        median = stats.beta.median(got.prior_a + y, got.prior_b + n - y)
        assert (got["lower"] <= median + tol).all() and (median <= got["upper"] + tol).all()


def test_shrink_rate_with_one_trial_per_group_pools_and_says_why():
    # With one trial per group the beta-binomial likelihood is flat in the prior's precision
    # (P(y=1) = a / (a + b) whatever a + b), so a fit would stay at its starting value.
    df = pd.DataFrame({"g": list("abcdefgh"), "y": [1, 0, 1, 1, 0, 1, 0, 1], "n": [1] * 8})
    with pytest.warns(RuntimeWarning, match="single trial"):
        got = shrink(df, "g", "y", kind="rate", trials="n")
    assert got["shrunk"].to_numpy() == pytest.approx(np.full(8, 5 / 8), abs=1e-5)
    assert (got["weight"] < 1e-5).all()


# --- ICC by REML ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 3])
def test_icc_reml_equals_statsmodels_mixedlm(seed):
    df = _unbalanced(seed, k=25)
    from kit.stats import icc_reml

    got = icc_reml(df, "rep", "score")
    fit = smf.mixedlm("score ~ 1", df, groups=df["rep"]).fit(reml=True)
    tau2, sigma2 = float(fit.cov_re.iloc[0, 0]), float(fit.scale)
    assert got.method == "REML"
    assert got.tau2 == pytest.approx(tau2, rel=1e-4) and got.sigma2 == pytest.approx(sigma2, rel=1e-4)
    assert got.icc == pytest.approx(tau2 / (tau2 + sigma2), rel=1e-4)
    assert got.ci_low < got.icc < got.ci_high


@pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")  # pingouin
def test_icc_reml_interval_matches_pingouin_on_the_wine_data(wine):
    # balanced data: REML equals the ANOVA ICC(1) = 0.728 (real-statistics.com, pingouin docs),
    # and the F-based interval is pingouin's ICC1 CI95% [0.43, 0.93]
    from kit.stats import icc_reml

    got = icc_reml(wine, "Wine", "Scores")
    assert got.icc == pytest.approx(0.728, abs=5e-4)
    ref = pg.intraclass_corr(wine, targets="Wine", raters="Judge", ratings="Scores").set_index("Type")
    lo, hi = ref.loc["ICC(1,1)", "CI95"]
    assert (got.ci_low, got.ci_high) == (pytest.approx(lo, abs=0.005), pytest.approx(hi, abs=0.005))
