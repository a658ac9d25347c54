"""The quarantine: the rows set aside while loading, one entry per (table, row), with reasons.

The checks of :mod:`kit.validation` and :mod:`kit.timestamps` add to a :class:`Quarantine`;
``Dataset.quarantine`` is its :meth:`Quarantine.frame`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from kit import schema as S

__all__ = ["Quarantine"]


class Quarantine:
    """Collects row problems: one entry per (table, row), reasons accumulated.

    ``settle=True`` marks the cells added as explained: a later check of the same cell (a date
    not in its format is also empty once typed) adds no second reason.
    """

    def __init__(self) -> None:
        self._rows: dict[tuple[str, int], dict] = {}
        self._settled: set[tuple[str, int, str]] = set()

    def add(self, table: str, rows: Iterable[int], column: str, reasons: Iterable[str] | str,
            ids: Iterable[Any], values: Iterable[Any] | None = None, settle: bool = False) -> None:
        rows = list(rows)
        ids = list(ids)
        values = [None] * len(rows) if values is None else list(values)
        if isinstance(reasons, str):
            reasons = [reasons] * len(rows)
        for r, reason, ident, value in zip(rows, reasons, ids, values):
            key = (table, int(r))
            if (table, int(r), column) in self._settled:
                continue
            if settle:
                self._settled.add((table, int(r), column))
            entry = self._rows.get(key)
            text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
            if entry is None:
                self._rows[key] = {"table": table, "row": int(r),
                                   "id": None if ident is None or pd.isna(ident) else str(ident),
                                   "column": [column], "value": [text], "reason": [reason]}
            elif reason not in entry["reason"]:
                entry["column"].append(column)
                entry["value"].append(text)
                entry["reason"].append(reason)

    def rows_of(self, table: str) -> list[int]:
        return sorted(r for (t, r) in self._rows if t == table)

    def frame(self) -> pd.DataFrame:
        cols = ["table", "row", "id", "column", "value", "reason"]
        if not self._rows:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else "string") for c in cols})
        recs = []
        for e in self._rows.values():
            recs.append({**e, "column": ", ".join(dict.fromkeys(e["column"])), "value": "; ".join(e["value"]),
                         "reason": "; ".join(e["reason"])})
        df = pd.DataFrame.from_records(recs, columns=cols)
        order = {t: k for k, t in enumerate(S.TABLES)}
        df = df.sort_values(["table", "row"], key=lambda s: s.map(order) if s.name == "table" else s)
        return df.reset_index(drop=True).astype({"row": "int64", "table": "string", "id": "string",
                                                 "column": "string", "value": "string", "reason": "string"})
