"""Reliability of a scale: Cronbach's alpha, Spearman-Brown, split-half.

Items are expected already reflected (reverse-keyed items recoded so that a high
answer means the same thing on every item); reflecting is the survey layer's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as _st

from . import _checks

__all__ = ["AlphaResult", "cronbach_alpha", "spearman_brown", "split_half"]

_MISSING = ("pairwise", "listwise")


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha of a set of items, as returned by :func:`cronbach_alpha`.

    Attributes
    ----------
    alpha : float
        Cronbach's alpha (raw, from the item covariance matrix).
    ci : tuple of float
        Feldt's F-based confidence interval ``(low, high)``.
    n : int
        Respondents used.
    k : int
        Number of items.
    alpha_if_deleted : Series
        Alpha of the remaining items when each item is left out, indexed by item
        (NaN when only two items are given: one item has no alpha).
    item_total : Series
        Corrected item-total correlation: each item with the sum of the other items.
    missing : str
        One sentence saying how missing answers were handled.
    level : float
        The confidence level of `ci`.
    """

    alpha: float
    ci: tuple[float, float]
    n: int
    k: int
    alpha_if_deleted: pd.Series = field(repr=False)
    item_total: pd.Series = field(repr=False)
    missing: str
    level: float = 0.95

    def to_frame(self) -> pd.DataFrame:
        """Item table: ``alpha_if_deleted`` and ``item_total`` by item."""
        return pd.DataFrame(
            {"alpha_if_deleted": self.alpha_if_deleted, "item_total": self.item_total}
        )


def _alpha_from_cov(c: np.ndarray) -> float:
    k = c.shape[0]
    return float(k / (k - 1) * (1.0 - np.trace(c) / c.sum()))


def cronbach_alpha(
    items: pd.DataFrame, ci: float = 0.95, missing: str = "pairwise"
) -> AlphaResult:
    """Cronbach's alpha with Feldt's interval, alpha if item deleted and item-total r.

    alpha = k / (k - 1) * (1 - sum of item variances / variance of the total), computed
    from the item covariance matrix C as k / (k - 1) * (1 - trace(C) / sum(C)).

    Parameters
    ----------
    items : DataFrame
        One row per respondent, one numeric column per item, already reflected.
        Missing answers are NaN.
    ci : float, default 0.95
        Confidence level of the interval.
    missing : {"pairwise", "listwise"}, default "pairwise"
        ``"pairwise"``: each covariance uses the respondents who answered both items
        (pandas ``DataFrame.cov``, as pingouin's default and psych's
        ``use = "pairwise"``); respondents with no answer at all are left out.
        ``"listwise"``: only respondents who answered every item.

    Returns
    -------
    AlphaResult
        Fields ``alpha``, ``ci`` (low, high), ``n`` (respondents used), ``k`` (items),
        ``alpha_if_deleted`` (Series by item), ``item_total`` (Series by item: corrected
        item-total correlation), ``missing`` (a sentence), ``level``.
        ``AlphaResult.to_frame()`` gives a DataFrame indexed by item with columns
        ``alpha_if_deleted`` and ``item_total``.

    Notes
    -----
    Feldt's interval (Feldt, Woodruff & Salih 1987): with df1 = n - 1 and
    df2 = (n - 1)(k - 1), low = 1 - (1 - alpha) F(1 - a/2; df1, df2) and
    high = 1 - (1 - alpha) F(a/2; df1, df2), where a = 1 - ci, as psych and pingouin
    compute it. Alpha if deleted and the corrected item-total correlation are computed
    from the same covariance matrix (as psych's ``alpha.drop`` and ``r.drop``).

    Checked against pingouin.cronbach_alpha and the psych values quoted in its
    documentation (0.7327 pairwise, 0.8017 listwise on ``cronbach_wide_missing``,
    0.5917 on ``cronbach_alpha``), see tests/stats/test_reliability.py. Difference
    from pingouin: with listwise deletion pingouin's interval keeps the number of rows
    before deletion; here ``n`` and the interval use the complete cases.
    """
    _checks.require_dataframe(items, "items")
    level = _checks.require_level(ci)
    _checks.require_choice(missing, "missing", _MISSING)
    if items.shape[1] < 2:
        raise ValueError(f"items must have at least 2 columns (items); got {items.shape[1]}.")
    if items.columns.has_duplicates:
        dup = items.columns[items.columns.duplicated()].unique().tolist()
        raise ValueError(f"items has duplicated column names: {dup}.")
    _checks.require_numeric(items, "items", list(items.columns))
    data = items.astype(float)
    if np.isinf(data.to_numpy()).any():
        raise ValueError("items contains infinite values; use NaN for a missing answer.")

    answered = data.notna()
    n_rows = len(data)
    n_cells_missing = int((~answered).to_numpy().sum())
    k = data.shape[1]
    if missing == "listwise":
        used = data.loc[answered.all(axis=1)]
        n = len(used)
        dropped = n_rows - n
        sentence = (
            f"Listwise: {n} of {n_rows} respondents answered every item and were used; "
            f"{dropped} with at least one missing answer were left out."
        )
    else:
        any_answer = answered.any(axis=1)
        used = data.loc[any_answer]
        n = len(used)
        empty = n_rows - n
        share = n_cells_missing / (n_rows * k) if n_rows else 0.0
        sentence = (
            f"Pairwise: each covariance uses the respondents who answered both items; "
            f"{n} respondents with {n_cells_missing - empty * k} missing answers "
            f"({share:.1%} of all cells)"
            + (f"; {empty} respondents with no answer at all were left out." if empty else ".")
        )
    if n < 2:
        raise ValueError(
            f"items: Cronbach's alpha needs at least 2 respondents; {n} remain "
            f"after {missing} handling of missing answers."
        )
    answers = used.notna().sum()
    empty = [str(col) for col, n_ans in answers.items() if n_ans < 2]
    if empty:
        raise ValueError(
            f"items: {', '.join(empty)} answered by fewer than 2 respondents; drop "
            f"{'it' if len(empty) == 1 else 'them'} before computing alpha.")
    c_frame = used.cov()
    c = c_frame.to_numpy()
    if not np.isfinite(c).all():
        bad = sorted(
            {str(items.columns[i]) for i, j in zip(*np.where(~np.isfinite(c)))}
        )
        raise ValueError(
            f"items: some covariances cannot be computed (fewer than 2 respondents answered "
            f"both items): {', '.join(bad)}."
        )
    variances = np.diag(c)
    if (variances <= 0).any():
        flat = [str(col) for col, v in zip(items.columns, variances) if v <= 0]
        raise ValueError(
            f"items: item(s) {', '.join(flat)} have no variance (every respondent gave the "
            "same answer); drop them before computing alpha."
        )
    if c.sum() <= 0:
        cols = list(items.columns)
        negative = ", ".join(f"{a}~{cols[j]} {c[i, j]:.2f}" for i, a in enumerate(cols)
                             for j in range(i + 1, len(cols)) if c[i, j] < 0)
        raise ValueError(
            "items: the total score has no variance (the items cancel each other out: "
            f"covariances {negative}); is a reverse-keyed item not reflected?")
    alpha = _alpha_from_cov(c)

    a = 1.0 - level
    df1 = n - 1
    df2 = df1 * (k - 1)
    low = 1.0 - (1.0 - alpha) * _st.f.isf(a / 2, df1, df2)
    high = 1.0 - (1.0 - alpha) * _st.f.isf(1 - a / 2, df1, df2)

    total = c.sum()
    row = c.sum(axis=1)
    rest_var = total - 2.0 * row + variances  # variance of the sum of the other items
    rest_trace = np.trace(c) - variances
    if k > 2:
        if_deleted = (k - 1) / (k - 2) * (1.0 - rest_trace / rest_var)
    else:
        if_deleted = np.full(k, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        item_total = (row - variances) / np.sqrt(variances * rest_var)

    return AlphaResult(
        alpha=alpha,
        ci=(float(low), float(high)),
        n=int(n),
        k=int(k),
        alpha_if_deleted=pd.Series(if_deleted, index=items.columns, name="alpha_if_deleted"),
        item_total=pd.Series(item_total, index=items.columns, name="item_total"),
        missing=sentence,
        level=level,
    )


def spearman_brown(reliability: float, k: float | np.ndarray) -> float | np.ndarray:
    """Spearman-Brown prophecy: reliability of a test k times as long.

    rho_k = k * rho / (1 + (k - 1) * rho). With `reliability` the ICC(1) of single
    responses and `k` the number of responses, it is the reliability of a rep's mean.

    Parameters
    ----------
    reliability : float
        Reliability of one unit (one item, one half, one response), in [-1, 1].
    k : float or array-like of float
        Lengthening factor (> 0); an array gives an array.

    Returns
    -------
    float or ndarray
        The stepped-up (k > 1) or stepped-down (k < 1) reliability.

    Notes
    -----
    Spearman (1910), Brown (1910). Checked by hand in tests/stats/test_reliability.py
    (rho = 0.5, k = 2 gives 2/3) and against the Nelson et al. (2004) statement that a
    rep-level ICC of about 0.05 needs 50-80 responses for a reliability of 0.8.
    """
    rho = _checks.require_real(reliability, "reliability", -1.0, 1.0)
    scalar = np.ndim(k) == 0
    if scalar:
        kk = _checks.require_real(k, "k", 0.0, np.inf, low_open=True, high_open=True)
    else:
        kk = _checks.as_float_vector(np.ravel(k), "k").reshape(np.shape(k))
        if not (np.isfinite(kk).all() and (kk > 0).all()):
            raise ValueError("k must contain finite numbers > 0.")
    denom = 1.0 + (kk - 1.0) * rho
    with np.errstate(divide="ignore", invalid="ignore"):
        out = kk * rho / denom
    bad = ~((np.asarray(denom) > 0) & (np.abs(np.asarray(out)) <= 1.0 + 1e-12))
    if np.any(bad):
        k_bad = float(np.ravel(kk)[np.ravel(bad)][0]) if not scalar else float(kk)
        raise ValueError(
            f"spearman_brown: reliability {rho:g} stepped to k = {k_bad:g} leaves [-1, 1] "
            f"(1 + (k - 1) * reliability = {1.0 + (k_bad - 1.0) * rho:g}); a negative reliability means "
            "no reliable variance between units: treat it as 0 instead of stepping it up.")
    return float(out) if scalar else out


def split_half(a: object, b: object) -> float:
    """Split-half reliability: the correlation of two halves, Spearman-Brown corrected.

    r_sb = 2 r / (1 + r), where r is the Pearson correlation of the two half scores over
    the units (reps, respondents) that have both.

    Parameters
    ----------
    a, b : array-like or Series
        The two half scores, one value per unit. Two Series are aligned on their
        index; otherwise they must have the same length. Pairs with a NaN are dropped.

    Returns
    -------
    float
        The corrected reliability, in [-1, 1] (NaN when a half has no variance; a half
        correlation below -1/3 would step "up" past -1 and gives -1).

    Notes
    -----
    Brown (1910), Spearman (1910); the same formula as psych::splitHalf for one split.
    Checked by hand in tests/stats/test_reliability.py.
    """
    x, y, _ = _checks.paired_vectors(a, b, ("a", "b"))
    if x.size < 3:
        raise ValueError(f"split_half needs at least 3 complete pairs; got {x.size}.")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    r = float(np.clip(np.corrcoef(x, y)[0, 1], -1.0, 1.0))
    if 1.0 + r <= 1e-12:
        return -1.0
    return float(max(-1.0, 2.0 * r / (1.0 + r)))
