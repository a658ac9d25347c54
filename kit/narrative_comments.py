"""Sentences and the report table of what customers say (:func:`kit.analysis.comment_themes`).

The wording lives in ``kit/locales`` (keys ``comments.*``); :mod:`kit.narrative` re-exports
these functions next to the other report sentences.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from kit import i18n

if TYPE_CHECKING:  # pragma: no cover
    from kit.analysis.comments import CommentThemes

__all__ = ["comment_sentences", "comment_table", "top_complaint"]


def _change(themes: CommentThemes, d: str, lang: str) -> str:
    ch = themes.table.at[d, "change"]
    if not themes.previous or ch is None or (isinstance(ch, float) and math.isnan(ch)):
        return ""
    lo, hi = themes.table.at[d, "change_low"], themes.table.at[d, "change_high"]
    if lo <= 0 <= hi:  # the interval holds no change: do not call it up or down
        return i18n.t("comments.change_flat", lang, previous=themes.previous)
    key = "comments.change_up" if ch > 0 else "comments.change_down"
    return i18n.t(key, lang, pts=abs(ch) * 100, previous=themes.previous)


def top_complaint(themes: CommentThemes, lang: str) -> list[str]:
    """One sentence on the most complained-about dimension and its change (management summary).

    Parameters
    ----------
    themes : CommentThemes
        :func:`kit.analysis.comment_themes`.
    lang : {'zh', 'en'}

    Returns
    -------
    list of str
        One sentence: the dimension, its negative comments of all comments about it, the share
        with its interval, and the change against the previous quarter ("about as in" when
        the change's interval holds zero).

    Examples
    --------
    >>> import kit
    >>> themes = kit.analysis.comment_themes(kit.load("data/samples"), "2026Q3", lang="en")
    >>> top_complaint(themes, "en")[0].startswith("Customers complained most about transparency")
    True
    """
    d = themes.top
    if d is None:
        return [i18n.t("comments.none", lang, quarter=themes.quarter)]
    r = themes.table.loc[d]
    return [i18n.t("comments.top", lang, dimension=i18n.dimension_name(d, lang), negative=int(r["negative"]),
                   comments=int(r["comments"]), share=r["negative_share"], low=r["ci_low"], high=r["ci_high"],
                   change=_change(themes, d, lang))]


def comment_sentences(themes: CommentThemes, lang: str, others: int = 2) -> list[str]:
    """The "What customers say" paragraph: how many commented, the top complaint, the next ones,
    the distinctive terms of the top complaint, and the privacy note.

    Returns
    -------
    list of str
        Sentences in the report language.
    """
    sep = "、" if lang == "zh" else ", "
    out = [i18n.t("comments.intro", lang, n=themes.n_comments, quarter=themes.quarter, assigned=themes.n_assigned)]
    out += top_complaint(themes, lang)
    t = themes.table
    rest = [d for d in t.index[1:] if t.at[d, "negative"] > 0][:others] if themes.top else []
    if rest:
        out.append(i18n.t("comments.next", lang, others=sep.join(
            i18n.t("comments.other", lang, dimension=i18n.dimension_name(d, lang), negative=int(t.at[d, "negative"]),
                   comments=int(t.at[d, "comments"])) for d in rest)))
    if themes.top and t.at[themes.top, "terms"]:
        z = themes.terms[themes.terms["dimension"] == themes.top].set_index("term")["z"]
        words = sep.join(i18n.t("comments.term", lang, term=w, z=float(z[w])) for w in t.at[themes.top, "terms"][:4])
        out.append(i18n.t("comments.terms", lang, dimension=i18n.dimension_name(themes.top, lang), terms=words))
    out.append(i18n.t("comments.redacted", lang, k=themes.n_redacted, min_n=themes.min_n))
    return out


def comment_table(themes: CommentThemes, lang: str) -> pd.DataFrame:
    """The themes table as a report shows it: terms and quotes as text.

    Returns
    -------
    DataFrame
        Indexed by dimension: ``comments, negative, negative_share, ci_low, ci_high, change,
        terms, examples`` (terms joined by "、" or ", ", quotes by " / ").
    """
    sep = "、" if lang == "zh" else ", "
    t = themes.table
    out = t[["comments", "negative", "negative_share", "ci_low", "ci_high", "change"]].copy()
    out["terms"] = [sep.join(x) for x in t["terms"]]
    out["examples"] = [" / ".join(x) for x in t["examples"]]
    return out
