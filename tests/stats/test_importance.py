"""Relative importance: Shapley/LMG and Johnson's relative weights, with the bootstrap.

References, quoted beside each number:
- R relaimpo 2.2-7 (Grömping 2006, "Relative Importance for Linear Regression in R:
  The Package relaimpo", J. Stat. Software 17(1)): calc.relimp(..., type = "lmg");
- R rwa package README example: rwa(mtcars, "mpg", c("cyl", "disp", "hp", "gear"));
- Python relativeImp 0.0.2 (Johnson's weights) on swiss;
- independent re-computations here: Shapley over all orders of entry with refitted
  least-squares models, and a per-resample bootstrap loop with the same counts.

R is not installed on the development machine: the R outputs quoted below were not
re-run here. Each of them is also reproduced by an independent computation in this file
(to 1e-10 or better), so a mistyped reference number would show.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kit.stats import importance as imp
from kit.stats import relative_importance

SWISS = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]
CARS = ["cyl", "disp", "hp", "gear"]


# --- independent reference implementations (refit models, loop over resamples) --------


def _r2_refit(y: np.ndarray, x: np.ndarray) -> float:
    """R² of y on the columns of x with intercept, by least squares (no correlations)."""
    if x.shape[1] == 0:
        return 0.0
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    yc = y - y.mean()
    return float(1.0 - resid @ resid / (yc @ yc))


def _shapley_by_orders(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """LMG as its definition says: the R² gain of each predictor averaged over all p!
    orders of entry, each R² from a refitted regression."""
    p = x.shape[1]
    cache: dict[frozenset[int], float] = {}

    def r2(cols: frozenset[int]) -> float:
        if cols not in cache:
            cache[cols] = _r2_refit(y, x[:, sorted(cols)])
        return cache[cols]

    total = np.zeros(p)
    for order in itertools.permutations(range(p)):
        entered: frozenset[int] = frozenset()
        for j in order:
            total[j] += r2(entered | {j}) - r2(entered)
            entered = entered | {j}
    return total / math.factorial(p)


def _all_counts(n: int, n_boot: int, seed: int) -> np.ndarray:
    """The (n_boot x n) bootstrap counts that relative_importance draws for this seed."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n_boot, n), dtype=np.int64)
    for start, stop, counts in imp._bootstrap_counts(n, n_boot, rng):
        out[:, start:stop] = counts
    return out


# --- published values ---------------------------------------------------------------


def test_shapley_matches_relaimpo_lmg_on_swiss(swiss):
    # R 4.4, relaimpo 2.2-7: calc.relimp(lm(Fertility ~ ., swiss), type = "lmg")
    #   R^2 = 70.67%; lmg: Agriculture 0.05709122, Examination 0.17117303,
    #   Education 0.26013468, Catholic 0.10557015, Infant.Mortality 0.11276592
    # (the same call with rela = TRUE: 0.08078165, 0.24220256, 0.36807954, 0.14937728,
    #  0.15955899).
    got = relative_importance(swiss, "Fertility", SWISS, method="shapley", n_boot=0)
    lmg = {
        "Agriculture": 0.0570912207681,
        "Examination": 0.1711730289002,
        "Education": 0.2601346786244,
        "Catholic": 0.1055701503735,
        "Infant.Mortality": 0.1127659229265,
    }
    rela = [0.0807816517357, 0.2422025632160, 0.3680795178364, 0.1493772773891,
            0.1595589898228]
    assert got["raw"].to_dict() == pytest.approx(lmg, abs=1e-10)
    assert got["importance"].to_list() == pytest.approx(rela, abs=1e-10)
    assert got.r2 == pytest.approx(0.706735001593, abs=1e-11)  # summary(lm): 0.7067
    assert got["rank"].to_list() == [5, 2, 1, 4, 3]
    # lm's standardized coefficients b * sd(x) / sd(y) (relaimpo type = "betasq" squares them)
    betas = [-0.312921282500, -0.164778222539, -0.670400780106, 0.347600028144, 0.251135976299]
    assert got["beta"].to_list() == pytest.approx(betas, abs=1e-10)


def test_shapley_matches_relaimpo_lmg_on_mtcars(mtcars):
    # relaimpo 2.2-7: calc.relimp(lm(mpg ~ cyl + disp + hp + gear, mtcars), type = "lmg")
    #   cyl 0.2470520, disp 0.2434996, hp 0.2109129, gear 0.0777251; R^2 = 0.7792
    got = relative_importance(mtcars, "mpg", CARS, n_boot=0)
    expected = [0.2470520332352, 0.2434995947956, 0.2109128995443, 0.0777251114079]
    assert got["raw"].to_list() == pytest.approx(expected, abs=1e-10)
    assert got.r2 == pytest.approx(0.779189638983, abs=1e-11)


def test_relative_weights_match_rwa_readme_on_mtcars(mtcars):
    # R rwa package README: rwa(mtcars, "mpg", c("cyl", "disp", "hp", "gear"))
    #   Raw.RelWeight 0.2284797 0.2221469 0.2321744 0.0963886
    #   Rescaled.RelWeight 29.32274 28.50999 29.79691 12.37037
    got = relative_importance(mtcars, "mpg", CARS, method="relative_weights", n_boot=0)
    assert got["raw"].to_list() == pytest.approx(
        [0.2284797, 0.2221469, 0.2321744, 0.0963886], abs=5e-8
    )
    assert (100 * got["importance"]).to_list() == pytest.approx(
        [29.32274, 28.50999, 29.79691, 12.37037], abs=5e-6
    )


def test_relative_weights_match_relativeimp_on_swiss(swiss):
    # Python relativeImp 0.0.2: relativeImp(swiss, "Fertility", [...]) raw weights
    #   0.048416895812 0.154708249806 0.271964104646 0.114680029948 0.116965721381
    got = relative_importance(swiss, "Fertility", SWISS, method="relative_weights", n_boot=0)
    expected = [0.048416895812, 0.154708249806, 0.271964104646, 0.114680029948,
                0.116965721381]
    assert got["raw"].to_list() == pytest.approx(expected, abs=1e-11)
    # Johnson's weights add up to R² exactly (Johnson 2000, eq. 9).
    assert got["raw"].sum() == pytest.approx(0.706735001593, abs=1e-11)


# --- independent computations -------------------------------------------------------


def test_shapley_equals_averaging_over_orders_with_refitted_models(swiss, mtcars):
    for df, y, xs in ((swiss, "Fertility", SWISS), (mtcars, "mpg", [*CARS, "wt"])):
        got = relative_importance(df, y, xs, n_boot=0)
        ref = _shapley_by_orders(df[y].to_numpy(float), df[xs].to_numpy(float))
        assert got["raw"].to_numpy() == pytest.approx(ref, abs=1e-12)


def test_two_predictors_by_hand():
    # r12 = 0.5, ry1 = 0.6, ry2 = 0.4: R² = (0.36 + 0.16 - 2*0.6*0.4*0.5) / (1 - 0.25)
    # = 0.28 / 0.75. LMG of x1 = (0.36 + (R² - 0.16)) / 2 = 0.286667; with two predictors
    # Johnson's weights equal LMG.
    corr = np.array([[1.0, 0.6, 0.4], [0.6, 1.0, 0.5], [0.4, 0.5, 1.0]])[None]
    r2 = 0.28 / 0.75
    expected = [0.5 * (0.36 + r2 - 0.16), 0.5 * (0.16 + r2 - 0.36)]
    raw, total = imp._shapley(corr)
    assert raw[0] == pytest.approx(expected, abs=1e-14)
    assert total[0] == pytest.approx(r2, abs=1e-14)
    raw, total = imp._relative_weights(corr)
    assert raw[0] == pytest.approx(expected, abs=1e-14)
    # Uncorrelated predictors: each gets its squared correlation, by either method.
    corr = np.eye(4)
    corr[0, 1:] = corr[1:, 0] = [0.5, 0.3, 0.1]
    for f in (imp._shapley, imp._relative_weights):
        assert f(corr[None])[0][0] == pytest.approx([0.25, 0.09, 0.01], abs=1e-14)


def test_bootstrap_counts_are_multinomial_resamples():
    n, n_boot = 5000, 400  # several chunks of rows
    counts = _all_counts(n, n_boot, seed=3)
    assert imp._chunk_rows(n, n_boot) < n
    assert (counts.sum(axis=1) == n).all()  # every resample draws n rows
    # Multinomial(n, 1/n): each count has mean 1 and variance 1 - 1/n.
    assert counts.mean() == pytest.approx(1.0, abs=1e-12)
    assert counts.var() == pytest.approx(1 - 1 / n, abs=0.01)
    # ... and P(count = 0) -> exp(-1).
    assert (counts == 0).mean() == pytest.approx(math.exp(-1), abs=0.003)
    # Different resamples differ; the same seed gives the same stream.
    assert not (counts[0] == counts[1]).all()
    assert (counts == _all_counts(n, n_boot, seed=3)).all()


def test_bootstrap_correlations_equal_weighted_np_cov():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3000, 4)) @ rng.normal(size=(4, 4)) + 5.0
    z = imp._standardize(x)
    n_boot = 60
    got = imp._bootstrap_correlations(z, n_boot, np.random.default_rng(11))
    counts = _all_counts(len(x), n_boot, seed=11)
    for b in range(n_boot):
        cov = np.cov(x, rowvar=False, fweights=counts[b])
        d = np.sqrt(np.diag(cov))
        assert got[b] == pytest.approx(cov / np.outer(d, d), abs=1e-12)


@pytest.mark.parametrize("method", ["shapley", "relative_weights"])
def test_bootstrap_matches_a_per_resample_loop(swiss, method):
    n_boot, seed = 40, 5
    got = relative_importance(swiss, "Fertility", SWISS, method=method, n_boot=n_boot,
                              seed=seed)
    counts = _all_counts(len(swiss), n_boot, seed)
    y = swiss["Fertility"].to_numpy(float)
    x = swiss[SWISS].to_numpy(float)
    shares = []
    for b in range(n_boot):
        rows = np.repeat(np.arange(len(swiss)), counts[b])  # the resampled rows
        if method == "shapley":  # refitted models over all orders
            ref = _shapley_by_orders(y[rows], x[rows])
        else:  # the full-sample computation on the resampled rows
            ref = relative_importance(swiss.iloc[rows], "Fertility", SWISS, method=method,
                                      n_boot=0)["raw"].to_numpy()
        shares.append(ref / ref.sum())
    shares = np.array(shares)
    lo, hi = np.quantile(shares, [0.025, 0.975], axis=0)
    assert got["ci_low"].to_numpy() == pytest.approx(lo, abs=1e-10)
    assert got["ci_high"].to_numpy() == pytest.approx(hi, abs=1e-10)
    diffs = got.differences
    for row in diffs.itertuples():
        i, j = SWISS.index(row.a), SWISS.index(row.b)
        dlo, dhi = np.quantile(shares[:, i] - shares[:, j], [0.025, 0.975])
        assert (row.ci_low, row.ci_high) == pytest.approx((dlo, dhi), abs=1e-10)
    ranks = np.argsort(np.argsort(-shares, axis=1), axis=1) + 1
    rlo, rhi = np.quantile(ranks, [0.025, 0.975], axis=0)
    assert got["rank_ci_low"].to_numpy() == pytest.approx(np.floor(rlo))
    assert got["rank_ci_high"].to_numpy() == pytest.approx(np.ceil(rhi))


def test_from_correlations_matches_relaimpo_and_the_row_path(swiss):
    """The correlation-matrix entry point: relaimpo's LMG from swiss' pandas correlations,
    and, given the same resampled matrices, the intervals of the row-based function."""
    cols = ["Fertility", *SWISS]
    corr = swiss[cols].corr()
    got = imp.relative_importance_from_correlations(corr, "Fertility", SWISS, n=len(swiss))
    # relaimpo 2.2-7, calc.relimp(lm(Fertility ~ ., swiss), type = "lmg") (as above)
    lmg = [0.0570912207681, 0.1711730289002, 0.2601346786244, 0.1055701503735, 0.1127659229265]
    assert got["raw"].to_list() == pytest.approx(lmg, abs=1e-10)
    assert got.r2 == pytest.approx(0.706735001593, abs=1e-11) and got.n == len(swiss)
    n_boot, seed = 40, 5
    rows = relative_importance(swiss, "Fertility", SWISS, n_boot=n_boot, seed=seed)
    boot = imp._bootstrap_correlations(imp._standardize(swiss[cols].to_numpy(float)), n_boot,
                                       np.random.default_rng(seed))
    # the matrices in another variable order: they are matched by corr's labels
    order = [*SWISS[::-1], "Fertility"]
    perm = [cols.index(c) for c in order]
    mats = imp.relative_importance_from_correlations(corr.loc[order, order], "Fertility", SWISS, n=len(swiss),
                                                     boot=boot[:, perm][:, :, perm], seed=seed)
    pd.testing.assert_frame_equal(mats.table, rows.table, rtol=1e-12, atol=1e-12)
    pd.testing.assert_frame_equal(mats.differences, rows.differences, rtol=1e-12, atol=1e-12)
    assert (mats.n_boot, mats.n_boot_used) == (rows.n_boot, rows.n_boot_used)
    with pytest.raises(ValueError, match="same value on every complete row"):
        imp.relative_importance_from_correlations(swiss.assign(Catholic=1.0)[cols].corr(), "Fertility", SWISS,
                                                  n=len(swiss))


# --- the result's shape and bookkeeping -----------------------------------------------


def test_result_columns_attrs_and_differences(swiss):
    got = relative_importance(swiss, "Fertility", SWISS, n_boot=200, seed=1)
    assert list(got.columns) == ["raw", "importance", "ci_low", "ci_high", "rank",
                                 "rank_ci_low", "rank_ci_high", "beta"]
    assert list(got.index) == SWISS and got.index.name == "predictor"
    assert got["importance"].sum() == pytest.approx(1.0, abs=1e-12)
    assert got["raw"].sum() == pytest.approx(got.r2, abs=1e-12)
    assert (got["ci_low"] <= got["importance"]).all()
    assert (got["importance"] <= got["ci_high"]).all()
    assert (got["rank_ci_low"] <= got["rank"]).all() and (got["rank"] <= got["rank_ci_high"]).all()
    assert got[["rank_ci_low", "rank_ci_high"]].isin(range(1, 6)).all().all()
    assert got.n == 47 and got.dropped == 0
    assert got.n_boot == 200 and got.n_boot_used == 200
    assert got.method == "shapley" and got.seed == 1
    diffs = got.differences
    assert list(diffs.columns) == ["a", "b", "diff", "ci_low", "ci_high"]
    assert len(diffs) == 10
    first = diffs.iloc[0]
    assert (first["a"], first["b"]) == ("Agriculture", "Examination")
    assert first["diff"] == pytest.approx(
        got.loc["Agriculture", "importance"] - got.loc["Examination", "importance"]
    )
    # Same seed, same answer; another seed, other intervals.
    again = relative_importance(swiss, "Fertility", SWISS, n_boot=200, seed=1)
    pd.testing.assert_frame_equal(got.table, again.table)
    other = relative_importance(swiss, "Fertility", SWISS, n_boot=200, seed=2)
    assert not np.allclose(got["ci_low"], other["ci_low"])


def test_no_bootstrap_leaves_intervals_empty(swiss):
    got = relative_importance(swiss, "Fertility", SWISS, method="relative_weights", n_boot=0)
    assert got[["ci_low", "ci_high", "rank_ci_low", "rank_ci_high"]].isna().all().all()
    assert got.differences[["ci_low", "ci_high"]].isna().all().all()
    assert got.differences["diff"].notna().all()
    assert got.n_boot_used == 0


def test_rows_with_missing_values_are_dropped_and_counted(swiss):
    holes = swiss.copy()
    holes.iloc[0, 0] = np.nan  # Fertility
    holes.iloc[3, 2] = np.nan  # Examination
    holes.iloc[5, 4] = np.nan  # Catholic
    got = relative_importance(holes, "Fertility", SWISS, n_boot=0)
    assert got.n == 44 and got.dropped == 3
    complete = swiss.drop(index=swiss.index[[0, 3, 5]])
    ref = relative_importance(complete, "Fertility", SWISS, n_boot=0)
    assert got["raw"].to_numpy() == pytest.approx(ref["raw"].to_numpy(), abs=1e-14)


def test_a_degenerate_resample_is_left_out():
    # With a rare binary predictor, some resamples draw no 1 at all: no variance, left out.
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x1": rng.normal(size=30), "x2": np.r_[1.0, np.zeros(29)]})
    df["y"] = df["x1"] + df["x2"] + rng.normal(size=30)
    got = relative_importance(df, "y", ["x1", "x2"], n_boot=300, seed=0)
    # P(row 0 never drawn) = (29/30)^30 = 0.36: about a third of the resamples.
    assert 60 < 300 - got.n_boot_used < 160
    assert got[["ci_low", "ci_high"]].notna().all().all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "dominance"}, ValueError, "method must be one of 'shapley', 'relative_w"),
        ({"predictors": ["Agriculture"]}, ValueError, "at least 2 columns; got 1"),
        ({"predictors": ["Agriculture", "Agriculture"]}, ValueError, "more than once"),
        ({"predictors": "Agriculture"}, TypeError, "list of column names"),
        ({"predictors": ["Agriculture", "Fertility"]}, ValueError, "also listed among"),
        ({"predictors": ["Agriculture", "nope"]}, ValueError, "'nope' not found"),
        ({"outcome": 3}, TypeError, "outcome must be a column name"),
        ({"n_boot": -1}, ValueError, "n_boot must be an integer >= 0"),
        ({"n_boot": 1.5}, TypeError, "n_boot must be an integer"),
        ({"seed": "x"}, TypeError, "seed must be an integer"),
        ({"ci": 95}, ValueError, "ci must be strictly between 0 and 1"),
    ],
)
def test_bad_arguments_are_named(swiss, kwargs, error, match):
    args = {"df": swiss, "outcome": "Fertility", "predictors": SWISS, "n_boot": 0, **kwargs}
    with pytest.raises(error, match=match):
        relative_importance(**args)


def test_bad_data_is_explained(swiss):
    with pytest.raises(TypeError, match="df must be a pandas DataFrame"):
        relative_importance(swiss.to_numpy(), "Fertility", SWISS)
    flat = swiss.assign(Catholic=1.0)
    with pytest.raises(ValueError, match="Catholic have the same value on every"):
        relative_importance(flat, "Fertility", SWISS, n_boot=0)
    twice = swiss.assign(Both=swiss["Agriculture"] + swiss["Education"])
    with pytest.raises(ValueError, match="predictors are collinear"):
        relative_importance(twice, "Fertility", ["Agriculture", "Education", "Both"], n_boot=0)
    text = swiss.assign(Catholic=swiss["Catholic"].astype(str))
    with pytest.raises(TypeError, match="'Catholic' .* must be numeric"):
        relative_importance(text, "Fertility", SWISS, n_boot=0)
    with pytest.raises(ValueError, match="at least 7 complete rows for 5 predictors; got 6"):
        relative_importance(swiss.iloc[:6], "Fertility", SWISS, n_boot=0)
    many = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 14)),
                        columns=[f"x{i}" for i in range(14)])
    with pytest.raises(ValueError, match="at most 12 predictors"):
        relative_importance(many, "x0", [f"x{i}" for i in range(1, 14)], n_boot=0)
    # ... which Johnson's weights handle.
    rw = relative_importance(many, "x0", [f"x{i}" for i in range(1, 14)],
                             method="relative_weights", n_boot=0)
    assert rw["raw"].sum() == pytest.approx(rw.r2, abs=1e-12)


# --- properties -----------------------------------------------------------------------


@st.composite
def _datasets(draw: st.DrawFn) -> pd.DataFrame:
    p = draw(st.integers(2, 5))
    n = draw(st.integers(p + 8, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(p, p)) + np.eye(p) * draw(st.floats(0.2, 3.0))
    x = rng.normal(size=(n, p)) @ mix
    y = x @ rng.normal(size=p) + rng.normal(size=n) * draw(st.floats(0.1, 5.0))
    df = pd.DataFrame(x, columns=[f"x{i}" for i in range(p)])
    df["y"] = y
    return df


_scales = st.floats(0.01, 100.0).flatmap(lambda v: st.sampled_from([v, -v]))


@settings(max_examples=40, deadline=None)
@given(df=_datasets(), method=st.sampled_from(["shapley", "relative_weights"]))
def test_parts_add_up_to_r2_and_shares_lie_in_unit_interval(df, method):
    preds = [c for c in df.columns if c != "y"]
    got = relative_importance(df, "y", preds, method=method, n_boot=0)
    assert got.r2 == pytest.approx(_r2_refit(df["y"].to_numpy(), df[preds].to_numpy()),
                                            abs=1e-9)
    assert got["raw"].sum() == pytest.approx(got.r2, abs=1e-10)
    assert got["importance"].sum() == pytest.approx(1.0, abs=1e-10)
    assert ((got["importance"] >= -1e-12) & (got["importance"] <= 1 + 1e-12)).all()


@settings(max_examples=25, deadline=None)
@given(df=_datasets(), data=st.data(), method=st.sampled_from(["shapley", "relative_weights"]))
def test_invariant_to_predictor_order_and_to_rescaling(df, data, method):
    preds = [c for c in df.columns if c != "y"]
    base = relative_importance(df, "y", preds, method=method, n_boot=25, seed=4)
    order = data.draw(st.permutations(preds))
    scaled = df.copy()
    for c in preds:
        scaled[c] = scaled[c] * data.draw(_scales) + data.draw(st.floats(-50, 50))
    moved = relative_importance(scaled, "y", order, method=method, n_boot=25, seed=4)
    r2_moved = moved.r2
    moved = moved.loc[preds]
    cols = ["raw", "importance", "ci_low", "ci_high", "rank_ci_low", "rank_ci_high"]
    for c in cols:
        assert moved[c].to_numpy() == pytest.approx(base[c].to_numpy(), abs=1e-8), c
    # shifting a column by up to 50 after scaling it by 0.01 costs the centred sums about
    # eight digits: the same 1e-8 as the shares above
    assert r2_moved == pytest.approx(base.r2, abs=1e-8)
