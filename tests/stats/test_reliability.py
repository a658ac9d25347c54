"""Cronbach's alpha, Spearman-Brown and split-half reliability.

References, quoted beside each number: R psych::alpha values as printed in pingouin's
documentation of ``pingouin.cronbach_alpha`` (pingouin 0.5+, "In R: psych:alpha(data,
use='pairwise')"), pingouin.cronbach_alpha itself at test time, and hand computations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kit.stats import AlphaResult, cronbach_alpha, spearman_brown, split_half


@pytest.fixture(scope="module")
def wide_missing() -> pd.DataFrame:
    """pingouin's ``cronbach_wide_missing``: 12 respondents x 11 binary items, 4 NaN."""
    return pg.read_dataset("cronbach_wide_missing")


@pytest.fixture(scope="module")
def likert() -> pd.DataFrame:
    """pingouin's ``cronbach_alpha`` (real-statistics.com): 15 respondents x 10 items."""
    long = pg.read_dataset("cronbach_alpha")
    return long.pivot(index="Subj", columns="Items", values="Scores")


def test_pairwise_alpha_matches_psych(wide_missing):
    # psych::alpha(data, use = "pairwise") -> raw_alpha 0.732660835214447,
    # Feldt 95% CI [0.435, 0.909] (pingouin docs, cronbach_alpha example).
    got = cronbach_alpha(wide_missing)
    assert isinstance(got, AlphaResult)
    assert got.alpha == pytest.approx(0.732660835214447, abs=1e-12)
    assert got.ci == pytest.approx((0.435, 0.909), abs=5e-4)
    assert (got.n, got.k) == (12, 11)
    ref_alpha, ref_ci = pg.cronbach_alpha(wide_missing)  # nan_policy="pairwise"
    assert got.alpha == pytest.approx(ref_alpha, abs=1e-12)
    assert got.ci == pytest.approx(tuple(ref_ci), abs=5e-4)  # pingouin rounds to 3 places
    assert got.missing.startswith("Pairwise: each covariance uses the respondents who")
    assert "12 respondents with 4 missing answers (3.0% of all cells)" in got.missing


def test_listwise_alpha_matches_psych(wide_missing):
    # psych::alpha(data, use = "complete.obs") -> 0.8016949152542373 (pingouin docs).
    got = cronbach_alpha(wide_missing, missing="listwise")
    assert got.alpha == pytest.approx(0.8016949152542373, abs=1e-12)
    assert got.n == 9
    # The interval uses the 9 complete respondents (pingouin's listwise keeps n = 12 in
    # the F degrees of freedom); pingouin on the complete rows: [0.533, 0.947].
    assert got.ci == pytest.approx((0.533, 0.947), abs=5e-4)
    assert got.missing == (
        "Listwise: 9 of 12 respondents answered every item and were used; "
        "3 with at least one missing answer were left out."
    )


def test_likert_alpha_matches_pingouin_docs(likert):
    # pingouin docs: pg.cronbach_alpha(data=..., items="Items", scores="Scores",
    # subject="Subj") -> (0.5917188485995826, array([0.195, 0.84]))
    got = cronbach_alpha(likert, ci=0.95)
    assert got.alpha == pytest.approx(0.5917188485995826, abs=1e-12)
    assert got.ci == pytest.approx((0.195, 0.84), abs=5e-4)
    assert got.level == 0.95
    # A 90% interval is narrower and inside the 95% one (Feldt's F quantiles).
    ninety = cronbach_alpha(likert, ci=0.90)
    assert got.ci[0] < ninety.ci[0] < ninety.alpha < ninety.ci[1] < got.ci[1]


def test_alpha_if_deleted_matches_alpha_without_the_item(wide_missing, likert):
    for data in (wide_missing, likert):
        got = cronbach_alpha(data)
        for item in data.columns:
            ref, _ = pg.cronbach_alpha(data.drop(columns=item))
            assert got.alpha_if_deleted[item] == pytest.approx(ref, abs=1e-12), item


def test_item_total_is_correlation_with_the_rest(likert):
    got = cronbach_alpha(likert)
    for item in likert.columns:
        rest = likert.drop(columns=item).sum(axis=1)
        assert got.item_total[item] == pytest.approx(likert[item].corr(rest), abs=1e-12)
    frame = got.to_frame()
    assert list(frame.columns) == ["alpha_if_deleted", "item_total"]
    assert list(frame.index) == list(likert.columns)


def test_two_items_by_hand():
    # Items a = (1, 2, 3, 4), b = (2, 2, 4, 4): var a = 5/3, var b = 4/3, cov = 4/3.
    # alpha = 2 * (1 - (5/3 + 4/3) / (5/3 + 4/3 + 2 * 4/3)) = 2 * (1 - 3 / (17/3)) = 16/17.
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 4, 4]})
    got = cronbach_alpha(items)
    assert got.alpha == pytest.approx(16 / 17, abs=1e-14)
    assert got.alpha_if_deleted.isna().all()  # one item left: no alpha
    # Item-total with two items = their correlation: (4/3) / sqrt(5/3 * 4/3) = 0.894427.
    assert got.item_total.to_list() == pytest.approx([0.8944271909999159] * 2, abs=1e-14)


def test_pairwise_leaves_out_respondents_without_any_answer(likert):
    padded = pd.concat([likert, pd.DataFrame(np.nan, index=[99, 100], columns=likert.columns)])
    got = cronbach_alpha(padded)
    assert got.n == 15
    assert got.alpha == pytest.approx(cronbach_alpha(likert).alpha, abs=1e-14)
    assert got.missing.endswith("2 respondents with no answer at all were left out.")


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((np.ones((3, 3)),), TypeError, "items must be a pandas DataFrame"),
        ((pd.DataFrame({"a": [1.0, 2.0]}),), ValueError, "at least 2 columns"),
        ((pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}),), TypeError, "'b' .* must be numeric"),
        ((pd.DataFrame({"a": [1, 2, 3], "b": [2, 2, 2]}),), ValueError, "'?b'? have no variance"),
        ((pd.DataFrame({"a": [1, 2, 3], "b": [2, 1, 3]}), 1.0), ValueError, "ci must be"),
    ],
)
def test_bad_input_is_named(args, error, match):
    with pytest.raises(error, match=match):
        cronbach_alpha(*args)


def test_bad_missing_policy_is_named(likert):
    with pytest.raises(ValueError, match="missing must be one of 'pairwise', 'listwise'"):
        cronbach_alpha(likert, missing="drop")
    few = likert.iloc[:3].copy()
    few.iloc[0, 0] = few.iloc[1, 1] = few.iloc[2, 2] = np.nan
    with pytest.raises(ValueError, match="at least 2 respondents; 0 remain"):
        cronbach_alpha(few, missing="listwise")


def test_spearman_brown_by_hand():
    # rho = 0.5 doubled: 2 * 0.5 / (1 + 0.5) = 2/3; k = 1 leaves it; k = 0.5 halves the test:
    # 0.5 * 0.5 / (1 - 0.25) = 1/3.
    assert spearman_brown(0.5, 2) == pytest.approx(2 / 3, abs=1e-15)
    assert spearman_brown(0.3, 1) == pytest.approx(0.3, abs=1e-15)
    assert spearman_brown(0.5, 0.5) == pytest.approx(1 / 3, abs=1e-15)
    got = spearman_brown(0.2, np.array([1, 4, 16]))
    assert got == pytest.approx([0.2, 0.8 / 1.6, 3.2 / 4.0], abs=1e-15)
    with pytest.raises(ValueError, match=r"reliability must lie in \[-1.0, 1.0\]"):
        spearman_brown(1.5, 2)
    with pytest.raises(ValueError, match="k must lie in"):
        spearman_brown(0.5, 0)
    with pytest.raises(TypeError, match="reliability must be a real number"):
        spearman_brown("0.5", 2)


def test_split_half_by_hand():
    a = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, np.nan], index=list("uvwxyz"))
    b = pd.Series([2.0, 1.0, 4.0, 3.0, 5.0, 9.0], index=list("vuwxyz"))  # other order
    # Aligned on the index: a = 1..5, b = 1, 2, 4, 3, 5 (z dropped: a missing).
    # r = 0.9 (sum of squared rank differences 2: 1 - 6*2 / (5 * 24)); 2r/(1+r) = 18/19.
    assert split_half(a, b) == pytest.approx(18 / 19, abs=1e-14)
    assert np.isnan(split_half([1, 2, 3], [4, 4, 4]))
    with pytest.raises(ValueError, match="same length"):
        split_half([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="at least 3 complete pairs"):
        split_half([1, 2, np.nan], [1, 2, 3])


@settings(max_examples=50, deadline=None)
@given(st.floats(-0.99, 0.99), st.floats(0.05, 200.0))
def test_spearman_brown_steps_back(rho, k):
    # Lengthening by k then by 1/k returns the starting reliability; a step that would leave
    # [-1, 1] (a negative reliability stepped up) is an error, never a value like -2 or 2.5.
    denom = 1 + (k - 1) * rho
    if denom <= 0 or abs(k * rho / denom) > 1:
        with pytest.raises(ValueError, match=r"leaves \[-1, 1\]"):
            spearman_brown(rho, k)
        return
    there = spearman_brown(rho, k)
    assert -1 <= there <= 1
    assert spearman_brown(there, 1 / k) == pytest.approx(rho, abs=1e-9)


def test_domains_are_checked_and_errors_name_the_culprit():
    from kit.stats import rep_mean_reliability, split_half

    with pytest.raises(ValueError, match="stepped to k = 2 leaves"):
        spearman_brown(-0.5, 2)            # was -2.0
    with pytest.raises(ValueError, match="stepped to k = 10 leaves"):
        rep_mean_reliability(-0.2, 10)     # was 2.5
    assert split_half([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]) == -1.0   # was -inf / ZeroDivisionError
    assert split_half([1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5]) == pytest.approx(2 * (29 / 35) / (1 + 29 / 35))
    opposed = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [5, 4, 3, 2, 1]})
    with pytest.raises(ValueError, match="q1~q2 -2.50.*reverse-keyed"):
        cronbach_alpha(opposed)           # was alpha = -inf with a warning
    empty = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 4], "q3": [np.nan] * 5})
    with pytest.raises(ValueError, match=r"items: q3 answered by fewer than 2"):
        cronbach_alpha(empty)             # named every item before
