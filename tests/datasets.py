"""Session-wide data sets shared by the test modules (import the fixtures by name)."""

from __future__ import annotations

from pathlib import Path

import pytest

import kit

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="session")
def sample() -> kit.Dataset:
    """The bundled sample data, loaded once."""
    return kit.load(SAMPLES)
