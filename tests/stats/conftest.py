"""Reference data sets for the statistics tests (tests/stats/data/)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"

#: Predictors of R's lm(Fertility ~ ., swiss), in R's column order.
SWISS_PREDICTORS = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


@pytest.fixture(scope="session")
def swiss() -> pd.DataFrame:
    """R's ``datasets::swiss`` (47 French-speaking Swiss provinces, 1888; public domain).

    Checked in tests/stats/test_data.py against R's ``summary(lm(Fertility ~ ., swiss))``.
    """
    return pd.read_csv(DATA / "swiss.csv", index_col="Province")


@pytest.fixture(scope="session")
def mtcars() -> pd.DataFrame:
    """R's ``datasets::mtcars`` (32 cars, Motor Trend 1974; public domain).

    Checked in tests/stats/test_data.py against R's ``lm(mpg ~ ., mtcars)``.
    """
    return pd.read_csv(DATA / "mtcars.csv", index_col="model")
