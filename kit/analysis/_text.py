"""Sentences of the analyses, in English and Chinese, built from numbers.

The wording lives in ``kit/locales`` (keys ``why.*`` for the KPI verdicts, ``weights.*`` for
the weight changes); numbers are formatted here before they go in.
"""

from __future__ import annotations

import math

from kit import i18n

__all__: list[str] = []


def check_lang(lang: str) -> str:
    return i18n.check_lang(lang)


def num(x: float, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{digits}f}"


def pval(p: float) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def say(key: str, lang: str, **kw: object) -> str:
    return i18n.t(f"why.{key}", lang, **kw)


def join(parts: list[str], lang: str) -> str:
    """Sentences joined as the language writes them (no spaces between Chinese sentences)."""
    return ("" if lang == "zh" else " ").join(p for p in parts if p)
