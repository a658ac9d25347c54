"""Shared pytest fixtures and configuration for the kit's tests."""

from __future__ import annotations

import pytest

try:  # tests/ as a package (tests/__init__.py) or as a rootdir folder on sys.path
    from .pgserver import PostgresServer, require_bindir
except ImportError:
    from pgserver import PostgresServer, require_bindir

# fixtures defined beside the helpers they use, shared with every test module from here
from tests.datasets import sample  # noqa: E402,F401  (a fixture)
from tests.test_browser import browser  # noqa: E402,F401  (a fixture)

_PG_FIXTURES = {"postgres_server", "postgres_url"}

# Under CI the property tests draw the same examples on every run (derived from each test's
# name), so a submission is judged on its code, not on which examples a run happened to draw;
# locally they keep drawing new ones. Each example's failure is still reported with its seed.
from hypothesis import settings as _hypothesis  # noqa: E402

from tests.ci import in_ci  # noqa: E402

_hypothesis.register_profile("ci", derandomize=True, print_blob=True)
if in_ci():
    _hypothesis.load_profile("ci")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres: needs a real PostgreSQL server (started by the test suite)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every test that uses the server is marked, so `-m "not postgres"` deselects them.
    for item in items:
        if _PG_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def postgres_server():
    """A private PostgreSQL server for the whole session (a ``tests.pgserver.PostgresServer``).

    Skipped when no PostgreSQL server binaries are installed, except under ``CI=true``,
    where that is a failure: CI must run the PostgreSQL tests. Stopped and its folder
    removed at the end of the session.
    """
    bindir = require_bindir()
    with PostgresServer(bindir=bindir) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """URL of the session's PostgreSQL server: ``postgresql://kit@127.0.0.1:PORT/kit``."""
    return postgres_server.url
