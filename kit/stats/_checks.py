"""Argument checks shared by the statistics modules (private).

Every public function of :mod:`kit.stats` checks its arguments before it computes
anything, and says in the message which argument is wrong and what it accepts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Integral, Real

import numpy as np
import pandas as pd

__all__: list[str] = []


def require_dataframe(obj: object, name: str) -> pd.DataFrame:
    """Return `obj` if it is a DataFrame, else raise TypeError naming the argument."""
    if not isinstance(obj, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(obj).__name__}.")
    return obj


def require_columns(df: pd.DataFrame, name: str, columns: Iterable[object]) -> None:
    """Raise ValueError listing the columns of `columns` that `df` lacks."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        found = ", ".join(map(str, df.columns[:20]))
        more = " ..." if len(df.columns) > 20 else ""
        raise ValueError(
            f"{name}: column(s) {', '.join(map(repr, missing))} not found. "
            f"Found columns: {found}{more}."
        )


def require_column_name(value: object, name: str) -> str:
    """A column name argument must be a string (pandas labels here are strings)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a column name (str); got {type(value).__name__}.")
    return value


def require_numeric(df: pd.DataFrame, name: str, columns: Sequence[object]) -> None:
    """Raise TypeError naming the columns that are not numeric (bool counts as numeric)."""
    bad = [
        f"{c!r} ({df[c].dtype})"
        for c in columns
        if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))
    ]
    if bad:
        raise TypeError(
            f"{name}: column(s) {', '.join(bad)} must be numeric (int, float or bool). "
            "Convert text answers to numbers first."
        )


def require_choice(value: object, name: str, allowed: Sequence[str]) -> str:
    """`value` must be one of `allowed`."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}."
        )
    return value


def require_level(ci: object, name: str = "ci") -> float:
    """A confidence level strictly between 0 and 1."""
    if isinstance(ci, bool) or not isinstance(ci, Real):
        raise TypeError(f"{name} must be a number between 0 and 1 (e.g. 0.95); got {ci!r}.")
    ci = float(ci)
    if not 0.0 < ci < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1 (e.g. 0.95); got {ci}.")
    return ci


def require_int(value: object, name: str, minimum: int) -> int:
    """An integer (not bool) at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}.")
    return int(value)


def require_real(
    value: object,
    name: str,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A finite real number inside [low, high] (ends open when asked)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number; got {value!r}.")
    x = float(value)
    lo = "(" if low_open else "["
    hi = ")" if high_open else "]"
    ok = not math.isnan(x)
    ok = ok and (x > low if low_open else x >= low)
    ok = ok and (x < high if high_open else x <= high)
    if not ok:
        raise ValueError(f"{name} must lie in {lo}{low}, {high}{hi}; got {value!r}.")
    return x


def as_float_vector(values: object, name: str) -> np.ndarray:
    """A 1-D float array from a list, array or Series (NaN allowed)."""
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{name} must be a 1-D sequence of numbers; got {type(values).__name__}.")
    if isinstance(values, pd.Series):
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            raise TypeError(f"{name} must be numeric; got dtype {values.dtype}.")
        return values.to_numpy(dtype=float, na_value=np.nan)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a 1-D sequence of numbers ({exc}).") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {arr.shape}.")
    return arr


def paired_vectors(
    x: object, y: object, names: tuple[str, str]
) -> tuple[np.ndarray, np.ndarray, int]:
    """Two float vectors restricted to the pairs where both are present.

    Two Series are aligned on their index first (for example rankings keyed by rep id);
    otherwise the two must have the same length. Returns ``(x, y, n_dropped)``.
    """
    if isinstance(x, pd.Series) and isinstance(y, pd.Series):
        if x.index.has_duplicates or y.index.has_duplicates:
            raise ValueError(
                f"{names[0]} and {names[1]} are Series with duplicated index labels; "
                "they are aligned on the index, so each label must appear once."
            )
        x, y = x.align(y, join="inner")
    xv = as_float_vector(x, names[0])
    yv = as_float_vector(y, names[1])
    if xv.shape != yv.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same length; got {xv.size} and {yv.size}."
        )
    for name, v in zip(names, (xv, yv)):
        if np.isinf(v).any():
            raise ValueError(f"{name} contains infinite values; use NaN for a missing value.")
    keep = ~(np.isnan(xv) | np.isnan(yv))
    return xv[keep], yv[keep], int(xv.size - keep.sum())
