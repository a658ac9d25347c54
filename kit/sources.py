"""Readers: a source's tables registered in a query engine, raw and numbered, nothing checked yet.

:func:`open_source` turns any source into an :class:`Opened`: an Ibis connection and, per
contract table, an Ibis table of the source's own columns plus ``_row`` (the 1-based data row,
for messages and the quarantine). Nothing is read into pandas:

* a folder goes to an in-process DuckDB: Parquet files are read where they lie
  (``read_parquet``), CSV files are loaded as text (``read_csv(all_varchar)``; GB18030/GBK
  files are first transcoded to UTF-8 in a streaming pass, so memory stays flat), Excel
  files (small by nature) through pandas;
* a DuckDB file is attached read-only;
* a SQL URL (``postgresql://...``) or an Ibis connection (``ibis.postgres.connect``,
  ``ibis.pyspark.connect(session)``, ``ibis.duckdb.connect``) is used in place: the numbered
  tables are temporary tables or views in that database.

:mod:`kit.validation` types and checks these tables; :mod:`kit.io` ties the steps together.
"""

from __future__ import annotations

import codecs
import hashlib
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kit import schema as S

if TYPE_CHECKING:  # pragma: no cover
    import ibis.expr.types as ir

__all__ = ["Opened", "open_source", "read_column_map", "safe_url", "duckdb_engine", "materialize", "FILE_SUFFIXES"]

FILE_SUFFIXES = (".parquet", ".csv", ".xlsx", ".xls")
_DB_SUFFIXES = {".duckdb", ".db", ".ddb"}
#: memory DuckDB may use for a folder source before it spills to its temporary folder. The
#: exact medians (resolution and first-response hours) hold every value of a quarter's issues
#: at once and cannot spill: about 1.1 GB at 100M interactions.
DUCKDB_MEMORY_LIMIT = "3GB"


@dataclass
class Opened:
    """A source registered in an engine: raw tables with ``_row``, not yet typed or checked.

    Attributes
    ----------
    con : Ibis backend
        The engine that holds the tables (and will run every query on them).
    tables : dict
        Contract table name -> Ibis table (the source's columns, named as in the source, and
        ``_row``, the 1-based data row).
    labels : dict
        Contract table name -> file or database table name, for messages.
    problems : list of kit.schema.Problem
        Tables missing or unreadable.
    """

    con: Any
    tables: dict[str, ir.Table]
    labels: dict[str, str]
    problems: list[S.Problem]
    instrument_path: Path | None = None
    column_map_path: Path | None = None
    file_hashes: Mapping[str, str] = field(default_factory=dict)
    keep_alive: list[Any] = field(default_factory=list)  # temporary folders the engine reads


# --- the column map ---------------------------------------------------------------------------


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


def safe_url(url: str) -> str:
    """A source's text with its secrets masked (:func:`kit.credentials.mask_secrets`)."""
    from kit.credentials import mask_secrets

    return mask_secrets(url)


# --- engines ----------------------------------------------------------------------------------


def duckdb_engine(memory_limit: str | None = DUCKDB_MEMORY_LIMIT):
    """An in-process DuckDB (Ibis) in UTC, with a memory limit and a folder to spill to."""
    import ibis

    con = ibis.duckdb.connect()
    con.raw_sql("SET TimeZone = 'UTC'")
    try:  # no progress bar in logs; in Jupyter, DuckDB refuses the setting without ipywidgets
        con.raw_sql("SET enable_progress_bar = false")
    except Exception:
        pass
    if memory_limit:
        con.raw_sql(f"SET memory_limit = '{memory_limit}'")
    return con


def _sql_str(text: str | Path) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


# --- files ------------------------------------------------------------------------------------


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()[:16]


class _BackgroundHashes(Mapping):
    """Table -> hash of its file, computed in a thread while the engine validates.

    ``hashlib`` releases the interpreter lock on large blocks, so hashing the files (about
    a second per 300 MB) overlaps the checks; a value is waited for when first read.
    """

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kit-hash")
        self._futures: dict[str, Any] = {}

    def add(self, table: str, path: Path) -> None:
        self._futures[table] = self._pool.submit(_file_hash, path)

    def close(self) -> None:
        """No more files: the thread ends once the queued ones are hashed."""
        self._pool.shutdown(wait=False)

    def __getitem__(self, table: str) -> str:
        return self._futures[table].result()

    def __iter__(self):
        return iter(self._futures)

    def __len__(self) -> int:
        return len(self._futures)


def _csv_encoding(path: Path) -> str:
    """``utf-8`` or ``gb18030``, checked over the whole file in a streaming pass."""
    with open(path, "rb") as fh:
        head = fh.read(3)
    skip = 3 if head == b"\xef\xbb\xbf" else 0
    failure = None
    for encoding in ("utf-8", "gb18030"):
        dec = codecs.getincrementaldecoder(encoding)()
        pos = 0
        try:
            with open(path, "rb") as fh:
                fh.seek(skip)
                for block in iter(lambda: fh.read(1 << 22), b""):
                    dec.decode(block)
                    pos += len(block)
                dec.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError as exc:
            if failure is None:
                failure = skip + pos + exc.start
            if skip:  # a UTF-8 BOM: the file means to be UTF-8
                break
    raise S.SchemaError([S.Problem(path.stem, None, f"cannot read the file's text: it is neither UTF-8 "
                                   f"nor GB18030/GBK (byte {failure})", file=path.name)])


def _transcode(path: Path, folder: Path) -> Path:
    """A UTF-8 copy of a GB18030 file, written block by block (memory stays flat)."""
    out = folder / (path.stem + ".utf8.csv")
    dec = codecs.getincrementaldecoder("gb18030")()
    with open(path, "rb") as src, open(out, "w", encoding="utf-8", newline="") as dst:
        for block in iter(lambda: src.read(1 << 22), b""):
            dst.write(dec.decode(block))
        dst.write(dec.decode(b"", final=True))
    return out


def _excel_arrow(path: Path):
    """An Excel sheet as an Arrow table of text (dates in ISO form), with ``_row``."""
    import datetime as _dt

    import pandas as pd
    import pyarrow as pa

    df = pd.read_excel(path, dtype=object)

    def text(v: Any) -> str | None:
        if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
            return None
        if isinstance(v, (_dt.datetime, pd.Timestamp)):
            return pd.Timestamp(v).isoformat(sep=" ")
        return str(v)

    cols = {"_row": pa.array(range(1, len(df) + 1), type=pa.int64())}
    for c in df.columns:
        cols[str(c)] = pa.array([text(v) for v in df[c].tolist()], type=pa.string())
    return pa.table(cols)


def _find_files(folder: Path, name: str) -> list[Path]:
    """Every file of ``folder`` that could hold table ``name`` (``reps.csv``, ``reps.xlsx``...)."""
    candidates = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    return [candidates[f"{name.lower()}{suffix}"] for suffix in FILE_SUFFIXES
            if f"{name.lower()}{suffix}" in candidates]


def _inside(folder: Path, path: Path) -> bool:
    """True when ``path`` (symbolic links followed) lies inside ``folder``."""
    try:
        path.resolve(strict=True).relative_to(folder.resolve(strict=True))
    except (ValueError, OSError):
        return False
    return True


def _register_file(con: Any, table: str, path: Path, tmp: Path) -> ir.Table:
    suffix = path.suffix.lower()
    name = f"kit_raw_{table}"
    if suffix == ".parquet":
        con.raw_sql(
            f"CREATE OR REPLACE VIEW {name} AS SELECT file_row_number + 1 AS _row, * EXCLUDE (file_row_number) "
            f"FROM read_parquet({_sql_str(path)}, file_row_number = true)")
    elif suffix == ".csv":
        target = path if _csv_encoding(path) == "utf-8" else _transcode(path, tmp)
        con.raw_sql(
            f"CREATE OR REPLACE TABLE {name} AS SELECT row_number() OVER () AS _row, * FROM read_csv("
            f"{_sql_str(target)}, all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"', "
            "auto_detect = true, normalize_names = false)")
    elif suffix in {".xlsx", ".xls"}:
        con.con.register(f"{name}_arrow", _excel_arrow(path))
        con.raw_sql(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
        con.con.unregister(f"{name}_arrow")
    else:  # a column map's files: may name any file
        raise S.SchemaError([S.Problem(table, None, f"unsupported file type '{suffix or '(none)'}': give the "
                                       f"table as .csv, .parquet or .xlsx", file=path.name)])
    return con.table(name)


def _open_folder(folder: Path, cmap: dict) -> Opened:
    con = duckdb_engine()
    tmp = tempfile.TemporaryDirectory(prefix="kit-")
    con.raw_sql(f"SET temp_directory = {_sql_str(Path(tmp.name) / 'spill')}")
    tables, labels, problems, hashes = {}, {}, [], _BackgroundHashes()
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
            tables[table] = _register_file(con, table, path, Path(tmp.name))
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
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            problems.append(S.Problem(table, None, f"cannot read the file ({type(exc).__name__}: {msg})",
                                      file=path.name))
            continue
        labels[table] = path.name
        hashes.add(table, path)
    hashes.close()
    inst = folder / "instrument.yaml"
    cm = folder / "column_map.yaml"
    return Opened(con, tables, labels, problems, inst if inst.is_file() else None,
                  cm if cm.is_file() else None, hashes, [tmp])


# --- databases --------------------------------------------------------------------------------


def _backend_name(con: Any) -> str:
    return str(getattr(con, "name", "")).lower()


def materialize(con: Any, name: str, expr: ir.Table) -> ir.Table:
    """``expr`` computed once into a temporary table of the engine (on Spark: a cached temporary view)."""
    if _backend_name(con) == "pyspark":
        out = con.create_view(name, expr, overwrite=True)
        con._session.catalog.cacheTable(name)
        return out
    return con.create_table(name, expr, temp=True, overwrite=True)


def _numbered(con: Any, table: str, t: ir.Table) -> ir.Table:
    """The table with ``_row`` (its 1-based row), fixed once in the engine."""
    import ibis

    if _backend_name(con) == "pyspark":
        # Spark numbers rows only in an ordered window: order by the table's key
        idcol = S.ID_COLUMNS.get(table)
        keys = [c for c in ([idcol] if idcol else ["rep_id", "quarter"]) if c in t.columns] or list(t.columns)
        return materialize(con, f"kit_raw_{table}", t.mutate(_row=ibis.row_number().over(order_by=keys) + 1))
    return materialize(con, f"kit_raw_{table}", t.mutate(_row=ibis.row_number() + 1))


def _match_tables(names: list[str], cmap: dict, where: str) -> tuple[dict[str, str], list[S.Problem]]:
    """Contract table -> the database's table (case-insensitive, or as the column map names it)."""
    have = {n.lower(): n for n in names}
    found, problems = {}, []
    for table in S.TABLES:
        name = cmap["files"].get(table, table)
        real = have.get(str(name).lower())
        if real is None:
            if table not in S.OPTIONAL_TABLES:
                problems.append(S.Problem(table, None, f"table missing: no table '{name}' in {where}"))
            continue
        found[table] = real
    return found, problems


def _open_database(con: Any, where: str, cmap: dict, db_schema: str | None,
                   database: Any = None) -> Opened:
    tables, labels = {}, {}
    names = con.list_tables(database=database if database is not None else db_schema)
    found, problems = _match_tables(names, cmap, where)
    for table, real in found.items():
        src = con.table(real, database=database if database is not None else db_schema)
        tables[table] = _numbered(con, table, src)
        labels[table] = f"{where}:{real}"
    return Opened(con, tables, labels, problems)


def _open_duckdb_file(path: Path, cmap: dict) -> Opened:
    con = duckdb_engine()
    con.raw_sql(f"ATTACH {_sql_str(path)} AS kit_src (READ_ONLY)")
    names = [r[0] for r in con.con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'kit_src'").fetchall()]
    tables, labels = {}, {}
    found, problems = _match_tables(names, cmap, path.name)
    for table, real in found.items():
        con.raw_sql(f"CREATE OR REPLACE VIEW kit_raw_{table} AS SELECT rowid + 1 AS _row, * "
                    f"FROM kit_src.main.{_ident(real)}")
        tables[table] = con.table(f"kit_raw_{table}")
        labels[table] = f"{path.name}:{real}"
    return Opened(con, tables, labels, problems)


def _open_url(url: str, cmap: dict, db_schema: str | None) -> Opened:
    import ibis

    if url.lower().startswith(("sc://", "spark://", "spark:")):
        from kit.spark import connect as spark_connect

        con = spark_connect(url)
        return _open_database(con, safe_url(url), cmap, db_schema)
    try:
        con = ibis.connect(url)
    except Exception as exc:
        raise S.SchemaError([S.Problem("", None, f"cannot connect to {safe_url(url)} "
                                       f"({type(exc).__name__}: {safe_url(str(exc))})")]) from None
    return _open_database(con, safe_url(url), cmap, db_schema)


def open_source(source: Any, column_map: Any = None, db_schema: str | None = None) -> Opened:
    """Register a source's tables in an engine (see the module docstring); nothing is checked yet.

    Parameters
    ----------
    source : str, Path or Ibis backend
        A folder, a DuckDB file, a SQL URL, a Spark location (``sc://host:15002`` for Spark
        Connect, ``spark:path/to/lakehouse`` for a folder of Parquet tables read by a local
        session) or an Ibis connection whose database holds the contract tables.
    column_map : path or mapping, optional
        Its ``files`` section names other files or tables; default ``column_map.yaml`` in a folder.
    db_schema : str, optional
        For databases: the schema (or Spark database) holding the tables.

    Returns
    -------
    Opened
        ``con``, ``tables`` (raw, with ``_row``), ``labels``, ``problems``.
    """
    if hasattr(source, "list_tables") and hasattr(source, "table"):
        name = _backend_name(source)
        return _open_database(source, f"the {name or 'Ibis'} connection", read_column_map(column_map), db_schema)
    text = str(source)
    if text.lower().startswith("spark:") and "://" not in text:
        from kit.spark import lakehouse

        return lakehouse(text[len("spark:"):], read_column_map(column_map))
    if "://" in text:
        return _open_url(text, read_column_map(column_map), db_schema)
    path = Path(source)
    if path.is_dir():
        cm = column_map if column_map is not None else (
            path / "column_map.yaml" if (path / "column_map.yaml").is_file() else None)
        return _open_folder(path, read_column_map(cm))
    if path.is_file() and path.suffix.lower() in _DB_SUFFIXES:
        return _open_duckdb_file(path, read_column_map(column_map))
    if not path.exists():
        raise S.SchemaError([S.Problem("", None, f"source not found: {source}. Give a folder of CSV/Parquet/"
                                       "Excel files, a DuckDB file or a database URL")])
    raise S.SchemaError([S.Problem("", None, f"source {source} is neither a folder, a DuckDB file (.duckdb) "
                                   "nor a database URL")])
