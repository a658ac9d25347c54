"""Snapshots of validated data: what the notebooks of a run load, fast and identical.

``kit run`` validates the data once (:func:`kit.load`), writes it as Parquet tables plus a JSON
of its metadata (no pickle), and every notebook reads that snapshot (:func:`load_data`).

Neither side holds a whole table in memory: the engine streams each validated table to its
Parquet file (with ``_row``, the row of the source), and a notebook's data set queries those
files in its own in-process DuckDB. ``data.tables[name]`` still reads a table into pandas when
a notebook asks for it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kit.config import project_root

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset


def write_snapshot(data: Dataset, folder: str | Path) -> Path:
    """Write a validated data set to ``folder`` (Parquet tables + ``meta.json``); no pickle.

    Each table keeps its ``_row`` (the 1-based row in the source) and its rows in that order.
    An engine-backed data set is streamed from its engine to the files, table by table.
    """
    import numpy as np

    folder = Path(folder)
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    names = list(data.engine.tables) if data.engine is not None else list(data.tables)
    for name in names:
        path = folder / "tables" / f"{name}.parquet"
        if data.engine is not None:
            data.engine.con.to_parquet(data.engine.tables[name].order_by("_row"), path)
        else:
            df = data.tables[name]
            df.assign(_row=np.arange(1, len(df) + 1, dtype="int64")).to_parquet(path, index=False)
    data.quarantine.to_parquet(folder / "quarantine.parquet", index=False)
    meta = {
        "source": data.source,
        "rows_in": data.rows_in,
        "fingerprints": data.fingerprints,
        "fiscal_start_month": data.fiscal_start_month,
        "timezone": data.timezone,
        "warnings": list(data.warnings),
        "instrument": data.instrument.to_dict(),
        "instrument_path": data.instrument.path,
        "quarters": [str(q) for q in data.quarters()],
        "tables": names,
        "rows": data.rows_used(),
        "quarantined": {str(k): int(v) for k, v in data.quarantine["table"].value_counts().items()}
        if len(data.quarantine) else {},
    }
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def snapshot_meta(folder: str | Path) -> dict:
    return json.loads((Path(folder) / "meta.json").read_text(encoding="utf-8"))


def read_snapshot(folder: str | Path) -> Dataset:
    """Read a data set written by :func:`write_snapshot` (a :class:`kit.Dataset`).

    Its tables are views of the Parquet files in a new in-process DuckDB: queries read the
    files, and nothing is loaded until asked for.
    """
    import tempfile

    import pandas as pd

    from kit.dataset import EngineTables
    from kit.io import Dataset
    from kit.sources import duckdb_engine
    from kit.survey import Instrument
    from kit.validation import contract_columns

    folder = Path(folder)
    meta = snapshot_meta(folder)
    inst = Instrument.from_dict(meta["instrument"], path=meta.get("instrument_path"))
    con = duckdb_engine()
    spill = tempfile.TemporaryDirectory(prefix="kit-")
    con.raw_sql(f"SET temp_directory = {_sql_str(Path(spill.name) / 'spill')}")
    # hand memory back once a query is done, so that the notebook's own arrays do not stack on
    # what the engine's allocator would otherwise keep (hundreds of MB after a large query)
    for setting in ("SET allocator_background_threads = true", "SET allocator_flush_threshold = '16MB'"):
        with contextlib.suppress(Exception):  # settings of recent DuckDB versions
            con.raw_sql(setting)
    tables = {}
    for t in meta["tables"]:
        view = f"kit_snapshot_{t}"
        con.raw_sql(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM "
                    f"read_parquet({_sql_str(folder / 'tables' / f'{t}.parquet')})")
        tables[t] = con.table(view)
    engine = EngineTables(con, tables, {t: contract_columns(t, inst) for t in tables}, [spill])
    return Dataset(
        instrument=inst,
        quarantine=pd.read_parquet(folder / "quarantine.parquet"),
        source=meta["source"],
        rows_in=meta["rows_in"],
        fingerprints=meta["fingerprints"],
        fiscal_start_month=meta["fiscal_start_month"],
        timezone=meta.get("timezone"),
        warnings=list(meta.get("warnings", [])),
        engine=engine,
    )


def _sql_str(text: str | Path) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def resolve_source(source: str) -> str:
    if "://" in source:
        return source
    p = Path(source).expanduser()
    if p.exists() or p.is_absolute():
        return str(p.resolve()) if p.exists() else str(p)
    root = project_root()
    if (root / source).exists():
        return str((root / source).resolve())
    return source


def load_data(source: str, params: Mapping[str, Any], *, snapshot: str | Path | None = None) -> Dataset:
    """Load and validate the data of a report: the run's snapshot when given, else ``kit.load``.

    ``params`` supplies ``column_map``, ``instrument``, ``max_quarantine_share``,
    ``fiscal_start_month`` and the reading of time (:func:`load_options`).
    """
    if snapshot and (Path(snapshot) / "meta.json").is_file():
        return read_snapshot(snapshot)
    import kit

    return kit.load(
        resolve_source(source),
        column_map=params.get("column_map"),
        instrument=params.get("instrument"),
        max_quarantine_share=float(params["max_quarantine_share"]),
        fiscal_start_month=int(params["fiscal_start_month"]),
        **load_options(params),
    )


def load_options(params: Mapping[str, Any]) -> dict[str, Any]:
    """The time settings of :func:`kit.load` from parameters: ``timezone``, ``date_format``,
    ``data_window`` (the kit's defaults for those the parameters leave out)."""
    return {"timezone": params.get("timezone"), "date_format": params.get("date_format"),
            "data_window": params.get("data_window")}
