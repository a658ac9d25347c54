"""Distinctive words of two groups of texts: log-odds ratios with an informative Dirichlet prior.

Monroe, B. L., Colaresi, M. P. and Quinn, K. M. (2008). Fightin' words: lexical feature
selection and evaluation for identifying the content of political conflict. *Political
Analysis* 16(4), 372-403, section 3.5.3 (equations 16, 18-22).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["log_odds_dirichlet"]


def log_odds_dirichlet(
    counts_a: Sequence[float] | pd.Series,
    counts_b: Sequence[float] | pd.Series,
    prior: Sequence[float] | pd.Series | None = None,
    *,
    alpha0: float | None = None,
    index: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Log-odds ratio of each word between group a and group b, with an informative Dirichlet prior.

    With ``y_a``, ``y_b`` the word counts of the two groups, ``n_a``, ``n_b`` their totals,
    and prior pseudo-counts ``alpha_w = alpha0 * prior_w / sum(prior)`` (total ``alpha0``):

    - ``delta_w = log((y_aw + alpha_w) / (n_a + alpha0 - y_aw - alpha_w))
      - log((y_bw + alpha_w) / (n_b + alpha0 - y_bw - alpha_w))``
    - ``var_w = 1 / (y_aw + alpha_w) + 1 / (y_bw + alpha_w)``
    - ``z_w = delta_w / sqrt(var_w)``

    A positive ``z`` marks a word that group a uses more than group b, beyond what its
    overall frequency (the prior) explains; ``|z| > 1.96`` is the usual cut.

    Parameters
    ----------
    counts_a, counts_b : array-like or Series
        Non-negative word counts of the two groups, aligned (same words, same order; Series
        are aligned on their index, a word missing from one counting 0).
    prior : array-like or Series, optional
        Background word counts (or frequencies) that shape the prior; default
        ``counts_a + counts_b`` (the pooled counts, as Monroe et al. use a larger corpus).
        Every word needs a positive prior.
    alpha0 : float, optional
        Total prior pseudo-count (the prior's strength); default ``sum(prior)``, i.e. the
        background counts as they are.
    index : sequence of str, optional
        Word labels when the counts are plain arrays.

    Returns
    -------
    DataFrame
        Indexed by word: ``count_a``, ``count_b``, ``alpha`` (the prior pseudo-count),
        ``delta`` (log-odds ratio a vs b), ``se`` (its standard error, sqrt(var)) and ``z``,
        sorted by ``z`` descending.

    Raises
    ------
    ValueError
        When counts are negative or not finite, lengths differ, or a prior is not positive.

    Notes
    -----
    Monroe, Colaresi and Quinn (2008), equations 16 and 18-22; checked against a
    hand-computed example in tests/stats/test_logodds.py.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.Series({"slow": 8, "price": 2, "good": 2})
    >>> b = pd.Series({"slow": 1, "price": 3, "good": 10})
    >>> out = log_odds_dirichlet(a, b)
    >>> list(out.index), bool(out.loc["slow", "z"] > 1.96)
    (['slow', 'price', 'good'], True)
    """
    if isinstance(counts_a, pd.Series) or isinstance(counts_b, pd.Series):
        a_s = pd.Series(counts_a) if not isinstance(counts_a, pd.Series) else counts_a
        b_s = pd.Series(counts_b) if not isinstance(counts_b, pd.Series) else counts_b
        words = a_s.index.union(b_s.index, sort=False)
        ya = a_s.reindex(words, fill_value=0).to_numpy(dtype=float)
        yb = b_s.reindex(words, fill_value=0).to_numpy(dtype=float)
        labels = pd.Index(words)
        if isinstance(prior, pd.Series):
            prior = prior.reindex(words).to_numpy(dtype=float)
    else:
        ya = np.asarray(counts_a, dtype=float)
        yb = np.asarray(counts_b, dtype=float)
        if ya.shape != yb.shape or ya.ndim != 1:
            raise ValueError(f"counts_a and counts_b must be 1-d and of one length; got shapes {ya.shape} "
                             f"and {yb.shape}.")
        labels = pd.Index(list(index) if index is not None else range(len(ya)))
        if len(labels) != len(ya):
            raise ValueError(f"index has {len(labels)} labels for {len(ya)} counts.")
    for name, y in (("counts_a", ya), ("counts_b", yb)):
        if not np.all(np.isfinite(y)) or np.any(y < 0):
            raise ValueError(f"{name} must be finite, non-negative counts.")
    pr = ya + yb if prior is None else np.asarray(prior, dtype=float)
    if pr.shape != ya.shape:
        raise ValueError(f"prior must have one value per word ({len(ya)}); got {pr.shape[0] if pr.ndim else pr}.")
    if not np.all(np.isfinite(pr)) or np.any(pr <= 0):
        raise ValueError("prior must be positive for every word (a word never seen in the background "
                         "has no prior; add it to the background counts or drop it).")
    a0 = float(pr.sum()) if alpha0 is None else float(alpha0)
    if not np.isfinite(a0) or a0 <= 0:
        raise ValueError(f"alpha0 must be a positive number; got {alpha0!r}.")
    alpha = a0 * pr / pr.sum()
    na, nb = ya.sum(), yb.sum()
    la = np.log(ya + alpha) - np.log(na + a0 - ya - alpha)
    lb = np.log(yb + alpha) - np.log(nb + a0 - yb - alpha)
    delta = la - lb
    se = np.sqrt(1.0 / (ya + alpha) + 1.0 / (yb + alpha))
    out = pd.DataFrame({"count_a": ya, "count_b": yb, "alpha": alpha, "delta": delta, "se": se,
                        "z": delta / se}, index=labels)
    out.index.name = "word"
    return out.sort_values("z", ascending=False, kind="stable")
