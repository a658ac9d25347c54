"""Log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008)."""

import math

import numpy as np
import pandas as pd
import pytest

from kit.stats import log_odds_dirichlet


def test_hand_computed_example():
    # Three words; group a counts (10, 5, 5), n_a = 20; group b counts (2, 8, 10), n_b = 20;
    # prior (1, 1, 2) with alpha0 = 4, so alpha = (1, 1, 2).
    # Monroe et al. (2008), eq. 16 and 20-22:
    #   delta_w = log((y_aw + a_w) / (n_a + a0 - y_aw - a_w)) - log((y_bw + a_w) / (n_b + a0 - y_bw - a_w))
    #   var_w = 1 / (y_aw + a_w) + 1 / (y_bw + a_w);  z_w = delta_w / sqrt(var_w)
    # w1: log(11 / 13) - log(3 / 21) = log(77 / 13) = 1.778856; var = 1/11 + 1/3 = 0.424242;
    #     se = 0.651339; z = 2.731076
    # w2: log(6 / 18) - log(9 / 15) = log(5 / 9) = -0.587787; var = 1/6 + 1/9 = 0.277778;
    #     se = 0.527046; z = -1.115247
    # w3: log(7 / 17) - log(12 / 12) = log(7 / 17) = -0.887303; var = 1/7 + 1/12 = 0.226190;
    #     se = 0.475595; z = -1.865670
    got = log_odds_dirichlet([10, 5, 5], [2, 8, 10], prior=[1, 1, 2], alpha0=4, index=["w1", "w2", "w3"])
    assert list(got.index) == ["w1", "w2", "w3"]  # sorted by z, descending
    assert got["alpha"].tolist() == pytest.approx([1, 1, 2])
    assert got["delta"].tolist() == pytest.approx([1.778856, -0.587787, -0.887303], abs=1e-6)
    assert got["se"].tolist() == pytest.approx([0.651339, 0.527046, 0.475595], abs=1e-6)
    assert got["z"].tolist() == pytest.approx([2.731076, -1.115247, -1.865670], abs=1e-6)


def test_prior_scale_and_default():
    # prior given as frequencies is rescaled to alpha0: (0.25, 0.25, 0.5) * 4 = (1, 1, 2), as above
    a = log_odds_dirichlet([10, 5, 5], [2, 8, 10], prior=[0.25, 0.25, 0.5], alpha0=4)
    assert a.sort_index()["z"].tolist() == pytest.approx([2.731076, -1.115247, -1.865670], abs=1e-6)
    # default prior: the pooled counts (12, 13, 15), alpha0 = 40
    d = log_odds_dirichlet(pd.Series({"x": 10, "y": 5, "z": 5}), pd.Series({"x": 2, "y": 8, "z": 10}))
    ax = 12.0
    want = math.log((10 + ax) / (20 + 40 - 10 - ax)) - math.log((2 + ax) / (20 + 40 - 2 - ax))
    assert d.loc["x", "delta"] == pytest.approx(want)
    assert d.loc["x", "z"] == pytest.approx(want / math.sqrt(1 / 22 + 1 / 14))


def test_identical_groups_give_zero_and_antisymmetry():
    y = np.array([3.0, 7.0, 11.0])
    same = log_odds_dirichlet(y, y)
    assert np.allclose(same["z"], 0.0)
    ab = log_odds_dirichlet([9, 1, 4], [2, 6, 4], index=list("pqr")).sort_index()
    ba = log_odds_dirichlet([2, 6, 4], [9, 1, 4], index=list("pqr")).sort_index()
    assert np.allclose(ab["z"], -ba["z"])


def test_series_align_on_words():
    got = log_odds_dirichlet(pd.Series({"slow": 4}), pd.Series({"fast": 4}))
    assert set(got.index) == {"slow", "fast"}
    assert got.loc["slow", "z"] > 0 > got.loc["fast", "z"]


@pytest.mark.parametrize("kw, msg", [
    (dict(counts_a=[1, -1], counts_b=[1, 1]), "non-negative"),
    (dict(counts_a=[1, 2], counts_b=[1, 1, 1]), "one length"),
    (dict(counts_a=[1, 2], counts_b=[1, 1], prior=[1, 0]), "positive"),
    (dict(counts_a=[1, 2], counts_b=[1, 1], alpha0=0), "alpha0"),
])
def test_bad_arguments(kw, msg):
    with pytest.raises(ValueError, match=msg):
        log_odds_dirichlet(**kw)
