"""Typed results: a table plus named, typed facts about it, instead of ``DataFrame.attrs``.

Every analysis and statistic that returns more than a table returns a frozen dataclass
derived from :class:`Result`: its first field is ``table`` (the DataFrame that the docstring
describes, column by column) and its other fields are the facts that used to travel in
``DataFrame.attrs`` (R², the quarter, the weights in force, ...). pandas calls ``attrs``
experimental, and ``concat`` and ``merge`` drop it; a typed field cannot be lost and is
documented where it is declared.

A result reads like its table where a table is expected, so ``result["verdict"]``,
``result.loc["nps"]``, ``result.index`` and ``len(result)`` work and a notebook shows the
table. Use ``result.table`` to get the DataFrame itself.

This module is a leaf: it imports nothing from the kit, so every layer may use it.

Examples
--------
>>> from dataclasses import dataclass
>>> import pandas as pd
>>> @dataclass(frozen=True)
... class Fit(Result):
...     r2: float = float("nan")
>>> fit = Fit(table=pd.DataFrame({"b": [0.5]}, index=["x"]), r2=0.25)
>>> fit.r2, float(fit["b"].iloc[0]), fit.loc["x", "b"]
(0.25, 0.5, np.float64(0.5))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["Result"]


@dataclass(frozen=True)
class Result:
    """Base of the kit's typed results: ``table`` and, in subclasses, typed fields.

    Attributes
    ----------
    table : DataFrame
        The result's table; each subclass's docstring lists its columns.
    """

    table: pd.DataFrame

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the dataclass does not have: read them from the table, so a
        # result can stand where its table is expected. Private and special names are not
        # forwarded (copy, pickle and dataclass machinery look them up).
        if name.startswith("_") or name == "table":
            raise AttributeError(name)
        if name == "attrs":  # the facts are typed fields now; an empty attrs would mislead
            raise AttributeError(f"{type(self).__name__} has no 'attrs': its facts are fields "
                                 f"({', '.join(f for f in self.__dataclass_fields__ if f != 'table')})")
        return getattr(self.table, name)

    def __getitem__(self, key: Any) -> Any:
        return self.table[key]

    def __len__(self) -> int:
        return len(self.table)

    def __iter__(self):
        return iter(self.table)

    def __contains__(self, key: Any) -> bool:
        return key in self.table

    def _repr_html_(self) -> str | None:
        return self.table._repr_html_()
