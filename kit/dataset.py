"""The validated data set: engine tables, the quarantine, row counts and fingerprints.

A :class:`Dataset` made by :func:`kit.load` holds its tables in the engine that validated them
(DuckDB for a folder, the database itself for PostgreSQL or Spark): ``data.table(name)`` is an
Ibis table, and queries (the KPIs, dimension scores, moments) run there. Only results come back
to pandas. ``data.tables[name]`` (or ``data.reps``) still gives a pandas DataFrame, read from
the engine when first asked for: convenient for the small tables, costly for the big ones.

A Dataset can also be built from pandas DataFrames (``Dataset(tables={...}, ...)``); its
tables are then served to an in-process DuckDB as Arrow views.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from kit import schema as S
from kit.instrument import Instrument
from kit.periods import Quarter, choose_named, parse_quarters, quarter_of

if TYPE_CHECKING:  # pragma: no cover
    import ibis.expr.types as ir

__all__ = ["Dataset", "EngineTables"]


@dataclass
class EngineTables:
    """Validated tables living in an engine: ``con`` and, per table, an Ibis table with ``_row``."""

    con: Any
    tables: dict[str, ir.Table]
    kinds: dict[str, dict[str, str]]
    keep_alive: list[Any] = field(default_factory=list)


class _LazyFrames(Mapping):
    """``data.tables``: each engine table read into pandas (contract dtypes, source order) on first use."""

    def __init__(self, engine: EngineTables) -> None:
        self._engine = engine
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._engine.tables:
            raise KeyError(name)
        if name not in self._cache:
            from kit.validation import as_contract_frame

            t = self._engine.tables[name]
            df = self._engine.con.execute(t.order_by("_row").drop("_row"))
            self._cache[name] = as_contract_frame(df, self._engine.kinds[name]).reset_index(drop=True)
        return self._cache[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._engine.tables)

    def __len__(self) -> int:
        return len(self._engine.tables)


@dataclass
class Dataset:
    """A loaded, validated data set.

    Attributes
    ----------
    tables : mapping of DataFrame
        ``reps, customers, interactions, surveys, deals, quotas``: the rows that passed the
        checks, with the contract's columns only (and the instrument's item columns for
        surveys). For an engine-backed data set each is read into pandas on first access; use
        :meth:`table` to query in the engine instead.
    instrument : kit.instrument.Instrument
    quarantine : DataFrame
        One row per row set aside: ``table, row, id, column, value, reason`` (``row`` is the
        1-based data row in the source; ``column`` and ``reason`` may list several problems).
    source : str
        Where the data came from.
    rows_in : dict
        Rows read per table (rows in = rows used + rows quarantined).
    fingerprints : dict
        A content hash per table (for caching reports).
    fiscal_start_month : int
        First month of the fiscal year (1 = calendar quarters).
    timezone : str
        The time zone whose local wall-clock time every timestamp is in (see :mod:`kit.timestamps`).

    Examples
    --------
    >>> import kit
    >>> data = kit.load("data/samples")  # doctest: +SKIP
    >>> data.table("surveys").csat.mean().execute()  # doctest: +SKIP
    """

    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    instrument: Instrument | None = None
    quarantine: pd.DataFrame = field(default_factory=pd.DataFrame)
    source: str = ""
    rows_in: dict[str, int] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    fiscal_start_month: int = 1
    warnings: list[str] = field(default_factory=list)
    timezone: str | None = None
    engine: EngineTables | None = field(default=None, repr=False)
    _con: Any = field(default=None, repr=False)
    _views: dict = field(default_factory=dict, repr=False)
    _arrow: dict = field(default_factory=dict, repr=False)
    _stats: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.engine is not None:
            self.tables = _LazyFrames(self.engine)
            self._con = self.engine.con

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(f"Dataset has no attribute {name!r}")

    def __repr__(self) -> str:
        counts = ", ".join(f"{t}={n:,}" for t, n in self.rows_used().items())
        return f"<kit.Dataset {self.source!r}: {counts}; quarantined={len(self.quarantine):,}>"

    # -- summaries --

    def rows_used(self) -> dict[str, int]:
        """Rows per table that passed the checks (counted in the engine)."""
        if "rows_used" not in self._stats:
            if self.engine is None:
                self._stats["rows_used"] = {t: len(df) for t, df in self.tables.items()}
            else:
                con = self.engine.con
                self._stats["rows_used"] = {t: int(con.execute(tb.count())) for t, tb in self.engine.tables.items()}
        return dict(self._stats["rows_used"])

    def summary(self) -> pd.DataFrame:
        """Rows per table: ``rows_in``, ``rows_used``, ``rows_quarantined``, ``share_quarantined``."""
        q = self.quarantine.groupby("table").size() if len(self.quarantine) else pd.Series(dtype=int)
        used = self.rows_used()
        rows = []
        for t in S.TABLES:
            if t not in self.rows_in:
                continue
            n_in = self.rows_in[t]
            n_q = int(q.get(t, 0))
            rows.append({"table": t, "rows_in": n_in, "rows_used": used.get(t, 0),
                         "rows_quarantined": n_q, "share_quarantined": n_q / n_in if n_in else 0.0})
        return pd.DataFrame(rows).set_index("table")

    def _date_range(self) -> tuple[Any, Any] | None:
        if "date_range" not in self._stats:
            stamps = []
            for table, col in (("interactions", "opened_at"), ("surveys", "submitted_at"), ("deals", "closed_at")):
                t = self.table(table)
                r = t.aggregate(lo=t[col].min(), hi=t[col].max()).execute()
                for v in (r["lo"].iloc[0], r["hi"].iloc[0]):
                    if pd.notna(v):
                        stamps.append(pd.Timestamp(v))
            self._stats["date_range"] = (min(stamps), max(stamps)) if stamps else None
        return self._stats["date_range"]

    def quarters(self) -> list[Quarter]:
        """Quarters with any interaction, survey response or closed deal, oldest first."""
        rng = self._date_range()
        if rng is None:
            return []
        first, last = quarter_of(rng[0], self.fiscal_start_month), quarter_of(rng[1], self.fiscal_start_month)
        return [first.next(k) for k in range(last.index - first.index + 1)]

    def latest_quarter(self) -> Quarter:
        """The most recent quarter with data."""
        qs = self.quarters()
        if not qs:
            raise ValueError(f"{self.source}: no dated rows, so no quarter can be chosen.")
        return qs[-1]

    def quarters_for(self, spec: str | Quarter | Iterable[str | Quarter] | None) -> list[Quarter]:
        """Parse a quarter spec with this data set's fiscal year.

        ``None`` or ``"latest"``: the latest quarter with data; ``"last-complete"``: the last
        one that has ended; ``"all"``: every quarter with data.
        """
        if spec is None or (isinstance(spec, str) and spec.strip().lower() == "latest"):
            return [self.latest_quarter()]
        named = choose_named(spec, self.quarters(), fiscal_start_month=self.fiscal_start_month)
        if named is not None:
            return [Quarter.parse(q, self.fiscal_start_month) for q in named]
        return parse_quarters(spec, self.fiscal_start_month)

    # -- the query engine --

    @property
    def con(self):
        """The Ibis connection that holds the validated tables.

        For a data set built from DataFrames: an in-process DuckDB reading them as Arrow views
        (not copies).
        """
        if self._con is None:
            import pyarrow as pa

            from kit.sources import duckdb_engine

            con = duckdb_engine(memory_limit=None)
            arrow = {}
            for name, df in self.tables.items():
                arrow[name] = pa.Table.from_pandas(df, preserve_index=False)
                con.con.register(name, arrow[name])
            self._arrow = arrow  # the views read these: keep them alive with the connection
            self._con = con
        return self._con

    def table(self, name: str, con: Any = None) -> ir.Table:
        """An Ibis table: a contract table, or ``surveys_attributed`` (responses credited to reps,
        with their ``quarter_index``). ``con`` puts the tables on another Ibis backend (e.g.
        PostgreSQL): they are uploaded there as temporary tables."""
        from kit.periods import quarter_index_expr
        from kit.survey import attributed_surveys

        backend = self.con if con is None else con
        key = (id(backend), name)
        if key in self._views:
            return self._views[key]
        if name in S.TABLES:
            if con is not None and con is not self._con:
                t = _upload(backend, name, self.tables[name])
            elif self.engine is not None:
                t = self.engine.tables[name].drop("_row")
            else:
                t = backend.table(name)
        elif name == "surveys_attributed":
            s = attributed_surveys(self.table("surveys", con), self.table("interactions", con),
                                   self.table("customers", con))
            t = s.mutate(quarter_index=quarter_index_expr(s.submitted_at, self.fiscal_start_month))
        else:
            raise KeyError(f"name={name!r}: allowed are {', '.join(S.TABLES)}, surveys_attributed")
        self._views[key] = t
        return t


def _upload(backend: Any, name: str, df: pd.DataFrame) -> ir.Table:
    import pyarrow as pa

    arrow = pa.Table.from_pandas(df, preserve_index=False)
    return backend.create_table(f"kit_{name}", arrow, temp=True, overwrite=True)


def _fingerprint(df: pd.DataFrame) -> str:
    """A content hash of a DataFrame (columns and values)."""
    h = hashlib.sha256("\x1f".join(map(str, df.columns)).encode())
    if len(df):
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]
