"""Results computed once per quarter: typed results saved in the run's folder and read back.

In a run, notebook 90 (the summary) needs the key-driver analysis, KPI validity and the
scorecard that notebooks 10, 20 and 30 have just computed. :meth:`kit.report.Report.result`
computes an analysis once, saves it here, and any later notebook of the same run that asks for
the same analysis with the same arguments reads it back instead of computing it again.

The format is generic over the kit's typed results (:class:`kit.results.Result` and any other
dataclass) and plain tables: each DataFrame or Series, wherever it sits in the result, is a
Parquet file; everything else is one small JSON (``meta.json``) that also holds the result's
type and the key of the call that made it. No pickle: a saved result is data, never code. Only
classes of the kit are rebuilt.

The folder holds raw rep ids: it is internal to a run and removed before the run's outputs
are scanned for personal data and published.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import math
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

__all__ = ["call_key", "save_result", "load_result"]

_META = "meta.json"


class _Unsupported(TypeError):
    """A value the format does not hold (the result is then computed, not saved)."""


def _fingerprint(value: Any) -> Any:
    """What identifies an argument: a data set by its fingerprints, a table by a hash of its values."""
    import pandas as pd

    if hasattr(value, "fingerprints") and hasattr(value, "tables"):
        return {"dataset": dict(sorted(value.fingerprints.items()))}
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return {"table": str(int(pd.util.hash_pandas_object(value, index=True).sum()))}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _fingerprint(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _fingerprint(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_fingerprint(v) for v in value]
    return repr(value)


def call_key(name: str, fn: Any, args: tuple, kwargs: dict) -> str:
    """A hash of an analysis call: the function, the name and every argument (data by fingerprint)."""
    material = {"name": name, "fn": f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', repr(fn))}",
                "args": _fingerprint(list(args)), "kwargs": _fingerprint(kwargs)}
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _encode(value: Any, folder: Path, path: str) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        file = f"{path}.parquet"
        frame = value.copy()
        frame.columns = [str(c) for c in frame.columns]
        frame.attrs = {}
        frame.to_parquet(folder / file)
        out = {"__frame__": file, "columns": [str(c) for c in value.columns]}
        if value.attrs:  # tables of analyses not yet typed carry their facts there
            out["attrs"] = _encode(dict(value.attrs), folder, f"{path}.attrs")
        return out
    if isinstance(value, pd.Series):
        file = f"{path}.parquet"
        value.rename("value").to_frame().to_parquet(folder / file)
        return {"__series__": file, "name": None if value.name is None else str(value.name)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        if not kind.__module__.startswith("kit."):
            raise _Unsupported(f"{kind.__module__}.{kind.__qualname__}")
        return {"__dataclass__": f"{kind.__module__}:{kind.__qualname__}",
                "fields": {f.name: _encode(getattr(value, f.name), folder, f"{path}.{f.name}")
                           for f in dataclasses.fields(value)}}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise _Unsupported("a mapping with keys other than text")
        return {"__dict__": {k: _encode(v, folder, f"{path}.{k}") for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"__list__" if isinstance(value, list) else "__tuple__":
                [_encode(v, folder, f"{path}.{i}") for i, v in enumerate(value)]}
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {"__float__": repr(value)} if not math.isfinite(value) else value
    if isinstance(value, pd.Timestamp):
        return {"__timestamp__": value.isoformat()}
    raise _Unsupported(type(value).__name__)


def _decode(value: Any, folder: Path) -> Any:
    import numpy as np
    import pandas as pd

    if not isinstance(value, dict):
        return value
    if "__frame__" in value:
        frame = pd.read_parquet(folder / value["__frame__"])
        if list(frame.columns) != value["columns"] and len(frame.columns) == len(value["columns"]):
            frame.columns = value["columns"]
        for col in frame.columns:  # Parquet gives list cells back as arrays: lists again, as saved
            if frame[col].dtype == object and frame[col].map(lambda v: isinstance(v, np.ndarray)).any():
                frame[col] = frame[col].map(lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
        if "attrs" in value:
            frame.attrs.update(_decode(value["attrs"], folder))
        return frame
    if "__series__" in value:
        s = pd.read_parquet(folder / value["__series__"])["value"]
        return s.rename(value["name"])
    if "__dataclass__" in value:
        module, qualname = value["__dataclass__"].split(":")
        if not module.startswith("kit."):
            raise _Unsupported(module)
        kind: Any = importlib.import_module(module)
        for part in qualname.split("."):
            kind = getattr(kind, part)
        fields = {k: _decode(v, folder) for k, v in value["fields"].items()}
        init = {f.name for f in dataclasses.fields(kind) if f.init}
        obj = kind(**{k: v for k, v in fields.items() if k in init})
        for k, v in fields.items():  # fields set after construction (init=False)
            if k not in init:
                object.__setattr__(obj, k, v)
        return obj
    if "__dict__" in value:
        return {k: _decode(v, folder) for k, v in value["__dict__"].items()}
    if "__list__" in value:
        return [_decode(v, folder) for v in value["__list__"]]
    if "__tuple__" in value:
        return tuple(_decode(v, folder) for v in value["__tuple__"])
    if "__float__" in value:
        return float(value["__float__"])
    if "__timestamp__" in value:
        return pd.Timestamp(value["__timestamp__"])
    raise _Unsupported(str(list(value)))


def save_result(value: Any, folder: str | Path, name: str, key: str) -> Path | None:
    """Save ``value`` as ``folder/name/`` (Parquet tables + ``meta.json``); None when the value
    holds something the format cannot (then nothing is written and the caller computes again).

    Returns
    -------
    Path or None
        The result's folder.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from kit.report.privacy import Suppressed
    >>> folder = tempfile.mkdtemp()
    >>> saved = Suppressed(pd.DataFrame({"x": [1.0, None]}), blanked=1, min_n=5)
    >>> _ = save_result(saved, folder, "demo", key="k1")
    >>> back = load_result(folder, "demo", key="k1")
    >>> type(back).__name__, back.blanked, back["x"].isna().tolist()
    ('Suppressed', 1, [False, True])
    >>> load_result(folder, "demo", key="other") is None
    True
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    tmp.mkdir()
    try:
        encoded = _encode(value, tmp, "value")
        (tmp / _META).write_text(json.dumps({"key": key, "value": encoded}, ensure_ascii=False), encoding="utf-8")
    except _Unsupported:
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    final = folder / name
    shutil.rmtree(final, ignore_errors=True)
    try:
        os.rename(tmp, final)
    except OSError:  # saved meanwhile by another notebook of the run: theirs stands
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def load_result(folder: str | Path, name: str, key: str) -> Any | None:
    """The result saved as ``folder/name/`` by the same call (same ``key``), else None."""
    where = Path(folder) / name
    try:
        meta = json.loads((where / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("key") != key:
        return None
    try:
        return _decode(meta["value"], where)
    except (_Unsupported, OSError, ValueError, TypeError, AttributeError, ImportError):
        return None
