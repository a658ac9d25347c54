"""Reports: notebook helpers, and the engine behind ``kit run``.

Notebook helpers (what the report notebooks call)
--------------------------------------------------
A report notebook has a ``parameters`` cell (``quarter, source, lang, params_file,
results_dir, data_snapshot`` and any other parameter), then::

    import kit
    report = kit.report.begin(globals())    # parameters in force + data covered, fonts, context
    data = report.data                      # the validated kit.Dataset
    kpis = kit.kpis.compute(data, quarter=report.quarter)
    kit.report.save_table(kit.report.suppress_small(kpis, "n_{}"), "kpis")   # CSV + shown
    report.t("report.suppressed_note", min_n=report.min_n)

``begin`` reads the parameters in force from ``params_file`` (``kit run`` writes them, merged
and validated) or, in JupyterLab, from ``parameters/default.yaml`` and
``parameters/<quarter>.yaml``, with the values of the parameters cell winning. In a run, the
data comes from a snapshot of the data ``kit run`` validated once (``data_snapshot``: Parquet
tables + JSON, no pickle), so every notebook sees the same, fingerprinted data.

:func:`save_table` writes every table shown into the run's results folder (CSV, UTF-8 with
BOM for Excel) and displays it; it applies the pseudonyms and redacts e-mail addresses and
phone numbers in text columns on the way. :func:`suppress_small` blanks rep figures counted
from fewer than ``min_n`` rows; :func:`pseudonymize` replaces rep names by stable pseudonyms
when the ``pseudonymize`` parameter is on; :func:`redact` removes e-mail addresses and
Chinese mobile and landline numbers from text; :func:`save_next_quarter_params` writes the
recommended parameter file for the next quarter.

The engine (``kit run``)
------------------------
:func:`run` executes the notebooks of ``notebooks/`` for one or more quarters with papermill
(in this process, through its Python API) on the kernel of this Python environment, renders
an analyst HTML (with code) and a management HTML (no code, no prompts, no warnings) per
notebook with nbconvert, and writes ``outputs/<quarter>/``::

    index.html                   links to everything, in the report language
    management/<notebook>.html   no code: for management
    analyst/<notebook>.html      with code: for analysts
    notebooks/<notebook>.ipynb   the executed notebooks
    results/*.csv                every table shown (save_table)
    parameters.yaml              the parameters in force
    parameters_<next>.yaml       the recommended parameters for the next quarter (if drafted)
    manifest.json                parameters, data fingerprints, package versions, notebook
                                 hashes, durations, status, kit version, cache key

Safety: data and parameters are validated before any notebook starts; each quarter is built
in a hidden temporary folder ``outputs/.<quarter>.tmp-*`` and replaces ``outputs/<quarter>/``
in one rename only when every notebook succeeded and no output contains an e-mail address or
phone number (or, with pseudonyms, a rep name). A failed quarter is kept as
``outputs/<quarter>.failed-<time>/`` with the executed notebooks and their errors, and the
previous good report stays in place. Caching: a quarter whose notebooks, parameters, data
fingerprints and kit code are unchanged since its last good run is skipped (``--force`` runs it
again); when the inputs are byte for byte those of the last good run this is decided from
hashes alone, before loading anything.

Notebooks run on a kernel spec built in memory from ipykernel's own, pointing at
``sys.executable`` (:func:`kernel_manager_class`): no kernel has to be installed and no other
Python is ever used. The notebooks of a quarter run side by side (``notebook_jobs``), except
that those numbered 90 and above (summaries) start when the others have finished; ``jobs``
quarters run at the same time. Progress is one line per notebook and quarter.

HTML reports are self-contained: nbconvert's lab template is used with the blocks that load
require.js, MathJax, mermaid and the widget manager from CDNs removed, its CSS inlined,
images embedded as data URIs, and only locally installed fonts named.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import functools
import hashlib
import html
import json
import math
import os
import re
import shutil
import signal
import sys
import threading
import time
import traceback
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

import yaml

from kit import i18n, pii
from kit.pii import find_personal_data
from kit import params as P


class _LazyModule:
    """A module imported on first use: ``kit run`` decides that nothing changed without pandas."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self._name), attr)


pd = _LazyModule("pandas")

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset

__all__ = [
    # notebook helpers
    "Report",
    "begin",
    "current",
    "load_data",
    "save_table",
    "show_parameters",
    "show_data_covered",
    "parameters_html",
    "save_next_quarter_params",
    "pseudonym",
    "pseudonymize",
    "suppress_small",
    "redact",
    "find_personal_data",
    # snapshots of validated data
    "write_snapshot",
    "read_snapshot",
    # the engine
    "ReportError",
    "NotebookResult",
    "QuarterResult",
    "RunResult",
    "run",
    "find_notebooks",
    "render_html",
    "scan_outputs",
    "kernel_manager_class",
    "KERNEL_NAME",
    "RESULTS_DIR",
    "NEXT_PARAMS_FILE",
]

KERNEL_NAME = "kit-python"
RESULTS_DIR = "results"
NEXT_PARAMS_FILE = "next_quarter_params.yaml"
PARAMS_FILE = "parameters.yaml"
MANIFEST = "manifest.json"
_KEEP_FAILED = 3
_QUARTER_DIR = re.compile(r"^\d{4}Q[1-4]$")
# cells left out of the management HTML
MANAGEMENT_REMOVE_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell", "remove_cell",
                                    "analyst-only", "hide", "hide-cell"})
_CORE_INPUTS = ("quarter", "source", "lang", "params_file", "results_dir", "data_snapshot")


class ReportError(RuntimeError):
    """A report run that cannot start (no notebooks, no such quarter, ...): the message says why."""


# =================================================================================================
# Personal data: the detector lives in kit.pii; here, findings in outputs and the report language
# =================================================================================================

_DATA_URI = re.compile(r"data:[\w/+.\-]+;base64,[A-Za-z0-9+/=\s\\n]+")


@dataclass(frozen=True)
class Finding:
    """Personal data found in an output: ``file``, ``line``, ``kind`` and the ``masked`` value."""

    file: str
    line: int
    kind: str
    masked: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.kind} {self.masked}"


def _redaction_label(lang: str | None) -> str:
    lang = lang or (_CURRENT.lang if _CURRENT is not None else i18n.DEFAULT_LANG)
    return i18n.t("report.redacted", lang)


def redact(text: Any, replacement: str | None = None, *, lang: str | None = None) -> Any:
    """:func:`kit.pii.redact` with the replacement in the report language (``[已隐去]`` / ``[redacted]``).

    Examples
    --------
    >>> redact("请回电 138-0013-8851 或写信 li.na@example.com", "[x]")
    '请回电 [x] 或写信 [x]'
    """
    if isinstance(text, pd.Series):
        return text.map(lambda v: redact(v, replacement, lang=lang))
    if not isinstance(text, str) or not text:
        return text
    return pii.redact(text, _redaction_label(lang) if replacement is None else replacement)


# =================================================================================================
# Pseudonyms and small-n suppression
# =================================================================================================

_PSEUDONYM = re.compile(r"^Rep-[0-9A-F]{6}$")


def pseudonym(rep_id: Any, salt: str = "") -> str:
    """The stable pseudonym of a rep: ``Rep-`` and 6 hex digits of SHA-256(salt, rep_id).

    The same rep id and salt give the same pseudonym in every report and quarter; a
    pseudonym given again comes back unchanged.
    """
    text = str(rep_id)
    if _PSEUDONYM.match(text):
        return text
    digest = hashlib.sha256(f"{salt}\x1f{text}".encode("utf-8")).hexdigest()[:6].upper()
    return f"Rep-{digest}"


def pseudonymize(
    obj: "pd.DataFrame | pd.Series",
    *,
    enabled: bool | None = None,
    salt: str | None = None,
    id_col: str = "rep_id",
    name_cols: Sequence[str] = ("rep_name",),
) -> "pd.DataFrame | pd.Series":
    """Replace rep ids and names by stable pseudonyms (``Rep-3F2A9C``) when pseudonyms are on.

    Parameters
    ----------
    obj : DataFrame or Series
        A DataFrame with a ``rep_id`` column or index level (the names in ``name_cols`` are
        replaced by the pseudonym of the row's rep id, as is the id itself); or a Series of
        rep ids.
    enabled : bool, optional
        Default: the report's ``pseudonymize`` parameter (off outside a report).
    salt : str, optional
        Default: the report's ``pseudonym_salt`` parameter.
    id_col, name_cols : str, sequence of str
        The rep id column (or index level) and the columns holding rep names. A name column
        without an id column is replaced by the pseudonym of the name.

    Returns
    -------
    A copy with pseudonyms, or ``obj`` itself when pseudonyms are off.
    """
    ctx = _CURRENT
    if enabled is None:
        enabled = bool(ctx and ctx.params.get("pseudonymize"))
    if not enabled:
        return obj
    if salt is None:
        salt = str(ctx.params.get("pseudonym_salt", "")) if ctx else ""
    conv = lambda v: v if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else pseudonym(v, salt)  # noqa: E731
    if isinstance(obj, pd.Series):
        out = obj.map(conv)
        if obj.index.name == id_col or id_col in (obj.index.names or []):
            out.index = _pseudonymize_index(obj.index, id_col, conv)
        return out
    if not isinstance(obj, pd.DataFrame):
        raise TypeError(f"pseudonymize: obj must be a DataFrame or Series; got {type(obj).__name__}.")
    out = obj.copy()
    ids = None
    if id_col in out.columns:
        ids = out[id_col]
    elif id_col in (out.index.names or []):
        ids = pd.Series(out.index.get_level_values(id_col), index=out.index)
    for col in name_cols:
        if col in out.columns:
            source = ids if ids is not None else out[col]
            out[col] = source.map(conv).to_numpy()
    if id_col in out.columns:
        out[id_col] = out[id_col].map(conv)
    if id_col in (out.index.names or []):
        out.index = _pseudonymize_index(out.index, id_col, conv)
    return out


def _pseudonymize_index(index: pd.Index, level: str, conv: Callable) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        i = index.names.index(level)
        return index.set_levels(index.levels[i].map(conv), level=i, verify_integrity=False)
    return index.map(conv).rename(index.name)


def _pseudonymize_text(values: Any, ctx: "Report | None") -> Any:
    """Rep ids and names inside free text (e.g. a reason naming reps) replaced by pseudonyms."""
    if ctx is None or not ctx.params.get("pseudonymize"):
        return values
    pattern = getattr(ctx, "_rep_pattern", None)
    if pattern is None:
        reps = ctx.data.reps
        lookup = {}
        for rid, name in zip(reps["rep_id"], reps["rep_name"]):
            if isinstance(rid, str) and rid:
                lookup[rid] = rid
                if isinstance(name, str) and len(name) >= 2:
                    lookup[name] = rid
        keys = sorted(lookup, key=len, reverse=True)
        pattern = (re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, keys)) + r")(?![A-Za-z0-9_])"), lookup) \
            if keys else (None, {})
        ctx._rep_pattern = pattern
    regex, lookup = pattern
    if regex is None:
        return values
    salt = str(ctx.params.get("pseudonym_salt", ""))
    fix = lambda t: regex.sub(lambda m: pseudonym(lookup[m.group(1)], salt), t) if isinstance(t, str) else t  # noqa: E731
    if isinstance(values, Mapping):
        return {k: fix(v) for k, v in values.items()}
    if hasattr(values, "map") and not isinstance(values, str):
        return values.map(fix)
    return fix(values)


def suppress_small(
    df: pd.DataFrame,
    n_col: "str | Mapping[str, str]",
    min_n: int | None = None,
    cols: Sequence[str] | None = None,
    *,
    flag: str | None = None,
) -> pd.DataFrame:
    """Blank rep figures counted from fewer than ``min_n`` rows (they show as "insufficient data").

    Parameters
    ----------
    df : DataFrame
        One row per rep (or rep and quarter).
    n_col : str or mapping
        The count column behind the figures: one column name for all ``cols``; a pattern with
        ``{}`` for one count per column (``"n_{}"``: KPI ``csat_mean`` is counted in
        ``n_csat_mean``, as in :func:`kit.kpis.compute`); or a mapping column -> count column.
    min_n : int, optional
        Default: the report's ``min_n`` parameter (5 outside a report).
    cols : sequence of str, optional
        The figures to blank; default every numeric column except the counts.
    flag : str, optional
        Add a boolean column of that name: True where a figure of the row was blanked.

    Returns
    -------
    DataFrame
        A copy; blanked cells are missing (NaN). ``attrs["kit_suppressed"]`` holds the number
        of cells blanked and ``attrs["kit_min_n"]`` the threshold (the report notes it under
        the table).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"suppress_small: df must be a DataFrame; got {type(df).__name__}.")
    if min_n is None:
        min_n = int(_CURRENT.params.get("min_n", 5)) if _CURRENT is not None else 5
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
        raise ValueError(f"suppress_small: min_n must be a whole number >= 1; got {min_n!r}.")
    if isinstance(n_col, Mapping):
        pairs = dict(n_col)
    elif isinstance(n_col, str) and "{}" in n_col:
        candidates = cols if cols is not None else list(df.columns)
        pairs = {c: n_col.format(c) for c in candidates if n_col.format(c) in df.columns}
        if cols is not None:
            missing = [c for c in cols if n_col.format(c) not in df.columns]
            if missing:
                raise KeyError(f"suppress_small: no count column {n_col!r} for {missing}.")
    elif isinstance(n_col, str):
        if n_col not in df.columns:
            raise KeyError(f"suppress_small: n_col {n_col!r} is not a column; columns: {list(df.columns)}.")
        counts = set()
        if cols is None:
            cols = [c for c in df.columns if c != n_col and pd.api.types.is_numeric_dtype(df[c])
                    and not str(c).startswith("n_")]
            counts = {n_col}
        pairs = {c: n_col for c in cols if c not in counts}
    else:
        raise TypeError("suppress_small: n_col must be a column name, a pattern like 'n_{}' or a mapping.")
    unknown = [c for c in list(pairs) + list(pairs.values()) if c not in df.columns]
    if unknown:
        raise KeyError(f"suppress_small: unknown column(s) {sorted(set(unknown))}.")
    out = df.copy()
    blanked = pd.Series(False, index=out.index)
    total = 0
    for col, ncol in pairs.items():
        small = pd.to_numeric(out[ncol], errors="coerce").fillna(0) < min_n
        small = small & out[col].notna()
        if small.any():
            if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
                out[col] = out[col].astype("float64").mask(small)
            else:
                out[col] = out[col].astype(object).mask(small, None)
            total += int(small.sum())
            blanked |= small
    if flag:
        out[flag] = blanked.to_numpy()
    out.attrs["kit_suppressed"] = total
    out.attrs["kit_min_n"] = min_n
    return out


# =================================================================================================
# Snapshots of validated data (what the notebooks of a run load, fast and identical)
# =================================================================================================


def write_snapshot(data: "Dataset", folder: str | Path) -> Path:
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


def _snapshot_meta(folder: str | Path) -> dict:
    return json.loads((Path(folder) / "meta.json").read_text(encoding="utf-8"))


def read_snapshot(folder: str | Path) -> "Dataset":
    """Read a data set written by :func:`write_snapshot` (a :class:`kit.Dataset`)."""
    from kit.io import Dataset
    from kit.survey import Instrument

    folder = Path(folder)
    meta = _snapshot_meta(folder)
    tables = {t: pd.read_parquet(folder / "tables" / f"{t}.parquet") for t in meta["tables"]}
    return Dataset(
        tables=tables,
        instrument=Instrument.from_dict(meta["instrument"], path=meta.get("instrument_path")),
        quarantine=pd.read_parquet(folder / "quarantine.parquet"),
        source=meta["source"],
        rows_in=meta["rows_in"],
        fingerprints=meta["fingerprints"],
        fiscal_start_month=meta["fiscal_start_month"],
        warnings=list(meta.get("warnings", [])),
    )


def _resolve_source(source: str) -> str:
    if "://" in source:
        return source
    p = Path(source).expanduser()
    if p.exists() or p.is_absolute():
        return str(p.resolve()) if p.exists() else str(p)
    root = Path(__file__).resolve().parents[1]
    if (root / source).exists():
        return str((root / source).resolve())
    return source


def _safe_source(source: Any) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", str(source))


def load_data(source: str, params: Mapping[str, Any] | None = None, *, snapshot: str | Path | None = None) -> "Dataset":
    """Load and validate the data of a report: the run's snapshot when given, else ``kit.load``.

    ``params`` supplies ``column_map``, ``instrument``, ``max_quarantine_share`` and
    ``fiscal_start_month``.
    """
    if snapshot and (Path(snapshot) / "meta.json").is_file():
        return read_snapshot(snapshot)
    import kit

    params = params or {}
    return kit.load(
        _resolve_source(source),
        column_map=params.get("column_map"),
        instrument=params.get("instrument"),
        max_quarantine_share=params.get("max_quarantine_share", 0.05),
        fiscal_start_month=params.get("fiscal_start_month", 1),
    )


# =================================================================================================
# The report context of a notebook
# =================================================================================================


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    return get_ipython() is not None


def _display(obj: Any, role: str, **meta: Any) -> None:
    if not _in_ipython():
        return
    from IPython.display import display

    display(obj, metadata={"kit": {"role": role, **meta}})


@dataclass
class Report:
    """The report a notebook is writing: its quarter, language, parameters, data and results folder.

    Made by :func:`begin`; the module-level helpers (:func:`save_table`, :func:`pseudonymize`,
    :func:`suppress_small`, :func:`redact`) use the current report's settings.
    """

    quarter: str
    lang: str
    params: dict[str, Any]
    source: str
    results_dir: Path | None = None
    data_snapshot: str | None = None
    _data: Any = field(default=None, repr=False)
    _loaded_with: dict = field(default_factory=dict, repr=False)
    _rep_pattern: Any = field(default=None, repr=False)

    @property
    def data(self) -> "Dataset":
        """The validated data set (loaded on first use)."""
        if self._data is None:
            self._data = load_data(str(self.params["source"]), self.params, snapshot=self.data_snapshot)
            self._loaded_with = dict(self.params)
        return self._data

    @property
    def min_n(self) -> int:
        return int(self.params["min_n"])

    @property
    def weights(self) -> dict[str, float] | None:
        return self.params.get("weights")

    @property
    def period(self):
        """The quarter as a :class:`kit.periods.Quarter`."""
        from kit.periods import Quarter

        return Quarter.parse(self.quarter, int(self.params.get("fiscal_start_month", 1)))

    def t(self, key: str, **values: Any) -> str:
        """A label or sentence in the report's language (see :func:`kit.i18n.t`)."""
        return i18n.t(key, self.lang, **values)

    def save_table(self, df: Any, name: str, **kw: Any) -> None:
        return save_table(df, name, results_dir=self.results_dir, **kw)

    def pseudonymize(self, obj: Any, **kw: Any) -> Any:
        kw.setdefault("enabled", bool(self.params.get("pseudonymize")))
        kw.setdefault("salt", str(self.params.get("pseudonym_salt", "")))
        return pseudonymize(obj, **kw)

    def suppress_small(self, df: pd.DataFrame, n_col: Any, cols: Sequence[str] | None = None, **kw: Any) -> pd.DataFrame:
        return suppress_small(df, n_col, self.min_n, cols, **kw)

    def redact(self, text: Any) -> Any:
        return redact(text, lang=self.lang)

    def show_parameters(self) -> None:
        """Display the parameters in force (returns nothing, so a cell shows them once)."""
        show_parameters(self.params, lang=self.lang, quarter=self.quarter)

    def show_data_covered(self) -> None:
        """Display the data covered (returns nothing, so a cell shows it once)."""
        show_data_covered(self.data, self.quarter, lang=self.lang)

    def save_next_quarter_params(self, weights: Mapping[str, float], **kw: Any) -> Path | None:
        kw.setdefault("results_dir", self.results_dir)
        kw.setdefault("quarter", self.quarter)
        return save_next_quarter_params(weights, **kw)

    def heading(self, key: str, level: int = 2, **values: Any) -> None:
        """Display a section heading in the report's language (``i18n`` key)."""
        from IPython.display import Markdown

        _display(Markdown("#" * level + " " + self.t(key, **values)), "heading")

    def say(self, text_or_key: "str | Sequence[str]", **values: Any) -> None:
        """Display sentences (Markdown): an ``i18n`` key with its values, ready text, or a list
        of ready sentences (as :mod:`kit.narrative` returns them), as one paragraph.

        Text is redacted (no e-mail addresses or phone numbers).
        """
        from IPython.display import Markdown

        if isinstance(text_or_key, (list, tuple)):
            text = ("" if self.lang == "zh" else " ").join(str(x) for x in text_or_key)
        elif i18n.has(text_or_key, self.lang):
            text = self.t(text_or_key, **values)
        else:
            text = str(text_or_key)
        if text:
            _display(Markdown(self.redact(text)), "text")

    def show(self, fig: Any) -> None:
        """Display a matplotlib figure once (and close it, so that it is not drawn twice)."""
        import matplotlib.pyplot as plt

        if _in_ipython():
            from IPython.display import display

            display(fig, metadata={"kit": {"role": "figure"}})
        plt.close(fig)


_CURRENT: Report | None = None


def current() -> Report | None:
    """The report begun last in this process (None before :func:`begin`)."""
    return _CURRENT


def begin(
    namespace: Mapping[str, Any] | None = None,
    /,
    *,
    show: bool = True,
    load: bool = True,
    **values: Any,
) -> Report:
    """Start a report in a notebook: parameters, data, fonts, and the parameters in force shown.

    Parameters
    ----------
    namespace : mapping, optional
        The notebook's ``globals()``: ``quarter, source, lang, params_file, results_dir,
        data_snapshot`` and any parameter (``min_n``, ``weights``, ...) are taken from it, so
        that the parameters cell (and papermill's injected parameters) decide.
    show : bool
        Display the parameters in force and the data covered.
    load : bool
        Load the data now (else on first use of ``report.data``).
    **values
        The same names as keywords; they win over ``namespace``. ``None`` means "not set".

    Returns
    -------
    Report
        ``quarter`` (the latest quarter of the data when not set), ``lang``, ``params`` (the
        validated parameters in force), ``data``, ``results_dir``.

    Parameters come from ``params_file`` when set (``kit run`` passes the merged parameters it
    validated), else from ``parameters/default.yaml`` and ``parameters/<quarter>.yaml``; the
    values of the parameters cell win over both. The pseudonym salt may come from the
    environment variable ``KIT_PSEUDONYM_SALT`` (which is how ``kit run`` passes it).
    """
    global _CURRENT
    given: dict[str, Any] = {}
    if namespace is not None:
        for k in (*_CORE_INPUTS, *P.KNOWN_KEYS):
            if k in namespace and namespace[k] is not None and not callable(namespace[k]):
                given[k] = namespace[k]
    given.update({k: v for k, v in values.items() if v is not None})
    unknown = set(given) - set(_CORE_INPUTS) - set(P.KNOWN_KEYS)
    if unknown:
        raise P.ParamsError(f"begin(): unknown argument(s) {sorted(unknown)}; allowed: "
                            f"{', '.join((*_CORE_INPUTS, *P.KNOWN_KEYS))}.")
    overrides = {k: v for k, v in given.items() if k in P.KNOWN_KEYS and k != "quarter"}
    quarter = given.get("quarter")
    if given.get("params_file"):
        merged = P.merge(P.read(given["params_file"]), overrides)
        salt = os.environ.get("KIT_PSEUDONYM_SALT")
        if salt and "pseudonym_salt" not in overrides:
            merged["pseudonym_salt"] = salt
        merged.pop("quarter", None)
        params = P.validate(merged, origins={k: str(given["params_file"]) for k in merged})
        params.pop("quarter", None)
    else:
        params = P.load(None if quarter in (None, "", "latest") else str(quarter), overrides=overrides)
        params.pop("quarter", None)
    lang = i18n.check_lang(params["lang"])
    source = str(params["source"])
    results_dir = Path(given["results_dir"]) if given.get("results_dir") else None
    if results_dir is not None:
        results_dir.mkdir(parents=True, exist_ok=True)
    report = Report(quarter=str(quarter) if quarter and quarter != "latest" else "", lang=lang, params=params,
                    source=source, results_dir=results_dir, data_snapshot=given.get("data_snapshot"))
    _CURRENT = report
    try:
        from kit.plots import setup_fonts

        setup_fonts()
    except ImportError:  # pragma: no cover - matplotlib missing
        pass
    if load or not report.quarter:
        data = report.data
        if not report.quarter:
            report.quarter = str(data.latest_quarter())
            if not given.get("params_file"):
                # now that the quarter is known, its parameter file applies too
                params = P.load(report.quarter, overrides=overrides)
                params.pop("quarter", None)
                report.params, report.lang = params, i18n.check_lang(params["lang"])
                if _load_key(params) != _load_key(report._loaded_with):
                    report._data = None
        else:
            from kit.periods import Quarter

            report.quarter = str(Quarter.parse(report.quarter, data.fiscal_start_month))
    if show:
        report.show_parameters()
        if load:
            report.show_data_covered()
    return report


# --- showing and saving ---------------------------------------------------------------------------


def _format_value(key: str, value: Any, lang: str) -> str:
    if value is None or (isinstance(value, Mapping) and not value):
        return i18n.t("value.none", lang)
    if isinstance(value, bool):
        return i18n.fmt(value, "", lang)
    if key == "source":
        return _safe_source(value)
    if key == "max_quarantine_share":
        return i18n.percent(value, lang, 1)
    if key == "weights" and isinstance(value, Mapping):
        try:
            import kit.kpis

            names = {k: kit.kpis.get(k).name[lang] for k in value}
        except Exception:
            names = {}
        parts = [f"{names.get(k, k)} ({k}) {i18n.number(v, lang, 0 if float(v).is_integer() else 1)}"
                 for k, v in sorted(value.items(), key=lambda kv: -kv[1]) if v]
        return "; ".join(parts) + f" — {i18n.t('report.weights_sum', lang, total=sum(value.values()))}"
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _parameter_rows(params: Mapping[str, Any], lang: str, quarter: str | None) -> list[tuple[str, str, str]]:
    rows = []
    if quarter:
        rows.append(("quarter", i18n.t("param.quarter", lang), str(quarter)))
    for key in P.KNOWN_KEYS:
        if key in P.SECRET_KEYS or key == "quarter" or key not in params:
            continue
        label = i18n.t(f"param.{key}", lang) if i18n.has(f"param.{key}", lang) else key
        rows.append((key, label, _format_value(key, params[key], lang)))
    return rows


_TABLE_CSS = ("border-collapse:collapse;font-size:0.92em;margin:0.4em 0 1em 0;")
_CELL_CSS = "border:1px solid #d0d7de;padding:4px 10px;text-align:left;vertical-align:top;"


def parameters_html(params: Mapping[str, Any], lang: str | None = None, quarter: str | None = None) -> str:
    """The parameters in force as an HTML block (heading + table), without secrets."""
    lang = i18n.check_lang(lang or params.get("lang") or i18n.DEFAULT_LANG)
    rows = "".join(
        f'<tr><th style="{_CELL_CSS}">{html.escape(label)} <code style="color:#6e7781">{html.escape(key)}</code></th>'
        f'<td style="{_CELL_CSS}">{html.escape(value)}</td></tr>'
        for key, label, value in _parameter_rows(params, lang, quarter))
    return (f'<div class="kit-parameters"><h3>{html.escape(i18n.t("report.parameters_in_force", lang))}</h3>'
            f'<table style="{_TABLE_CSS}">{rows}</table></div>')


def show_parameters(params: Mapping[str, Any] | None = None, *, lang: str | None = None,
                    quarter: str | None = None) -> pd.DataFrame:
    """Display the parameters in force (without secrets) at the top of a report.

    Returns
    -------
    DataFrame
        ``parameter, label, value`` (value as shown).
    """
    ctx = _CURRENT
    if params is None:
        if ctx is None:
            raise ValueError("show_parameters: give params, or call kit.report.begin() first.")
        params = ctx.params
    lang = lang or (ctx.lang if ctx else params.get("lang", i18n.DEFAULT_LANG))
    quarter = quarter or (ctx.quarter if ctx else params.get("quarter"))
    rows = _parameter_rows(params, lang, quarter)
    if _in_ipython():
        from IPython.display import HTML

        _display(HTML(parameters_html(params, lang, quarter)), "parameters")
    return pd.DataFrame(rows, columns=["parameter", "label", "value"])


def _rows_in_quarter(data: "Dataset", quarter: str) -> dict[str, int | None]:
    from kit.periods import Quarter

    q = Quarter.parse(quarter, data.fiscal_start_month)
    dated = {"interactions": "opened_at", "surveys": "submitted_at", "deals": "closed_at"}
    out: dict[str, int | None] = {}
    for table, df in data.tables.items():
        col = dated.get(table)
        if col is not None:
            s = df[col]
            out[table] = int(((s >= q.start) & (s < q.end)).sum())
        elif table == "quotas" and "quarter" in df.columns:
            out[table] = int((df["quarter"].astype(str) == str(q)).sum())
        else:
            out[table] = None
    return out


def show_data_covered(data: "Dataset", quarter: str, *, lang: str | None = None) -> pd.DataFrame:
    """Display the data covered: source, period, and per table the rows in the quarter, in
    total and set aside.

    Returns
    -------
    DataFrame
        Indexed by table: ``rows_in_quarter`` (None for undated tables), ``rows_total``,
        ``rows_set_aside``.
    """
    from kit.periods import Quarter

    lang = lang or (_CURRENT.lang if _CURRENT else i18n.DEFAULT_LANG)
    q = Quarter.parse(quarter, data.fiscal_start_month)
    in_q = _rows_in_quarter(data, str(q))
    aside = data.quarantine["table"].value_counts() if len(data.quarantine) else pd.Series(dtype=int)
    df = pd.DataFrame({
        "rows_in_quarter": pd.Series(in_q, dtype="Int64"),
        "rows_total": pd.Series({t: len(d) for t, d in data.tables.items()}, dtype="Int64"),
        "rows_set_aside": pd.Series({t: int(aside.get(t, 0)) for t in data.tables}, dtype="Int64"),
    })
    df.index.name = "table"
    if _in_ipython():
        from IPython.display import HTML

        head = "".join(f'<th style="{_CELL_CSS}">{html.escape(i18n.t(k, lang))}</th>'
                       for k in ("report.table", "report.rows_in_quarter", "report.rows_total", "report.rows_set_aside"))
        body = ""
        for t, r in df.iterrows():
            label = i18n.t(f"table.{t}", lang) if i18n.has(f"table.{t}", lang) else t
            cells = "".join(f'<td style="{_CELL_CSS}text-align:right">{"—" if pd.isna(v) else i18n.number(v, lang)}</td>'
                            for v in r)
            body += f'<tr><td style="{_CELL_CSS}">{html.escape(label)}</td>{cells}</tr>'
        period = i18n.t("report.period", lang, start=q.start, end=q.end - pd.Timedelta(days=1))
        block = (f'<div class="kit-data-covered"><h3>{html.escape(i18n.t("report.data_covered", lang))}</h3>'
                 f'<p>{html.escape(i18n.t("report.quarter", lang))}: <b>{q}</b> ({html.escape(period)}) · '
                 f'{html.escape(i18n.t("report.source", lang))}: <code>{html.escape(_short_source(data.source))}</code></p>'
                 f'<table style="{_TABLE_CSS}"><tr>{head}</tr>{body}</table></div>')
        _display(HTML(block), "data_covered")
    return df


def _short_source(source: str) -> str:
    s = _safe_source(source)
    if "://" in s:
        return s
    p = Path(s)
    return p.name or s


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def _atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    tmp.write_text(text, encoding=encoding)
    os.replace(tmp, path)


def save_table(
    df: "pd.DataFrame | pd.Series",
    name: str,
    *,
    results_dir: str | Path | None = None,
    index: bool = True,
    show: bool = True,
    caption: str | None = None,
) -> None:
    """Save a table shown in a report to the results folder (CSV) and display it.

    Parameters
    ----------
    df : DataFrame or Series
    name : str
        File name without ``.csv``: letters, digits, ``_ . -`` (``"kpis"`` -> ``results/kpis.csv``).
        Names are shared by the notebooks of a run: use a prefix per notebook.
    results_dir : path, optional
        Default: the current report's results folder; without one (exploring in JupyterLab)
        the table is only displayed.
    index : bool
        Write the index as columns.
    show : bool
        Display the table (missing values as "n/a" in the report language, with a note when
        small-n figures were blanked by :func:`suppress_small`).
    caption : str, optional
        A caption shown above the table.

    Returns
    -------
    None
        (so that a call at the end of a cell does not show the table twice). What is saved and
        shown has pseudonyms when the report's ``pseudonymize`` parameter is on, and e-mail
        addresses and phone numbers redacted in its text columns.
    """
    if isinstance(df, pd.Series):
        df = df.to_frame()
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"save_table: df must be a DataFrame or Series; got {type(df).__name__}.")
    if not isinstance(name, str) or not _NAME.match(name.removesuffix(".csv")):
        raise ValueError(f"save_table: name must be letters, digits, '_', '.' or '-' (e.g. 'kpi_validity'); "
                         f"got {name!r}.")
    name = name.removesuffix(".csv")
    ctx = _CURRENT
    attrs = dict(df.attrs)
    out = pseudonymize(df)
    text_cols = [c for c in out.columns if out[c].dtype == object or pd.api.types.is_string_dtype(out[c])]
    if text_cols:
        out = out.copy() if out is df else out
        for c in text_cols:
            out[c] = _pseudonymize_text(redact(out[c]), ctx)
    out.attrs.update(attrs)
    folder = Path(results_dir) if results_dir is not None else (ctx.results_dir if ctx else None)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write_text(folder / f"{name}.csv", out.to_csv(index=index), encoding="utf-8-sig")
    if show and _in_ipython():
        from IPython.display import HTML

        lang = ctx.lang if ctx else i18n.DEFAULT_LANG
        na = i18n.missing(lang)
        shown = _labelled(out if len(out) <= 500 else out.head(500), lang)
        body = shown.to_html(na_rep=na, float_format=lambda v: f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}",
                             index=index, border=0, classes="dataframe kit-table")
        top = f"<p><b>{html.escape(caption)}</b></p>" if caption else ""
        note = ""
        if attrs.get("kit_suppressed"):
            note = f'<p style="color:#57606a;font-size:0.9em">{html.escape(i18n.t("report.suppressed_note", lang, min_n=attrs.get("kit_min_n", 5)))}</p>'
        if ctx is not None and ctx.params.get("pseudonymize") and ("rep_id" in out.columns or "rep_id" in (out.index.names or [])):
            note += f'<p style="color:#57606a;font-size:0.9em">{html.escape(i18n.t("report.pseudonymized_note", lang))}</p>'
        _display(HTML(top + body + note), "table", name=name)
    return None


_VALUE_KEYS = {"quadrant": "quadrant", "verdict": "verdict", "tier": "tier"}
_DIMENSION_INDEXES = {"dimension", "score"}


def _labelled(df: "pd.DataFrame", lang: str) -> "pd.DataFrame":
    """A table as a report shows it: column names, KPI ids, dimensions and categories in the
    report's language (``column.*``, ``dimension.*``, ``quadrant.*``... in kit/locales). The
    CSV keeps the machine names."""
    from kit.kpis import display_name, ids

    kpis = set(ids())

    def col(name: Any) -> Any:
        text = str(name)
        if text in kpis:
            return display_name(text, lang)
        if text.startswith("n_") and text[2:] in kpis:
            return f"n · {display_name(text[2:], lang)}"
        key = f"column.{text}"
        if i18n.has(key, lang):
            return i18n.t(key, lang)
        return i18n.t(f"dimension.{text}", lang) if i18n.has(f"dimension.{text}", lang) else name

    out = df.copy()
    for c, prefix in _VALUE_KEYS.items():
        if c in out.columns and (out[c].dtype == object or pd.api.types.is_string_dtype(out[c])):
            out[c] = [i18n.t(f"{prefix}.{v}", lang) if isinstance(v, str) and i18n.has(f"{prefix}.{v}", lang) else v
                      for v in out[c]]
    for c in out.columns:
        if pd.api.types.is_bool_dtype(out[c]):
            out[c] = [v if pd.isna(v) else i18n.fmt(bool(v), "", lang) for v in out[c]]
    if out.index.name in _DIMENSION_INDEXES:
        out.index = pd.Index([i18n.dimension_name(str(v), lang) for v in out.index], name=out.index.name)
    out.columns = [col(c) for c in out.columns]
    out.index.names = [col(n) if n is not None else None for n in out.index.names]
    return out


def save_next_quarter_params(
    weights: Mapping[str, float],
    *,
    reasons: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
    results_dir: str | Path | None = None,
    quarter: str | None = None,
) -> Path | None:
    """Write the recommended parameter file for the next quarter (``next_quarter_params.yaml``).

    ``kit run`` places it as ``outputs/<quarter>/parameters_<next quarter>.yaml``: a draft for
    the analyst to review and save as ``parameters/<next quarter>.yaml``.

    Parameters
    ----------
    weights : mapping, Series or WeightRecommendation
        KPI id -> weight (checked: known ids, non-negative, summing to 100), or the result of
        :func:`kit.analysis.recommend_weights` (its reasons are used when ``reasons`` is not given).
    reasons : mapping, optional
        KPI id -> the reason for its change, written as a comment beside the weight.
    extra : mapping, optional
        Other parameters to recommend (checked like a parameter file).
    results_dir : path, optional
        Default: the current report's results folder. Without one nothing is written.
    quarter : str, optional
        The quarter of the report (default: the current report's); the file is for the next.

    Returns
    -------
    Path or None
        The file written (None when there is no results folder).
    """
    from kit.periods import Quarter

    ctx = _CURRENT
    if hasattr(weights, "weights") and hasattr(weights, "changes"):
        # a kit.analysis WeightRecommendation: its weights and the reason of every change
        if reasons is None and "reason" in getattr(weights.changes, "columns", []):
            reasons = {str(k): str(v) for k, v in weights.changes["reason"].items() if v == v and v}
        weights = weights.weights
    w = P.validate_weights(weights)
    if reasons:
        reasons = _pseudonymize_text({k: redact(str(v)) for k, v in reasons.items()}, ctx)
    extra = dict(extra or {})
    bad = set(extra) - set(P.KNOWN_KEYS) | ({"weights", "quarter"} & set(extra))
    if bad:
        raise P.ParamsError(f"save_next_quarter_params: extra may not set {sorted(bad)}.")
    if extra:
        P.validate(extra)
    fsm = int(ctx.params.get("fiscal_start_month", 1)) if ctx else 1
    q = quarter or (ctx.quarter if ctx else None)
    if not q:
        raise ValueError("save_next_quarter_params: give quarter= (the quarter of this report).")
    nxt = Quarter.parse(str(q), fsm).next()
    folder = Path(results_dir) if results_dir is not None else (ctx.results_dir if ctx else None)
    reasons = dict(reasons or {})
    lines = [
        f"# Recommended parameters for {nxt}, drafted by the {q} report of the kit on "
        f"{_dt.date.today().isoformat()}.",
        f"# Review them, then save this file as parameters/{nxt}.yaml.",
        f"quarter: {nxt}",
        "weights:",
    ]
    for k, v in w.items():
        value = int(v) if float(v).is_integer() else round(v, 2)
        reason = str(reasons.get(k, "")).replace("\n", " ").strip()
        lines.append(f"  {k}: {value}" + (f"  # {reason}" if reason else ""))
    text = "\n".join(lines) + "\n"
    if extra:
        text += P.dump(extra)
    P.validate(yaml.safe_load(text))
    if folder is None:
        warnings.warn("save_next_quarter_params: no results folder (not in a kit run); nothing written.",
                      stacklevel=2)
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / NEXT_PARAMS_FILE
    _atomic_write_text(path, text)
    if _in_ipython():
        from IPython.display import HTML

        lang = ctx.lang if ctx else i18n.DEFAULT_LANG
        _display(HTML(f'<p class="kit-next-params">{html.escape(i18n.t("report.next_params_written", lang, quarter=nxt))}</p>'),
                 "next_params", file=NEXT_PARAMS_FILE)
    return path


# =================================================================================================
# Rendering HTML (nbconvert, in process, self-contained)
# =================================================================================================

_HTML_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}
<style type="text/css">
:root {
  --kit-cjk: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
             "Hiragino Sans GB", "WenQuanYi Micro Hei", "SimHei";
}
body, .jp-Notebook {
  --jp-content-font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, var(--kit-cjk), sans-serif;
  --jp-ui-font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, var(--kit-cjk), sans-serif;
}
main { max-width: 1100px; margin: 0 auto; }
.kit-report-header { font-size: 0.85em; color: #57606a; margin: 0.5em 0 1em 0; }
table.kit-table td, table.kit-table th { padding: 3px 8px; }
</style>
{% endblock extra_css %}
"""

_JS_MIME = ("application/javascript", "application/vnd.jupyter.widget-view+json",
            "application/vnd.jupyter.widget-state+json", "text/javascript")
_NOISE_REPR = re.compile(r"^(<[^<>]*>|\[<[^\n]*>(, <[^\n]*>)*\]|Text\(.*\)|\(.*, .*\))$", re.S)

_exporters = threading.local()


def _exporter(management: bool, lang: str):
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    key = (management, lang)
    cache = getattr(_exporters, "cache", None)
    if cache is None:
        cache = _exporters.cache = {}
    if key not in cache:
        ex = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"kit_report.html.j2": _HTML_TEMPLATE})])
        ex.template_file = "kit_report.html.j2"
        ex.embed_images = True
        ex.exclude_input = management
        ex.exclude_input_prompt = management
        ex.exclude_output_prompt = management
        ex.anchor_link_text = ""
        ex.require_js_url = ""
        ex.mathjax_url = ""
        ex.mermaid_js_url = ""
        ex.mermaid_layout_elk_js_url = ""
        ex.jquery_url = ""
        ex.jupyter_widgets_base_url = ""
        ex.language_code = lang
        cache[key] = ex
    return cache[key]


def _has_kit_role(nb, role: str) -> bool:
    for cell in nb.cells:
        for out in cell.get("outputs", []) or []:
            if (out.get("metadata") or {}).get("kit", {}).get("role") == role:
                return True
    return False


def _prepare(nb, *, management: bool, params_block: str | None):
    import nbformat

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # a deep copy
    nb.metadata.pop("widgets", None)
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        if management and tags & MANAGEMENT_REMOVE_TAGS:
            continue
        if cell.cell_type == "code":
            outs = []
            for out in cell.get("outputs", []) or []:
                data = out.get("data") or {}
                for mime in _JS_MIME:
                    data.pop(mime, None)
                if out.get("output_type") in ("display_data", "execute_result") and not data:
                    continue
                if management:
                    if out.get("output_type") == "stream" and out.get("name") == "stderr":
                        continue
                    if out.get("output_type") == "error":
                        continue
                    if (out.get("output_type") == "execute_result" and set(data) == {"text/plain"}
                            and _NOISE_REPR.match(str(data["text/plain"]).strip())):
                        continue
                outs.append(out)
            cell.outputs = outs
            if management and not outs:
                continue
        cells.append(cell)
    if params_block:
        block = nbformat.v4.new_markdown_cell(params_block)
        at = 1 if cells and cells[0].cell_type == "markdown" else 0
        cells.insert(at, block)
    nb.cells = cells
    return nb


def render_html(nb: Any, path: str | Path, *, management: bool, lang: str = "zh", title: str | None = None,
                params_block: str | None = None) -> Path:
    """Render an executed notebook to one self-contained HTML file.

    Parameters
    ----------
    nb : NotebookNode or path
    path : path
        The HTML file to write.
    management : bool
        True: no code, no prompts, no parameters cells, no stderr (warnings), no bare object
        reprs; False: the analyst version, everything shown.
    lang : {'zh', 'en'}
        The page's language (``<html lang>``).
    title : str, optional
        The page title (default: the notebook's file name).
    params_block : str, optional
        HTML inserted after the title cell (the engine passes the parameters in force when the
        notebook did not show them itself).

    No script, style, font or image is fetched from another host: nbconvert's require.js,
    MathJax, mermaid and widget scripts are left out, the lab CSS is inlined and images are
    embedded as data URIs. (LaTeX in markdown therefore shows as source text.)
    """
    import nbformat

    if not hasattr(nb, "cells"):
        nb = nbformat.read(str(nb), as_version=4)
    path = Path(path)
    prepared = _prepare(nb, management=management, params_block=params_block)
    ex = _exporter(management, lang)
    body, _ = ex.from_notebook_node(prepared, resources={"metadata": {"name": title or path.stem}})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


# =================================================================================================
# Scanning outputs for personal data
# =================================================================================================

_TEXT_SUFFIXES = {".html", ".htm", ".csv", ".ipynb", ".json", ".yaml", ".yml", ".txt", ".md", ".log", ".tsv"}


def _text_for_scan(path: Path) -> str:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix == ".ipynb":
        try:
            nb = json.loads(text)
        except ValueError:
            return _DATA_URI.sub(" ", text)
        for cell in nb.get("cells", []):
            cell.get("attachments", {}).clear() if isinstance(cell.get("attachments"), dict) else None
            for out in cell.get("outputs", []) or []:
                data = out.get("data") or {}
                for mime in list(data):
                    if mime.startswith("image/") and mime != "image/svg+xml":
                        data.pop(mime)
        text = json.dumps(nb, ensure_ascii=False, indent=0)
        text = text.replace("\\n", "\n")
    return _DATA_URI.sub(" ", text)


def scan_outputs(folder: str | Path, *, names: Iterable[str] = (), skip: Iterable[str] = ()) -> list[Finding]:
    """Scan every text file under ``folder`` (HTML, CSV, ipynb, JSON, YAML, logs) for personal data.

    Looks for e-mail addresses and phone numbers (see :func:`find_personal_data`) and for each
    of ``names`` (e.g. rep or customer names from the data; names shorter than 2 characters
    are ignored). Embedded images are skipped.

    Returns
    -------
    list of Finding
        ``file`` (relative to ``folder``), ``line``, ``kind`` and the ``masked`` value.
    """
    folder = Path(folder)
    skip = set(skip)
    names = sorted({str(n).strip() for n in names if isinstance(n, str) and len(str(n).strip()) >= 2}, key=len,
                   reverse=True)
    name_re = None
    if names:
        alts = []
        for n in names:
            e = re.escape(n)
            alts.append(rf"(?<![A-Za-z]){e}(?![A-Za-z])" if re.match(r"^[\x00-\x7f]+$", n) else e)
        name_re = re.compile("|".join(alts))
    found: list[Finding] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in _TEXT_SUFFIXES:
            continue
        rel = path.relative_to(folder).as_posix()
        if rel in skip:
            continue
        text = _text_for_scan(path)
        for kind, value in find_personal_data(text):
            line = text.count("\n", 0, text.find(value)) + 1
            found.append(Finding(rel, line, kind, pii.mask(kind, value)))
        if name_re is not None:
            for m in name_re.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(Finding(rel, line, "name", pii.mask("name", m.group(0))))
    return found


# =================================================================================================
# Kernels: the Python of this environment, always
# =================================================================================================


def _native_spec():
    from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec

    d = get_kernel_dict()
    d["argv"][0] = sys.executable
    d["display_name"] = f"Python {sys.version_info.major}.{sys.version_info.minor} (kit)"
    return KernelSpec(resource_dir=RESOURCES, **d)


def kernel_manager_class(*, log_path: str | Path | None = None, env: Mapping[str, str] | None = None,
                         cwd: str | Path | None = None):
    """A jupyter_client kernel manager class that starts ``sys.executable -m ipykernel_launcher``.

    The kernel spec ``kit-python`` is built in memory from ipykernel's own spec with the
    interpreter running ``kit`` (nothing is installed, no kernel list is consulted), so a
    fresh machine has no "no such kernel" error and notebooks always run on this environment.
    The kernel's output goes to ``log_path``, it runs in ``cwd`` with ``env`` added.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class _Specs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):  # noqa: D401
            if kernel_name == KERNEL_NAME:
                return _native_spec()
            return super().get_kernel_spec(kernel_name)

    extra_env = dict(env or {})

    class KitKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kit_specs(self):
            return _Specs(data_dir=self.data_dir)

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            base = dict(kw.get("env") or os.environ)
            base.update(extra_env)
            kw["env"] = base
            if cwd is not None:
                kw["cwd"] = str(cwd)
            if log_path is not None:
                handle = open(log_path, "ab")
                self._kit_log = handle
                kw["stdout"] = handle
                kw["stderr"] = handle
            return await super()._async_launch_kernel(kernel_cmd, **kw)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            handle = getattr(self, "_kit_log", None)
            if handle is not None and not restart:
                handle.close()

        cleanup_resources = _async_cleanup_resources

    return KitKernelManager


# =================================================================================================
# The engine
# =================================================================================================


@dataclass
class NotebookResult:
    """One notebook of one quarter: ``status`` ok / failed, duration, files, error."""

    name: str
    source: str
    sha256: str
    title: str = ""
    status: str = "not_run"
    duration_s: float = 0.0
    executed: str | None = None
    analyst_html: str | None = None
    management_html: str | None = None
    results: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None

    def error_line(self) -> str:
        e = self.error or {}
        where = []
        if e.get("cell") is not None:
            where.append(f"cell {e['cell']}" + (f" (In [{e['exec_count']}])" if e.get("exec_count") else ""))
        head = ", ".join(where)
        msg = f"{e.get('ename', 'Error')}: {e.get('evalue', '')}".strip()
        line = f" at `{e['line']}`" if e.get("line") else ""
        return f"{head}: {msg}{line}" if head else f"{msg}{line}"


@dataclass
class QuarterResult:
    """One quarter of a run: ``status`` ok / skipped / failed, its folder and notebooks."""

    quarter: str
    status: str
    folder: str | None = None
    duration_s: float = 0.0
    notebooks: list[NotebookResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cache_key: str | None = None


@dataclass
class RunResult:
    """The outcome of :func:`run`: one :class:`QuarterResult` per quarter."""

    quarters: list[QuarterResult]
    out: str
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return all(q.status in ("ok", "skipped") for q in self.quarters)

    @property
    def failed(self) -> list[QuarterResult]:
        return [q for q in self.quarters if q.status == "failed"]

    def summary(self) -> str:
        """The end-of-run summary: counts, then one block per failed quarter and notebook."""
        counts = {s: sum(q.status == s for q in self.quarters) for s in ("ok", "skipped", "failed")}
        lines = [f"kit run: {counts['ok']} quarter(s) written, {counts['skipped']} unchanged (skipped), "
                 f"{counts['failed']} failed, in {self.duration_s:.1f} s."]
        for q in self.failed:
            lines.append(f"FAILED {q.quarter}: the previous report (if any) is kept in {self.out}/{q.quarter}/; "
                         f"this run is in {q.folder}/")
            for nb in q.notebooks:
                if nb.status == "failed":
                    lines.append(f"  - {nb.name}: {nb.error_line()}")
                    if nb.executed:
                        lines.append(f"    executed copy with the error: {q.folder}/{nb.executed}")
            for p in q.problems:
                lines.append(f"  - {p}")
        return "\n".join(lines)


def find_notebooks(directory: str | Path, select: Iterable[str] | None = None) -> list[Path]:
    """The report notebooks of ``directory`` (``*.ipynb``, sorted by name), or those selected.

    ``select`` names notebooks by file name, stem or unique prefix (``"10"`` ->
    ``10_satisfaction_drivers.ipynb``); comma-separated lists are accepted.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise ReportError(f"notebook folder not found: {folder}")
    found = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith((".", "_")))
    if not found:
        raise ReportError(f"no notebooks (*.ipynb) in {folder}: nothing to run.")
    if not select:
        return found
    wanted = [s.strip() for item in select for s in str(item).split(",") if s.strip()]
    chosen: list[Path] = []
    stems = [p.stem for p in found]
    for w in wanted:
        stem = w.removesuffix(".ipynb")
        hits = [p for p in found if p.stem == stem] or [p for p in found if p.stem.startswith(stem)]
        if len(hits) != 1:
            why = "matches several" if hits else "matches none"
            raise ReportError(f"--notebooks {w!r} {why} of the notebooks in {folder}: {', '.join(stems)}.")
        if hits[0] not in chosen:
            chosen.append(hits[0])
    return sorted(chosen)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@functools.lru_cache(maxsize=None)
def _kit_code_hash() -> str:
    """A hash of the kit's source (``*.py``, ``*.yaml``) as this process found it (once per process):
    reports are made again after any change to the code they call, even without a new version."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted([*root.rglob("*.py"), *root.rglob("*.yaml")]):
        if "__pycache__" in p.parts:
            continue
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


_PACKAGES = ("papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client", "pandas", "numpy",
             "pyarrow", "duckdb", "ibis-framework", "pandera", "scipy", "statsmodels", "matplotlib", "seaborn",
             "pyyaml", "click")


def _package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    import kit

    out = {"python": sys.version.split()[0], "kit": kit.__version__}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _stamp() -> str:
    return _dt.datetime.now().strftime("%Y%m%dT%H%M%S")


class _Printer:
    """Whole lines, one at a time (no interleaving between parallel quarters)."""

    def __init__(self, echo: Callable[[str], None] | None):
        self._echo = echo or (lambda s: print(s, flush=True))
        self._lock = threading.Lock()

    def __call__(self, text: str) -> None:
        with self._lock:
            for line in str(text).splitlines() or [""]:
                self._echo(line)


# --- loading the data once (validated, fingerprinted, snapshotted) -------------------------------


def _source_digest(source: str, params: Mapping[str, Any]) -> str | None:
    """A hash of everything loading reads, for a local source; None for a database URL."""
    if "://" in source:
        return None
    p = Path(source)
    h = hashlib.sha256()
    if p.is_dir():
        for f in sorted(p.iterdir()):
            if f.is_file() and not f.name.startswith("."):
                h.update(f.name.encode())
                h.update(_sha256_file(f).encode())
    elif p.is_file():
        h.update(_sha256_file(p).encode())
    else:
        return None
    for key in ("column_map", "instrument"):
        v = params.get(key)
        h.update(f"{key}={v}".encode())
        if v and Path(v).is_file():
            h.update(_sha256_file(Path(v)).encode())
    # the default instrument (kit.survey.default_instrument_path, without importing pandas)
    d = _project_root() / "parameters" / "instrument.yaml"
    if d.is_file():
        h.update(_sha256_file(d).encode())

    def norm(v: Any, kind: type) -> str:
        try:
            return repr(kind(v))
        except (TypeError, ValueError):
            return repr(v)

    share = params.get("max_quarantine_share", P._BUILTIN["max_quarantine_share"])
    fsm = params.get("fiscal_start_month", P._BUILTIN["fiscal_start_month"])
    h.update(f"{norm(share, float)}|{norm(fsm, int)}|{_kit_code_hash()}".encode())
    return h.hexdigest()[:24]


def _load_key(params: Mapping[str, Any]) -> tuple:
    return (_resolve_source(str(params["source"])), params.get("column_map"), params.get("instrument"),
            float(params["max_quarantine_share"]), int(params["fiscal_start_month"]))


def _load_snapshot(params: Mapping[str, Any], cache: Path, say: Callable[[str], None]) -> tuple[Path, dict]:
    """Validate the data (``kit.load``) unless an identical source was validated before; return
    the snapshot folder and its meta (fingerprints, quarters, rows)."""
    import kit

    source = _resolve_source(str(params["source"]))
    digest = _source_digest(source, params)
    snapshots = cache / "snapshots"
    if digest is not None:
        folder = snapshots / digest
        if (folder / "meta.json").is_file():
            os.utime(folder)
            return folder, _snapshot_meta(folder)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = kit.load(source, column_map=params.get("column_map"), instrument=params.get("instrument"),
                        max_quarantine_share=float(params["max_quarantine_share"]),
                        fiscal_start_month=int(params["fiscal_start_month"]))
    name = digest or "db-" + hashlib.sha256(json.dumps(data.fingerprints, sort_keys=True).encode()).hexdigest()[:20]
    folder = snapshots / name
    if not (folder / "meta.json").is_file():
        tmp = snapshots / f".{name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        write_snapshot(data, tmp)
        try:
            os.rename(tmp, folder)
        except OSError:  # written meanwhile by another run
            shutil.rmtree(tmp, ignore_errors=True)
    say(f"data: {_short_source(source)} validated in {time.perf_counter() - t0:.1f} s "
        f"({', '.join(f'{t} {n:,}' for t, n in data.rows_in.items())}; {len(data.quarantine):,} row(s) set aside)")
    _prune_snapshots(snapshots, keep=4)
    return folder, _snapshot_meta(folder)


def _prune_snapshots(folder: Path, keep: int) -> None:
    try:
        snaps = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                       key=lambda p: p.stat().st_mtime, reverse=True)
    except FileNotFoundError:
        return
    for p in snaps[keep:]:
        if time.time() - p.stat().st_mtime > 3600:  # never one a parallel run may be reading
            shutil.rmtree(p, ignore_errors=True)


# --- atomic replacement ----------------------------------------------------------------------------


def _rename_exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(AT_FDCWD, os.fsencode(str(a)), AT_FDCWD, os.fsencode(str(b)), RENAME_EXCHANGE)
    return rc == 0


def _swap_in(new: Path, final: Path) -> None:
    """Make ``new`` the folder ``final`` in one step, the old ``final`` removed afterwards.

    With a previous report: an atomic exchange of the two folders where the system offers it
    (Linux), else two renames with the old folder parked as ``.<name>.old-*`` (restored by
    the next run if the process dies in between).
    """
    if not final.exists():
        os.rename(new, final)
        return
    if _rename_exchange(new, final):
        shutil.rmtree(new, ignore_errors=True)  # now holds the old report
        return
    parked = final.with_name(f".{final.name}.old-{_stamp()}-{os.getpid()}")
    os.rename(final, parked)
    os.rename(new, final)
    shutil.rmtree(parked, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recover(out: Path, quarter: str) -> None:
    """Tidy what a killed run left for ``quarter``: restore a parked report, remove stale temp folders."""
    final = out / quarter
    for p in out.glob(f".{quarter}.*"):
        m = re.match(rf"^\.{re.escape(quarter)}\.(tmp|old)-\d{{8}}T\d{{6}}-(\d+)", p.name)
        if not m or p in _ACTIVE_TMP or (_pid_alive(int(m.group(2))) and int(m.group(2)) != os.getpid()):
            continue
        if m.group(1) == "old" and not final.exists():
            os.rename(p, final)
        else:
            shutil.rmtree(p, ignore_errors=True)


def _prune_failed(out: Path, quarter: str, keep: int = _KEEP_FAILED) -> None:
    failed = sorted(out.glob(f"{quarter}.failed-*"), key=lambda p: p.name, reverse=True)
    for p in failed[keep:]:
        shutil.rmtree(p, ignore_errors=True)


# --- one notebook ----------------------------------------------------------------------------------


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _error_info(exc: BaseException) -> dict[str, Any]:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        tb = [_ANSI.sub("", t) for t in (exc.traceback or [])]
        line = None
        for chunk in tb:
            for ln in chunk.splitlines():
                if ln.lstrip().startswith("---->"):
                    line = re.sub(r"^\s*---->\s*\d*\s*", "", ln).strip()
        return {"cell": exc.cell_index + 1 if exc.cell_index is not None else None,
                "exec_count": exc.exec_count, "ename": exc.ename, "evalue": str(exc.evalue).strip()[:500],
                "line": line}
    msg = _ANSI.sub("", str(exc)).strip().splitlines()
    return {"cell": None, "exec_count": None, "ename": type(exc).__name__,
            "evalue": (msg[0] if msg else "")[:500], "line": None}


def _notebook_title(path: Path, lang: str) -> str:
    key = f"notebook.{path.stem}"
    if i18n.has(key, lang):
        return i18n.t(key, lang)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "markdown":
                src = "".join(cell.get("source", []))
                m = re.search(r"^#\s+(.+)$", src, re.M)
                if m:
                    return m.group(1).strip()
                break
    except (OSError, ValueError):
        pass
    return path.stem


class _CoreParameterFilter:
    """Papermill warns about injected names a notebook does not declare; the engine's own inputs
    (quarter, source, lang, params_file, results_dir, data_snapshot) are always injected."""

    def filter(self, record) -> bool:
        msg = record.getMessage()
        return not (msg.startswith("Passed unknown parameter: ") and msg.split(": ", 1)[1] in _CORE_INPUTS)


_FILTER_INSTALLED = []


def _declared_parameters(nb_path: Path) -> set[str]:
    import logging

    import papermill as pm

    if not _FILTER_INSTALLED:
        logging.getLogger("papermill").addFilter(_CoreParameterFilter())
        _FILTER_INSTALLED.append(True)
    try:
        return set(pm.inspect_notebook(str(nb_path)))
    except Exception:
        return set()


@dataclass
class _Job:
    quarter: str
    params: dict[str, Any]
    files: list[Path]
    notebooks: list[Path]
    nb_hashes: dict[str, str]
    snapshot: Path
    meta: dict
    key: str
    input_key: str | None = None


def _outputs_with_role(nb, role: str) -> list[dict]:
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) or []:
            kit_meta = (out.get("metadata") or {}).get("kit") or {}
            if kit_meta.get("role") == role:
                found.append(kit_meta)
    return found


def _execute_notebook(job: _Job, nb_path: Path, tmp: Path, timeout: float | None) -> NotebookResult:
    import nbformat
    import papermill as pm

    name = nb_path.stem
    res = NotebookResult(name=name, source=str(nb_path), sha256=job.nb_hashes[name],
                         title=_notebook_title(nb_path, job.params["lang"]))
    out_nb = tmp / "notebooks" / f"{name}.ipynb"
    params = P.public(job.params)
    declared = _declared_parameters(nb_path)
    # the parameters the notebook declares, and always the engine's own inputs; every parameter
    # in force is in params_file (read by kit.report.begin)
    inject = {**{k: v for k, v in params.items() if k in declared}, "quarter": job.quarter,
              "source": _resolve_source(str(params["source"])), "lang": params["lang"], "params_file": PARAMS_FILE,
              "results_dir": RESULTS_DIR, "data_snapshot": str(job.snapshot)}
    env = {"PYDEVD_DISABLE_FILE_VALIDATION": "1", "KIT_REPORT_RUN": "1", "PYTHONIOENCODING": "utf-8"}
    salt = str(job.params.get("pseudonym_salt") or "")
    if salt:
        env["KIT_PSEUDONYM_SALT"] = salt
    km_class = kernel_manager_class(log_path=tmp / "logs" / f"{name}.kernel.log", env=env, cwd=tmp)
    t0 = time.perf_counter()
    original = nbformat.read(str(nb_path), as_version=4)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pm.execute_notebook(
                str(nb_path), str(out_nb), parameters=inject, kernel_name=KERNEL_NAME, language="python",
                progress_bar=False, log_output=False, request_save_on_cell_execute=True,
                execution_timeout=timeout, kernel_manager_class=km_class,
            )
        res.status = "ok"
    except Exception as exc:  # the notebook failed: keep its executed copy with the error
        res.status = "failed"
        res.error = _error_info(exc)
    res.duration_s = time.perf_counter() - t0
    executed = None
    if out_nb.is_file():
        res.executed = out_nb.relative_to(tmp).as_posix()
        with contextlib.suppress(Exception):
            executed = nbformat.read(str(out_nb), as_version=4)
            # the executed copy opens in JupyterLab with the notebook's own kernel
            if "kernelspec" in original.metadata and executed.metadata.get("kernelspec") != original.metadata["kernelspec"]:
                executed.metadata["kernelspec"] = original.metadata["kernelspec"]
                nbformat.write(executed, str(out_nb))
    if executed is not None:
        res.results = sorted({f"{m['name']}.csv" for m in _outputs_with_role(executed, "table") if m.get("name")}
                             | {m["file"] for m in _outputs_with_role(executed, "next_params") if m.get("file")})
    if res.status == "ok" and executed is not None:
        lang = params["lang"]
        block = None if _has_kit_role(executed, "parameters") else parameters_html(params, lang, job.quarter)
        try:
            render_html(executed, tmp / "management" / f"{name}.html", management=True, lang=lang, title=res.title,
                        params_block=block)
            render_html(executed, tmp / "analyst" / f"{name}.html", management=False, lang=lang, title=res.title,
                        params_block=block)
            res.management_html = f"management/{name}.html"
            res.analyst_html = f"analyst/{name}.html"
        except Exception as exc:
            res.status = "failed"
            res.error = {"cell": None, "exec_count": None, "ename": f"HTML rendering: {type(exc).__name__}",
                         "evalue": str(exc)[:500], "line": None}
    elif executed is not None:
        # a failed notebook: its analyst HTML shows the error where it happened
        with contextlib.suppress(Exception):
            render_html(executed, tmp / "analyst" / f"{name}.html", management=False, lang=params["lang"],
                        title=res.title)
            res.analyst_html = f"analyst/{name}.html"
    return res


def _waves(notebooks: Sequence[Path]) -> list[list[Path]]:
    """Notebooks numbered 90 or above (summaries) run after the others, which may run together."""
    def late(p: Path) -> bool:
        m = re.match(r"^(\d+)", p.stem)
        return bool(m) and int(m.group(1)) >= 90 and len(m.group(1)) == 2

    first = [p for p in notebooks if not late(p)]
    last = [p for p in notebooks if late(p)]
    return [w for w in (first, last) if w]


# --- index pages -----------------------------------------------------------------------------------

_PAGE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, "Noto Sans CJK SC", "Noto Sans SC",
       "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", sans-serif;
       color: #1f2328; max-width: 1000px; margin: 2em auto; padding: 0 1em; line-height: 1.5; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0 1em 0; }
th, td { border: 1px solid #d0d7de; padding: 5px 10px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } .muted { color: #57606a; font-size: 0.9em; }
.ok { color: #1a7f37; } .failed { color: #cf222e; font-weight: bold; } .skipped { color: #57606a; }
code { font-size: 0.9em; }
"""


def _page(title: str, body: str, lang: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{html.escape(title)}</title>\n'
            f'<style>{_PAGE_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n')


def _quarter_index(manifest: dict, lang: str) -> str:
    q = manifest["quarter"]
    t = lambda key, **kw: html.escape(i18n.t(key, lang, **kw))  # noqa: E731
    rows = []
    for nb in manifest["notebooks"]:
        status = nb["status"]
        links_m = f'<a href="{nb["management_html"]}">{t("index.open")}</a>' if nb.get("management_html") else "—"
        links_a = f'<a href="{nb["analyst_html"]}">{t("index.open")}</a>' if nb.get("analyst_html") else "—"
        links_n = f'<a href="{nb["executed"]}">.ipynb</a>' if nb.get("executed") else "—"
        rows.append(f'<tr><td><b>{html.escape(nb["title"])}</b><br><span class="muted">{html.escape(nb["name"])}</span></td>'
                    f'<td>{links_m}</td><td>{links_a}</td><td>{links_n}</td>'
                    f'<td>{t("index.seconds", s=nb["duration_s"])}</td>'
                    f'<td class="{status}">{t("status." + status)}</td></tr>')
    head = "".join(f"<th>{t(k)}</th>" for k in ("index.notebook", "index.management", "index.analyst",
                                                  "index.executed", "index.duration", "index.status"))
    results = "".join(f'<li><a href="results/{html.escape(r)}">{html.escape(r)}</a></li>' for r in manifest["results"])
    extra = [f'<li><a href="{PARAMS_FILE}">{t("index.parameters_file")}</a></li>',
             f'<li><a href="{MANIFEST}">{t("index.manifest")}</a></li>']
    if manifest.get("next_quarter_parameters"):
        nxt = manifest["next_quarter_parameters"]
        extra.insert(0, f'<li><a href="{nxt["file"]}"><b>{t("index.next_params", quarter=nxt["quarter"])}</b></a></li>')
    data = manifest["data"]
    data_rows = "".join(
        f"<tr><td>{html.escape(i18n.t('table.' + tb, lang) if i18n.has('table.' + tb, lang) else tb)}</td>"
        f"<td style='text-align:right'>{i18n.number(n, lang)}</td>"
        f"<td style='text-align:right'>{i18n.number(data['quarantined'].get(tb, 0), lang)}</td></tr>"
        for tb, n in data["rows"].items())
    data_head = f"<tr><th>{t('report.table')}</th><th>{t('report.rows_total')}</th><th>{t('report.rows_set_aside')}</th></tr>"
    body = (
        f"<h1>{t('index.title', quarter=q)}</h1>"
        f"<p class='muted'>{t('report.generated_at')}: {html.escape(manifest['finished_at'])} · "
        f"{t('report.kit_version')}: {html.escape(manifest['kit_version'])} · "
        f"{t('index.total_duration', s=manifest['duration_s'])}</p>"
        f"<h2>{t('index.heading_reports')}</h2><table><tr>{head}</tr>{''.join(rows)}</table>"
        f"<ul>{''.join(extra)}</ul>"
        + (f"<h2>{t('index.results')}</h2><ul>{results}</ul>" if results else "")
        + parameters_html(manifest["parameters"], lang, q).replace("<h3>", "<h2>").replace("</h3>", "</h2>")
        + f"<h2>{t('report.data_covered')}</h2><p>{t('report.source')}: <code>{html.escape(_short_source(data['source']))}</code></p>"
        f"<table>{data_head}{data_rows}</table>"
    )
    return _page(i18n.t("index.title", lang, quarter=q), body, lang)


def _write_overview(out: Path, lang: str) -> None:
    """``outputs/index.html``: every quarter's good report, newest first, and recent failures."""
    t = lambda key, **kw: html.escape(i18n.t(key, lang, **kw))  # noqa: E731
    rows = []
    for d in sorted((p for p in out.iterdir() if p.is_dir() and _QUARTER_DIR.match(p.name)), reverse=True):
        try:
            m = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if m.get("status") != "ok":
            continue
        names = ", ".join(html.escape(nb.get("title", nb["name"])) for nb in m.get("notebooks", []))
        rows.append(f'<tr><td><a href="{d.name}/index.html"><b>{d.name}</b></a></td><td>{names}</td>'
                    f'<td class="muted">{html.escape(m.get("finished_at", ""))}</td></tr>')
    failed = sorted((p for p in out.iterdir() if p.is_dir() and re.match(r"^\d{4}Q[1-4]\.failed-", p.name)),
                    key=lambda p: p.name, reverse=True)
    body = f"<h1>{t('index.overview_title')}</h1>"
    body += (f"<table>{''.join(rows)}</table>" if rows else f"<p>{t('index.no_reports')}</p>")
    if failed:
        body += "<h2 class='failed'>" + t("status.failed") + "</h2><ul>" + "".join(
            f"<li><code>{html.escape(p.name)}/</code></li>" for p in failed[:10]) + "</ul>"
    _atomic_write_text(out / "index.html", _page(i18n.t("index.overview_title", lang), body, lang))


# --- one quarter -----------------------------------------------------------------------------------


def _cache_key(job_params: Mapping[str, Any], nb_hashes: Mapping[str, str], fingerprints: Mapping[str, str]) -> str:
    import kit

    pub = P.public(job_params)
    salt = str(job_params.get("pseudonym_salt") or "")
    material = {
        "kit_version": kit.__version__,
        "kit_code": _kit_code_hash(),
        "notebooks": dict(sorted(nb_hashes.items())),
        "parameters": pub,
        "salt": hashlib.sha256(salt.encode()).hexdigest()[:12] if salt else "",
        "data": dict(sorted(fingerprints.items())),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()[:32]


def _input_key(raw_params: Mapping[str, Any], nb_hashes: Mapping[str, str], source_digest: str) -> str:
    """A hash of a quarter's inputs as given (parameter layers merged, not yet validated)."""
    import kit

    values = {k: v for k, v in raw_params.items() if k not in P.SECRET_KEYS}
    salt = str(raw_params.get("pseudonym_salt") or "")
    material = {"kit_version": kit.__version__, "kit_code": _kit_code_hash(), "notebooks": dict(sorted(nb_hashes.items())),
                "parameters": values, "salt": hashlib.sha256(salt.encode()).hexdigest()[:12] if salt else "",
                "source": source_digest}
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()[:32]


_Q_LABEL = re.compile(r"^\s*(\d{4})\s*[Qq]\s*([1-4])\s*$")


def _quick_quarters(spec: Any, available: Sequence[str]) -> list[str] | None:
    """Quarter labels of a simple spec (latest, all, 2026Q3, 2025Q4:2026Q3, lists); None otherwise."""
    def index(text: str) -> int | None:
        m = _Q_LABEL.match(text)
        return int(m.group(1)) * 4 + int(m.group(2)) - 1 if m else None

    if spec is None or (isinstance(spec, str) and spec.strip().lower() == "latest"):
        return [available[-1]] if available else None
    if isinstance(spec, str) and spec.strip().lower() == "all":
        return list(available) or None
    parts = [p for item in ([spec] if isinstance(spec, str) else list(spec)) for p in str(item).split(",") if p.strip()]
    out: list[str] = []
    for part in parts:
        ends = part.split(":")
        idx = [index(e) for e in ends]
        if len(ends) > 2 or None in idx or idx[0] > idx[-1]:
            return None
        out += [f"{i // 4}Q{i % 4 + 1}" for i in range(idx[0], idx[-1] + 1)]
    chosen = sorted(set(out))
    return chosen if chosen and all(q in available for q in chosen) else None


def _unchanged(quarters: Any, combine: Callable[[Any], "P.Parameters"], nb_hashes: Mapping[str, str], cache: Path,
               out: Path) -> list[tuple[str, dict]] | None:
    """The quarters and their manifests when every quarter asked for is unchanged; else None."""
    try:
        base = combine(None).values
        source = _resolve_source(str(base.get("source", "data/samples")))
        digest = _source_digest(source, base)
        if digest is None or not (cache / "snapshots" / digest / "meta.json").is_file():
            return None
        chosen = _quick_quarters(quarters, _snapshot_meta(cache / "snapshots" / digest)["quarters"])
        if not chosen:
            return None
        found = []
        for q in chosen:
            prev = _previous_manifest(out / q)
            if not prev or prev.get("status") != "ok" or not prev.get("input_key"):
                return None
            raw = combine(q).values
            if _resolve_source(str(raw.get("source", "data/samples"))) != source:
                return None
            if prev["input_key"] != _input_key(raw, nb_hashes, digest):
                return None
            found.append((q, prev))
        for q, _ in found:
            _recover(out, q)
        return found
    except Exception:  # anything unusual: the full path decides (and reports it properly)
        return None


def _previous_manifest(final: Path) -> dict | None:
    try:
        return json.loads((final / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


_STOP = threading.Event()
_ACTIVE_TMP: set[Path] = set()


def _run_quarter(job: _Job, out: Path, *, force: bool, timeout: float | None, say: Callable[[str], None],
                 rep_names: Sequence[str], notebook_jobs: int = 1) -> QuarterResult:
    q = job.quarter
    final = out / q
    t_start = time.perf_counter()
    _recover(out, q)
    prev = _previous_manifest(final)
    if not force and prev and prev.get("status") == "ok" and prev.get("cache_key") == job.key:
        if job.input_key and prev.get("input_key") != job.input_key:
            # same parameters and data in other words (e.g. a comment changed): remember the new inputs
            prev["input_key"] = job.input_key
            with contextlib.suppress(OSError):
                _atomic_write_text(final / MANIFEST, json.dumps(prev, ensure_ascii=False, indent=1, default=str))
        say(f"[{q}] unchanged, skipped (last good run {prev.get('finished_at', '?')}; --force runs it again)")
        return QuarterResult(q, "skipped", folder=str(final), cache_key=job.key,
                             duration_s=time.perf_counter() - t_start)
    tmp = out / f".{q}.tmp-{_stamp()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    _ACTIVE_TMP.add(tmp)
    for sub in ("notebooks", "analyst", "management", RESULTS_DIR, "logs"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    started = _now()
    lang = job.params["lang"]
    P.dump(P.public({**job.params, "quarter": q}), tmp / PARAMS_FILE,
           header=f"Parameters in force for {q} (written by kit run; secrets left out).")
    say(f"[{q}] running {len(job.notebooks)} notebook(s) in {tmp.name}/")
    result = QuarterResult(q, "failed", cache_key=job.key)
    width = max(len(p.stem) for p in job.notebooks)
    done: dict[str, NotebookResult] = {}

    def one(nb_path: Path) -> None:
        if _STOP.is_set():
            return
        nb = _execute_notebook(job, nb_path, tmp, timeout)
        done[nb.name] = nb
        status = "ok" if nb.status == "ok" else "FAILED"
        tail = f"  {nb.error_line()}" if nb.status != "ok" else ""
        say(f"[{q}] {nb.name:<{width}}  {status:<6} {nb.duration_s:6.1f} s{tail}")

    for wave in _waves(job.notebooks):
        _run_all(one, wave, notebook_jobs, f"kit-{q}")
    result.notebooks = [done[p.stem] for p in job.notebooks if p.stem in done]
    problems: list[str] = []
    # the recommended parameters for the next quarter
    next_info = None
    drafted = tmp / RESULTS_DIR / NEXT_PARAMS_FILE
    if drafted.is_file():
        from kit.periods import Quarter

        nxt = str(Quarter.parse(q, int(job.params["fiscal_start_month"])).next())
        try:
            spec = P.read(drafted)
            P.validate({k: v for k, v in spec.items()})
            if spec.get("quarter") not in (None, nxt):
                raise P.ParamsError(f"its quarter is {spec.get('quarter')!r}, expected {nxt}")
            target = tmp / f"parameters_{nxt}.yaml"
            shutil.copyfile(drafted, target)
            next_info = {"quarter": nxt, "file": target.name}
        except P.ParamsError as exc:
            problems.append(f"the recommended parameter file {RESULTS_DIR}/{NEXT_PARAMS_FILE} is not valid: {exc}")
    # personal data in any output
    findings = scan_outputs(tmp, names=rep_names if job.params.get("pseudonymize") else ())
    if findings:
        shown = "; ".join(str(f) for f in findings[:8]) + (f"; ... {len(findings) - 8} more" if len(findings) > 8 else "")
        problems.append(f"personal data in the outputs ({len(findings)} finding(s)): {shown}. Remove it in the "
                        f"notebook (kit.report.redact; kit.report.save_table redacts the text columns of the tables "
                        f"it shows); the report was not published.")
    ok = all(nb.status == "ok" for nb in result.notebooks) and len(result.notebooks) == len(job.notebooks) \
        and not problems
    finished = _now()
    manifest = {
        "kit_version": __import__("kit").__version__,
        "kit_code": _kit_code_hash(),
        "quarter": q,
        "status": "ok" if ok else "failed",
        "cache_key": job.key,
        "input_key": job.input_key,
        "started_at": started,
        "finished_at": finished,
        "duration_s": round(time.perf_counter() - t_start, 3),
        "lang": lang,
        "parameters": P.public(job.params),
        "parameter_files": [{"path": str(f), "sha256": _sha256_file(f)} for f in job.files if f.is_file()],
        "data": {"source": _safe_source(job.meta["source"]), "fingerprints": job.meta["fingerprints"],
                 "rows": job.meta["rows"], "rows_in": job.meta["rows_in"], "quarantined": job.meta["quarantined"],
                 "quarters": job.meta["quarters"]},
        "notebooks": [{**dataclasses.asdict(nb), "duration_s": round(nb.duration_s, 3)} for nb in result.notebooks],
        "results": sorted(p.name for p in (tmp / RESULTS_DIR).iterdir()),
        "next_quarter_parameters": next_info,
        "privacy": {"scanned": True, "pseudonymized": bool(job.params.get("pseudonymize")),
                    "findings": [dataclasses.asdict(f) for f in findings]},
        "packages": _package_versions(),
        "kernel": {"name": KERNEL_NAME, "python": sys.executable},
        "problems": problems,
    }
    _atomic_write_text(tmp / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, default=str))
    _atomic_write_text(tmp / "index.html", _quarter_index(manifest, lang))
    result.problems = problems
    result.duration_s = time.perf_counter() - t_start
    try:
        if ok and not _STOP.is_set():
            _swap_in(tmp, final)
            result.status, result.folder = "ok", str(final)
            say(f"[{q}] done in {result.duration_s:.1f} s -> {final}/index.html")
        else:
            failed = out / f"{q}.failed-{_stamp()}"
            n = 1
            while failed.exists():
                n += 1
                failed = out / f"{q}.failed-{_stamp()}-{n}"
            os.rename(tmp, failed)
            result.folder = str(failed)
            _prune_failed(out, q)
            why = f"{sum(nb.status != 'ok' for nb in result.notebooks)} notebook(s) failed" if not all(
                nb.status == "ok" for nb in result.notebooks) else "; ".join(p.split(":")[0] for p in problems)
            kept = f"previous report kept in {final}/" if final.exists() else "no previous report"
            say(f"[{q}] FAILED ({why}) in {result.duration_s:.1f} s; {kept}; this run: {failed}/")
    finally:
        _ACTIVE_TMP.discard(tmp)
    return result


# --- the run ---------------------------------------------------------------------------------------


def _project_root() -> Path:
    return Path(__file__).resolve().parents[1]


def run(
    quarters: "str | Sequence[str] | None" = "latest",
    *,
    source: str | None = None,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    out: str | Path = "outputs",
    lang: str | None = None,
    force: bool = False,
    notebooks: Iterable[str] | None = None,
    notebook_dir: str | Path | None = None,
    jobs: int = 1,
    notebook_jobs: int | None = None,
    pseudonymize: bool | None = None,
    timeout: float | None = None,
    params_dir: str | Path | None = None,
    echo: Callable[[str], None] | None = None,
) -> RunResult:
    """Execute the report notebooks for one or more quarters and write ``out/<quarter>/``.

    Parameters
    ----------
    quarters : str or list
        ``"2026Q3"``, a range ``"2025Q4:2026Q3"``, a list, ``"latest"`` or ``"all"``.
    source : str, optional
        Data source (default: the ``source`` parameter).
    params_file : path, optional
        A parameter file used instead of ``parameters/<quarter>.yaml``.
    overrides : mapping, optional
        Parameter values from the command line (``--set``).
    out : path
        The outputs folder (default ``outputs``).
    lang : {'zh', 'en'}, optional
        Report language (default: the ``lang`` parameter).
    force : bool
        Run quarters whose inputs are unchanged since their last good run.
    notebooks : list of str, optional
        A subset (names, stems or prefixes); the quarter's report then holds those only.
    notebook_dir : path, optional
        Default ``notebooks/`` of the project.
    jobs : int
        Quarters run at the same time.
    notebook_jobs : int, optional
        Notebooks of a quarter run at the same time (default: the CPUs per quarter, at most 4).
        Notebooks numbered 90 and above (summaries) start after the others have finished.
    pseudonymize : bool, optional
        Rep names as pseudonyms (default: the ``pseudonymize`` parameter).
    timeout : float, optional
        Seconds a cell may run (default: no limit).
    params_dir : path, optional
        The parameters folder (default :func:`kit.params.parameters_dir`).
    echo : callable, optional
        Receives each progress line (default: print).

    Returns
    -------
    RunResult
        One :class:`QuarterResult` per quarter (``ok``, ``skipped`` or ``failed``).

    Raises
    ------
    kit.params.ParamsError
        Parameters not valid (nothing was run).
    kit.schema.SchemaError, kit.schema.DataQualityError
        The data cannot be used (nothing was run).
    ReportError
        No notebooks, a notebook selection that matches none, quarters without data.
    """
    t0 = time.perf_counter()
    say = _Printer(echo)
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ReportError(f"jobs must be a whole number >= 1; got {jobs!r}.")
    if notebook_jobs is None:
        notebook_jobs = max(1, min(4, (os.cpu_count() or 1) // jobs))
    if not isinstance(notebook_jobs, int) or isinstance(notebook_jobs, bool) or notebook_jobs < 1:
        raise ReportError(f"notebook_jobs must be a whole number >= 1; got {notebook_jobs!r}.")
    nb_dir = Path(notebook_dir) if notebook_dir is not None else _project_root() / "notebooks"
    nb_paths = find_notebooks(nb_dir, notebooks)
    nb_hashes = {p.stem: _sha256_file(p) for p in nb_paths}
    cli = dict(overrides or {})
    for k, v in (("source", source), ("lang", lang), ("pseudonymize", pseudonymize)):
        if v is not None:
            cli[k] = v
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = out / ".cache"
    combine = lambda q: P.combine(q, params_file=params_file, overrides=cli, directory=params_dir)  # noqa: E731

    # Fast path: inputs byte for byte as at each quarter's last good run -> nothing to do, and
    # no need to validate again what was validated then.
    if not force:
        skipped = _unchanged(quarters, combine, nb_hashes, cache, out)
        if skipped is not None:
            results = []
            for q, prev in skipped:
                say(f"[{q}] unchanged, skipped (last good run {prev.get('finished_at', '?')}; --force runs it again)")
                results.append(QuarterResult(q, "skipped", folder=str(out / q), cache_key=prev.get("cache_key")))
            with contextlib.suppress(OSError, i18n.I18nError):
                _write_overview(out, str(combine(None).values.get("lang") or i18n.DEFAULT_LANG))
            return RunResult(results, str(out), duration_s=time.perf_counter() - t0)

    from kit.periods import PeriodError, choose_named, parse_quarters

    base = P.resolve(None, params_file=params_file, overrides=cli, directory=params_dir)
    loaded: dict[tuple, tuple[Path, dict]] = {}

    def snapshot_for(values: Mapping[str, Any]) -> tuple[Path, dict]:
        key = _load_key(values)
        if key not in loaded:
            loaded[key] = _load_snapshot(values, cache, say)
        return loaded[key]

    snap, meta = snapshot_for(base.values)
    fsm = int(base.values["fiscal_start_month"])
    available = meta["quarters"]
    try:
        if quarters is None or (isinstance(quarters, str) and quarters.strip().lower() == "latest"):
            if not available:
                raise ReportError(f"{_short_source(meta['source'])}: no dated rows, so there is no latest quarter.")
            chosen = [available[-1]]
        else:
            chosen = choose_named(quarters, available, fiscal_start_month=fsm) or [
                str(q) for q in parse_quarters(quarters, fsm)]
    except PeriodError as exc:
        raise ReportError(str(exc)) from None
    missing = [q for q in chosen if q not in available]
    if missing:
        span = f"{available[0]} to {available[-1]}" if available else "no quarter"
        raise ReportError(f"no data for {', '.join(missing)} in {_short_source(meta['source'])} "
                          f"(it covers {span}).")
    # every quarter's parameters, validated before anything runs
    jobs_list: list[_Job] = []
    problems: list[str] = []
    resolved: dict[str, P.Parameters] = {}
    for q in chosen:
        try:
            resolved[q] = P.resolve(q, params_file=params_file, overrides=cli, directory=params_dir)
        except P.ParamsError as exc:
            problems += [f"{q}: {p}" for p in exc.problems]
    if problems:
        raise P.ParamsError(problems)
    for q in chosen:
        values = dict(resolved[q].values)
        values.pop("quarter", None)
        s, m = snapshot_for(values)
        if m["quarters"] and q not in m["quarters"]:
            raise ReportError(f"{q}: no data for it in {_short_source(m['source'])}.")
        key = _cache_key(values, nb_hashes, m["fingerprints"])
        digest = _source_digest(_resolve_source(str(values["source"])), values)
        input_key = _input_key(combine(q).values, nb_hashes, digest) if digest else None
        jobs_list.append(_Job(q, values, resolved[q].files, nb_paths, nb_hashes, s, m, key, input_key))
    rep_names: list[str] = []
    if any(j.params.get("pseudonymize") for j in jobs_list):
        rep_names = _rep_names(jobs_list)
    say(f"kit run: {len(chosen)} quarter(s) ({', '.join(chosen)}) x {len(nb_paths)} notebook(s) "
        f"({', '.join(p.stem for p in nb_paths)}) -> {out}/, jobs={jobs}, notebook_jobs={notebook_jobs}")
    _STOP.clear()
    results: list[QuarterResult] = []
    handlers = _install_stop_handlers()
    try:
        results = _run_all(lambda j: _safe_quarter(j, out, force, timeout, say, rep_names, notebook_jobs),
                           jobs_list, jobs, "kit-quarter")
    except KeyboardInterrupt:
        _STOP.set()
        for tmp in list(_ACTIVE_TMP):
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _restore_handlers(handlers)
    with contextlib.suppress(OSError):
        _write_overview(out, base.values["lang"])
    result = RunResult(results, str(out), duration_s=time.perf_counter() - t0)
    return result


def _run_all(fn: Callable[[Any], Any], items: Sequence[Any], workers: int, name: str) -> list[Any]:
    """``[fn(x) for x in items]``, ``workers`` at a time; an interruption does not wait for them."""
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
    try:
        futures = [pool.submit(fn, x) for x in items]
        results = [f.result() for f in futures]
    except BaseException:
        _STOP.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


def _safe_quarter(job: _Job, out: Path, force: bool, timeout: float | None, say: Callable[[str], None],
                  rep_names: Sequence[str], notebook_jobs: int = 1) -> QuarterResult:
    try:
        return _run_quarter(job, out, force=force, timeout=timeout, say=say, rep_names=rep_names,
                            notebook_jobs=notebook_jobs)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # an engine failure for this quarter: the other quarters go on
        tb = traceback.format_exc(limit=3)
        say(f"[{job.quarter}] FAILED: {type(exc).__name__}: {exc}")
        return QuarterResult(job.quarter, "failed", problems=[f"{type(exc).__name__}: {exc}", tb])


def _rep_names(jobs: Sequence[_Job]) -> list[str]:
    names: set[str] = set()
    for snap in {j.snapshot for j in jobs}:
        reps = pd.read_parquet(snap / "tables" / "reps.parquet", columns=["rep_name"])
        names |= {str(n) for n in reps["rep_name"].dropna()}
    return sorted(names)


def _install_stop_handlers():
    if threading.current_thread() is not threading.main_thread():
        return None

    def _term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    old = {}
    for sig in (signal.SIGTERM,):
        with contextlib.suppress(ValueError, OSError):
            old[sig] = signal.signal(sig, _term)
    return old


def _restore_handlers(old) -> None:
    for sig, h in (old or {}).items():
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, h)
