"""Apache Spark as the scale-out engine (optional: ``pip install 'kpi-satisfaction-kit[spark]'``).

Three ways in, all validated and computed by Spark itself:

* ``kit.load(ibis.pyspark.connect(session))``: your own session, its catalog holding the
  contract tables (or tables the column map's ``files`` section names);
* ``kit.load("sc://host:15002")``: a Spark Connect server;
* ``kit.load("spark:path/to/lakehouse")``: a local session reading a folder that holds one
  Parquet table per contract table (``interactions/`` with part files, or
  ``interactions.parquet``), the layout Spark writes.

``kit run --source`` takes the same locations. pyspark is imported only here, so the kit does
not pay for it unless Spark is used.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kit import schema as S
from kit.credentials import mask_secrets

__all__ = ["local_session", "connect", "lakehouse", "SPARK_CONF"]

#: settings of the local session: small shuffles (a laptop has few cores), UTC, no web UI
SPARK_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.memory": "1g",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.ansi.enabled": "false",
}


def _pyspark():
    try:
        import pyspark  # noqa: F401
        from pyspark.sql import SparkSession
    except ImportError:
        raise S.SchemaError([S.Problem("", None, "Spark sources need pyspark: "
                                       "pip install 'kpi-satisfaction-kit[spark]' "
                                       "(and a Java runtime, 17 or newer)")]) from None
    return SparkSession


def local_session(cores: int = 2, **conf: str):
    """A local Spark session (``local[cores]``) with :data:`SPARK_CONF`; reused when one runs.

    Examples
    --------
    >>> from kit.spark import local_session
    >>> session = local_session()  # doctest: +SKIP
    """
    SparkSession = _pyspark()
    os.environ.setdefault("PYSPARK_PYTHON", os.environ.get("PYSPARK_PYTHON", "python3"))
    builder = SparkSession.builder.master(f"local[{cores}]").appName("kit")
    for k, v in {**SPARK_CONF, **conf}.items():
        builder = builder.config(k, v)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _ibis(session: Any):
    import ibis

    return ibis.pyspark.connect(session)


def connect(url: str):
    """An Ibis connection to Spark: ``sc://host:port`` (Spark Connect) or ``spark:`` (a local session)."""
    SparkSession = _pyspark()
    if url.lower().startswith("sc://"):
        try:
            session = SparkSession.builder.remote(url).getOrCreate()
            session.conf.set("spark.sql.session.timeZone", "UTC")
        except Exception as exc:
            first = str(exc).splitlines()[0] if str(exc) else ""
            raise S.SchemaError([S.Problem("", None, f"cannot connect to Spark at {mask_secrets(url)} "
                                           f"({type(exc).__name__}: {mask_secrets(first)})")]) from None
        return _ibis(session)
    return _ibis(local_session())


def lakehouse(folder: str | Path, cmap: dict):
    """A local session reading a folder of Parquet tables; the tables registered, numbered, not checked.

    Returns
    -------
    kit.sources.Opened
    """
    from kit.sources import _open_database

    folder = Path(folder)
    if not folder.is_dir():
        raise S.SchemaError([S.Problem("", None, f"source not found: spark:{folder}. Give a folder with one "
                                       "Parquet table per contract table")])
    session = local_session()
    con = _ibis(session)
    present = []
    for table in S.TABLES:
        wanted = cmap["files"].get(table)
        candidates = [folder / wanted] if wanted else [folder / table, folder / f"{table}.parquet"]
        path = next((p for p in candidates if p.exists()), None)
        if path is None:
            continue
        session.read.parquet(str(path)).createOrReplaceTempView(f"kit_src_{table}")
        present.append(table)
    files = {t: f"kit_src_{t}" for t in present}
    opened = _open_database(con, f"spark:{folder}", {**cmap, "files": files}, None)
    for p in opened.problems:
        p.message = (f"table missing: expected a Parquet folder or file {p.table}/ or {p.table}.parquet "
                     f"in {folder}")
    opened.labels = {t: f"spark:{folder.name}/{t}" for t in opened.labels}
    inst, cm = folder / "instrument.yaml", folder / "column_map.yaml"
    opened.instrument_path = inst if inst.is_file() else None
    opened.column_map_path = cm if cm.is_file() else None
    return opened
