"""The KPI registry, the tables KPI definitions read, and the computation.

A KPI is a function registered with :func:`kpi`. It receives a :class:`Tables` (Ibis tables
restricted to the quarters asked for, each row carrying the ``rep_id`` it is credited to and
its ``quarter_index``) and returns either

* an :class:`Aggregate`: a value and a count as Ibis reductions over one of those tables; the
  KPIs over the same table are computed in one pass, or
* an Ibis table with columns ``rep_id, quarter_index, value, n`` for anything else.

:func:`compute` runs every registered KPI as one query on the data set's DuckDB connection
(or another Ibis backend) and returns a pandas DataFrame.
"""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kit.errors import EXIT_USAGE, KitError
from kit.kpis.holidays import CALENDARS, holiday_calendar
from kit.periods import Quarter, label_of_index, quarter_index_expr
from kit.schema import CUSTOMER_RAISED_KINDS

if TYPE_CHECKING:  # pragma: no cover
    import ibis.expr.types as ir

    from kit.dataset import Dataset

__all__ = [
    "KPI",
    "KPIError",
    "Aggregate",
    "BusinessHours",
    "KPISettings",
    "Tables",
    "kpi",
    "get",
    "ids",
    "display_name",
    "catalog",
    "compute",
    "unregister",
    "rate",
]

DIMENSIONS = ("overall", "quality", "responsiveness", "communication", "personalization", "transparency",
              "proactivity", "sales")
DIRECTIONS = ("+", "-")


class KPIError(KitError, ValueError, exit_code=EXIT_USAGE):
    """A KPI definition or a request for KPIs that cannot be used."""


@dataclass(frozen=True)
class KPI:
    """A registered KPI and its metadata."""

    id: str
    func: Callable[[Tables], Any] = field(repr=False)
    name: dict[str, str]
    seed: str
    dimension: str
    direction: str
    unit: str
    min_n: int = 5
    fill_zero: bool = False
    volume: bool = False
    counterpart: str | None = None
    survey: bool = False
    description: str = ""
    module: str = ""

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "+"


@dataclass
class Aggregate:
    """A KPI as reductions over one table of :class:`Tables`: ``value`` and its count ``n``."""

    table: Any
    value: Any
    n: Any


_REGISTRY: dict[str, KPI] = {}


def kpi(
    *,
    id: str,
    seed: str,
    dimension: str,
    direction: str,
    unit: str,
    name: Mapping[str, str],
    min_n: int = 5,
    fill_zero: bool = False,
    volume: bool = False,
    counterpart: str | None = None,
    survey: bool = False,
    replace: bool | None = None,
) -> Callable:
    """Register a KPI definition (a decorator).

    Parameters
    ----------
    id : str
        A short identifier (``snake_case``); the column name in :func:`compute`'s result.
    seed : str
        The section of the seed document it comes from (``"2.2"``), or a note for your own KPIs.
    dimension : str
        The satisfaction dimension it is meant to serve (its validity is tested against it):
        one of the instrument's dimensions, ``overall`` or ``sales``.
    direction : {'+', '-'}
        ``+`` when higher is better.
    unit : str
        For display: ``share``, ``score``, ``hours``, ``count``, ``points``, ``amount``, ...
    name : mapping
        Display names, ``{"zh": ..., "en": ...}``.
    min_n : int
        Below this count the value is reported as insufficient.
    fill_zero : bool
        A count or sum: 0 (not missing) when there is nothing to count.
    volume, counterpart : bool, str
        A volume KPI and the quality KPI it should move with (for the gaming check).
    survey : bool
        Computed from survey answers: its validity is judged against overall CSAT (against
        its own dimension it would be a part-whole correlation).
    replace : bool, optional
        Replace an existing KPI of that id. By default a KPI defined again in the same
        module (a notebook cell run twice) replaces the old one; a built-in one is kept
        unless ``replace=True``.
    """
    if not isinstance(id, str) or not id.isidentifier():
        raise KPIError(f"id must be a snake_case identifier; got {id!r}.")
    if direction not in DIRECTIONS:
        raise KPIError(f"KPI {id!r}: direction must be '+' (higher is better) or '-'; got {direction!r}.")
    if not isinstance(name, Mapping) or not {"zh", "en"} <= set(name):
        raise KPIError(f"KPI {id!r}: name must give both 'zh' and 'en'; got {name!r}.")
    if not isinstance(min_n, int) or min_n < 1:
        raise KPIError(f"KPI {id!r}: min_n must be a whole number >= 1; got {min_n!r}.")

    def register(func: Callable) -> Callable:
        module = getattr(func, "__module__", "")
        old = _REGISTRY.get(id)
        if old is not None and not replace:
            if replace is False or (old.module != module and old.module.startswith("kit.")):
                raise KPIError(
                    f"A KPI with id {id!r} exists already (defined in {old.module}). Choose another id, "
                    f"or pass replace=True to redefine it."
                )
        _REGISTRY[id] = KPI(
            id=id, func=func, name=dict(name), seed=str(seed), dimension=dimension, direction=direction,
            unit=unit, min_n=min_n, fill_zero=fill_zero, volume=volume, counterpart=counterpart, survey=survey,
            description=inspect.cleandoc(func.__doc__ or ""), module=module,
        )
        return func

    return register


def unregister(kpi_id: str) -> None:
    """Remove a KPI from the registry (for your own KPIs)."""
    if kpi_id not in _REGISTRY:
        raise KPIError(f"No KPI with id {kpi_id!r}; known: {', '.join(_REGISTRY)}.")
    del _REGISTRY[kpi_id]


def get(kpi_id: str) -> KPI:
    """The registered KPI of that id."""
    try:
        return _REGISTRY[kpi_id]
    except KeyError:
        raise KPIError(f"Unknown KPI id {kpi_id!r}; known ids: {', '.join(_REGISTRY)}.") from None


def display_name(kpi_id: str, lang: str = "zh") -> str:
    """A KPI's display name in ``lang`` (``zh`` or ``en``); an unknown id is returned as it is."""
    k = _REGISTRY.get(kpi_id)
    return k.name.get(lang, kpi_id) if k is not None else str(kpi_id)


def ids() -> list[str]:
    """The ids of all registered KPIs, in catalogue order."""
    return list(_REGISTRY)


def catalog() -> pd.DataFrame:
    """The KPI catalogue.

    Returns
    -------
    DataFrame
        Indexed by KPI id: ``name_zh, name_en, seed, dimension, direction, unit, min_n,
        volume, counterpart, survey, description``.
    """
    rows = [
        {"id": k.id, "name_zh": k.name["zh"], "name_en": k.name["en"], "seed": k.seed, "dimension": k.dimension,
         "direction": k.direction, "unit": k.unit, "min_n": k.min_n, "volume": k.volume,
         "counterpart": k.counterpart, "survey": k.survey, "description": k.description.split("\n\n")[0].replace("\n",
                                                                                                                 " ")}
        for k in _REGISTRY.values()
    ]
    return pd.DataFrame(rows).set_index("id")


# --- settings ---------------------------------------------------------------------------------


def _hour(text: Any, key: str) -> float:
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        try:
            hh, mm = str(text).split(":")
            value = int(hh) + int(mm) / 60
        except ValueError:
            raise KPIError(f"business_hours.{key} must be a time like '09:00'; got {text!r}.") from None
    if not 0 <= value <= 24:
        raise KPIError(f"business_hours.{key} must be between 00:00 and 24:00; got {text!r}.")
    return value


def _dates(values: Any, key: str) -> tuple[_dt.date, ...]:
    if values is None:
        return ()
    if not isinstance(values, (list, tuple)):
        raise KPIError(f"business_hours.{key} must be a list of dates like 2026-10-01; got {values!r}.")
    out = []
    for v in values:
        try:
            out.append(pd.Timestamp(v).date())
        except (ValueError, TypeError):
            raise KPIError(f"business_hours.{key}: {v!r} is not a date like 2026-10-01.") from None
    return tuple(sorted(set(out)))


_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True)
class BusinessHours:
    """Working time for hour KPIs: weekdays, daily hours, holidays and make-up working days.

    ``holidays`` are dates off even on a weekday (e.g. 2026-10-01 to 2026-10-07);
    ``workdays`` are make-up working days even on a weekend (调休, e.g. 2026-09-20).
    ``calendar`` names a public-holiday calendar (``"CN"``: mainland China, from the
    ``chinesecalendar`` package, see :mod:`kit.kpis.holidays`) whose holidays and make-up
    days apply too; the explicit lists override it (a date listed in ``workdays`` is worked
    even on the calendar's holiday, and one in ``holidays`` is off even on its make-up day).
    """

    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    start: float = 9.0
    end: float = 18.0
    holidays: tuple[_dt.date, ...] = ()
    workdays: tuple[_dt.date, ...] = ()
    calendar_name: str | None = None

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> BusinessHours:
        allowed = {"weekdays", "start", "end", "holidays", "workdays", "calendar"}
        bad = set(spec) - allowed
        if bad:
            raise KPIError(f"business_hours: unknown key(s) {sorted(bad)}; allowed: {sorted(allowed)}.")
        days = spec.get("weekdays", ["mon", "tue", "wed", "thu", "fri"])
        try:
            weekdays = tuple(sorted({_WEEKDAYS[str(d).lower()[:3]] for d in days}))
        except KeyError:
            raise KPIError(f"business_hours.weekdays must list days like [mon, tue, wed, thu, fri]; "
                           f"got {days!r}.") from None
        start, end = _hour(spec.get("start", "09:00"), "start"), _hour(spec.get("end", "18:00"), "end")
        if end <= start:
            raise KPIError(f"business_hours: end ({spec.get('end')}) must be after start ({spec.get('start')}).")
        name = spec.get("calendar")
        if name not in (None, False, ""):
            if str(name).strip().upper() not in CALENDARS:
                raise KPIError(f"business_hours.calendar must be one of {', '.join(CALENDARS)} "
                               f"(public holidays and make-up working days); got {name!r}.")
            name = str(name).strip().upper()
        else:
            name = None
        return cls(weekdays, start, end, _dates(spec.get("holidays"), "holidays"),
                   _dates(spec.get("workdays"), "workdays"), name)

    def days_off_and_on(self, first: _dt.date, last: _dt.date) -> tuple[set[_dt.date], set[_dt.date]]:
        """Holidays and make-up working days in force from ``first`` to ``last``.

        The named calendar's dates, overridden by the explicit lists.
        """
        off, on = set(self.holidays), set(self.workdays)
        if self.calendar_name:
            cal = holiday_calendar(self.calendar_name, first.year, last.year, warn=False)
            off |= set(cal.holidays) - set(self.workdays)
            on |= set(cal.workdays) - set(self.holidays)
        return off, on

    def calendar(self, first: _dt.date, last: _dt.date) -> pd.DataFrame:
        """One row per day: ``day, is_work, start_h, end_h, cum_before`` (working hours before the day)."""
        days = pd.date_range(first, last, freq="D")
        off, on = self.days_off_and_on(pd.Timestamp(first).date(), pd.Timestamp(last).date())
        hol = pd.DatetimeIndex(pd.to_datetime(sorted(off))) if off else pd.DatetimeIndex([])
        extra = pd.DatetimeIndex(pd.to_datetime(sorted(on))) if on else pd.DatetimeIndex([])
        work = (days.day_of_week.isin(self.weekdays) & ~days.isin(hol)) | days.isin(extra)
        length = np.where(work, self.end - self.start, 0.0)
        cum = np.concatenate([[0.0], np.cumsum(length)[:-1]])
        return pd.DataFrame({"day": days.date, "is_work": work, "start_h": self.start, "end_h": self.end,
                             "cum_before": cum})


@dataclass(frozen=True)
class KPISettings:
    """Settings of the KPI definitions (``kpi:`` in the parameter files).

    Attributes
    ----------
    sla_hours : mapping
        Default SLA per customer-raised kind, used where an issue has no ``sla_hours``.
    callback_hours : float
        The threshold of ``callback_within_24h_rate``.
    business_hours : BusinessHours or None
        Measure hours in working time; ``None``: calendar hours.
    """

    sla_hours: Mapping[str, float] = field(default_factory=lambda: {"complaint": 24.0, "inquiry": 48.0,
                                                                    "request": 72.0})
    callback_hours: float = 24.0
    business_hours: BusinessHours | None = None

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any] | None) -> KPISettings:
        spec = dict(spec or {})
        allowed = {"sla_hours", "callback_hours", "business_hours"}
        bad = set(spec) - allowed
        if bad:
            raise KPIError(f"kpi settings: unknown key(s) {sorted(bad)}; allowed: {sorted(allowed)}.")
        sla = dict(cls().sla_hours)
        for k, v in (spec.get("sla_hours") or {}).items():
            if k not in CUSTOMER_RAISED_KINDS:
                raise KPIError(f"kpi.sla_hours: {k!r} is not a customer-raised kind; "
                               f"allowed: {', '.join(CUSTOMER_RAISED_KINDS)}.")
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
                raise KPIError(f"kpi.sla_hours.{k} must be a number of hours above 0; got {v!r}.")
            sla[k] = float(v)
        cb = spec.get("callback_hours", 24.0)
        if not isinstance(cb, (int, float)) or isinstance(cb, bool) or cb <= 0:
            raise KPIError(f"kpi.callback_hours must be a number of hours above 0; got {cb!r}.")
        bh = spec.get("business_hours")
        if bh in (None, False):
            business = None
        elif bh is True:
            business = BusinessHours()
        elif isinstance(bh, Mapping):
            business = BusinessHours.from_dict(bh)
        elif isinstance(bh, BusinessHours):
            business = bh
        else:
            raise KPIError(f"kpi.business_hours must be false, true or a mapping; got {bh!r}.")
        return cls(sla, float(cb), business)


# --- the tables KPI definitions read ------------------------------------------------------------


class Tables:
    """Ibis tables restricted to the quarters being computed.

    Every table has ``rep_id`` (the rep credited) and ``quarter_index`` (see
    :func:`kit.periods.quarter_index_expr`). Hour clocks ``opened_h``, ``first_response_h``
    and ``resolved_h`` are in calendar hours or, with business hours, in working hours since
    the start of the data; a difference of two clocks is a duration in hours.
    """

    def __init__(self, data: Dataset, quarters: list[Quarter], settings: KPISettings, con: Any = None):
        self.data = data
        self.quarters = quarters
        self.settings = settings
        self.instrument = data.instrument
        self._con = con
        self.start = quarters[0].start
        self.end = quarters[-1].end
        self._fsm = data.fiscal_start_month
        self._indexes = [q.index for q in quarters]

    def _raw(self, name: str) -> ir.Table:
        return self.data.table(name, self._con)

    def _in_period(self, t: ir.Table, col: str) -> ir.Table:
        t = t.filter((t[col] >= self.start) & (t[col] < self.end))
        t = t.mutate(quarter_index=quarter_index_expr(t[col], self._fsm))
        if len(self.quarters) != self.quarters[-1].index - self.quarters[0].index + 1:
            t = t.filter(t.quarter_index.isin(self._indexes))
        return t

    @functools.cached_property
    def reps(self) -> ir.Table:
        return self._raw("reps")

    @functools.cached_property
    def customers(self) -> ir.Table:
        return self._raw("customers")

    def _clock(self, t: ir.Table, col: str, out: str) -> ir.Table:
        import ibis

        bh = self.settings.business_hours
        ts = t[col]
        if bh is None:
            return t.mutate(**{out: ts.epoch_seconds().cast("float64") / 3600.0})
        cal = self._calendar
        c = cal.rename({f"_{out}_{k}": k for k in cal.columns})
        j = t.left_join(c, ts.date() == c[f"_{out}_day"])
        frac = ts.hour().cast("float64") + ts.minute().cast("float64") / 60 + ts.second().cast("float64") / 3600
        inside = (frac - j[f"_{out}_start_h"]).clip(lower=0.0, upper=j[f"_{out}_end_h"] - j[f"_{out}_start_h"])
        clock = j[f"_{out}_cum_before"] + ibis.ifelse(j[f"_{out}_is_work"], inside, 0.0)
        clock = ibis.ifelse(ts.isnull(), ibis.null("float64"), clock)
        return j.mutate(**{out: clock}).drop(*c.columns)

    @functools.cached_property
    def _calendar(self) -> ir.Table:
        import ibis

        bh = self.settings.business_hours
        if bh.calendar_name:  # warns once for the quarters asked that the calendar does not know
            holiday_calendar(bh.calendar_name, self.start.year, (self.end - pd.Timedelta(days=1)).year)
        inter = self._raw("interactions")
        cols = ("opened_at", "first_response_at", "resolved_at")
        r = inter.aggregate(**{f"lo{i}": inter[c].min() for i, c in enumerate(cols)},
                            **{f"hi{i}": inter[c].max() for i, c in enumerate(cols)}).execute().iloc[0]
        lows = [pd.Timestamp(r[f"lo{i}"]) for i in range(3) if pd.notna(r[f"lo{i}"])]
        highs = [pd.Timestamp(r[f"hi{i}"]) for i in range(3) if pd.notna(r[f"hi{i}"])]
        first = min([*lows, pd.Timestamp(self.start)]).date()
        last = max([*highs, pd.Timestamp(self.end)]).date()
        return ibis.memtable(self.settings.business_hours.calendar(first, last))

    @functools.cached_property
    def interactions(self) -> ir.Table:
        """All interactions opened in the quarters, with hour clocks and the SLA in force."""
        import ibis

        t = self._in_period(self._raw("interactions"), "opened_at")
        for col, out in (("opened_at", "opened_h"), ("first_response_at", "first_response_h"),
                         ("resolved_at", "resolved_h")):
            t = self._clock(t, col, out)
        sla = ibis.cases(*[(t.kind == k, float(v)) for k, v in self.settings.sla_hours.items()], else_=None)
        return t.mutate(sla=t.sla_hours.fill_null(sla.cast("float64")))

    @functools.cached_property
    def customer_issues(self) -> ir.Table:
        """Interactions of the customer-raised kinds (complaint, inquiry, request)."""
        t = self.interactions
        return t.filter(self.is_issue)

    @property
    def is_issue(self):
        """On :attr:`interactions`: the row is a customer-raised issue (complaint, inquiry, request).

        KPIs over issues that reduce :attr:`interactions` with ``where=t.is_issue`` are
        computed in the same pass as the other interaction KPIs, where a KPI over
        :attr:`customer_issues` costs a pass of its own.
        """
        return self.interactions.kind.isin(list(CUSTOMER_RAISED_KINDS))

    @functools.cached_property
    def surveys(self) -> ir.Table:
        """Survey responses submitted in the quarters, credited to reps."""
        t = self._raw("surveys_attributed")
        return t.filter((t.submitted_at >= self.start) & (t.submitted_at < self.end)).filter(
            t.quarter_index.isin(self._indexes))

    @functools.cached_property
    def deals_closed(self) -> ir.Table:
        """Deals won or lost in the quarters (by ``closed_at``)."""
        t = self._raw("deals")
        t = t.filter(t.stage.isin(["won", "lost"]))
        return self._in_period(t, "closed_at")

    @functools.cached_property
    def deals_created(self) -> ir.Table:
        """Deals created in the quarters (by ``created_at``)."""
        return self._in_period(self._raw("deals"), "created_at")

    @functools.cached_property
    def owned_customers(self) -> ir.Table:
        """One row per rep, quarter and customer owned then (``since`` before the quarter's end)."""
        import ibis

        q = ibis.memtable(pd.DataFrame({
            "quarter_index": self._indexes,
            "q_end": pd.to_datetime([str(x.end) for x in self.quarters]).astype("datetime64[us]"),
        }))
        c = self.customers.filter(self.customers.owner_rep_id.notnull())
        j = c.cross_join(q)
        j = j.filter(j.since.isnull() | (j.since < j.q_end))
        return j.select(rep_id=j.owner_rep_id, customer_id=j.customer_id, quarter_index=j.quarter_index)

    def dimension_score(self, dimension: str):
        """The per-response score of a dimension on :attr:`surveys` (an Ibis column)."""
        from kit.survey import dimension_score_exprs

        return dimension_score_exprs(self.surveys, self.instrument)[dimension]

    def tag_score(self, tag: str):
        """The per-response mean of the items carrying ``tag`` on :attr:`surveys`."""
        from kit.survey import tag_score_expr

        return tag_score_expr(self.surveys, self.instrument, tag)


def rate(condition, where=None):
    """Ibis: the share of rows where ``condition`` holds (among rows where ``where`` holds)."""
    import ibis

    # integers cast to double: Spark reads the literals 1.0 and 0.0 as decimals (5-place averages)
    return ibis.ifelse(condition, 1, 0).cast("float64").mean(where=where)


# --- computing ----------------------------------------------------------------------------------


def compute(
    data: Dataset,
    quarter: str | Quarter | Iterable[str] | None = None,
    *,
    kpis: Iterable[str] | None = None,
    settings: KPISettings | Mapping[str, Any] | None = None,
    con: Any = None,
) -> pd.DataFrame:
    """Compute KPIs per rep and quarter.

    Parameters
    ----------
    data : kit.Dataset
        A loaded data set (:func:`kit.load`).
    quarter : str, list, optional
        ``"2026Q3"``; a range ``"2025Q4:2026Q3"``, a list, or ``"all"``. Default: the latest quarter.
    kpis : list of str, optional
        KPI ids; default: every registered KPI.
    settings : KPISettings or mapping, optional
        SLA defaults, callback threshold, business hours (``kpi:`` in the parameter files).
    con : Ibis backend, optional
        Run on this backend (e.g. ``ibis.postgres.connect(...)``) instead of the data set's
        embedded DuckDB; the validated tables are uploaded as temporary tables.

    Returns
    -------
    DataFrame
        One quarter: indexed by ``rep_id``; several: indexed by ``(quarter, rep_id)``. Every rep
        of the ``reps`` table appears. A column per KPI id (float; missing where nothing was
        counted, except counts and sums which are 0), then ``n_<id>`` per KPI (int): the count
        the value was computed from.
    """
    import ibis

    quarters = data.quarters_for(quarter)
    chosen = list(_REGISTRY) if kpis is None else list(kpis)
    if isinstance(kpis, str):
        chosen = [kpis]
    for k in chosen:
        get(k)
    if not isinstance(settings, KPISettings):
        settings = KPISettings.from_dict(settings)
    t = Tables(data, quarters, settings, con)

    groups: dict[int, tuple[Any, dict[str, Aggregate]]] = {}
    tables: dict[str, Any] = {}
    for k in chosen:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            out = _REGISTRY[k].func(t)
        if isinstance(out, Aggregate):
            groups.setdefault(id(out.table), (out.table, {}))[1][k] = out
        elif hasattr(out, "columns") and {"rep_id", "quarter_index", "value", "n"} <= set(out.columns):
            tables[k] = out.select("rep_id", "quarter_index", "value", "n")
        else:
            raise KPIError(f"KPI {k!r} must return an Aggregate or an Ibis table with columns rep_id, "
                           f"quarter_index, value, n; got {type(out).__name__}.")

    qt = ibis.memtable(pd.DataFrame({"quarter_index": [q.index for q in quarters]}))
    base = t.reps.select("rep_id").cross_join(qt)
    parts = []
    for source, aggs in groups.values():
        metrics = {}
        for k, a in aggs.items():
            metrics[f"v__{k}"] = a.value.cast("float64")
            metrics[f"n__{k}"] = a.n.cast("int64")
        parts.append(source.group_by(["rep_id", "quarter_index"]).aggregate(**metrics))
    for k, tab in tables.items():
        parts.append(tab.select("rep_id", "quarter_index", **{f"v__{k}": tab.value.cast("float64"),
                                                                f"n__{k}": tab.n.cast("int64")}))
    joined = base
    for p in parts:
        p = p.rename(_r_rep="rep_id", _r_q="quarter_index")
        joined = joined.left_join(p, (joined.rep_id == p._r_rep) & (joined.quarter_index == p._r_q)).drop("_r_rep",
                                                                                                          "_r_q")
    df = joined.to_pandas()

    out = pd.DataFrame({"quarter": [label_of_index(i, data.fiscal_start_month) for i in df["quarter_index"]],
                        "rep_id": df["rep_id"].astype("string")})
    for k in chosen:
        meta = _REGISTRY[k]
        v = pd.to_numeric(df[f"v__{k}"], errors="coerce").astype("float64")
        if meta.fill_zero:
            v = v.fillna(0.0)
        out[k] = v.to_numpy()
    for k in chosen:
        out[f"n_{k}"] = pd.to_numeric(df[f"n__{k}"], errors="coerce").fillna(0).astype("int64").to_numpy()
    out = out.sort_values(["quarter", "rep_id"]).reset_index(drop=True)
    if len(quarters) == 1:
        return out.drop(columns="quarter").set_index("rep_id")
    return out.set_index(["quarter", "rep_id"])
