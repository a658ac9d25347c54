"""The voice of the customer: survey comments read by satisfaction dimension.

The seed's quarterly loop starts from what customers say (its section 6.1: when customers
widely report slow communication, communication timeliness becomes an important KPI next
quarter). :func:`comment_themes` reads a quarter's comments, in Chinese and English:

1. **Privacy first.** Every comment is redacted before anything else reads it: the kit's
   personal-data detector (:func:`kit.pii.redact`: e-mail addresses, phone numbers and the
   other kinds it knows), the names of the reps in the data, and company names (…有限公司,
   … Co., Ltd.). Nothing downstream (words, terms, quotes) sees the original text.
2. **Words.** Chinese with jieba and the kit's user dictionary, English split into words
   (:mod:`kit.analysis._lexicon`).
3. **Dimensions.** A comment speaks about a dimension when it names one of the dimension's
   terms (the packaged lexicon, extended by the instrument's ``lexicon``). It is negative about
   it when the clauses naming it are negative (negation detected); when they carry no polarity,
   the clauses that name no dimension decide ("…，很失望"), and when those are neutral too, the respondent's own score
   of the dimension (low: in the bottom 37.5% of the scale, 2.5 or less on 1-5). A negative
   comment that names no dimension is about the respondent's lowest-scored dimension when
   that score is low (column ``by_score``).
4. **Distinctive terms** of each dimension: in the comments about it, the words that customers
   who scored the dimension low (at most the scale's midpoint) use more than those who scored
   it high (4 or more on 1-5), by the log-odds ratio with
   an informative Dirichlet prior (:func:`kit.stats.log_odds_dirichlet`, Monroe, Colaresi &
   Quinn 2008), the quarter's comments as the prior.
5. **Quotes**: up to three negative comments per dimension, only from reps with at least
   ``min_n`` responses in the quarter, never one in which a name or personal datum was found
   and never one with a long number or an address-like text that no detector recognised.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kit import i18n, pii, stats
from kit.analysis import _common as common
from kit.analysis import _lexicon as lex
from kit.results import Result

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset

__all__ = ["CommentThemes", "comment_themes", "comment_priority", "comment_reason", "redact_comments"]

_COMPANY = re.compile(
    r"[\u3400-\u9fffA-Za-z0-9（）()]{2,20}?(?:有限责任公司|股份有限公司|有限公司|集团公司|集团|公司)"
    r"|\b(?:[A-Z][\w&.\-]*\s){1,4}(?:Co\.?,?\s*Ltd\.?|Ltd\.?|Inc\.?|LLC|GmbH|Corp\.?|Limited|Group)")
# what kit.pii looks for needs a digit, an "@" or a spelled-out "at" (after NFKC, as it reads
# text): other comments skip the detector, which is the costliest step after segmentation
_MAYBE_PII = re.compile(r"\d|@|at", re.IGNORECASE)
_MAYBE_COMPANY = re.compile(r"公司|集团|Co\b|Ltd|Inc|LLC|GmbH|Corp|Limited|Group")
# never quoted, even when no detector fired: a long number, an "@" or a spelled-out address
_RISKY = re.compile(r"\d(?:[\s\-().]*\d){4,}|[@＠]|\bat\b.{1,40}\bdot\b|\[at\]|\(at\)", re.IGNORECASE)
_QUOTE_LEN = (6, 90)
_TERMS = 6


@dataclass(frozen=True)
class CommentThemes(Result):
    """What customers say, per satisfaction dimension (:func:`comment_themes`).

    Attributes
    ----------
    table : DataFrame
        Indexed by dimension, most complained-about first: ``comments``, ``negative``,
        ``negative_share``, ``ci_low``, ``ci_high``, ``by_score``, ``previous_share``,
        ``change``, ``change_low``, ``change_high``, ``terms``, ``examples``.
    terms : DataFrame
        Every term's log-odds statistic per dimension: ``dimension, term, count_low,
        count_high, delta, se, z`` (low scorers against high scorers).
    quarter, previous : str
        The quarter read, and the quarter it is compared with ("" when there is none).
    lang : str
        The report language (quotes in it come first; the redaction label).
    n_comments : int
        Comments in the quarter (rows in).
    n_assigned, n_unassigned : int
        Comments that speak about at least one dimension, and the others (thanks, greetings,
        complaints about nothing a dimension names); ``n_assigned + n_unassigned == n_comments``.
    n_redacted : int
        Comments in which personal data or a name was found and hidden.
    min_n : int
        Quotes come only from reps with at least this many responses in the quarter.
    """

    terms: pd.DataFrame = field(default_factory=pd.DataFrame)
    quarter: str = ""
    previous: str = ""
    lang: str = "en"
    n_comments: int = 0
    n_assigned: int = 0
    n_unassigned: int = 0
    n_redacted: int = 0
    min_n: int = 10

    @property
    def top(self) -> str | None:
        """The most complained-about dimension (most negative comments), or None without any."""
        t = self.table
        if not len(t) or t["negative"].iloc[0] <= 0:
            return None
        return str(t.index[0])


def _name_pattern(names: pd.Series) -> re.Pattern | None:
    vals = sorted({str(n).strip() for n in names.dropna() if len(str(n).strip()) >= 2}, key=len, reverse=True)
    if not vals:
        return None
    alts = [rf"(?<![A-Za-z]){re.escape(v)}(?![A-Za-z])" if v.isascii() else re.escape(v) for v in vals]
    return re.compile("|".join(alts))


def redact_comments(comments: pd.Series, names: pd.Series | None = None, *, replacement: str = "[redacted]",
                    ) -> tuple[pd.Series, pd.Series]:
    """Comments with personal data, names and company names replaced, and which ones changed.

    Parameters
    ----------
    comments : Series of str
        Free text (missing values stay missing).
    names : Series of str, optional
        People's names to hide wherever they appear (the reps' names); names shorter than
        two characters are ignored.
    replacement : str
        What stands in place of each finding.

    Returns
    -------
    (Series, Series)
        The redacted text, and a boolean Series: True where something was hidden.

    Examples
    --------
    >>> import pandas as pd
    >>> text, hit = redact_comments(pd.Series(["王芳回复很快，电话 138 0013 8851", "很好"]),
    ...                             pd.Series(["王芳"]), replacement="[x]")
    >>> text.tolist(), hit.tolist()
    (['[x]回复很快，电话 [x]', '很好'], [True, False])
    """
    name_re = _name_pattern(names) if names is not None else None

    def one(t: Any) -> Any:
        if not isinstance(t, str) or not t:
            return t
        out = pii.redact(t, replacement) if _MAYBE_PII.search(unicodedata.normalize("NFKC", t)) else t
        if _MAYBE_COMPANY.search(out):
            out = _COMPANY.sub(replacement, out)
        return name_re.sub(replacement, out) if name_re is not None else out

    uniq = pd.Series(comments.dropna().unique())
    mapping = dict(zip(uniq, uniq.map(one)))
    text = comments.map(mapping)
    return text, comments.notna() & (text != comments)


def _fetch(data: Dataset, quarters: list) -> tuple[pd.DataFrame, pd.Series]:
    """Comments of the quarters with their rep, quarter and dimension scores; responses per rep."""
    from kit.survey import dimension_score_exprs

    t = data.table("surveys_attributed")
    t = t.filter(t.quarter_index.isin([q.index for q in quarters]))
    c = t.filter(t.comment.notnull())
    df = c.select(c.response_id, c.rep_id, c.quarter_index, c.comment,
                  **dimension_score_exprs(c, data.instrument)).order_by("response_id").to_pandas()
    now = t.filter(t.quarter_index == quarters[-1].index)
    per_rep = now.group_by("rep_id").aggregate(n=now.count()).to_pandas()
    return df, per_rep.set_index("rep_id")["n"]


def _classify(frame: pd.DataFrame, reader: lex.Reader, dims: list[str], low: float):
    """Per comment and dimension: mentioned, negative, by score; and each comment's terms."""
    codes, uniq = pd.factorize(frame["text"])
    read = [reader.read(t) for t in uniq]
    n, k = len(frame), len(dims)
    pol = np.zeros((len(uniq), k))
    hit = np.zeros((len(uniq), k), dtype=bool)
    overall = np.zeros(len(uniq))
    for u, (_, found, tot) in enumerate(read):
        overall[u] = tot
        for j, p in found.items():
            hit[u, j] = True
            pol[u, j] = p
    mention = hit[codes]
    p = pol[codes]
    ov = overall[codes][:, None]
    scores = frame[dims].to_numpy(dtype=float)
    low_score = np.nan_to_num(scores, nan=np.inf) <= low
    p = np.where(p == 0, ov, p)
    negative = mention & ((p < 0) | ((p == 0) & low_score))
    # a negative comment that names no dimension: the respondent's lowest-scored one, when low
    none = ~mention.any(axis=1) & (overall[codes] < 0)
    with np.errstate(invalid="ignore"):
        safe = np.where(np.isnan(scores), np.inf, scores)
        worst = np.argmin(safe, axis=1)
        worst_low = safe[np.arange(n), worst] <= low
    by_score = np.zeros((n, k), dtype=bool)
    rows = np.flatnonzero(none & worst_low)
    by_score[rows, worst[rows]] = True
    mention = mention | by_score
    negative = negative | by_score
    neg_strength = np.where(negative, np.minimum(p, 0) - by_score, 0)
    return codes, [r[0] for r in read], mention, negative, by_score, neg_strength


def _counts(frame: pd.DataFrame, mention: np.ndarray, negative: np.ndarray, by_score: np.ndarray,
            dims: list[str], rows: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"comments": mention[rows].sum(axis=0), "negative": negative[rows].sum(axis=0),
                         "by_score": by_score[rows].sum(axis=0)}, index=pd.Index(dims, name="dimension"))


def _term_stats(codes: np.ndarray, terms: list[list[str]], frame: pd.DataFrame, dims: list[str], rows: np.ndarray,
                mention: np.ndarray, low: float, high: float, prior_strength: float) -> pd.DataFrame:
    """Log-odds of each term in the comments about each dimension, low scorers against high scorers."""
    from scipy import sparse

    vocab: dict[str, int] = {}
    ind, ptr = [], [0]
    for ts in terms:
        for w in ts:
            ind.append(vocab.setdefault(w, len(vocab)))
        ptr.append(len(ind))
    words = np.array(list(vocab), dtype=object)
    out = []
    if not len(words):
        return pd.DataFrame(columns=["dimension", "term", "count_low", "count_high", "delta", "se", "z"])
    dt = sparse.csr_matrix((np.ones(len(ind)), np.array(ind, dtype=np.int64), np.array(ptr, dtype=np.int64)),
                           shape=(len(terms), len(vocab)))
    u = codes[rows]
    background = np.bincount(u, minlength=len(terms)) @ dt
    for j, d in enumerate(dims):
        s = frame[d].to_numpy(dtype=float)[rows]
        about = mention[rows, j]
        a = np.bincount(u[about & (s <= low)], minlength=len(terms)) @ dt
        b = np.bincount(u[about & (s >= high)], minlength=len(terms)) @ dt
        use = (a + b) > 0
        if a.sum() == 0 or b.sum() == 0 or not use.any():
            continue
        lo = stats.log_odds_dirichlet(np.asarray(a)[use], np.asarray(b)[use], prior=np.asarray(background)[use],
                                      alpha0=prior_strength, index=words[use])
        lo = lo.rename(columns={"count_a": "count_low", "count_b": "count_high"}).drop(columns="alpha")
        lo.insert(0, "dimension", d)
        out.append(lo.reset_index().rename(columns={"word": "term"}))
    if not out:
        return pd.DataFrame(columns=["dimension", "term", "count_low", "count_high", "delta", "se", "z"])
    return pd.concat(out, ignore_index=True)


def _examples(frame: pd.DataFrame, negative: np.ndarray, mention: np.ndarray, strength: np.ndarray,
              rows: np.ndarray, j: int, eligible: np.ndarray, lang: str) -> list[str]:
    pick = rows[eligible[rows] & negative[rows, j]]
    if not len(pick):
        return []
    text = frame["text"].to_numpy(dtype=object)[pick]
    is_zh = np.array([bool(lex._CJK.search(t)) for t in text])
    length = np.array([len(t) for t in text])
    ok = (length >= _QUOTE_LEN[0]) & (length <= _QUOTE_LEN[1])
    other_dims = mention[pick].sum(axis=1) - 1
    key = pd.DataFrame({
        "lang": (is_zh != (lang == "zh")).astype(int), "ok": (~ok).astype(int), "others": other_dims,
        "strength": strength[pick, j], "id": frame["response_id"].to_numpy(dtype=object)[pick].astype(str),
        "text": text})
    key = key.sort_values(["ok", "lang", "others", "strength", "id"], kind="stable")
    out: list[str] = []
    for t in key["text"]:
        if t not in out:
            out.append(t)
        if len(out) == 3:
            break
    return out


def comment_themes(data: Dataset, quarter: str | None = None, *, lang: str = "zh", min_n: int = 10,
                   low: float | None = None, high: float | None = None,
                   prior_strength: float = 100.0) -> CommentThemes:
    """What customers say about each satisfaction dimension in a quarter, against the previous one.

    Parameters
    ----------
    data : kit.Dataset
        A loaded data set (:func:`kit.load`); comments are the ``surveys.comment`` column.
    quarter : str, optional
        The quarter (default: the latest); responses are placed by ``submitted_at``.
    lang : {'zh', 'en'}
        The report language: quotes in it come first, and the redaction label is in it. Comments
        in both languages are always read.
    min_n : int
        Quotes only from reps with at least this many responses in the quarter (the reports'
        small-n rule).
    low, high : float, optional
        Dimension scores that count as low (default: ``min + 0.375 * range``, 2.5 on 1-5: a
        neutral comment of such a respondent is negative about the dimension it names) and
        high (default: ``min + 0.75 * range``, 4 on 1-5). The distinctive terms compare the
        respondents at or below the scale's midpoint (3 on 1-5) with the high ones.
    prior_strength : float
        The Dirichlet prior's total pseudo-count (``alpha0``), spread over the words in
        proportion to their frequency in all of the quarter's comments. The default, 100
        words, keeps one-off words from the top while letting a quarter's few hundred comments
        speak; a larger value asks for more evidence.

    Returns
    -------
    CommentThemes
        Its table is indexed by dimension, most negative comments first, with columns

        - ``comments``: comments that speak about the dimension;
        - ``negative``: those that are negative about it;
        - ``negative_share``: negative / comments, with ``ci_low``, ``ci_high`` (95% Wilson);
        - ``by_score``: negative comments naming no dimension, assigned by the respondent's
          lowest score;
        - ``previous_share``: the negative share of the previous quarter; ``change``: this
          share minus that one, with ``change_low``, ``change_high`` (95% Newcombe hybrid
          score interval); missing without a previous quarter;
        - ``terms``: the distinctive terms of low scorers in the comments about the
          dimension (list of str, z > 1.96 and used at least 3 times, strongest first; the
          statistics of every term are in ``.terms``);
        - ``examples``: up to three quotes (list of str), redacted.

    Examples
    --------
    >>> import kit
    >>> data = kit.load("data/samples")
    >>> themes = kit.analysis.comment_themes(data, "2026Q3", lang="en")
    >>> list(themes.columns[:3])
    ['comments', 'negative', 'negative_share']
    """
    from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

    lang = i18n.check_lang(lang)
    if not isinstance(min_n, int) or isinstance(min_n, bool) or min_n < 1:
        raise ValueError(f"min_n must be a whole number >= 1; got {min_n!r}.")
    q = common.one_quarter(data, quarter)
    inst = data.instrument
    span = inst.scale_max - inst.scale_min
    low = inst.scale_min + 0.375 * span if low is None else float(low)
    high = inst.scale_min + 0.75 * span if high is None else float(high)
    if not low < high:
        raise ValueError(f"low ({low}) must be below high ({high}).")
    prev = q.previous()
    has_prev = common.has_quarter(data, prev)
    quarters = [prev, q] if has_prev else [q]
    dims = inst.dimensions
    frame, per_rep = _fetch(data, quarters)
    frame["text"], redacted = redact_comments(frame["comment"], data.tables["reps"]["rep_name"],
                                              replacement=i18n.t("report.redacted", lang))
    frame = frame.drop(columns="comment")
    reader = lex.Reader(lex.merge_lexicon(inst.lexicon, dims))
    codes, terms, mention, negative, by_score, strength = _classify(frame, reader, dims, low)
    now = np.flatnonzero(frame["quarter_index"].to_numpy() == q.index)
    before = np.flatnonzero(frame["quarter_index"].to_numpy() == prev.index) if has_prev else np.array([], int)

    table = _counts(frame, mention, negative, by_score, dims, now)
    share = table["negative"] / table["comments"].where(table["comments"] > 0)
    table.insert(2, "negative_share", share)
    lo_, hi_ = proportion_confint(table["negative"], table["comments"].clip(lower=1), method="wilson")
    table.insert(3, "ci_low", np.where(table["comments"] > 0, lo_, np.nan))
    table.insert(4, "ci_high", np.where(table["comments"] > 0, hi_, np.nan))
    p_tab = _counts(frame, mention, negative, by_score, dims, before)
    table["previous_share"] = p_tab["negative"] / p_tab["comments"].where(p_tab["comments"] > 0)
    table["change"] = table["negative_share"] - table["previous_share"]
    ch_lo, ch_hi = [], []
    for d in dims:
        n1, n0 = int(table.at[d, "comments"]), int(p_tab.at[d, "comments"])
        if n1 and n0:
            lo2, hi2 = confint_proportions_2indep(int(table.at[d, "negative"]), n1, int(p_tab.at[d, "negative"]), n0,
                                                  method="newcomb", compare="diff")
            ch_lo.append(float(lo2))
            ch_hi.append(float(hi2))
        else:
            ch_lo.append(math.nan)
            ch_hi.append(math.nan)
    table["change_low"], table["change_high"] = ch_lo, ch_hi

    if not isinstance(prior_strength, (int, float)) or isinstance(prior_strength, bool) or not prior_strength > 0:
        raise ValueError(f"prior_strength must be a positive number of words; got {prior_strength!r}.")
    mid = inst.scale_min + 0.5 * span
    term_table = _term_stats(codes, terms, frame, dims, now, mention, mid, high, float(prior_strength))
    sig = term_table[(term_table["z"] > 1.96) & (term_table["count_low"] >= 3)] if len(term_table) else term_table
    table["terms"] = [sig.loc[sig["dimension"] == d, "term"].head(_TERMS).tolist() if len(sig) else [] for d in dims]

    counts = frame["rep_id"].map(per_rep).fillna(0).to_numpy()
    risky = frame["text"].str.contains(_RISKY).to_numpy(dtype=bool)
    eligible = (counts >= min_n) & ~redacted.to_numpy(dtype=bool) & ~risky
    table["examples"] = [_examples(frame, negative, mention, strength, now, j, eligible, lang)
                         for j in range(len(dims))]
    table = table.sort_values(["negative", "negative_share"], ascending=False, kind="stable")
    assigned = int(mention[now].any(axis=1).sum())
    return CommentThemes(
        table=table, terms=term_table, quarter=str(q), previous=str(prev) if has_prev else "", lang=lang,
        n_comments=len(now), n_assigned=assigned, n_unassigned=len(now) - assigned,
        n_redacted=int(redacted.to_numpy(dtype=bool)[now].sum()), min_n=min_n)


def comment_priority(themes: CommentThemes | pd.DataFrame, *, weight: float = 0.5,
                     min_share: float = 0.25) -> pd.Series:
    """How much the comments raise each dimension's priority for next quarter's weights.

    A dimension's comment priority is its number of negative comments relative to the
    dimension customers complain about most (1 for that one), times ``weight``; it is 0 for a
    dimension that many customers do not clearly complain about: the lower end of the 95%
    interval of its negative share below ``min_share`` (a quarter of the comments about it).
    So a handful of complaints never moves weights. :func:`kit.analysis.recommend_weights`
    adds it to the drivers' priority.

    Parameters
    ----------
    themes : CommentThemes or its table
        :func:`comment_themes`.
    weight : float
        The largest boost, between 0 and 1 (the drivers' priority is scaled to at most 1).
    min_share : float
        The share of negative comments that the interval's lower end must reach.

    Returns
    -------
    Series
        Indexed by dimension, values in [0, ``weight``].

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"negative": [40, 10, 3], "ci_low": [0.5, 0.3, 0.02]},
    ...                  index=["responsiveness", "quality", "communication"])
    >>> comment_priority(t).round(3).to_dict()
    {'responsiveness': 0.5, 'quality': 0.125, 'communication': 0.0}
    """
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 <= weight <= 1:
        raise ValueError(f"weight must be a number between 0 and 1; got {weight!r}.")
    if not isinstance(min_share, (int, float)) or isinstance(min_share, bool) or not 0 <= min_share <= 1:
        raise ValueError(f"min_share must be a share between 0 and 1; got {min_share!r}.")
    t = themes.table if isinstance(themes, CommentThemes) else themes
    neg = t["negative"].astype(float)
    if not len(neg) or neg.max() <= 0:
        return pd.Series(0.0, index=t.index, name="comment_priority")
    out = weight * neg / neg.max()
    out[t["ci_low"].fillna(0) < min_share] = 0.0
    return out.rename("comment_priority")


def comment_reason(themes: CommentThemes, dimension: str, lang: str) -> str:
    """The clause a weight change cites: how many comments about ``dimension`` complain.

    Returns
    -------
    str
        "; customers complained about responsiveness in 69 of 121 comments about it (57%)",
        or "" when the dimension is not in the table.
    """
    t = themes.table if isinstance(themes, CommentThemes) else themes
    if dimension not in t.index:
        return ""
    r = t.loc[dimension]
    return i18n.t("comments.reason", lang, dimension=i18n.dimension_name(dimension, lang),
                  negative=int(r["negative"]), comments=int(r["comments"]), share=r["negative_share"])
