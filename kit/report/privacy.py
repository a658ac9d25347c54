"""Privacy in every output: redaction, pseudonyms, small-n suppression and the output scan.

The detector of e-mail addresses and phone numbers lives in :mod:`kit.pii`; here it is
applied in the report language (:func:`redact`), rep ids and names become stable pseudonyms
(:func:`pseudonym`, :func:`pseudonymize`), rep figures counted from too few rows are blanked
(:func:`suppress_small`), and every text file of a run is scanned before it is published
(:func:`scan_outputs`).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kit import i18n, pii
from kit.pii import find_personal_data
from kit.results import Result

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
    return i18n.t("report.redacted", lang or i18n.DEFAULT_LANG)


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


_PSEUDONYM = re.compile(r"^Rep-[0-9A-F]{6}$")


def pseudonym(rep_id: Any, salt: str = "") -> str:
    """The stable pseudonym of a rep: ``Rep-`` and 6 hex digits of SHA-256(salt, rep_id).

    The same rep id and salt give the same pseudonym in every report and quarter; a
    pseudonym given again comes back unchanged.
    """
    text = str(rep_id)
    if _PSEUDONYM.match(text):
        return text
    digest = hashlib.sha256(f"{salt}\x1f{text}".encode()).hexdigest()[:6].upper()
    return f"Rep-{digest}"


def pseudonymize(
    obj: pd.DataFrame | pd.Series,
    *,
    enabled: bool = False,
    salt: str = "",
    id_col: str = "rep_id",
    name_cols: Sequence[str] = ("rep_name",),
) -> pd.DataFrame | pd.Series:
    """Replace rep ids and names by stable pseudonyms (``Rep-3F2A9C``) when pseudonyms are on.

    Parameters
    ----------
    obj : DataFrame or Series
        A DataFrame with a ``rep_id`` column or index level (the names in ``name_cols`` are
        replaced by the pseudonym of the row's rep id, as is the id itself); or a Series of
        rep ids.
    enabled : bool
        Pseudonyms on (a report passes its ``pseudonymize`` parameter: ``report.pseudonymize``).
    salt : str
        The report's ``pseudonym_salt``.
    id_col, name_cols : str, sequence of str
        The rep id column (or index level) and the columns holding rep names. A name column
        without an id column is replaced by the pseudonym of the name.

    Returns
    -------
    A copy with pseudonyms, or ``obj`` itself when pseudonyms are off.
    """
    if not enabled:
        return obj
    def conv(v: Any) -> Any:
        missing = v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA
        return v if missing else pseudonym(v, salt)

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


@dataclass
class Pseudonyms:
    """The pseudonym policy of a report: on or off, the salt, and the reps to recognise in text.

    ``Pseudonyms(enabled, salt, reps)(obj)`` replaces rep ids and names in a DataFrame or Series
    (:func:`pseudonymize`); :meth:`text` replaces them inside free text (a reason naming reps).
    Off, both return their input unchanged. A report makes one from its parameters
    (``report.pseudonyms``); :mod:`kit.narrative` receives it as a plain callable.

    Examples
    --------
    >>> import pandas as pd
    >>> reps = pd.DataFrame({"rep_id": ["R1"], "rep_name": ["王伟"]})
    >>> names = Pseudonyms(True, "s", reps)
    >>> names.text("R1 (王伟) rose") == f"{pseudonym('R1', 's')} ({pseudonym('R1', 's')}) rose"
    True
    >>> Pseudonyms(False).text("R1 rose")
    'R1 rose'
    """

    enabled: bool = False
    salt: str = ""
    reps: pd.DataFrame | None = field(default=None, repr=False)
    _pattern: Any = field(default=None, repr=False)

    def __call__(self, obj: Any, **kw: Any) -> Any:
        return pseudonymize(obj, enabled=self.enabled, salt=self.salt, **kw)

    def text(self, values: Any) -> Any:
        """Rep ids and names inside free text replaced by pseudonyms (str, Series or mapping of str)."""
        if not self.enabled or self.reps is None:
            return values
        if self._pattern is None:
            lookup = {}
            for rid, name in zip(self.reps["rep_id"], self.reps["rep_name"]):
                if isinstance(rid, str) and rid:
                    lookup[rid] = rid
                    if isinstance(name, str) and len(name) >= 2:
                        lookup[name] = rid
            keys = sorted(lookup, key=len, reverse=True)
            regex = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, keys)) + r")(?![A-Za-z0-9_])") \
                if keys else None
            self._pattern = (regex, lookup)
        regex, lookup = self._pattern
        if regex is None:
            return values

        def fix(t: Any) -> Any:
            return regex.sub(lambda m: pseudonym(lookup[m.group(1)], self.salt), t) if isinstance(t, str) else t

        if isinstance(values, Mapping):
            return {k: fix(v) for k, v in values.items()}
        if hasattr(values, "map") and not isinstance(values, str):
            return values.map(fix)
        return fix(values)


@dataclass(frozen=True)
class Suppressed(Result):
    """A table with its small-n figures blanked (:func:`suppress_small`).

    Attributes
    ----------
    table : DataFrame
        The input's columns; blanked cells are missing (NaN or None).
    blanked : int
        The number of cells blanked.
    min_n : int
        The threshold: figures counted from fewer rows were blanked.
    """

    blanked: int = 0
    min_n: int = 5


def suppress_small(
    df: pd.DataFrame,
    n_col: str | Mapping[str, str],
    min_n: int,
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
    min_n : int
        The threshold (a report passes its ``min_n`` parameter: ``report.suppress_small``).
    cols : sequence of str, optional
        The figures to blank; default every numeric column except the counts.
    flag : str, optional
        Add a boolean column of that name: True where a figure of the row was blanked.

    Returns
    -------
    Suppressed
        ``table``: a copy of ``df`` (same columns) with blanked cells missing (NaN); ``blanked``:
        the number of cells blanked; ``min_n``: the threshold (the report notes it under the
        table). It reads like its table (``out["csat_mean"]``, ``out.columns``).

    Examples
    --------
    >>> import pandas as pd
    >>> out = suppress_small(pd.DataFrame({"csat": [4.5, 3.0], "n": [10, 2]}), "n", min_n=5)
    >>> out["csat"].tolist(), out.blanked
    ([4.5, nan], 1)
    """
    if isinstance(df, Result):
        df = df.table
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"suppress_small: df must be a DataFrame; got {type(df).__name__}.")
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
    return Suppressed(out, blanked=total, min_n=min_n)


_TEXT_SUFFIXES = {".html", ".htm", ".csv", ".ipynb", ".json", ".yaml", ".yml", ".txt", ".md", ".log", ".tsv",
                  ".xlsx", ".pdf"}


def _xlsx_text(path: Path) -> str:
    """Every cell of every sheet, one row per line (values as stored, formulas as their text)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        return "\n".join("\t".join("" if v is None else str(v) for v in row)
                         for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    finally:
        wb.close()


def _pdf_text(path: Path) -> str:
    """The PDF's text layer (poppler's pdftotext); a PDF that cannot be read is a finding itself."""
    import shutil
    import subprocess

    exe = shutil.which("pdftotext")
    if exe is None:
        raise RuntimeError(f"{path.name}: pdftotext (poppler-utils) is needed to check the PDF for personal data; "
                           f"install it (make report does) or turn PDFs off (pdf: false).")
    done = subprocess.run([exe, "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{path.name}: pdftotext could not read it: {done.stderr.decode(errors='replace')[:200]}")
    return done.stdout.decode("utf-8", errors="replace")


def _text_for_scan(path: Path) -> str:
    if path.suffix.lower() == ".xlsx":
        return _xlsx_text(path)
    if path.suffix.lower() == ".pdf":
        return _pdf_text(path)
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
    """Scan every output under ``folder`` (HTML, CSV, ipynb, JSON, YAML, logs, the Excel
    workbook's cells and the PDFs' text) for personal data.

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
