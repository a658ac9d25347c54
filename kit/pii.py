"""Personal data in free text: e-mail addresses and phone numbers, found and redacted.

The one detector of the kit. The reports use it on every table and sentence they publish
and to scan every output file; the comment analysis redacts survey comments with it before
reading them. It sits below every other layer (it imports nothing from the kit), so that any
layer may call it.

Examples
--------
>>> from kit import pii
>>> pii.redact("请回电 138-0013-8851 或写信 li.na@example.com", "[x]")
'请回电 [x] 或写信 [x]'
>>> [kind for kind, _ in pii.find_personal_data("li.na@example.com, 010-6512 3388")]
['e-mail', 'landline']
"""

from __future__ import annotations

import re

__all__ = ["find_personal_data", "mask", "redact"]

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*[@＠][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
    r"(?![A-Za-z0-9\-])")
_BEFORE = r"(?<![0-9A-Za-z_.,+/\\])"
_AFTER = r"(?![0-9A-Za-z_]|[.,]\d)"
_SEP = r"[ \t\-\u2010-\u2015]?"
# Chinese mobile numbers: 1[3-9]x xxxx xxxx, with or without +86 / 0086 and separators
_MOBILE = re.compile(
    _BEFORE + r"(?:(?:\+|00)86" + _SEP + r"|\(\+?86\)" + _SEP + r")?1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}"
    + _AFTER)
# Chinese landlines: area code (010, 02x, 0xxx; or +86 without the 0) and a 7-8 digit number
_AREA = r"(?:10|2\d|[3-9]\d{2})"
_LANDLINE = re.compile(
    _BEFORE + r"(?:(?:\+|00)86" + _SEP + r"\(?0?" + _AREA + r"\)?|\(0" + _AREA + r"\)|0" + _AREA + r")"
    + _SEP + r"[2-9]\d{2,3}" + _SEP + r"\d{4}" + r"(?:\s?(?:-|转|ext\.?|x)\s?\d{1,5})?" + _AFTER)


def mask(kind: str, value: str) -> str:
    """``value`` with most of it hidden, for messages that say what was found: ``l***@example.com``, ``138****8851``."""
    if kind == "e-mail":
        local, _, domain = value.replace("＠", "@").partition("@")
        return f"{local[:1]}***@{domain}"
    if kind == "name":
        return value[:1] + "*" * max(1, len(value) - 1)
    digits = re.sub(r"\D", "", value)
    return f"{digits[:3]}****{digits[-4:]}"


def find_personal_data(text: str) -> list[tuple[str, str]]:
    """E-mail addresses and phone numbers in ``text``: a list of ``(kind, value)``.

    ``kind`` is ``e-mail``, ``mobile`` (Chinese mobile number, 1[3-9]x xxxx xxxx, with or
    without +86 and separators) or ``landline`` (area code + 7-8 digits: 010-12345678,
    (0755) 8601 3388, +86 21 6888 8888, with an optional extension).
    """
    if not isinstance(text, str) or not text:
        return []
    found = [("e-mail", m.group(0)) for m in _EMAIL.finditer(text)]
    found += [("mobile", m.group(0)) for m in _MOBILE.finditer(text)]
    found += [("landline", m.group(0)) for m in _LANDLINE.finditer(text)]
    return found


def redact(text: str, replacement: str = "[redacted]") -> str:
    """Replace every e-mail address and phone number in ``text`` by ``replacement``.

    Parameters
    ----------
    text : str
        Free text; anything that is not a non-empty string comes back unchanged.
    replacement : str
        What stands in place of each address or number.

    Returns
    -------
    str
        The text with e-mail addresses, Chinese mobile numbers and landline numbers (with or
        without +86 and separators) replaced.

    Examples
    --------
    >>> redact("call 13800138851 today", "[x]")
    'call [x] today'
    """
    if not isinstance(text, str) or not text:
        return text
    out = _EMAIL.sub(replacement, text)
    out = _MOBILE.sub(replacement, out)
    return _LANDLINE.sub(replacement, out)
