"""Personal data in free text: e-mail addresses, phone numbers, ID-card and bank-card numbers.

The one detector of the kit. The reports use it on every table and sentence they publish
and to scan every output file; the charts check the text they draw with it; the comment
analysis redacts survey comments with it before reading them. It sits below every other
layer (it imports nothing from the kit), so that any layer may call it.

The text is normalised before it is searched: NFKC (full-width digits and ``＠``, ``．``
become ASCII), zero-width characters and soft hyphens are removed and non-breaking spaces
become ordinary spaces. Matches are reported and redacted in the original text.

What is found (``kind``):

- ``e-mail``: ``li.na@example.com``, ``li.na＠example．com``, and spelled out:
  ``li.na at example dot com``, ``li.na(at)example(dot)com``, ``li.na [at] example [dot] cn``.
- ``mobile``: Chinese mobile numbers 1[3-9]x xxxx xxxx, with or without 86 / +86 / 0086,
  separated by spaces, hyphens or dots.
- ``landline``: Chinese landlines, area code and 7-8 digits (010-62345678, (0755) 8601 3388,
  021.6888.8888, 86-21-68888888, +86 21 6888 8888), with an optional extension.
- ``phone``: any other number in international form (``+`` or ``00`` and a country code)
  that the ``phonenumbers`` library calls valid: +1 212 736 5000, +44 20 7946 0958,
  +852 2123 4567.
- ``id-card``: 18-digit resident identity numbers whose birth date and check digit hold
  (``stdnum.cn.ric``), optionally grouped 6-8-4.
- ``bank-card``: 16-19 digit card numbers (first digit 2-6 or 9) that pass the Luhn check
  (``stdnum.luhn``), optionally grouped by four.

Examples
--------
>>> from kit import pii
>>> pii.redact("请回电 138-0013-8851 或写信 li.na@example.com", "[x]")
'请回电 [x] 或写信 [x]'
>>> [kind for kind, _ in pii.find_personal_data("li.na@example.com, 010-6512 3388")]
['e-mail', 'landline']
>>> [kind for kind, _ in pii.find_personal_data("１３８００１３８０００ / li.na at example dot com")]
['e-mail', 'mobile']
"""

from __future__ import annotations

import bisect
import re
import unicodedata

import phonenumbers
from stdnum import luhn
from stdnum.cn import ric

__all__ = ["find_personal_data", "mask", "normalize", "redact"]

# ------------------------------------------------------------------------------------------------
# Normalisation with a map back to the original text
# ------------------------------------------------------------------------------------------------

# removed: zero-width spaces and joiners, word joiner, invisible operators, BOM, soft hyphen,
# Mongolian vowel separator, bidi marks and embeddings
_DROP = frozenset("\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
                  "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# become a plain space: no-break space, narrow no-break space, figure space, ideographic space
_SPACE = frozenset("\u00a0\u202f\u2007\u3000\u2028\u2029")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


class _Normalised:
    """NFKC text without invisible characters, and where each of its characters came from."""

    __slots__ = ("text", "_norm_at", "_orig_at", "_same")

    def __init__(self, text: str):
        parts: list[str] = []
        self._norm_at: list[int] = []   # segment start in the normalised text
        self._orig_at: list[int] = []   # segment start in the original text
        self._same: list[bool] = []     # True: the segment is a copy of the original
        pos = 0
        n = 0

        def copy(start: int, end: int) -> None:
            nonlocal n
            if end > start:
                if not (self._same and self._same[-1]
                        and self._orig_at[-1] + (n - self._norm_at[-1]) == start):
                    self._norm_at.append(n)
                    self._orig_at.append(start)
                    self._same.append(True)
                parts.append(text[start:end])
                n += end - start

        for m in _NON_ASCII.finditer(text):
            copy(pos, m.start())
            run = m.group(0)
            if unicodedata.is_normalized("NFKC", run) and not any(c in _DROP or c in _SPACE for c in run):
                copy(m.start(), m.end())
            else:
                for i, ch in enumerate(run, start=m.start()):
                    new = "" if ch in _DROP else " " if ch in _SPACE else unicodedata.normalize("NFKC", ch)
                    if new == ch:
                        copy(i, i + 1)
                    elif new:
                        self._norm_at.append(n)
                        self._orig_at.append(i)
                        self._same.append(False)
                        parts.append(new)
                        n += len(new)
            pos = m.end()
        copy(pos, len(text))
        self.text = "".join(parts)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the normalised span ``[start, end)`` (``end > start``)."""
        return self._orig(start), self._orig(end - 1) + 1

    def _orig(self, p: int) -> int:
        k = bisect.bisect_right(self._norm_at, p) - 1
        return self._orig_at[k] + (p - self._norm_at[k] if self._same[k] else 0)


def normalize(text: str) -> str:
    """``text`` as the detector reads it: NFKC, no zero-width characters, plain spaces.

    Examples
    --------
    >>> normalize("１３８\u00a0００１３\u200b８０００ li.na＠example．com")
    '138 00138000 li.na@example.com'
    """
    return _Normalised(text).text


# ------------------------------------------------------------------------------------------------
# Patterns (on normalised text)
# ------------------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:[.。][A-Za-z0-9\-]+)*[.。][A-Za-z]{2,}"
    r"(?![A-Za-z0-9\-])")
# spelled out: "li.na at example dot com", "li.na(at)example(dot)com", "li.na [at] example [dot] cn".
# The top-level domain must be a common one, so that "look at this dot matrix" is left alone.
_TLD = (r"(?:com|cn|net|org|edu|gov|mil|int|info|biz|io|hk|tw|mo|sg|jp|kr|uk|de|fr|ru|au|ca|nz|ch|nl|se"
        r"|es|eu|xyz|top|vip|ai|co|us|edu\.cn|com\.cn|net\.cn|org\.cn|gov\.cn|co\.uk|com\.hk)")
_AT = r"(?:\s*[(\[{<]\s*(?:at|AT|At)\s*[)\]}>]\s*|\s+(?:at|AT)\s+|\s*艾特\s*|\s*@\s+|\s+@\s*)"
_DOT = r"(?:\s*[(\[{<]\s*(?:dot|DOT|Dot)\s*[)\]}>]\s*|\s+(?:dot|DOT)\s+|\s*点\s*|\.|。)"
_EMAIL_SPELLED = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*" + _AT
    + r"[A-Za-z0-9\-]+(?:" + _DOT + r"[A-Za-z0-9\-]+)*" + _DOT + r"(?i:" + _TLD + r")(?![A-Za-z0-9\-])")

_BEFORE = r"(?<![0-9A-Za-z_+/\\])(?<!\d[.,])"
_AFTER = r"(?![0-9A-Za-z_]|[.,]\d)"
# one separator between digit groups: a space, a hyphen or dash (spaces around it allowed), a dot
_SEP = r"(?:\s*[\-\u2010-\u2015]\s*|\s|\.)?"
_CC = r"(?:(?:\+|00)?86" + _SEP + r"|\(\+?86\)" + _SEP + r")"
# Chinese mobile numbers: 1[3-9]x xxxx xxxx, with or without (+)86 / 0086 and separators
_MOBILE = re.compile(_BEFORE + _CC + r"?1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}" + _AFTER)
# Chinese landlines: area code (010, 02x, 0xxx; or (+)86 without the 0) and a 7-8 digit number
_AREA = r"(?:10|2\d|[3-9]\d{2})"
_LANDLINE = re.compile(
    _BEFORE + r"(?:" + _CC + r"\(?0?" + _AREA + r"\)?|\(0" + _AREA + r"\)|0" + _AREA + r")"
    + _SEP + r"[2-9]\d{2,3}" + _SEP + r"\d{4}" + r"(?:\s?(?:-|转|ext\.?|x)\s?\d{1,5})?" + _AFTER)
# international numbers: candidates for the phonenumbers library
_INTL = re.compile(r"(?<![0-9A-Za-z_.,+])(?:\+|00)\s*\(?\d[\d\s().\-\u2010-\u2015]{5,22}\d(?![0-9A-Za-z_])")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z_])\d{6}[ \-]?\d{8}[ \-]?\d{3}[0-9Xx](?![0-9A-Za-z_])")
_BANK_CARD = re.compile(
    r"(?<![0-9A-Za-z_\-])(?<!\d[.,])"
    r"(?:[2-69]\d{3}(?:[ \-]\d{4}){3}(?:[ \-]?\d{1,3})?|[2-69]\d{15,18})"
    r"(?![0-9A-Za-z_]|[.,]\d)")

_KIND_ORDER = ("e-mail", "id-card", "bank-card", "mobile", "landline", "phone")


def _digits(value: str) -> str:
    return re.sub(r"[^0-9Xx]", "", value).upper()


def _international(text: str):
    for cand in _INTL.finditer(text):
        try:
            matches = phonenumbers.PhoneNumberMatcher(cand.group(0), "CN", leniency=phonenumbers.Leniency.VALID)
            for m in matches:
                yield cand.start() + m.start, cand.start() + m.end
        except Exception:  # the library's own parse errors: not a phone number
            continue


def _spans(norm: str) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` of each finding in normalised text; overlaps go to the first kind."""
    found: list[tuple[int, int, str]] = []
    found += [(m.start(), m.end(), "e-mail") for m in _EMAIL.finditer(norm)]
    found += [(m.start(), m.end(), "e-mail") for m in _EMAIL_SPELLED.finditer(norm)]
    found += [(m.start(), m.end(), "id-card") for m in _ID_CARD.finditer(norm) if ric.is_valid(_digits(m.group(0)))]
    found += [(m.start(), m.end(), "bank-card") for m in _BANK_CARD.finditer(norm)
              if luhn.is_valid(_digits(m.group(0)))]
    found += [(m.start(), m.end(), "mobile") for m in _MOBILE.finditer(norm)]
    found += [(m.start(), m.end(), "landline") for m in _LANDLINE.finditer(norm)]
    found += [(s, e, "phone") for s, e in _international(norm)]
    found.sort(key=lambda f: (_KIND_ORDER.index(f[2]), f[0], -f[1]))
    kept: list[tuple[int, int, str]] = []
    for s, e, kind in found:
        if all(e <= ks or s >= ke for ks, ke, _ in kept):
            kept.append((s, e, kind))
    return sorted(kept, key=lambda f: (_KIND_ORDER.index(f[2]), f[0]))


def _find(text: str) -> list[tuple[int, int, str]]:
    if not isinstance(text, str) or not text:
        return []
    if text.isascii():
        return _spans(text)
    norm = _Normalised(text)
    return [(*norm.span(s, e), kind) for s, e, kind in _spans(norm.text)]


# ------------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------------


def mask(kind: str, value: str) -> str:
    """``value`` with most of it hidden, for messages that say what was found.

    Examples
    --------
    >>> mask("e-mail", "li.na＠example．com"), mask("mobile", "１３８-００１３-８８５１")
    ('l***@example.com', '138****8851')
    """
    value = normalize(value)
    if kind == "e-mail":
        m = re.match(r"([^@\s(\[{<]*?)" + _AT + r"(.*)$", value) if "@" not in value else None
        local, domain = (m.group(1), m.group(2)) if m else value.partition("@")[::2]
        domain = re.sub(_DOT, ".", domain.strip())
        return f"{local.strip()[:1]}***@{domain}"
    if kind == "name":
        return value[:1] + "*" * max(1, len(value) - 1)
    digits = _digits(value)
    return f"{digits[:3]}****{digits[-4:]}"


def find_personal_data(text: str) -> list[tuple[str, str]]:
    """The personal data in ``text``: a list of ``(kind, value)``.

    ``kind`` is one of ``e-mail``, ``id-card``, ``bank-card``, ``mobile``, ``landline`` and
    ``phone`` (see the module notes); ``value`` is the text as it stands in ``text`` (full
    width, zero-width characters and all), findings grouped by kind in that order.

    Examples
    --------
    >>> find_personal_data("call +44 20 7946 0958 or 021.6888.8888")
    [('landline', '021.6888.8888'), ('phone', '+44 20 7946 0958')]
    """
    return [(kind, text[s:e]) for s, e, kind in _find(text)]


def redact(text: str, replacement: str = "[redacted]") -> str:
    """Replace every piece of personal data in ``text`` by ``replacement``.

    Parameters
    ----------
    text : str
        Free text; anything that is not a non-empty string comes back unchanged.
    replacement : str
        What stands in place of each address or number.

    Returns
    -------
    str
        The text with e-mail addresses, phone numbers, ID-card and bank-card numbers replaced
        (every form that :func:`find_personal_data` finds); the rest of the text unchanged.

    Examples
    --------
    >>> redact("call 13800138851 today", "[x]")
    'call [x] today'
    >>> redact("li.na\u200b@example.com / １３８ ００１３ ８８５１", "[x]")
    '[x] / [x]'
    """
    if not isinstance(text, str) or not text:
        return text
    spans = sorted((s, e) for s, e, _ in _find(text))
    if not spans:
        return text
    out, pos = [], 0
    for s, e in spans:
        out.append(text[pos:s])
        out.append(replacement)
        pos = e
    out.append(text[pos:])
    return "".join(out)
