"""Dates and times of a source: one clock (the ``timezone`` parameter), no guessed day/month order.

Every timestamp the kit works with is a naive local wall-clock time in one IANA time zone
(``timezone``, default ``Asia/Shanghai``), so quarters, hours of the day and working hours are
all counted on one clock:

* text with an offset or ``Z`` (``2026-09-30T16:30:00Z``, ``2026-09-30 23:30:00+08:00``) is
  converted to that zone (``2026-10-01 00:30`` and ``2026-09-30 23:30`` in Asia/Shanghai);
  offsets may differ from row to row;
* text without an offset is taken as already local;
* columns typed with a time zone in the source (Parquet, DuckDB or PostgreSQL ``timestamptz``)
  are converted the same way; naive timestamp columns stay as they are.

Text is read in the engine: year-first forms (``2026-08-03``, ``2026/8/3 9:00``) by the
engine's cast, day/month forms (``03.08.2026``, ``3/8/2026 09:00``) by taking them apart with a
regular expression. A day/month form is read only when it says which number is the day, and
never with a two-digit year (``26-08-03`` may be 2026-08-03 as well as 2003-08-26), which
needs the ``date_format``:

* a value with a number above 12 (``13.08.2026``) has one reading, and is read so;
* a value whose two numbers could each be the day (``03.08.2026``) is *ambiguous*. When the
  column's unambiguous values all point one way (some ``13.08.2026``, none ``08/13/2026``), the
  column's order is inferred from them (day-first here) and its ambiguous values read that
  way; otherwise loading stops with a :class:`kit.schema.SchemaError` naming the table, column,
  example values and their rows, and asking for the ``date_format`` parameter.

With a ``date_format`` (a ``strptime`` format for every text timestamp column, or
``{table.column: format}``), a column's values are read with that format (or its date part
alone, when the format ends with a time), ISO values still being read; values matching neither
are set aside in the quarantine with a reason naming the expected format. What the engine
cannot read otherwise (``15 Aug 2026``...) goes to pandas' parser: the distinct unread strings
only, never the numeric day/month forms.

The ``data_window`` (default 2000-01-01 to a year after today) bounds the event timestamps
(interactions, survey responses, deals): a row dated outside it is set aside with the reason.
A rep's hire date or a customer's first year may lie before it and is not checked.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kit.errors import EXIT_USAGE, KitError

if TYPE_CHECKING:  # pragma: no cover
    import ibis.expr.types as ir
    import pandas as pd

# pandas, Ibis and the schema are imported where used: kit.params reads this module to check
# the parameters, before anything heavy is loaded

__all__ = ["TimeSettings", "DateSettingError", "check_timezone", "check_date_format", "check_window",
           "parameter_problems", "settings", "Parse", "typed_timestamp", "to_local", "day_month_evidence",
           "fallback_map", "outside_window", "WINDOW_TABLES"]

#: a time zone at the end of a timestamp's text (after the minutes or seconds)
ZONE_SUFFIX = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$"
#: year first: 2026-08-03, 2026/8/3 9:00, 2026-08-03T09:00:00+08:00
YEAR_FIRST = (r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
              r"\s*(?:[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$")
#: day and month first, in either order: 03.08.2026, 3/8/2026 09:00, 03-08-26 (groups: a, b, year, rest)
DAY_MONTH = r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})((?:[ T]\d{1,2}:\d{2}).*)?$"
_DAY_MONTH_ANY = re.compile(r"^\d{1,2}\D\d{1,2}\D\d{2,4}\b")
#: tables whose timestamps are events, bounded by the data window
WINDOW_TABLES = ("interactions", "surveys", "deals")
_DIRECTIVES = {"Y": r"(\d{4})", "y": r"(\d{2})", "m": r"(\d{1,2})", "d": r"(\d{1,2})", "H": r"(\d{1,2})",
               "M": r"(\d{1,2})", "S": r"(\d{1,2})", "f": r"(\d{1,6})", "z": r"([Zz]|[+-]\d{2}:?\d{2})",
               "b": r"([A-Za-z]{3})", "B": r"([A-Za-z]{3,9})"}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
#: at most this many distinct unparsed timestamps are given to pandas' flexible parser
MAX_FALLBACK_VALUES = 200_000


class DateSettingError(KitError, ValueError, exit_code=EXIT_USAGE):
    """A ``timezone``, ``date_format`` or ``data_window`` that cannot be used."""


# --- the settings -----------------------------------------------------------------------------


def check_timezone(name: Any) -> str:
    """An IANA time zone name, checked with :mod:`zoneinfo` (``Asia/Shanghai``, ``UTC``...)."""
    import zoneinfo

    ok = isinstance(name, str) and name.strip() and "\\" not in name and not name.startswith(("/", "."))
    if ok:
        try:
            zoneinfo.ZoneInfo(name.strip())
            return name.strip()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    import difflib

    close = difflib.get_close_matches(str(name), sorted(zoneinfo.available_timezones()), n=1) if ok else []
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise DateSettingError(f"timezone must be an IANA time zone name such as Asia/Shanghai, Asia/Hong_Kong, "
                           f"Europe/Berlin or UTC; got {name!r}.{hint}")


def _format_parts(fmt: str) -> list[tuple[str, str]]:
    """A strptime format as ``(kind, text)`` parts: ``("%", "Y")`` directives and literals."""
    parts, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%":
            if i + 1 >= len(fmt):
                raise DateSettingError(f"date_format {fmt!r} ends with a lone '%'.")
            d = fmt[i + 1]
            if d == "%":
                parts.append(("lit", "%"))
            elif d in _DIRECTIVES:
                parts.append(("%", d))
            else:
                raise DateSettingError(f"date_format {fmt!r}: %{d} is not supported; use %Y %y %m %d %b %B "
                                       f"(date), %H %M %S %f (time), %z (offset) and literal text.")
            i += 2
        else:
            parts.append(("lit", fmt[i]))
            i += 1
    have = {t for k, t in parts if k == "%"}
    if not (have & {"Y", "y"} and have & {"m", "b", "B"} and "d" in have):
        raise DateSettingError(f"date_format {fmt!r} must give the year (%Y or %y), the month (%m or %b) and "
                               f"the day (%d), e.g. '%d.%m.%Y %H:%M'.")
    return parts


def check_date_format(spec: Any) -> str | dict[str, str] | None:
    """Null, one strptime format, or ``{table.column: format}`` for timestamp columns; checked."""
    if spec is None:
        return None
    if isinstance(spec, str):
        _format_parts(spec)
        return spec
    if not isinstance(spec, Mapping):
        raise DateSettingError(f"date_format must be empty, a strptime format such as '%d.%m.%Y %H:%M', or a "
                               f"mapping of table.column to format; got {type(spec).__name__}.")
    from kit import schema as S

    out = {}
    for key, fmt in spec.items():
        table, _, column = str(key).partition(".")
        cols = S.column_types(table) if table in S.TABLES else {}
        if cols.get(column) != "timestamp":
            known = ", ".join(f"{t}.{c}" for t in S.TABLES for c, k in S.column_types(t).items() if k == "timestamp")
            raise DateSettingError(f"date_format: {key!r} is not a timestamp column; the timestamp columns are "
                                   f"{known}.")
        if not isinstance(fmt, str):
            raise DateSettingError(f"date_format.{key} must be a strptime format such as '%d.%m.%Y %H:%M'; "
                                   f"got {fmt!r}.")
        _format_parts(fmt)
        out[f"{table}.{column}"] = fmt
    return out


def _day(value: Any, what: str) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise DateSettingError(f"data_window.{what} must be a date written 2000-01-01; got {value!r}.")


def check_window(spec: Any, zone: str = "UTC", today: _dt.date | None = None) -> tuple[_dt.date, _dt.date]:
    """``(start, end)`` of a ``{start, end}`` window; ``end`` null: a year after today in ``zone``."""
    if not isinstance(spec, Mapping) or set(spec) - {"start", "end"} or spec.get("start") is None:
        raise DateSettingError(f"data_window must be a mapping {{start: 2000-01-01, end: null}} (end null: a year "
                               f"after today); got {spec!r}.")
    start = _day(spec["start"], "start")
    if spec.get("end") is None:
        import zoneinfo

        now = today or _dt.datetime.now(zoneinfo.ZoneInfo(zone)).date()
        end = now.replace(year=now.year + 1, day=28 if (now.month, now.day) == (2, 29) else now.day)
    else:
        end = _day(spec["end"], "end")
    if end < start:
        raise DateSettingError(f"data_window: end {end} is before start {start}.")
    return start, end


def parameter_problems(values: dict[str, Any], where: Any = lambda key: "") -> list[str]:
    """Check (and normalize in place) ``timezone``, ``date_format`` and ``data_window``; the problems."""
    problems = []
    try:
        values["timezone"] = check_timezone(values.get("timezone"))
    except DateSettingError as exc:
        problems.append(f"{where('timezone')}{exc}")
    try:
        values["date_format"] = check_date_format(values.get("date_format"))
    except DateSettingError as exc:
        problems.append(f"{where('date_format')}{exc}")
    window = values.get("data_window")
    try:
        check_window(window)
        values["data_window"] = {"start": str(_day(window["start"], "start")),
                                 "end": None if window.get("end") is None else str(_day(window["end"], "end"))}
    except DateSettingError as exc:
        problems.append(f"{where('data_window')}{exc}")
    return problems


@dataclass(frozen=True)
class TimeSettings:
    """How a load reads time: the zone, the date formats, the data window (see :func:`settings`)."""

    zone: str
    date_format: str | dict | None = None
    window: tuple[_dt.date, _dt.date] = (_dt.date(2000, 1, 1), _dt.date(9999, 12, 31))

    def format_for(self, table: str, column: str) -> str | None:
        if isinstance(self.date_format, str):
            return self.date_format
        return (self.date_format or {}).get(f"{table}.{column}")

    def window_text(self) -> str:
        return f"{self.window[0]} .. {self.window[1]}"


def settings(timezone: Any = None, date_format: Any = None, data_window: Any = None) -> TimeSettings:
    """Checked settings of :func:`kit.load`; ``None`` takes the value of ``parameters/default.yaml``.

    Examples
    --------
    >>> s = settings("UTC", "%d.%m.%Y", {"start": "2000-01-01", "end": "2030-12-31"})
    >>> s.zone, s.format_for("surveys", "submitted_at"), s.window_text()
    ('UTC', '%d.%m.%Y', '2000-01-01 .. 2030-12-31')
    """
    from kit.config import defaults

    d = defaults()
    zone = check_timezone(d["timezone"] if timezone is None else timezone)
    fmt = check_date_format(d["date_format"] if date_format is None else date_format)
    window = check_window({**d["data_window"], **(data_window or {})}, zone)
    return TimeSettings(zone, fmt, window)


# --- engine expressions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Parse:
    """How one text column is read: the zone, a format, or whether day/month forms are read
    (``day_month``, in the ``order`` ``dmy``, ``mdy`` or None: each value's own). ``zoned=False``
    says no value carries an offset (counted before), which spares the conversion per value."""

    zone: str
    order: str | None = None
    fmt: str | None = None
    day_month: bool = False
    zoned: bool = True


def _backend(expr: Any) -> str:
    try:
        return str(getattr(expr._find_backend(use_default=False), "name", ""))
    except Exception:  # pragma: no cover - an expression without a backend
        return ""


def _builtin(name: str, signature: tuple) -> Any:
    """An engine function of two arguments as an Ibis function (never run in Python)."""
    import ibis

    def fn(a: Any, b: Any) -> Any:  # pragma: no cover - compiled to the engine's function
        ...

    fn.__name__ = name
    return ibis.udf.scalar.builtin(fn, name=name, signature=signature)


def to_local(ts: Any, zone: str) -> Any:
    """A time zone-aware timestamp as naive wall-clock time in ``zone`` (an Ibis expression).

    DuckDB and PostgreSQL: ``timezone(zone, ts)``; Spark, whose timestamps are instants shown in
    the session's zone (UTC in the kit's sessions): ``from_utc_timestamp(ts, zone)``.
    """
    import ibis.expr.datatypes as dt

    aware = ts.cast(dt.Timestamp(timezone="UTC"))
    if _backend(ts) == "pyspark":
        return _builtin("from_utc_timestamp", ((dt.Timestamp(timezone="UTC"), dt.string), dt.Timestamp()))(aware, zone)
    return _builtin("timezone", ((dt.string, dt.Timestamp(timezone="UTC")), dt.Timestamp()))(zone, aware)


def _cast_text(text: Any, zone: str, zoned: bool = True) -> Any:
    """Year-first text as local time: with an offset converted to ``zone``, without taken as local."""
    import ibis

    if not zoned:
        return text.try_cast("timestamp")
    zoned = text.re_search(ZONE_SUFFIX)
    return ibis.ifelse(zoned, to_local(text.try_cast("timestamp('UTC')"), zone),
                       text.try_cast("timestamp"))


def _year(y: Any) -> Any:
    """Four digits; a two-digit year as strptime's %y reads it (69-99: 1900s, else 2000s)."""
    import ibis

    return ibis.ifelse(y.length() == 2, ibis.ifelse(y.cast("int64") < 69, "20" + y, "19" + y), y)


def _group(s: Any, pattern: str, i: int) -> Any:
    g = s.re_extract(pattern, i)
    return g.nullif("")


def _day_month(s: Any, order: str | None) -> tuple[Any, Any]:
    """(year-first text, is-day/month-form) of a day/month value; ambiguous ones null unless ``order``."""
    import ibis

    a, b = _group(s, DAY_MONTH, 1), _group(s, DAY_MONTH, 2)
    ai, bi = a.cast("int64"), b.cast("int64")
    if order == "dmy":
        day, month = a, b
    elif order == "mdy":
        day, month = b, a
    else:
        first_day = ai > 12
        ambiguous = (ai <= 12) & (bi <= 12) & (ai != bi)
        day = ibis.ifelse(ambiguous, ibis.null("string"), ibis.ifelse(first_day, a, b))
        month = ibis.ifelse(first_day, b, a)
    rest = _group(s, DAY_MONTH, 4).fill_null("")
    # a two-digit year may as well come first (26-08-03 = 2026-08-03 or 2003-08-26): never read
    year = _group(s, DAY_MONTH, 3)
    day = ibis.ifelse(year.length() == 2, ibis.null("string"), day)
    # one-digit months and days (2026-8-3) are read by the engines' casts as they are
    text = _year(year) + "-" + month + "-" + day + rest
    return text, s.re_search(DAY_MONTH)


def format_regex(fmt: str, date_only: bool = False) -> tuple[str, list[str]]:
    r"""A strptime format as an anchored regular expression and the directive of each group.

    With ``date_only``, the time after the date (from the white space or ``T`` before it) is
    optional, its groups then empty.

    Examples
    --------
    >>> format_regex("%d.%m.%Y %H:%M", date_only=True)
    ('^(\\d{1,2})\\.(\\d{1,2})\\.(\\d{4})(?:\\s+(\\d{1,2}):(\\d{1,2}))?$', ['d', 'm', 'Y', 'H', 'M'])
    """
    parts = _format_parts(fmt)
    time_at = next((i for i, (k, t) in enumerate(parts) if k == "%" and t in "HMSfz"), None)
    split = None
    if date_only and time_at is not None:
        split = time_at
        while split > 0 and parts[split - 1][0] == "lit" and (parts[split - 1][1].isspace()
                                                              or parts[split - 1][1] == "T"):
            split -= 1
    pieces, order = [], []
    for i, (kind, text) in enumerate(parts):
        if i == split:
            pieces.append("(?:")
        if kind == "%":
            pieces.append(_DIRECTIVES[text])
            order.append(text)
        elif text.isspace():
            if not pieces or pieces[-1] != r"\s+":
                pieces.append(r"\s+")
        else:
            pieces.append(re.escape(text))
    if split is not None:
        pieces.append(")?")
    return "^" + "".join(pieces) + "$", order


def _formatted(s: Any, fmt: str) -> tuple[Any, Any]:
    """(year-first text, matches) of values written in ``fmt`` (or its date part alone)."""
    import ibis

    pattern, order = format_regex(fmt, date_only=True)
    g = {d: _group(s, pattern, i + 1) for i, d in enumerate(order)}
    if "Y" in g:
        year = g["Y"]
    else:
        year = _year(g["y"])
    if "m" in g:
        month = g["m"]
    else:
        name = g.get("b", g.get("B")).lower().substr(0, 3)
        month = ibis.cases(*[(name == m, f"{i + 1:02d}") for i, m in enumerate(_MONTHS)], else_=ibis.null("string"))
    text = year + "-" + month + "-" + g["d"]
    time = g["H"].fill_null("00") if "H" in g else ibis.literal("00")
    time = time + ":" + (g["M"].fill_null("00") if "M" in g else ibis.literal("00"))
    time = time + ":" + (g["S"].fill_null("00") if "S" in g else ibis.literal("00"))
    if "f" in g:
        time = time + ibis.ifelse(g["f"].isnull(), "", "." + g["f"].fill_null(""))
    if "z" in g:
        time = time + g["z"].fill_null("")
    return text + " " + time, s.re_search(pattern)


def typed_timestamp(col: Any, src: str, s: Any, missing: Any, parse: Parse, fallback: Any = None
                    ) -> tuple[Any, Any]:
    """(local timestamp, is-bad flag) of a raw column, as Ibis expressions.

    ``src`` is the column's kind (``timestamp`` or ``text``; others are all bad), ``s`` the
    trimmed text, ``fallback`` the timestamps pandas read for the unread strings (or None).
    """
    import ibis

    if src == "timestamp":
        typ = col.type()
        if typ.is_timestamp() and typ.timezone is not None:
            return to_local(col, parse.zone), ibis.literal(False)
        return col.cast("timestamp"), ibis.literal(False)
    if src != "text":
        return ibis.null("timestamp"), ~missing
    year_first = s.re_search(YEAR_FIRST)
    value = ibis.ifelse(year_first, _cast_text(s, parse.zone, parse.zoned), ibis.null("timestamp"))
    if parse.fmt is not None:
        text, matches = _formatted(s, parse.fmt)
        value = ibis.coalesce(value, ibis.ifelse(matches, _cast_text(text, parse.zone), ibis.null("timestamp")))
    else:
        if parse.day_month:
            text, dm = _day_month(s, parse.order)
            value = ibis.coalesce(value, ibis.ifelse(dm, _cast_text(text, parse.zone, parse.zoned),
                                                     ibis.null("timestamp")))
        if fallback is not None:
            value = ibis.coalesce(value, fallback)
    value = ibis.ifelse(missing, ibis.null("timestamp"), value)
    return value, (~missing) & value.isnull()


# --- the day/month order of a column -----------------------------------------------------------


def day_month_evidence(con: Any, t: ir.Table, texts: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per column: how many values are day/month forms read day-first only (``dmy``), month-first
    only (``mdy``), or either way (``ambiguous``); one query for all the columns."""
    import ibis

    def count(flag: Any) -> Any:
        return ibis.ifelse(flag.fill_null(False), 1, 0).sum()

    aggs = {}
    for i, s in enumerate(texts.values()):
        a, b = _group(s, DAY_MONTH, 1).cast("int64"), _group(s, DAY_MONTH, 2).cast("int64")
        dm = s.re_search(DAY_MONTH)
        aggs[f"d{i}"] = count(dm & (a > 12) & (b <= 12))
        aggs[f"m{i}"] = count(dm & (b > 12) & (a <= 12))
        aggs[f"a{i}"] = count(dm & (a <= 12) & (b <= 12) & (a != b))
        aggs[f"y{i}"] = count(dm & (_group(s, DAY_MONTH, 3).length() == 2))
    if not aggs:
        return {}
    row = con.execute(t.aggregate(**aggs)).iloc[0]
    return {col: {"dmy": int(row[f"d{i}"] or 0), "mdy": int(row[f"m{i}"] or 0), "ambiguous": int(row[f"a{i}"] or 0),
                  "two_digit_year": int(row[f"y{i}"] or 0)}
            for i, col in enumerate(texts)}


def day_month_orders(con: Any, t: ir.Table, texts: dict[str, Any], parses: dict[str, Parse], table: str,
                     label: str | None, problems: list) -> dict[str, Any]:
    """Set each text column's day/month reading in ``parses`` from its values; a column that
    cannot be read without a ``date_format`` adds a problem. Returns column -> is-ambiguous flag
    of the refused columns."""
    from kit import schema as S

    refused = {}
    for col, ev in day_month_evidence(con, t, texts).items():
        order, no = order_of(ev)
        parses[col] = Parse(parses[col].zone, order, day_month=True, zoned=parses[col].zoned)
        if no:
            refused[col] = amb = ambiguous_flag(texts[col])
            hits = con.execute(t.filter(amb).select(_row=t._row, v=texts[col]).order_by("_row").limit(3))
            problems.append(S.Problem(table, col, ambiguity_message(
                ev["ambiguous"] + ev.get("two_digit_year", 0), list(zip(hits["_row"], hits["v"])), ev, table, col),
                file=label))
    return refused


def ambiguous_flag(s: Any) -> Any:
    a, b = _group(s, DAY_MONTH, 1).cast("int64"), _group(s, DAY_MONTH, 2).cast("int64")
    two_digit_year = _group(s, DAY_MONTH, 3).length() == 2
    return (s.re_search(DAY_MONTH) & (((a <= 12) & (b <= 12) & (a != b)) | two_digit_year)).fill_null(False)


def order_of(evidence: dict[str, int]) -> tuple[str | None, bool]:
    """``(order, refused)`` of a column from :func:`day_month_evidence` (see the module docstring)."""
    if evidence.get("two_digit_year"):
        return None, True
    if not evidence["ambiguous"]:
        return None, False
    if evidence["dmy"] and not evidence["mdy"]:
        return "dmy", False
    if evidence["mdy"] and not evidence["dmy"]:
        return "mdy", False
    return None, True


def ambiguity_message(n: int, examples: list[tuple[int, str]], evidence: dict[str, int], table: str,
                      column: str) -> str:
    """The message of a column whose day/month values cannot be read without a ``date_format``."""
    shown = ", ".join(f"'{v}' (row {r})" for r, v in examples[:3])
    sample = examples[0][1] if examples else "03.08.2026"
    sep = next((c for c in sample if c in "./-"), ".")
    clock = sample.split()[1] if len(sample.split()) > 1 else ""
    time = "" if not clock else " %H:%M:%S" if clock.count(":") >= 2 else " %H:%M"
    day_first, month_first = f"%d{sep}%m{sep}%Y{time}", f"%m{sep}%d{sep}%Y{time}"
    both = (f" The column has values only day-first ({evidence['dmy']:,}) and values only month-first "
            f"({evidence['mdy']:,}), so its order cannot be inferred." if evidence["dmy"] and evidence["mdy"] else "")
    if evidence.get("two_digit_year"):
        year = "%y"
        day_first, month_first = day_first.replace("%Y", year), month_first.replace("%Y", year)
        both += (f" {evidence['two_digit_year']:,} value(s) have a two-digit year, which may as well come first "
                 "(26-08-03: 2026-08-03 or 2003-08-26).")
    return (f"{n:,} value(s) can be read day-first or month-first: {shown}.{both} Dates are not guessed: set the "
            f"date_format parameter to the export's form, e.g. date_format: '{day_first}' (or '{month_first}' when "
            f"the month comes first; for this column only: date_format: {{{table}.{column}: '{day_first}'}}).")


# --- pandas, for the forms the engine does not read ------------------------------------------------


def _parse_strings(keys: pd.Series, zone: str) -> pd.Series:
    """Local naive timestamps of text pandas can read; NaT for the rest (and numeric day/month forms)."""
    import pandas as pd

    out = pd.Series(pd.NaT, index=keys.index, dtype="datetime64[us]")
    guessable = keys.str.match(_DAY_MONTH_ANY)
    zoned = keys.str.contains(ZONE_SUFFIX, regex=True) & ~guessable
    for mask, utc in ((~zoned & ~guessable, False), (zoned, True)):
        part = keys[mask]
        if not len(part):
            continue
        try:
            got = pd.to_datetime(part, errors="coerce", format="mixed", utc=utc)
            if getattr(got.dt, "tz", None) is not None:
                got = got.dt.tz_convert(zone).dt.tz_localize(None)
        except (ValueError, TypeError, OverflowError):  # e.g. zones pandas cannot mix: one by one
            got = part.map(lambda k: _one(k, zone))
        out[mask] = pd.to_datetime(got, errors="coerce").astype("datetime64[us]")
    return out


def _one(text: str, zone: str) -> pd.Timestamp:
    import pandas as pd

    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    return ts.tz_convert(zone).tz_localize(None) if ts.tzinfo is not None else ts


def fallback_map(con: Any, raw: ir.Table, col: str, zone: str, strip: Any, missing_tokens: tuple[str, ...]
                 ) -> ir.Table | None:
    """Text the engine did not read as a timestamp (and not a day/month form), parsed by pandas.

    Only the distinct unread strings leave the engine; returns an Ibis table ``_fb_key,
    _fb_ts`` of those pandas read, or None.
    """
    import ibis
    import pandas as pd

    s = strip(raw[col].cast("string"))
    missing = s.isnull() | s.lower().isin(list(missing_tokens))
    read = ibis.ifelse(s.re_search(YEAR_FIRST), _cast_text(s, zone), ibis.null("timestamp"))
    failed = raw.filter(~missing & read.isnull() & ~s.re_search(DAY_MONTH)).select(key=s).distinct()
    keys = con.execute(failed.limit(MAX_FALLBACK_VALUES))["key"]
    if not len(keys):
        return None
    keys = keys.astype(str).reset_index(drop=True)
    parsed = _parse_strings(keys, zone)
    ok = parsed.notna()
    if not ok.any():
        return None
    return ibis.memtable(pd.DataFrame({"_fb_key": keys[ok].to_numpy(),
                                       "_fb_ts": parsed[ok].astype("datetime64[us]").to_numpy()}))


# --- the data window ------------------------------------------------------------------------------


def _shown(v: Any) -> str:
    import pandas as pd

    ts = pd.Timestamp(v)
    return str(ts.date()) if ts == ts.normalize() else str(ts)


def outside_window(con: Any, table: str, t: ir.Table, columns: list[str], idcol: str,
                   time: TimeSettings) -> list[tuple[list[int], str, list[str], list[Any], list[Any]]]:
    """Rows of an event table dated outside the data window: per column ``(rows, column, reasons,
    ids, values)``, one query for the table."""
    import ibis
    import pandas as pd

    if table not in WINDOW_TABLES or not columns:
        return []
    lo = pd.Timestamp(time.window[0])
    hi = pd.Timestamp(time.window[1]) + pd.Timedelta(days=1)
    flags = {f"_w{i}": ((t[c] < lo) | (t[c] >= hi)).fill_null(False) for i, c in enumerate(columns)}
    hits = con.execute(t.filter(ibis.or_(*flags.values())).select("_row", idcol, *columns, **flags)
                       .order_by("_row"))
    out = []
    for i, c in enumerate(columns):
        sel = hits[hits[f"_w{i}"].astype(bool)]
        if len(sel):
            reasons = [f"{c} {_shown(v)} is outside the data window {time.window_text()}" for v in sel[c]]
            out.append((sel["_row"].tolist(), c, reasons, sel[idcol].tolist(), [_shown(v) for v in sel[c]]))
    return out
