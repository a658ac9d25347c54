"""Reading one survey comment: words, the dimensions it speaks about, and how it judges them.

Chinese text is segmented with jieba (its own dictionary, plus the kit's user dictionary of
domain terms ``kit/data/comment_userdict.txt``); English text is lower-cased and split into
words. The lexicon (``kit/data/comment_lexicon.yaml``, extended by the instrument file's
``lexicon`` key) says which words name a dimension, which are negative or positive, which
negate the next polar word and which start a new clause.

A comment is read clause by clause: a clause's polarity is the sum of its polar words, a
negation turning the sign of the next polar word within four words (不及时, 没有任何隐藏费用,
"not transparent", "no hidden costs"); a negation with no polar word after it says that
something was missing ("一直没有下文", "never happened") and counts -1. Each dimension that
a clause names takes that clause's polarity.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

__all__: list[str] = []

_NEG_SCOPE = 4
_CJK = re.compile(r"[\u3400-\u9fff]")
_NEG_PREFIX = ("不", "没", "未", "无", "别")


def _data_text(name: str) -> str:
    return resources.files("kit").joinpath("data", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def base_lexicon() -> dict[str, Any]:
    """The packaged lexicon (``kit/data/comment_lexicon.yaml``) as plain data."""
    return yaml.safe_load(_data_text("comment_lexicon.yaml"))


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    words: set[str] = set()
    for name in ("stopwords_zh.txt", "stopwords_en.txt"):
        words |= {w.strip() for w in _data_text(name).splitlines() if w.strip() and not w.startswith("#")}
    return frozenset(words)


@lru_cache(maxsize=1)
def _jieba():
    """A jieba tokenizer of its own (the global one stays untouched), with the user dictionary."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    with resources.as_file(resources.files("kit").joinpath("data", "comment_userdict.txt")) as path:
        tk.load_userdict(str(path))
    return tk


def merge_lexicon(extra: Mapping[str, Any] | None, dimensions: list[str]) -> dict[str, Any]:
    """The packaged lexicon with the instrument's additions; every dimension gets an entry.

    ``extra`` maps a dimension to ``{zh: [...], en: [...]}`` (or to a plain list of terms).
    """
    base = base_lexicon()
    dims = {d: {"zh": list(v.get("zh", [])), "en": list(v.get("en", []))} for d, v in base["dimensions"].items()}
    for d, spec in (extra or {}).items():
        entry = dims.setdefault(str(d), {"zh": [], "en": []})
        terms = spec if isinstance(spec, list) else [t for lang in ("zh", "en") for t in (spec or {}).get(lang, [])]
        for term in terms:
            term = str(term).strip()
            if term:
                entry["zh" if _CJK.search(term) else "en"].append(term if _CJK.search(term) else term.lower())
    out = dict(base)
    out["dimensions"] = {d: dims.get(d, {"zh": [], "en": []}) for d in dimensions}
    return out


@dataclass(frozen=True)
class _Word:
    dims: int = 0          # bit mask of the dimensions it names
    pol: int = 0           # +1 positive, -1 negative
    neg: bool = False      # a negation
    brk: bool = False      # ends a clause
    term: bool = False     # kept as a term for the distinctive-terms statistic


class Reader:
    """Reads comments with one lexicon; caches what each word is (the vocabulary is small)."""

    def __init__(self, lexicon: Mapping[str, Any]) -> None:
        self.dimensions = list(lexicon["dimensions"])
        self._zh_terms: list[tuple[str, int]] = []
        self._zh_single: dict[str, int] = {}
        self._en_exact: dict[str, int] = {}
        self._en_prefix: list[tuple[str, int]] = []
        for j, d in enumerate(self.dimensions):
            bit = 1 << j
            for t in lexicon["dimensions"][d].get("zh", []):
                if len(t) >= 2:
                    self._zh_terms.append((t, bit))
                else:
                    self._zh_single[t] = self._zh_single.get(t, 0) | bit
            for t in lexicon["dimensions"][d].get("en", []):
                t = t.lower()
                if t.endswith("*"):
                    self._en_prefix.append((t[:-1], bit))
                else:
                    self._en_exact[t] = self._en_exact.get(t, 0) | bit
        self._pol = {w: -1 for lang in ("zh", "en") for w in lexicon["negative"].get(lang, [])}
        self._pol.update({w: 1 for lang in ("zh", "en") for w in lexicon["positive"].get(lang, [])})
        self._neg = {w for lang in ("zh", "en") for w in lexicon["negation"].get(lang, [])}
        self._clause = {w for lang in ("zh", "en") for w in lexicon.get("clause", {}).get(lang, [])}
        self._stop = stopwords()
        self._cache: dict[str, _Word] = {}

    # -- words --

    def _dims_of(self, w: str) -> int:
        if _CJK.search(w):
            bits = self._zh_single.get(w, 0)
            for t, bit in self._zh_terms:
                if t in w:
                    bits |= bit
            return bits
        bits = self._en_exact.get(w, 0)
        for t, bit in self._en_prefix:
            if w.startswith(t):
                bits |= bit
        return bits

    def _word(self, w: str) -> _Word:
        if w in self._clause:
            return _Word(brk=True)
        if not w.strip() or not any(ch.isalnum() for ch in w):
            return _Word(brk=not w.isspace() and w not in {"-", "'", "\u2019"})
        dims = self._dims_of(w)
        if w in self._pol:
            return _Word(dims, self._pol[w], term=True)
        if w in self._neg:
            return _Word(dims, neg=True)
        if len(w) >= 2 and w[0] in _NEG_PREFIX and w[1:] in self._pol:  # 不及时, 没理解
            return _Word(dims | self._dims_of(w[1:]), -self._pol[w[1:]], term=True)
        cjk = bool(_CJK.search(w))
        # no word with a digit is a term: numbers say nothing of a dimension, and a number the
        # detectors missed (an ID, an account) must not reach a table
        keep = (w not in self._stop and not any(ch.isdigit() for ch in w) and (not cjk or len(w) >= 2 or dims > 0)
                and (cjk or len(w) >= 3))
        pol = 0
        if cjk and len(w) >= 3:  # a longer word containing a polar word: 隐藏费用, 很失望
            for p, v in self._pol.items():
                if len(p) >= 2 and p in w:
                    pol = v
                    break
        return _Word(dims, pol, term=keep)

    def words(self, text: str) -> list[str]:
        """The words of a comment: jieba for text with Chinese characters, else English words."""
        text = unicodedata.normalize("NFKC", text)
        if _CJK.search(text):
            return [w.lower() if w.isascii() else w for w in _jieba().lcut(text)]
        text = text.lower().replace("n't", " not").replace("\u2019", "'")
        out = []
        for m in re.finditer(r"[a-z][a-z\-]*[a-z]|[a-z]|[.,;:!?]", text):
            out.append(m.group(0))
        return out

    # -- a comment --

    def read(self, text: str) -> tuple[list[str], dict[int, int], int]:
        """``(terms, {dimension index: polarity}, free polarity)`` of one comment.

        The free polarity sums the clauses that name no dimension ("很失望", "Thanks!"): it
        judges a dimension whose own clauses carry no polar word, and a comment that names none.
        """
        cache = self._cache
        terms: list[str] = []
        found: dict[int, int] = {}
        overall = 0
        mask = pol = 0
        scope = 0
        neg_word = ""

        def close() -> None:
            nonlocal mask, pol, scope, overall
            if scope:
                pol -= 1
                scope = 0
            if not mask:  # a clause naming no dimension ("很失望", "Thanks!") judges the comment
                overall += pol
            j = 0
            m = mask
            while m:
                if m & 1:
                    found[j] = found.get(j, 0) + pol
                m >>= 1
                j += 1
            mask = pol = 0

        for w in self.words(text):
            info = cache.get(w)
            if info is None:
                info = cache[w] = self._word(w)
            if info.brk:
                close()
                continue
            mask |= info.dims
            if info.neg:
                scope, neg_word = _NEG_SCOPE, w
                continue
            if info.pol:
                if scope:
                    pol -= info.pol
                    terms.append(neg_word + ("" if _CJK.search(w) else " ") + w)
                    scope = 0
                else:
                    pol += info.pol
                    if info.term:
                        terms.append(w)
                continue
            if scope:
                scope -= 1
                if not scope:
                    pol -= 1
            if info.term:
                terms.append(w)
        close()
        return terms, found, overall
