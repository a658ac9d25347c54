"""The suite's own gate: one CI predicate, and real parts that fail rather than skip in CI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.ci import in_ci, require

TESTS = Path(__file__).parent


@pytest.mark.parametrize("value", ["true", "TRUE", "True", "1", "yes", "on", " true "])
def test_every_spelling_of_true_is_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert in_ci()


@pytest.mark.parametrize("value", ["", "false", "0", "no", "off"])
def test_other_values_are_not_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert not in_ci()


def test_not_ci_when_unset(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert not in_ci()


def test_require_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="chromium"):
        require(False, "no chromium")
    monkeypatch.setenv("CI", "0")
    with pytest.raises(pytest.skip.Exception, match="chromium"):
        require(False, "no chromium")
    require(True, "never shown")


def test_no_test_reads_the_ci_variable_itself():
    # Only tests/ci.py may read CI; a second predicate is how CI=1 once skipped the browser tests.
    pattern = re.compile(r"""environ(\.get)?\s*[\[(]\s*["']CI["']""")
    offenders = [p.name for p in TESTS.rglob("*.py") if p.name != "ci.py" and pattern.search(p.read_text())]
    assert offenders == []
