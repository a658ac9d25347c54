"""One answer to "is this a CI run?", and the rule that goes with it.

A test of a real part (the PostgreSQL server, Chromium, the CJK font, a real Spark session)
skips on a developer's machine that lacks the part, but fails under CI, so that CI can never
pass by skipping what it is there to check. Every such test asks :func:`in_ci` or calls
:func:`require`; nothing else reads the ``CI`` variable.
"""

from __future__ import annotations

import os

import pytest

__all__ = ["in_ci", "require"]

_TRUE = {"1", "true", "yes", "on"}


def in_ci() -> bool:
    """True when ``CI`` is set to a true value, in any case (``true``, ``TRUE``, ``1``, ``yes``, ``on``)."""
    return os.environ.get("CI", "").strip().lower() in _TRUE


def require(ok: bool, why: str) -> None:
    """Skip the test when ``ok`` is false, or fail it under CI.

    ``why`` says what is missing and how to install it; it is the skip reason or the failure.
    """
    if ok:
        return
    if in_ci():
        pytest.fail(f"CI run, but a real part of the test is missing: {why}", pytrace=False)
    pytest.skip(why)
