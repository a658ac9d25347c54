"""The report run shared by the engine tests (and tests/test_browser.py)."""

from __future__ import annotations

import pytest

from tests.notebooks.runs import shared_run


@pytest.fixture(scope="session")
def shared(tmp_path_factory):
    return shared_run(str(tmp_path_factory.getbasetemp()))
