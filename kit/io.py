"""``kit.load``: a source registered in an engine, validated there, returned as a :class:`Dataset`.

The steps live in their own modules, and the data flows one way:
:mod:`kit.sources` (register the source's tables in an engine) ->
:mod:`kit.validation` (types, then row checks, as engine queries) ->
:mod:`kit.dataset` (the validated engine tables, the quarantine, counts and fingerprints).

Sources
-------
* a folder with one file per table, named after the table (``reps.csv``, ``surveys.xlsx``,
  ``deals.parquet``...), read by an in-process DuckDB. CSV may be UTF-8 (with or without BOM)
  or GB18030/GBK, as Excel writes it in China; the encoding is detected. The folder may carry
  its own ``instrument.yaml`` and ``column_map.yaml``.
* a DuckDB database file (``.duckdb`` / ``.db``) with one table per contract table;
* a SQL database URL such as ``postgresql://user@host:5432/db``, validated in place;
* Apache Spark: ``sc://host:15002`` (Spark Connect) or ``spark:path/to/lakehouse`` (a folder of
  Parquet tables read by a local session), see :mod:`kit.spark`;
* an Ibis connection whose database holds the contract tables (``ibis.pyspark.connect(session)``,
  ``ibis.postgres.connect(...)``, ``ibis.duckdb.connect(...)``).

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
import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from kit import schema as S
from kit.dataset import Dataset, EngineTables, _fingerprint
from kit.instrument import Instrument, InstrumentError, load_instrument
from kit.sources import _backend_name, open_source, read_column_map, safe_url
from kit.timestamps import settings as time_settings
from kit.validation import Quarantine, contract_columns, quarantine_rows, typed_tables

__all__ = ["Dataset", "load", "read_column_map"]

_ = _fingerprint  # kept importable from kit.io for existing callers


def load(
    source: Any = "data/samples",
    *,
    column_map: str | Path | Mapping | None = None,
    instrument: str | Path | Instrument | None = None,
    max_quarantine_share: float | None = None,
    fiscal_start_month: int = 1,
    db_schema: str | None = None,
    timezone: str | None = None,
    date_format: str | Mapping | None = None,
    data_window: Mapping | None = None,
) -> Dataset:
    """Load and validate a data source, in its engine.

    Parameters
    ----------
    source : str, Path or Ibis connection
        A folder of CSV / Parquet / Excel files, a DuckDB file, a SQL URL
        (``postgresql://user@host/db``), a Spark location (``sc://host:15002``,
        ``spark:path/to/lakehouse``) or an Ibis connection holding the contract tables.
    column_map : path or mapping, optional
        Renames export headers (and values) to the contract, and may name other files or
        tables; default: ``column_map.yaml`` in the source folder, if any.
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
        For databases: the schema (or Spark database) holding the tables.
    timezone : str, optional
        The IANA time zone every timestamp is expressed in, as naive local time: text with an
        offset or ``Z`` and time zone-aware columns are converted to it, text without an offset
        is taken as local (default: ``timezone`` of ``parameters/default.yaml``, Asia/Shanghai).
        See :mod:`kit.timestamps`.
    date_format : str or mapping, optional
        A strptime format for text timestamps (``'%d.%m.%Y %H:%M'``), or ``{table.column:
        format}``; values in neither that format nor ISO are set aside. Without one, day/month
        text whose order cannot be told (``03.08.2026``) stops loading.
    data_window : mapping, optional
        ``{start, end}`` dates; interactions, responses and deals dated outside are set aside
        (default: ``data_window`` of ``parameters/default.yaml``: 2000-01-01 to a year after today).

    Returns
    -------
    Dataset
        The validated tables (in the engine; ``data.table(name)``), ``quarantine`` (``table,
        row, id, column, value, reason``), row counts and fingerprints.

    Raises
    ------
    kit.schema.SchemaError
        Missing tables or columns, or values of the wrong type: every problem listed.
    kit.schema.DataQualityError
        Too many rows of a table set aside.
    kit.timestamps.DateSettingError
        A time zone, date format or data window that cannot be used.

    Examples
    --------
    >>> import kit
    >>> data = kit.load("data/samples")  # doctest: +SKIP
    >>> data.summary()[["rows_in", "rows_used", "rows_quarantined"]]  # doctest: +SKIP
    """
    if max_quarantine_share is None:
        from kit.config import defaults

        max_quarantine_share = defaults()["max_quarantine_share"]
    if not (isinstance(max_quarantine_share, (int, float)) and 0 <= max_quarantine_share <= 1):
        raise ValueError(f"max_quarantine_share must be a share between 0 and 1; got {max_quarantine_share!r}.")
    time = time_settings(timezone, date_format, data_window)
    opened = open_source(source, column_map, db_schema)

    label = (safe_url(str(source)) if isinstance(source, (str, Path))
             else f"an Ibis {getattr(source, 'name', '')} connection")
    cmap = read_column_map(column_map if column_map is not None else opened.column_map_path)
    if isinstance(instrument, Instrument):
        inst = instrument
    else:
        try:
            inst = load_instrument(instrument if instrument is not None else opened.instrument_path)
        except InstrumentError as exc:
            raise S.SchemaError([S.Problem("instrument", None, str(exc))], source=label) from None
    digests: dict[str, str] = {}
    checks: dict[str, dict] = {}
    q = Quarantine()
    typed, problems, rows_in = typed_tables(opened, cmap, inst, digests, checks, time=time, quarantine=q)
    if problems:
        raise S.SchemaError(problems, source=label)
    kept, q = quarantine_rows(opened.con, typed, inst, checks, time=time, q=q)
    quarantine = q.frame()
    too_many = []
    for t, n in rows_in.items():
        nq = int((quarantine["table"] == t).sum())
        if n and nq / n > max_quarantine_share:
            top = quarantine.loc[quarantine["table"] == t, "reason"].value_counts().head(3)
            reasons = "; ".join(f"{r} ({c})" for r, c in top.items())
            too_many.append(f"{opened.labels.get(t, t)}: {nq:,} of {n:,} rows ({nq / n:.1%}) set aside, above the "
                            f"limit of {max_quarantine_share:.0%}. Most common: {reasons}")
    if too_many:
        raise S.DataQualityError(
            f"The data in {label} has too many bad rows; nothing was analysed:\n  - " + "\n  - ".join(too_many)
            + "\nFix the export, or raise max_quarantine_share if these rows may be set aside."
        )
    kinds = {t: contract_columns(t, inst) for t in S.TABLES}
    if "quotas" not in kept:
        import ibis

        cols = {"_row": "int64", **{c: {"text": "string", "int": "int64", "float": "float64", "bool": "boolean",
                                         "timestamp": "timestamp"}[k] for c, k in kinds["quotas"].items()}}
        kept["quotas"] = opened.con.create_table("kit_empty_quotas", schema=ibis.schema(cols), temp=True,
                                                 overwrite=True)
        rows_in["quotas"] = 0
    # files: a hash of their bytes (cheap); database tables: a digest computed in the database
    fingerprints = {t: opened.file_hashes.get(t) or digests[t] for t in typed}
    if opened.column_map_path is not None or column_map is not None:
        cmap_text = json.dumps(cmap, sort_keys=True, default=str)
        fingerprints["column_map"] = hashlib.sha256(cmap_text.encode()).hexdigest()[:16]
    inst_text = yaml.safe_dump(inst.to_dict(), allow_unicode=True)
    fingerprints["instrument"] = hashlib.sha256(inst_text.encode()).hexdigest()[:16]
    engine = EngineTables(opened.con, {t: _named(opened.con, t, kept[t]) for t in S.TABLES if t in kept}, kinds,
                          opened.keep_alive)
    ds = Dataset(instrument=inst, quarantine=quarantine, source=label, rows_in=rows_in,
                 fingerprints=fingerprints, fiscal_start_month=fiscal_start_month, engine=engine,
                 timezone=time.zone)
    if len(quarantine):
        msg = f"{len(quarantine):,} row(s) set aside in data.quarantine: " + ", ".join(
            f"{t} {n:,}" for t, n in quarantine["table"].value_counts().items())
        ds.warnings.append(msg)
        warnings.warn(msg, S.QuarantineWarning, stacklevel=2)
    return ds


def _named(con: Any, table: str, t: Any) -> Any:
    """A kept table as a temporary view of its own name (DuckDB), so that every later query
    compiles a reference to it instead of the checks' whole expression again: on the sample
    that compilation was most of a KPI query's time. The name is unique to this load, so two
    data sets on one connection never see each other's rows."""
    import uuid

    if _backend_name(con) != "duckdb":
        return t
    name = f"kit_clean_{table}_{uuid.uuid4().hex[:12]}"
    con.raw_sql(f'CREATE TEMP VIEW "{name}" AS {con.compile(t)}')
    view = con.table(name)
    return view if view.schema() == t.schema() else view.cast(t.schema())
