"""Loaders: a folder of CSV / Parquet / Excel files, a DuckDB file, or a SQL database URL.

``kit.load(source)`` reads the six tables of the data contract (:mod:`kit.schema`), renames
a company's own headers through a column map, checks every table, sets row problems aside
in ``data.quarantine`` and returns a :class:`Dataset`.

Sources
-------
* a folder with one file per table, named after the table (``reps.csv``, ``surveys.xlsx``,
  ``deals.parquet``...). CSV may be UTF-8 (with or without BOM) or GB18030/GBK, as Excel
  writes it in China; the encoding is detected. The folder may carry its own
  ``instrument.yaml`` and ``column_map.yaml``.
* a DuckDB database file (``.duckdb`` / ``.db``) with one table per contract table;
* a SQL database URL such as ``postgresql://user@host:5432/db`` (read through Ibis).

Column map (YAML)::

    files:                 # optional: table -> file or database table name
      surveys: 客户满意度调查.csv
    columns:               # per table: the export's header -> canonical column
      reps: {销售编号: rep_id, 姓名: rep_name}
    values:                # optional: per table and column, the export's value -> canonical
      interactions:
        channel: {电话: phone, 邮件: email}

A map with tables at its top level (no ``columns:``) is read as the ``columns`` section.
"""

from __future__ import annotations

import hashlib
import io as _io
import json
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from kit import schema as S
from kit.periods import Quarter, choose_named, parse_quarters, quarter_of
from kit.survey import Instrument, InstrumentError, attributed_surveys, load_instrument

if TYPE_CHECKING:  # pragma: no cover
    import ibis.expr.types as ir

__all__ = ["Dataset", "load", "read_column_map", "read_tables"]
_FILE_SUFFIXES = (".parquet", ".csv", ".xlsx", ".xls")
_MISSING_TOKENS = {"", "null", "none", "nan", "na", "n/a", "#n/a", "nat"}
_TRUE = {"true", "t", "yes", "y", "1", "是", "真", "对"}
_FALSE = {"false", "f", "no", "n", "0", "否", "假", "错"}


# --- the Dataset ------------------------------------------------------------------------------


@dataclass
class Dataset:
    """A loaded, validated data set.

    Attributes
    ----------
    tables : dict of DataFrame
        ``reps, customers, interactions, surveys, deals, quotas``: the rows that passed the
        checks, with the contract's columns only (and the instrument's item columns for surveys).
    instrument : kit.survey.Instrument
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
    """

    tables: dict[str, pd.DataFrame]
    instrument: Instrument
    quarantine: pd.DataFrame
    source: str = ""
    rows_in: dict[str, int] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    fiscal_start_month: int = 1
    warnings: list[str] = field(default_factory=list)
    _con: Any = field(default=None, repr=False)
    _views: dict = field(default_factory=dict, repr=False)
    _arrow: dict = field(default_factory=dict, repr=False)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(f"Dataset has no attribute {name!r}")

    def __repr__(self) -> str:
        counts = ", ".join(f"{t}={len(df):,}" for t, df in self.tables.items())
        return f"<kit.Dataset {self.source!r}: {counts}; quarantined={len(self.quarantine):,}>"

    # -- summaries --

    def summary(self) -> pd.DataFrame:
        """Rows per table: ``rows_in``, ``rows_used``, ``rows_quarantined``, ``share_quarantined``."""
        q = self.quarantine.groupby("table").size() if len(self.quarantine) else pd.Series(dtype=int)
        rows = []
        for t in S.TABLES:
            if t not in self.rows_in:
                continue
            n_in = self.rows_in[t]
            n_q = int(q.get(t, 0))
            rows.append({"table": t, "rows_in": n_in, "rows_used": len(self.tables[t]),
                         "rows_quarantined": n_q, "share_quarantined": n_q / n_in if n_in else 0.0})
        return pd.DataFrame(rows).set_index("table")

    def quarters(self) -> list[Quarter]:
        """Quarters with any interaction, survey response or closed deal, oldest first."""
        stamps = []
        for table, col in (("interactions", "opened_at"), ("surveys", "submitted_at"), ("deals", "closed_at")):
            s = self.tables[table][col].dropna()
            if len(s):
                stamps += [s.min(), s.max()]
        if not stamps:
            return []
        first, last = quarter_of(min(stamps), self.fiscal_start_month), quarter_of(max(stamps), self.fiscal_start_month)
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
        """An in-process DuckDB connection (Ibis) reading the validated tables.

        The tables are registered as Arrow views, not copied: DuckDB scans the same memory
        that the pandas tables use (text columns are Arrow-backed), which halves the memory
        of a large data set and costs no load time.
        """
        if self._con is None:
            import ibis
            import pyarrow as pa

            con = ibis.duckdb.connect()
            arrow = {}
            for name, df in self.tables.items():
                arrow[name] = pa.Table.from_pandas(df, preserve_index=False)
                con.con.register(name, arrow[name])
            self._arrow = arrow  # the views read these: keep them alive with the connection
            self._con = con
            if sum(len(df) for df in self.tables.values()) > 1_000_000:
                _release_memory()
        return self._con

    def table(self, name: str, con: Any = None) -> ir.Table:
        """An Ibis table: a contract table, or ``surveys_attributed`` (responses credited to reps,
        with their ``quarter``). ``con`` puts the tables on another Ibis backend (e.g. PostgreSQL)."""
        from kit.periods import quarter_index_expr

        backend = self.con if con is None else con
        key = (id(backend), name)
        if key in self._views:
            return self._views[key]
        if name in S.TABLES:
            if con is None:
                t = backend.table(name)
            else:
                t = _upload(backend, name, self.tables[name])
        elif name == "surveys_attributed":
            s = attributed_surveys(self.table("surveys", con), self.table("interactions", con),
                                   self.table("customers", con))
            t = s.mutate(quarter_index=quarter_index_expr(s.submitted_at, self.fiscal_start_month))
        else:
            raise KeyError(f"name={name!r}: allowed are {', '.join(S.TABLES)}, surveys_attributed")
        self._views[key] = t
        return t


def _release_memory() -> None:
    """Give the memory freed by a large load back to the system (Arrow's pool and glibc's heap)."""
    import gc

    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except Exception:  # pragma: no cover - an old pyarrow
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except Exception:  # not glibc: nothing to do
        pass


def _upload(backend: Any, name: str, df: pd.DataFrame) -> ir.Table:
    import pyarrow as pa

    arrow = pa.Table.from_pandas(df, preserve_index=False)
    return backend.create_table(f"kit_{name}", arrow, temp=True, overwrite=True)


# --- reading sources --------------------------------------------------------------------------


@dataclass
class _Raw:
    frames: dict[str, pd.DataFrame]
    labels: dict[str, str]  # table -> file or table name, for messages
    problems: list[S.Problem]
    instrument_path: Path | None = None
    column_map_path: Path | None = None
    file_hashes: dict[str, str] = field(default_factory=dict)  # table -> hash of the file's bytes


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()[:16]


def read_column_map(path: str | Path | Mapping | None) -> dict[str, dict]:
    """Read a column map (file or mapping) into ``{'files': .., 'columns': .., 'values': ..}``."""
    if path is None:
        return {"files": {}, "columns": {}, "values": {}}
    if isinstance(path, Mapping):
        spec: Any = dict(path)
        where = "column_map"
    else:
        p = Path(path)
        if not p.is_file():
            raise S.SchemaError([S.Problem("", None, f"column map file not found: {p}")])
        from kit.safeyaml import YamlError
        from kit.safeyaml import load as load_yaml

        try:
            spec = load_yaml(p.read_text(encoding="utf-8-sig"), source=f"column map {p}") or {}
        except YamlError as exc:
            raise S.SchemaError([S.Problem("", None, str(exc))]) from None
        where = str(p)
    if not isinstance(spec, dict):
        raise S.SchemaError([S.Problem("", None, f"{where}: expected a mapping of tables")])
    if not set(spec) & {"files", "columns", "values"}:
        spec = {"columns": spec}
    unknown = set(spec) - {"files", "columns", "values"}
    if unknown:
        raise S.SchemaError([S.Problem("", None, f"{where}: unknown section(s) {sorted(unknown)}; "
                                       "allowed: files, columns, values")])
    out = {"files": spec.get("files") or {}, "columns": spec.get("columns") or {}, "values": spec.get("values") or {}}
    for section in ("files", "columns", "values"):
        bad = set(out[section]) - set(S.TABLES)
        if bad:
            raise S.SchemaError([S.Problem("", None, f"{where}: section '{section}' names unknown table(s) "
                                           f"{sorted(bad)}; the tables are {', '.join(S.TABLES)}")])
    return out


def _decode_csv(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise S.SchemaError([S.Problem(path.stem, None, f"cannot read the file's text: it is neither UTF-8 "
                                       f"nor GB18030/GBK (byte {exc.start})", file=path.name)]) from None


def _read_file(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = _decode_csv(path)
        return pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""],
                           skipinitialspace=False)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in {".xlsx", ".xls"}:
        return pd.read_excel(path, dtype=object)
    raise S.SchemaError([S.Problem(path.stem, None, f"unsupported file type '{suffix or '(none)'}': give the table "
                                   f"as .csv, .parquet or .xlsx", file=path.name)])


def _find_files(folder: Path, name: str) -> list[Path]:
    """Every file of ``folder`` that could hold table ``name`` (``reps.csv``, ``reps.xlsx``...)."""
    candidates = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    return [candidates[f"{name.lower()}{suffix}"] for suffix in _FILE_SUFFIXES
            if f"{name.lower()}{suffix}" in candidates]


def _inside(folder: Path, path: Path) -> bool:
    """True when ``path`` (symbolic links followed) lies inside ``folder``."""
    try:
        path.resolve(strict=True).relative_to(folder.resolve(strict=True))
    except (ValueError, OSError):
        return False
    return True


def _read_folder(folder: Path, cmap: dict) -> _Raw:
    frames, labels, problems, hashes = {}, {}, [], {}
    for table in S.TABLES:
        wanted = cmap["files"].get(table)
        if wanted:
            path = folder / wanted
            if not path.is_file():
                problems.append(S.Problem(table, None,
                                          f"the column map names file '{wanted}', which is not in {folder}"))
                continue
        else:
            found = _find_files(folder, table)
            if len(found) > 1:
                both = " and ".join(p.name for p in found)
                problems.append(S.Problem(table, None, f"two files for one table: {both} in {folder}; keep one "
                                          f"(or name it in the column map's files:)"))
                continue
            path = found[0] if found else None
        if path is None:
            if table not in S.OPTIONAL_TABLES:
                problems.append(S.Problem(table, None, f"table missing: expected a file {table}.csv, "
                                          f"{table}.parquet or {table}.xlsx in {folder}"))
            continue
        if not _inside(folder, path):
            # a column map path with '..' or an absolute path, or a symbolic link leading out
            problems.append(S.Problem(table, None, f"the file for {table} ('{wanted or path.name}') lies outside the "
                                      f"source folder {folder}; a source reads only its own folder",
                                      file=str(wanted or path.name)))
            continue
        try:
            frames[table] = _read_file(path)
        except S.SchemaError as exc:
            problems += exc.problems
            continue
        except MemoryError:
            size = path.stat().st_size
            sheet = ", a sheet with very distant cells" if path.suffix.lower() in (".xlsx", ".xls") else ""
            problems.append(S.Problem(table, None, f"ran out of memory reading the file "
                                      f"({size / 1e6:,.0f} MB on disk{sheet}). "
                                      f"Split it by quarter, save it as Parquet, or load it into a database and give "
                                      f"its URL as the source", file=path.name))
            continue
        except Exception as exc:  # a corrupt file: say which and why
            problems.append(S.Problem(table, None, f"cannot read the file ({type(exc).__name__}: {exc})",
                                      file=path.name))
            continue
        labels[table] = path.name
        hashes[table] = _file_hash(path)
    inst = folder / "instrument.yaml"
    cm = folder / "column_map.yaml"
    return _Raw(frames, labels, problems, inst if inst.is_file() else None, cm if cm.is_file() else None, hashes)


def _read_database(names: list[str], read: Callable[[str], pd.DataFrame], where: str, cmap: dict) -> _Raw:
    """The contract's tables of a database, given its table names and a reader of one table."""
    frames, labels, problems = {}, {}, []
    have = {n.lower(): n for n in names}
    for table in S.TABLES:
        name = cmap["files"].get(table, table)
        real = have.get(str(name).lower())
        if real is None:
            if table not in S.OPTIONAL_TABLES:
                problems.append(S.Problem(table, None, f"table missing: no table '{name}' in {where}"))
            continue
        frames[table] = read(real)
        labels[table] = f"{where}:{real}"
    return _Raw(frames, labels, problems)


def _read_duckdb(path: Path, cmap: dict) -> _Raw:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return _read_database(names, lambda t: con.execute(f'SELECT * FROM "{t}"').df(), path.name, cmap)
    finally:
        con.close()


def _read_sql(url: str, cmap: dict, db_schema: str | None) -> _Raw:
    import ibis

    try:
        con = ibis.connect(url)
    except Exception as exc:
        raise S.SchemaError([S.Problem("", None, f"cannot connect to {_safe_url(url)} "
                                       f"({type(exc).__name__}: {_safe_url(str(exc))})")]) from None
    try:
        return _read_database(con.list_tables(database=db_schema),
                              lambda t: con.table(t, database=db_schema).to_pandas(), _safe_url(url), cmap)
    finally:
        try:
            con.disconnect()
        except Exception:
            pass


def _safe_url(url: str) -> str:
    from kit.credentials import mask_secrets

    return mask_secrets(url)


def read_tables(source: str | Path, column_map: Any = None, db_schema: str | None = None) -> _Raw:
    """Read the raw tables of a source (no checks yet); see :func:`load`."""
    text = str(source)
    if "://" in text:
        return _read_sql(text, read_column_map(column_map), db_schema)
    path = Path(source)
    if path.is_dir():
        found = path / "column_map.yaml" if (path / "column_map.yaml").is_file() else None
        cm = column_map if column_map is not None else found
        return _read_folder(path, read_column_map(cm))
    if path.is_file() and path.suffix.lower() in {".duckdb", ".db", ".ddb"}:
        return _read_duckdb(path, read_column_map(column_map))
    if not path.exists():
        raise S.SchemaError([S.Problem("", None, f"source not found: {source}. Give a folder of CSV/Parquet/"
                                       "Excel files, a DuckDB file or a database URL")])
    raise S.SchemaError([S.Problem("", None, f"source {source} is neither a folder, a DuckDB file (.duckdb) "
                                   "nor a database URL")])


# --- checking ---------------------------------------------------------------------------------


def _normalize_headers(df: pd.DataFrame, table: str, cmap: dict, expected: Iterable[str]) -> pd.DataFrame:
    mapping = {str(k).strip(): str(v).strip() for k, v in (cmap["columns"].get(table) or {}).items()}
    expected = set(expected)
    renames = {}
    for col in df.columns:
        name = str(col).replace("\ufeff", "").strip()
        if name in mapping:
            name = mapping[name]
        elif name not in expected and name.lower() in expected:
            name = name.lower()
        renames[col] = name
    out = df.rename(columns=renames)
    return out.loc[:, ~out.columns.duplicated()]


def _is_missing_token(s: pd.Series) -> pd.Series:
    return s.isna() | s.astype("string").str.strip().str.lower().isin(_MISSING_TOKENS)


def _coerce(s: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Convert a column to its contract type; return (converted, mask of unconvertible cells)."""
    if kind == "text":
        if pd.api.types.is_float_dtype(s) and s.dropna().apply(float.is_integer).all():
            s = s.astype("Int64")
        out = s.astype("string").str.strip()
        out = out.mask(out == "")
        return out, pd.Series(False, index=s.index)
    if kind == "timestamp":
        if pd.api.types.is_datetime64_any_dtype(s):
            out = s
            if getattr(s.dt, "tz", None) is not None:
                out = s.dt.tz_convert(None)
            return out.astype("datetime64[us]"), pd.Series(False, index=s.index)
        missing = _is_missing_token(s)
        text = s.astype("string").str.strip().mask(missing)
        out = pd.to_datetime(text, errors="coerce", format="ISO8601")
        retry = out.isna() & ~missing
        if retry.any():
            out.loc[retry] = pd.to_datetime(text[retry], errors="coerce", format="mixed")
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert(None)
        out = out.astype("datetime64[us]")
        return out, out.isna() & ~missing
    if kind in {"int", "float"}:
        if pd.api.types.is_bool_dtype(s):
            s = s.astype("Int64")
        if pd.api.types.is_numeric_dtype(s):
            num = pd.to_numeric(s, errors="coerce").astype("Float64")
            bad = pd.Series(False, index=s.index)
        else:
            missing = _is_missing_token(s)
            num = pd.to_numeric(s.astype("string").str.strip().mask(missing), errors="coerce").astype("Float64")
            bad = (num.isna() & ~missing).fillna(False).astype(bool)
        if kind == "int":
            frac = (num.fillna(0) % 1 != 0).fillna(False).astype(bool)
            bad = bad | frac
            num = num.mask(frac).round().astype("Int64")
        return num, bad
    if kind == "bool":
        if pd.api.types.is_bool_dtype(s):
            return s.astype("boolean"), pd.Series(False, index=s.index)
        missing = _is_missing_token(s)
        low = s.astype("string").str.strip().str.lower()
        out = pd.Series(pd.NA, index=s.index, dtype="boolean")
        out[low.isin(_TRUE).fillna(False).astype(bool)] = True
        out[low.isin(_FALSE).fillna(False).astype(bool)] = False
        return out, (out.isna() & ~missing).fillna(False).astype(bool)
    raise ValueError(kind)


_EXPECT = {
    "text": "text",
    "int": "a whole number",
    "float": "a number",
    "bool": "true/false (also yes/no, 1/0, 是/否)",
    "timestamp": "a date or timestamp such as 2026-07-01 09:30:00",
}


def _contract_columns(table: str, instrument: Instrument) -> dict[str, str]:
    cols = S.column_types(table)
    if table == "surveys":
        for c in instrument.columns:
            cols[c] = "float"
    return cols


def _check_structure(raw: _Raw, cmap: dict, instrument: Instrument) -> tuple[dict[str, pd.DataFrame], list[S.Problem]]:
    """Rename, keep the contract's columns, convert types; collect every schema problem."""
    problems = list(raw.problems)
    typed: dict[str, pd.DataFrame] = {}
    for table, df in raw.frames.items():
        label = raw.labels.get(table)
        cols = _contract_columns(table, instrument)
        df = _normalize_headers(df, table, cmap, cols)
        required = S.required_columns(table) + (instrument.columns if table == "surveys" else [])
        missing = [c for c in required if c not in df.columns]
        for c in missing:
            what = ("a survey item of the instrument" if c in instrument.columns
                    else S.MODELS[table].to_schema().columns[c].description)
            found = ", ".join(map(str, df.columns[:12])) + (", ..." if len(df.columns) > 12 else "")
            problems.append(S.Problem(table, c, f"column '{c}' is missing. Expected {what}. Found columns: {found}. "
                                      "If your export calls it differently, map it in a column_map.yaml", file=label))
        if missing:
            continue
        df = df.reset_index(drop=True)
        df.index = pd.RangeIndex(1, len(df) + 1, name="row")
        out = {}
        values_map = cmap["values"].get(table) or {}
        for col, kind in cols.items():
            if col not in df.columns:
                out[col] = pd.Series(pd.NA, index=df.index, dtype=_EMPTY_DTYPE[kind])
                continue
            s = df[col]
            if col in values_map:
                vm = {str(k): v for k, v in values_map[col].items()}
                s = s.map(lambda v, vm=vm: vm.get(str(v).strip(), v) if pd.notna(v) else v)
            converted, bad = _coerce(s, kind)
            if bad.any():
                rows = list(bad[bad].index[:50])
                examples = ", ".join(repr(str(v)) for v in s[bad].head(3))
                problems.append(S.Problem(table, col, f"{int(bad.sum())} value(s) are not {_EXPECT[kind]}: {examples}",
                                          rows=rows, file=label))
            out[col] = converted
        typed[table] = pd.DataFrame(out, index=df.index)
        if len(df) == 0 and table not in S.OPTIONAL_TABLES:
            problems.append(S.Problem(table, None, "the table has no rows", file=label))
    return typed, problems


_EMPTY_DTYPE = {"text": "string", "int": "Int64", "float": "Float64", "bool": "boolean", "timestamp": "datetime64[us]"}


def _describe_check(check: str, column: str) -> str:
    m = re.match(r"(\w+)\((.*)\)$", str(check))
    name, arg = (m.group(1), m.group(2)) if m else (str(check), "")
    return {
        "greater_than_or_equal_to": f"must be at least {arg}",
        "greater_than": f"must be above {arg}",
        "less_than_or_equal_to": f"must be at most {arg}",
        "less_than": f"must be below {arg}",
        "in_range": f"must be in {arg}",
        "isin": f"must be one of {arg.strip('[]')}",
        "str_matches": "is not in the expected form",
        "not_nullable": "is empty; a value is required",
    }.get(name, str(check))


class _Quarantine:
    """Collects row problems: one entry per (table, row), reasons accumulated."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, int], dict] = {}

    def add(self, table: str, rows: Iterable[int], column: str, reasons: Iterable[str] | str,
            ids: pd.Series, values: pd.Series | None = None) -> None:
        rows = list(rows)
        if isinstance(reasons, str):
            reasons = [reasons] * len(rows)
        for r, reason in zip(rows, reasons):
            key = (table, int(r))
            entry = self._rows.get(key)
            value = None if values is None else values.get(r)
            if entry is None:
                ident = ids.get(r) if ids is not None else None
                self._rows[key] = {"table": table, "row": int(r), "id": None if pd.isna(ident) else str(ident),
                                   "column": [column], "value": ["" if value is None or pd.isna(value) else str(value)],
                                   "reason": [reason]}
            elif reason not in entry["reason"]:
                entry["column"].append(column)
                entry["value"].append("" if value is None or pd.isna(value) else str(value))
                entry["reason"].append(reason)

    def rows_of(self, table: str) -> set[int]:
        return {r for (t, r) in self._rows if t == table}

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


def _row_checks(table: str, df: pd.DataFrame, instrument: Instrument, q: _Quarantine) -> None:
    import pandera.pandas as pa

    idcol = S.ID_COLUMNS[table]
    ids = df[idcol] if idcol else df["rep_id"]
    schema = S.MODELS[table].to_schema()
    if table == "surveys":
        lo, hi = instrument.scale_min, instrument.scale_max
        schema = schema.add_columns({
            c: pa.Column("Float64", checks=pa.Check.in_range(lo, hi), nullable=True) for c in instrument.columns
        })
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[fc["index"].notna()]
        df_checks = {c.name for c in schema.checks}
        for (column, check), grp in fc.groupby(["column", "check"], sort=False, dropna=False):
            rows = sorted(set(int(i) for i in grp["index"]))
            if check in df_checks:
                col = str(check).split(" ")[0]
                q.add(table, rows, col, str(check), ids, df[col] if col in df else None)
            else:
                reason = f"{column} {_describe_check(check, column)}"
                q.add(table, rows, str(column), reason, ids, df[column])
    if idcol:
        dup = df[idcol].duplicated(keep="first") & df[idcol].notna()
        if dup.any():
            first = df.reset_index().drop_duplicates(idcol, keep="first").set_index(idcol)["row"]
            rows = list(dup[dup].index)
            reasons = [f"duplicate {idcol} (first at row {first[df.at[r, idcol]]})" for r in rows]
            q.add(table, rows, idcol, reasons, ids, df[idcol])
    if table == "quotas":
        dup = df.duplicated(["rep_id", "quarter"], keep="first")
        q.add(table, list(dup[dup].index), "quarter", "duplicate quota for the same rep and quarter", ids,
              df["quarter"])


def _isin(s: pd.Series, values: pd.Index | pd.Series) -> pd.Series:
    """``s.isin(values)`` for text columns, through Arrow (pandas' own loops over the values)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.astype("string"), from_pandas=True)
    vs = pa.array(pd.unique(pd.Series(values, dtype="string").dropna()), type=pa.string())
    mask = pc.fill_null(pc.is_in(arr, value_set=vs), False)
    return pd.Series(mask.to_numpy(zero_copy_only=False), index=s.index)


def _reference_check(table: str, df: pd.DataFrame, column: str, target: str, kept: pd.Index, all_ids: pd.Index,
                     q: _Quarantine, ids: pd.Series) -> None:
    s = df[column]
    bad = s.notna() & ~_isin(s, kept)
    if not bad.any():
        return
    known_but_out = _isin(s[bad], all_ids)
    reasons = [
        f"{column} refers to {target} '{v}', which was quarantined" if k else f"{column} '{v}' is not a known {target}"
        for v, k in zip(s[bad], known_but_out)
    ]
    q.add(table, list(bad[bad].index), column, reasons, ids, s)


def _kept(df: pd.DataFrame, q: _Quarantine, table: str) -> pd.DataFrame:
    out = q.rows_of(table)
    return df[~df.index.isin(list(out))] if out else df


def _validate_rows(typed: dict[str, pd.DataFrame], instrument: Instrument) -> tuple[dict[str, pd.DataFrame],
                                                                                    _Quarantine]:
    q = _Quarantine()
    for table, df in typed.items():
        _row_checks(table, df, instrument, q)
    kept = {t: _kept(df, q, t) for t, df in typed.items()}

    def keys(table: str, col: str) -> tuple[pd.Index, pd.Index]:
        return pd.Index(kept[table][col].dropna()), pd.Index(typed[table][col].dropna())

    reps_k, reps_all = keys("reps", "rep_id")

    def refs(table: str, checks: list[tuple[str, str, pd.Index, pd.Index]]) -> None:
        df = typed[table]
        ids = df[S.ID_COLUMNS[table]] if S.ID_COLUMNS[table] else df["rep_id"]
        for column, target, k, a in checks:
            _reference_check(table, df, column, target, k, a, q, ids)
        kept[table] = _kept(df, q, table)

    refs("customers", [("owner_rep_id", "rep", reps_k, reps_all)])
    cust_k, cust_all = keys("customers", "customer_id")
    refs("interactions", [("customer_id", "customer", cust_k, cust_all), ("rep_id", "rep", reps_k, reps_all)])
    int_k, int_all = keys("interactions", "interaction_id")
    refs("surveys", [("customer_id", "customer", cust_k, cust_all), ("rep_id", "rep", reps_k, reps_all),
                     ("interaction_id", "interaction", int_k, int_all)])
    refs("deals", [("customer_id", "customer", cust_k, cust_all), ("rep_id", "rep", reps_k, reps_all)])
    if "quotas" in typed:
        refs("quotas", [("rep_id", "rep", reps_k, reps_all)])
    # a response that can be credited to no rep cannot be used
    s = kept["surveys"]
    s = s[s["rep_id"].isna()]
    inter = kept["interactions"]
    inter = inter[_isin(inter["interaction_id"], s["interaction_id"].dropna())]
    inter_rep = inter.set_index("interaction_id")["rep_id"]
    owner = kept["customers"].set_index("customer_id")["owner_rep_id"]
    credited = s["interaction_id"].map(inter_rep).astype("string").fillna(
        s["customer_id"].map(owner).astype("string"))
    none = credited.isna()
    if none.any():
        q.add("surveys", list(none[none].index), "rep_id",
              "no rep to credit: rep_id, the interaction's rep and the customer's owner are all empty",
              s["response_id"], s["rep_id"])
        kept["surveys"] = _kept(typed["surveys"], q, "surveys")
    return kept, q


def _fingerprint(df: pd.DataFrame) -> str:
    h = hashlib.sha256("\x1f".join(map(str, df.columns)).encode())
    if len(df):
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


def load(
    source: str | Path = "data/samples",
    *,
    column_map: str | Path | Mapping | None = None,
    instrument: str | Path | Instrument | None = None,
    max_quarantine_share: float | None = None,
    fiscal_start_month: int = 1,
    db_schema: str | None = None,
) -> Dataset:
    """Load and validate a data source.

    Parameters
    ----------
    source : str or Path
        A folder of CSV / Parquet / Excel files, a DuckDB file, or a SQL URL
        (``postgresql://user@host/db``).
    column_map : path or mapping, optional
        Renames export headers (and values) to the contract; default: ``column_map.yaml`` in
        the source folder, if any.
    instrument : path or Instrument, optional
        The survey instrument; default: ``instrument.yaml`` in the source folder, else
        ``parameters/instrument.yaml``.
    max_quarantine_share : float
        Loading stops with :class:`kit.schema.DataQualityError` when a larger share of any
        table's rows had to be set aside (default: ``max_quarantine_share`` of the kit's
        ``parameters/default.yaml``, 0.05).
    fiscal_start_month : int
        First month of the fiscal year (1 = calendar quarters).
    db_schema : str, optional
        For SQL sources: the database schema holding the tables.

    Returns
    -------
    Dataset
        The validated tables, ``quarantine`` (``table, row, id, column, value, reason``),
        row counts and fingerprints.

    Raises
    ------
    kit.schema.SchemaError
        Missing tables or columns, or values of the wrong type: every problem listed.
    kit.schema.DataQualityError
        Too many rows of a table set aside.
    """
    if max_quarantine_share is None:
        from kit.config import defaults

        max_quarantine_share = defaults()["max_quarantine_share"]
    if not (isinstance(max_quarantine_share, (int, float)) and 0 <= max_quarantine_share <= 1):
        raise ValueError(f"max_quarantine_share must be a share between 0 and 1; got {max_quarantine_share!r}.")
    raw = read_tables(source, column_map, db_schema)
    cmap = read_column_map(column_map if column_map is not None else raw.column_map_path)
    if isinstance(instrument, Instrument):
        inst = instrument
    else:
        try:
            inst = load_instrument(instrument if instrument is not None else raw.instrument_path)
        except InstrumentError as exc:
            raise S.SchemaError([S.Problem("instrument", None, str(exc))], source=_safe_url(str(source))) from None
    typed, problems = _check_structure(raw, cmap, inst)
    if problems:
        raise S.SchemaError(problems, source=_safe_url(str(source)))
    kept, q = _validate_rows(typed, inst)
    quarantine = q.frame()
    rows_in = {t: len(df) for t, df in typed.items()}
    too_many = []
    for t, n in rows_in.items():
        nq = int((quarantine["table"] == t).sum())
        if n and nq / n > max_quarantine_share:
            top = quarantine.loc[quarantine["table"] == t, "reason"].value_counts().head(3)
            reasons = "; ".join(f"{r} ({c})" for r, c in top.items())
            too_many.append(f"{raw.labels.get(t, t)}: {nq:,} of {n:,} rows ({nq / n:.1%}) set aside, above the "
                            f"limit of {max_quarantine_share:.0%}. Most common: {reasons}")
    if too_many:
        raise S.DataQualityError(
            f"The data in {source} has too many bad rows; nothing was analysed:\n  - " + "\n  - ".join(too_many)
            + "\nFix the export, or raise max_quarantine_share if these rows may be set aside."
        )
    tables = {}
    for t in S.TABLES:
        if t in kept:
            tables[t] = kept[t].reset_index(drop=True)
        elif t in S.OPTIONAL_TABLES:
            cols = _contract_columns(t, inst)
            tables[t] = pd.DataFrame({c: pd.Series(dtype=_EMPTY_DTYPE[k]) for c, k in cols.items()})
            rows_in[t] = 0
    # files: a hash of their bytes (cheap); database tables: a hash of their content
    fingerprints = {t: raw.file_hashes.get(t) or _fingerprint(df) for t, df in typed.items()}
    if raw.column_map_path is not None or column_map is not None:
        cmap_text = json.dumps(cmap, sort_keys=True, default=str)
        fingerprints["column_map"] = hashlib.sha256(cmap_text.encode()).hexdigest()[:16]
    inst_text = yaml.safe_dump(inst.to_dict(), allow_unicode=True)
    fingerprints["instrument"] = hashlib.sha256(inst_text.encode()).hexdigest()[:16]
    ds = Dataset(tables=tables, instrument=inst, quarantine=quarantine, source=_safe_url(str(source)), rows_in=rows_in,
                 fingerprints=fingerprints, fiscal_start_month=fiscal_start_month)
    del raw, typed, kept
    if sum(rows_in.values()) > 1_000_000:
        _release_memory()
    if len(quarantine):
        msg = f"{len(quarantine):,} row(s) set aside in data.quarantine: " + ", ".join(
            f"{t} {n:,}" for t, n in quarantine["table"].value_counts().items())
        ds.warnings.append(msg)
        warnings.warn(msg, S.QuarantineWarning, stacklevel=2)
    return ds
