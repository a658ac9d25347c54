"""Labels and sentences of the reports in Chinese (``zh``) and English (``en``).

The words live in ``kit/locales/zh.yaml`` and ``kit/locales/en.yaml`` (nested mappings; a key
is the dotted path, e.g. ``report.parameters_in_force``). A sentence is built from numbers with
:func:`t`, which formats each number the way the report's language writes it::

    >>> t("report.suppressed_note", "en", min_n=5)
    'Figures counted from fewer than 5 rows are not shown (marked "insufficient data").'
    >>> t("index.seconds", "zh", s=12.34)
    '12.3 秒'

Placeholders take Python's format specs and these named ones:

============  ==========================  ==========================
spec          zh                          en
============  ==========================  ==========================
``int``       ``1,234``                   ``1,234``
``num``       ``1,234.57``                ``1,234.57``
``num1``      ``1,234.6``                 ``1,234.6``
``pct``       ``12.3%``                   ``12.3%``
``pct0``      ``12%``                     ``12%``
``amount``    ``1,234.6万``, ``1.23亿``     ``12.3K``, ``4.5M``, ``1.2B``
``hours``     ``12.5 小时``                 ``12.5 h``
``date``      ``2026-07-01``              ``2026-07-01``
============  ==========================  ==========================

A missing value (``None``, NaN) is written ``无数据`` / ``n/a`` whatever the spec. Notebooks
and the analysis layer add their own keys to the two files (a test checks both have the same
keys); :func:`register` adds words at run time (e.g. in a notebook).
"""

from __future__ import annotations

import difflib
import math
import string
import warnings
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from kit.errors import EXIT_USAGE, KitError

__all__ = [
    "dimension_name",
    "LANGS",
    "DEFAULT_LANG",
    "I18nError",
    "MissingTranslationWarning",
    "check_lang",
    "t",
    "has",
    "keys",
    "register",
    "fmt",
    "number",
    "percent",
    "amount",
    "hours",
    "missing",
]

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"
_LOCALES = Path(__file__).resolve().parent / "locales"
_EXTRA: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}


class I18nError(KitError, KeyError, ValueError, exit_code=EXIT_USAGE):
    """An unknown language or an unknown label key."""

    def __str__(self) -> str:  # KeyError quotes its message; show it as written
        return str(self.args[0]) if self.args else ""


class MissingTranslationWarning(UserWarning):
    """A key exists in one language only; the other language's text is used."""


def check_lang(lang: Any) -> str:
    """Return ``lang`` if it is a supported report language, else raise :class:`I18nError`."""
    if lang not in LANGS:
        raise I18nError(f"lang must be one of {', '.join(LANGS)}; got {lang!r}.")
    return lang


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = "" if v is None else str(v)
    return out


@cache
def _catalog(lang: str) -> dict[str, str]:
    path = _LOCALES / f"{lang}.yaml"
    tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(tree, Mapping):
        raise I18nError(f"{path}: expected a mapping of keys to texts.")
    return _flatten(tree)


def _words(lang: str) -> dict[str, str]:
    return {**_catalog(lang), **_EXTRA[lang]}


def keys(lang: str = DEFAULT_LANG) -> list[str]:
    """All label keys of a language (the locale file's and those added by :func:`register`)."""
    return sorted(_words(check_lang(lang)))


def has(key: str, lang: str = DEFAULT_LANG) -> bool:
    """Whether ``key`` has a text in ``lang``."""
    return key in _words(check_lang(lang))


def register(lang: str, words: Mapping[str, Any]) -> None:
    """Add or replace texts at run time: ``register("en", {"my.key": "Hello {name}"})``.

    Nested mappings are flattened to dotted keys, as in the locale files.
    """
    _EXTRA[check_lang(lang)].update(_flatten(words))


# --- numbers ------------------------------------------------------------------------------------


def missing(lang: str = DEFAULT_LANG) -> str:
    """How a missing value is written: ``无数据`` / ``n/a``."""
    return _words(check_lang(lang))["value.missing"]


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        import pandas as pd

        if x is pd.NA or x is pd.NaT:
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(x, float) and math.isnan(x)


def number(x: Any, lang: str = DEFAULT_LANG, digits: int = 0) -> str:
    """``1234.567`` -> ``'1,235'`` (``digits=0``), ``'1,234.57'`` (``digits=2``)."""
    if _is_missing(x):
        return missing(lang)
    return f"{float(x):,.{digits}f}" if digits or not float(x).is_integer() else f"{int(round(float(x))):,}"


def percent(x: Any, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    """A share as a percentage: ``0.1234`` -> ``'12.3%'``."""
    if _is_missing(x):
        return missing(lang)
    return f"{float(x) * 100:.{digits}f}%"


def amount(x: Any, lang: str = DEFAULT_LANG) -> str:
    """A money amount, short: zh ``1,234.6万`` / ``1.23亿``; en ``12.3K`` / ``4.5M`` / ``1.2B``."""
    if _is_missing(x):
        return missing(lang)
    v = float(x)
    a = abs(v)
    if check_lang(lang) == "zh":
        if a >= 1e8:
            return f"{v / 1e8:,.2f}亿"
        if a >= 1e4:
            return f"{v / 1e4:,.1f}万"
        return f"{v:,.0f}"
    for scale, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= scale:
            return f"{v / scale:,.1f}{unit}"
    return f"{v:,.0f}"


def hours(x: Any, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    """A duration in hours: ``12.5 小时`` / ``12.5 h``."""
    if _is_missing(x):
        return missing(lang)
    return _words(check_lang(lang))["value.hours"].format(h=f"{float(x):,.{digits}f}")


def _date(x: Any) -> str:
    if hasattr(x, "strftime"):
        return x.strftime("%Y-%m-%d")
    return str(x)[:10]


def fmt(x: Any, spec: str = "", lang: str = DEFAULT_LANG) -> str:
    """Format one value with a named spec (``int``, ``num``, ``pct``, ...) or a Python spec."""
    check_lang(lang)
    if _is_missing(x):
        return missing(lang)
    if isinstance(x, bool) and spec in ("", "bool"):
        return _words(lang)["value.yes" if x else "value.no"]
    named = {
        "int": lambda v: number(v, lang, 0),
        "count": lambda v: number(v, lang, 0),
        "num": lambda v: number(v, lang, 2),
        "num1": lambda v: number(v, lang, 1),
        "num2": lambda v: number(v, lang, 2),
        "pct": lambda v: percent(v, lang, 1),
        "pct0": lambda v: percent(v, lang, 0),
        "pct1": lambda v: percent(v, lang, 1),
        "pct2": lambda v: percent(v, lang, 2),
        "amount": lambda v: amount(v, lang),
        "hours": lambda v: hours(v, lang),
        "date": _date,
    }
    if spec in named:
        return named[spec](x)
    return format(x, spec)


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        return fmt(value, format_spec, self.lang)


# --- texts -------------------------------------------------------------------------------------


def t(key: str, lang: str | None = None, /, **values: Any) -> str:
    """The text of ``key`` in ``lang``, with ``values`` formatted into its placeholders.

    Parameters
    ----------
    key : str
        Dotted key, e.g. ``"report.parameters_in_force"``.
    lang : {'zh', 'en'}, optional
        Default ``zh``.
    **values
        The placeholders' values; numbers are formatted for the language.

    Returns
    -------
    str

    Raises
    ------
    I18nError
        The key exists in no language (the message suggests close keys), or a placeholder
        has no value.

    A key present in the other language only is used from there, with a
    :class:`MissingTranslationWarning`.
    """
    lang = check_lang(DEFAULT_LANG if lang is None else lang)
    words = _words(lang)
    text = words.get(key)
    if text is None:
        for other in LANGS:
            if other != lang and key in _words(other):
                warnings.warn(f"i18n: {key!r} has no {lang} text; using the {other} text.",
                              MissingTranslationWarning, stacklevel=2)
                text = _words(other)[key]
                break
    if text is None:
        close = difflib.get_close_matches(key, list(words), n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise I18nError(f"No text for key {key!r} in kit/locales/{lang}.yaml.{hint}")
    if not values and "{" not in text:
        return text
    try:
        return _Formatter(lang).vformat(text, (), values)
    except KeyError as exc:
        raise I18nError(f"Text {key!r} needs a value for {exc.args[0]!r}; got {sorted(values)}.") from None


def dimension_name(name: str, lang: str = DEFAULT_LANG) -> str:
    """A satisfaction dimension's display name (``dimension.<name>``), else the name itself."""
    key = f"dimension.{name}"
    return t(key, lang) if has(key, lang) else str(name)
