"""Public-holiday calendars for working-time KPIs (``business_hours: {calendar: CN}``).

Mainland China's holidays move every year, and some weekends become working days to make
up for them (调休). The State Council publishes them each November for the next year; the
``chinesecalendar`` package carries them. A calendar named here gives the holidays and
make-up working days for the years asked; the working-hour arithmetic itself stays in the
engine (see :class:`kit.kpis.Tables`).

Example
-------
>>> days = holiday_calendar("CN", 2026, 2026)
>>> import datetime as dt
>>> dt.date(2026, 9, 25) in days.holidays, dt.date(2026, 9, 20) in days.workdays
(True, True)
"""

from __future__ import annotations

import datetime as _dt
import warnings
from dataclasses import dataclass

__all__ = ["CALENDARS", "CalendarWarning", "HolidayCalendar", "holiday_calendar"]

#: Calendar names understood by ``business_hours.calendar``.
CALENDARS = ("CN",)


class CalendarWarning(UserWarning):
    """Working time asked for a year that the holiday calendar does not know."""


@dataclass(frozen=True)
class HolidayCalendar:
    """Holidays and make-up working days of one country for a span of years.

    Attributes
    ----------
    name : str
        The calendar's name (``"CN"``).
    holidays, workdays : tuple of datetime.date
        Days off (weekends inside a holiday included) and make-up working days.
    known_years : tuple of int
        The first and last year the source knows.
    source : str
        Where the dates come from, with its version.
    """

    name: str
    holidays: tuple[_dt.date, ...]
    workdays: tuple[_dt.date, ...]
    known_years: tuple[int, int]
    source: str

    def unknown_years(self, first: int, last: int) -> list[int]:
        """The years from ``first`` to ``last`` that the calendar does not cover."""
        lo, hi = self.known_years
        return [y for y in range(first, last + 1) if not lo <= y <= hi]


def _china() -> tuple[dict, dict, str]:
    try:
        import chinese_calendar
        from chinese_calendar.constants import holidays, workdays
    except ImportError:  # pragma: no cover - a declared dependency
        raise ValueError(
            "business_hours.calendar: CN needs the chinesecalendar package "
            "(pip install chinesecalendar); it is one of the kit's dependencies."
        ) from None
    version = getattr(chinese_calendar, "__version__", "")
    return holidays, workdays, f"chinesecalendar {version}".strip()


def holiday_calendar(name: str, first_year: int, last_year: int, *, warn: bool = True) -> HolidayCalendar:
    """Holidays and make-up working days of a named calendar for ``first_year``..``last_year``.

    Parameters
    ----------
    name : str
        ``"CN"``: mainland China's public holidays and 调休 working days, from ``chinesecalendar``.
    first_year, last_year : int
        The years wanted (both included).
    warn : bool
        Warn (:class:`CalendarWarning`) when a year lies outside what the source knows: for such
        a year only the weekdays and your own ``holidays``/``workdays`` lists count.

    Returns
    -------
    HolidayCalendar
        ``holidays`` and ``workdays`` within the years, ``known_years`` and ``source``.

    Example
    -------
    >>> cal = holiday_calendar("CN", 2026, 2026)
    >>> [str(d) for d in cal.workdays if d.month in (9, 10)]
    ['2026-09-20', '2026-10-10']
    """
    key = str(name).strip().upper()
    if key not in CALENDARS:
        raise ValueError(f"business_hours.calendar must be one of {', '.join(CALENDARS)}; got {name!r}.")
    hol, work, source = _china()
    years = sorted({d.year for d in hol} | {d.year for d in work})
    known = (years[0], years[-1])
    cal = HolidayCalendar(
        key,
        tuple(sorted(d for d in hol if first_year <= d.year <= last_year)),
        tuple(sorted(d for d in work if first_year <= d.year <= last_year)),
        known,
        source,
    )
    missing = cal.unknown_years(first_year, last_year)
    if warn and missing:
        warnings.warn(
            f"business_hours.calendar {key}: {source} knows mainland China's holidays for "
            f"{known[0]}-{known[1]} only, not {', '.join(map(str, missing))}. For those years working "
            f"time counts weekdays only, without public holidays or make-up working days. Update the "
            f"package (pip install -U chinesecalendar) once the State Council has published them, or "
            f"list the dates under business_hours.holidays and business_hours.workdays.",
            CalendarWarning,
            stacklevel=3,
        )
    return cal
