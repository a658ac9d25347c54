"""Snapshots of validated data: what the notebooks of a run load, fast and identical.

``kit run`` validates the data once (:func:`kit.load`), writes it as Parquet tables plus a JSON
of its metadata (no pickle), and every notebook reads that snapshot (:func:`load_data`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kit.config import project_root

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset


def write_snapshot(data: Dataset, folder: str | Path) -> Path:
    """Write a validated data set to ``folder`` (Parquet tables + ``meta.json``); no pickle."""
    folder = Path(folder)
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    for name, df in data.tables.items():
        df.to_parquet(folder / "tables" / f"{name}.parquet", index=False)
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
        "tables": list(data.tables),
        "rows": {t: len(df) for t, df in data.tables.items()},
        "quarantined": {str(k): int(v) for k, v in data.quarantine["table"].value_counts().items()}
        if len(data.quarantine) else {},
    }
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def snapshot_meta(folder: str | Path) -> dict:
    return json.loads((Path(folder) / "meta.json").read_text(encoding="utf-8"))


def read_snapshot(folder: str | Path) -> Dataset:
    """Read a data set written by :func:`write_snapshot` (a :class:`kit.Dataset`)."""
    import pandas as pd

    from kit.io import Dataset
    from kit.survey import Instrument

    folder = Path(folder)
    meta = snapshot_meta(folder)
    tables = {t: pd.read_parquet(folder / "tables" / f"{t}.parquet") for t in meta["tables"]}
    return Dataset(
        tables=tables,
        instrument=Instrument.from_dict(meta["instrument"], path=meta.get("instrument_path")),
        quarantine=pd.read_parquet(folder / "quarantine.parquet"),
        source=meta["source"],
        rows_in=meta["rows_in"],
        fingerprints=meta["fingerprints"],
        fiscal_start_month=meta["fiscal_start_month"],
        timezone=meta.get("timezone"),
        warnings=list(meta.get("warnings", [])),
    )


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
