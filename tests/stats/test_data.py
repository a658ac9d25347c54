"""The shipped reference data sets are R's, checked against R's printed regressions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

SWISS_PREDICTORS = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


def _ols(df: pd.DataFrame, y: str, xs: list[str]) -> tuple[np.ndarray, float]:
    x = np.column_stack([np.ones(len(df)), df[xs].to_numpy(float)])
    coef, *_ = np.linalg.lstsq(x, df[y].to_numpy(float), rcond=None)
    resid = df[y].to_numpy(float) - x @ coef
    yc = df[y] - df[y].mean()
    return coef, float(1 - resid @ resid / (yc @ yc))


def test_swiss_is_rs_swiss(swiss):
    # R: summary(lm(Fertility ~ ., swiss)) - coefficients 66.91518, -0.17211, -0.25801,
    # -0.87094, 0.10412, 1.07705; Multiple R-squared: 0.7067 (also Grömping 2006, JSS 17(1)).
    assert swiss.shape == (47, 6)
    coef, r2 = _ols(swiss, "Fertility", SWISS_PREDICTORS)
    expected = [66.91518, -0.17211, -0.25801, -0.87094, 0.10412, 1.07705]
    assert coef == pytest.approx(expected, abs=5e-5)
    assert r2 == pytest.approx(0.7067, abs=5e-5)
    # R: colMeans(swiss) - 70.14255 50.65957 16.48936 10.97872 41.14383 19.94255
    means = [70.14255, 50.65957, 16.48936, 10.97872, 41.14383, 19.94255]
    assert swiss.mean().to_numpy() == pytest.approx(means, abs=5e-6)


def test_mtcars_is_rs_mtcars(mtcars):
    # R: coef(lm(mpg ~ ., mtcars)) - 12.30337 -0.11144 0.01334 -0.02148 0.78711 -3.71530
    # 0.82104 0.31776 2.52023 0.65541 -0.19942; summary: Multiple R-squared 0.869.
    assert mtcars.shape == (32, 11)
    xs = [c for c in mtcars.columns if c != "mpg"]
    coef, r2 = _ols(mtcars, "mpg", xs)
    expected = [12.30337, -0.11144, 0.01334, -0.02148, 0.78711, -3.71530, 0.82104, 0.31776,
                2.52023, 0.65541, -0.19942]
    assert coef == pytest.approx(expected, abs=5e-5)
    assert r2 == pytest.approx(0.869, abs=5e-4)
    # R: coef(lm(mpg ~ wt + hp, mtcars)) - 37.22727 -3.87783 -0.03177
    coef, _ = _ols(mtcars, "mpg", ["wt", "hp"])
    assert coef == pytest.approx([37.22727, -3.87783, -0.03177], abs=5e-6)
