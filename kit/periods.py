"""Quarters: parsing ``"2026Q3"``, ranges ``"2025Q4:2026Q3"``, previous and next, fiscal years.

A quarter is named by its fiscal year and its number. With the default fiscal-year start
(January) fiscal quarters are calendar quarters. With another start month, fiscal year
``Y`` begins on the first day of that month in calendar year ``Y`` (an April start makes
``2026Q1`` the months April to June 2026), the convention of companies in mainland China
that do not use calendar years, and of Japan and India.

Example
-------
>>> q = Quarter.parse("2026Q3")
>>> q.start, q.end
(Timestamp('2026-07-01 00:00:00'), Timestamp('2026-10-01 00:00:00'))
>>> [str(x) for x in quarter_range("2025Q4:2026Q2")]
['2025Q4', '2026Q1', '2026Q2']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kit.errors import EXIT_USAGE, KitError

if TYPE_CHECKING:  # pragma: no cover - pandas is imported where it is used, so that reading a
    import pandas as pd  # label (the report engine's "nothing changed" path) stays cheap

__all__ = [
    "QUARTER_TEXT",
    "QUARTER_LABEL",
    "PeriodError",
    "Quarter",
    "parse_quarter",
    "quarter_range",
    "parse_quarters",
    "quarter_of",
    "quarter_labels",
    "quarter_index_expr",
    "label_of_index",
    "NAMED_QUARTERS",
    "last_complete",
    "choose_named",
]

#: Quarter names that depend on the data (and the date): ``latest``, ``last-complete``, ``all``.
NAMED_QUARTERS = ("latest", "last-complete", "all")

#: a quarter as people write it: ``2026Q3``, ``2026 q3``, ``2026-Q3`` (groups: year, number)
QUARTER_TEXT = re.compile(r"^\s*(\d{4})\s*[-_ ]?\s*[Qq]\s*([1-4])\s*$")
#: a quarter's label as the kit writes it (``str(Quarter)``, output folders, the ``quarter`` column)
QUARTER_LABEL = re.compile(r"^(\d{4})Q([1-4])$")


class PeriodError(KitError, ValueError, exit_code=EXIT_USAGE):
    """A quarter, a range of quarters or a fiscal-year start that cannot be understood."""


def _check_fiscal_start(fiscal_start_month: int) -> int:
    if isinstance(fiscal_start_month, bool) or not isinstance(fiscal_start_month, int) or not (
        1 <= fiscal_start_month <= 12
    ):
        raise PeriodError(
            f"fiscal_start_month must be a whole number from 1 (January) to 12 (December); "
            f"got {fiscal_start_month!r}."
        )
    return fiscal_start_month


@dataclass(frozen=True, order=True)
class Quarter:
    """A fiscal quarter: ``year``, ``number`` (1-4) and the fiscal-year start month."""

    year: int
    number: int
    fiscal_start_month: int = 1

    def __post_init__(self) -> None:
        _check_fiscal_start(self.fiscal_start_month)
        if not 1 <= self.number <= 4:
            raise PeriodError(f"A quarter's number is 1 to 4; got {self.number!r}.")
        if not 1900 <= self.year <= 2999:
            raise PeriodError(f"A quarter's year must be between 1900 and 2999; got {self.year!r}.")

    @classmethod
    def parse(cls, text: str | Quarter, fiscal_start_month: int = 1) -> Quarter:
        """Read ``"2026Q3"`` (also ``"2026-Q3"``, ``"2026 q3"``) into a Quarter."""
        if isinstance(text, Quarter):
            return text
        if not isinstance(text, str):
            raise PeriodError(f"A quarter is written like '2026Q3'; got {text!r} ({type(text).__name__}).")
        m = QUARTER_TEXT.match(text)
        if not m:
            raise PeriodError(
                f"Cannot read {text!r} as a quarter. Write the year and the quarter number, "
                f"like '2026Q3'."
            )
        return cls(int(m.group(1)), int(m.group(2)), _check_fiscal_start(fiscal_start_month))

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        """The quarter as text, e.g. ``'2026Q3'``."""
        return str(self)

    @property
    def index(self) -> int:
        """A running number: consecutive quarters have consecutive indexes."""
        return self.year * 4 + self.number - 1

    @classmethod
    def _from_index(cls, index: int, fiscal_start_month: int) -> Quarter:
        return cls(index // 4, index % 4 + 1, fiscal_start_month)

    @property
    def start(self) -> pd.Timestamp:
        """First instant of the quarter (inclusive)."""
        import pandas as pd

        months = self.year * 12 + (self.fiscal_start_month - 1) + (self.number - 1) * 3
        return pd.Timestamp(year=months // 12, month=months % 12 + 1, day=1)

    @property
    def end(self) -> pd.Timestamp:
        """First instant after the quarter (exclusive)."""
        return self.next().start

    def next(self, k: int = 1) -> Quarter:
        """The quarter ``k`` quarters later."""
        return Quarter._from_index(self.index + k, self.fiscal_start_month)

    def previous(self, k: int = 1) -> Quarter:
        """The quarter ``k`` quarters earlier."""
        return Quarter._from_index(self.index - k, self.fiscal_start_month)

    def contains(self, when: pd.Timestamp | str) -> bool:
        """Whether a timestamp falls in the quarter."""
        import pandas as pd

        ts = pd.Timestamp(when)
        return bool(self.start <= ts < self.end)


def parse_quarter(text: str | Quarter, fiscal_start_month: int = 1) -> Quarter:
    """Read one quarter such as ``"2026Q3"``; see :class:`Quarter`."""
    return Quarter.parse(text, fiscal_start_month)


def quarter_range(text: str, fiscal_start_month: int = 1) -> list[Quarter]:
    """Read a range ``"2025Q4:2026Q3"`` (both ends included) into a list of quarters."""
    if not isinstance(text, str) or text.count(":") != 1:
        raise PeriodError(
            f"A range of quarters is written 'FIRST:LAST', like '2025Q4:2026Q3'; got {text!r}."
        )
    a, b = (Quarter.parse(part, fiscal_start_month) for part in text.split(":"))
    if b < a:
        raise PeriodError(f"The range {text!r} ends ({b}) before it starts ({a}).")
    return [Quarter._from_index(i, fiscal_start_month) for i in range(a.index, b.index + 1)]


def parse_quarters(
    spec: str | Quarter | Iterable[str | Quarter], fiscal_start_month: int = 1
) -> list[Quarter]:
    """One quarter, a range, or a list of either, as a sorted list without repeats.

    ``"2026Q3"``, ``"2025Q4:2026Q3"``, ``"2025Q1,2026Q1"`` and ``["2026Q2", "2026Q3"]`` all work.
    """
    if isinstance(spec, Quarter):
        return [spec]
    if isinstance(spec, str):
        parts = [p for p in spec.split(",") if p.strip()]
        if not parts:
            raise PeriodError("No quarter given: write one like '2026Q3' or a range like '2025Q4:2026Q3'.")
    else:
        try:
            parts = list(spec)
        except TypeError:
            raise PeriodError(f"A quarter is written like '2026Q3'; got {spec!r}.") from None
    out: set[Quarter] = set()
    for part in parts:
        if isinstance(part, str) and ":" in part:
            out.update(quarter_range(part.strip(), fiscal_start_month))
        else:
            out.add(Quarter.parse(part, fiscal_start_month))
    if not out:
        raise PeriodError("No quarter given: write one like '2026Q3' or a range like '2025Q4:2026Q3'.")
    return sorted(out)


def quarter_of(when: pd.Timestamp | str, fiscal_start_month: int = 1) -> Quarter:
    """The quarter a timestamp falls in."""
    import pandas as pd

    ts = pd.Timestamp(when)
    months = ts.year * 12 + ts.month - 1 - (_check_fiscal_start(fiscal_start_month) - 1)
    return Quarter(months // 12, (months % 12) // 3 + 1, fiscal_start_month)


def quarter_labels(timestamps: pd.Series, fiscal_start_month: int = 1) -> pd.Series:
    """Vectorized :func:`quarter_of`: a Series of labels like ``'2026Q3'`` (missing stays missing)."""
    import pandas as pd

    ts = pd.to_datetime(timestamps)
    months = ts.dt.year * 12 + ts.dt.month - 1 - (_check_fiscal_start(fiscal_start_month) - 1)
    year = (months // 12).astype("Int64").astype("string")
    number = ((months % 12) // 3 + 1).astype("Int64").astype("string")
    return (year + "Q" + number).rename(timestamps.name)


def quarter_index_expr(ts, fiscal_start_month: int = 1):
    """Ibis expression: the running quarter number (:attr:`Quarter.index`) of a timestamp column.

    Grouping by this integer is cheaper than by a text label; turn it back into labels with
    :func:`label_of_index`.
    """
    months = ts.year() * 12 + ts.month() - 1 - (_check_fiscal_start(fiscal_start_month) - 1)
    return (months // 3).cast("int64")


def label_of_index(index: int, fiscal_start_month: int = 1) -> str:
    """The label (``'2026Q3'``) of a running quarter number."""
    return str(Quarter._from_index(int(index), fiscal_start_month))


def last_complete(
    available: Iterable[str | Quarter], today: pd.Timestamp | str | None = None, fiscal_start_month: int = 1
) -> Quarter:
    """The last quarter whose end date has passed and that has data.

    What a scheduled run wants: on 5 October ``latest`` would pick the new fourth quarter as
    soon as its first days are exported; ``last-complete`` picks the third, which has closed.

    Parameters
    ----------
    available : iterable of str or Quarter
        The quarters with data (e.g. :meth:`kit.Dataset.quarters`).
    today : Timestamp or str, optional
        The date that decides (default: today, local time). A quarter is complete from the
        first day after it.
    fiscal_start_month : int
        First month of the fiscal year.

    Returns
    -------
    Quarter
        The latest complete quarter with data.

    Raises
    ------
    PeriodError
        When no quarter with data has ended yet.

    Example
    -------
    >>> str(last_complete(["2026Q2", "2026Q3", "2026Q4"], today="2026-10-05"))
    '2026Q3'
    """
    import pandas as pd

    day = pd.Timestamp.now().normalize() if today is None else pd.Timestamp(today).normalize()
    qs = sorted(Quarter.parse(q, fiscal_start_month) for q in available)
    done = [q for q in qs if q.end <= day]
    if not done:
        span = f"{qs[0]} to {qs[-1]}" if qs else "no quarter"
        raise PeriodError(
            f"No complete quarter with data on {day.date()}: the data covers {span}, and a quarter is "
            f"complete from the day after it ends. Name the quarter (like '2026Q3') or use 'latest'."
        )
    return done[-1]


def choose_named(
    spec: object, available: Iterable[str | Quarter], today: pd.Timestamp | str | None = None,
    fiscal_start_month: int = 1,
) -> list[str] | None:
    """The quarter labels a named spec (``latest``, ``last-complete``, ``all``) stands for.

    Returns ``None`` when ``spec`` is not one of :data:`NAMED_QUARTERS` (``None`` counts as
    ``latest``); raises :class:`PeriodError` when the data has no such quarter.

    Example
    -------
    >>> choose_named("last-complete", ["2026Q3", "2026Q4"], today="2026-12-02")
    ['2026Q3']
    >>> choose_named("2026Q3", ["2026Q3"]) is None
    True
    """
    name = "latest" if spec is None else (spec.strip().lower().replace("_", "-") if isinstance(spec, str) else None)
    if name not in NAMED_QUARTERS:
        return None
    labels = [str(Quarter.parse(q, fiscal_start_month)) for q in available]
    if not labels:
        raise PeriodError(f"The data has no dated rows, so there is no {name} quarter.")
    if name == "all":
        return sorted(labels, key=lambda t: Quarter.parse(t).index)
    if name == "latest":
        return [max(labels, key=lambda t: Quarter.parse(t).index)]
    return [str(last_complete(labels, today, fiscal_start_month))]
