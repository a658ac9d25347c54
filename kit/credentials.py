"""Secrets kept out of every message, log line and output: passwords in URLs and connection strings.

A data source may be a database URL with a password in it. :func:`mask_secrets` is the one
function that hides it, whatever the scheme and wherever it stands in a text: the password of
a URL's user-info (``postgresql://user:PASSWORD@host``, also when the password itself holds
an ``@``), and the value of every password-like key in a query string or a keyword
connection string (``?password=...``, ``&token=...``, ``host=h password=...``). The kit
calls it before any message, log line, manifest or report that names a source is built. It
imports nothing from the kit.

Examples
--------
>>> mask_secrets("postgresql://u:SE@CRET@127.0.0.1:5432/db")
'postgresql://u:***@127.0.0.1:5432/db'
>>> mask_secrets("cannot connect to postgresql://u@127.0.0.1:1/db?password=SECRET&sslmode=off")
'cannot connect to postgresql://u@127.0.0.1:1/db?password=***&sslmode=off'
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["MASK", "mask_secrets"]

MASK = "***"

# a URL: scheme://rest-of-token (to whitespace, a quote, or a bracket that closes the text around it)
_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<rest>[^\s'\"<>`]*)")
# key=value pairs whose value is a secret: query strings, libpq keyword strings, ODBC strings
_SECRET_KEYS = (r"password|passwd|pwd|pass|passphrase|sslpassword|secret|client_secret|token|access_token"
                r"|auth_token|api[_\-]?key|access[_\-]?key|secret[_\-]?key|private[_\-]?key|credentials?|sig|signature")
_PAIR = re.compile(r"(?i)(?<![A-Za-z0-9_])(?P<key>" + _SECRET_KEYS + r")(?P<eq>\s*=\s*)"
                   r"(?P<value>'[^']*'|\"[^\"]*\"|[^\s&;,'\"<>)]+)")


def _mask_userinfo(m: re.Match) -> str:
    scheme, rest = m.group("scheme"), m.group("rest")
    # the user-info ends at the last '@' before the query string: a password may itself hold '@' or '/'
    head, sep, tail = rest.partition("?")
    at = head.rfind("@")
    if at < 0:
        return scheme + rest
    userinfo, after = head[:at], head[at:]
    user, colon, _ = userinfo.partition(":")
    if not colon and len(userinfo) >= 20:  # a token standing as the user name (https://TOKEN@host)
        user = MASK
    return scheme + (f"{user}:{MASK}" if colon else user) + after + sep + tail


def mask_secrets(text: Any) -> Any:
    """``text`` with every password of a URL or connection string replaced by ``***``.

    Parameters
    ----------
    text : str
        A source, a message or a log line; anything else comes back unchanged.

    Returns
    -------
    str
        The text with the password of each URL's user-info (any scheme) and the value of each
        password-like key (``password``, ``pwd``, ``token``, ``api_key``, ``secret`` ...) masked;
        user names (a user name of 20 or more characters is taken for a token and masked),
        hosts, ports, databases and other settings kept.

    Examples
    --------
    >>> mask_secrets("mysql://root:hunter2@db/sales")
    'mysql://root:***@db/sales'
    >>> mask_secrets("host=db user=kit password='s e c' dbname=sales")
    'host=db user=kit password=*** dbname=sales'
    >>> mask_secrets("data/samples")
    'data/samples'
    """
    if not isinstance(text, str) or not text:
        return text
    out = _URL.sub(_mask_userinfo, text)
    return _PAIR.sub(lambda m: f"{m.group('key')}{m.group('eq')}{MASK}", out)
