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


#: hex digits of a pseudonym: 48 bits, so that 100,000 reps collide with a chance of about
#: 1 in 56,000 (birthday bound n^2 / 2^49); six digits collided with a 24% chance at 3,000 reps
PSEUDONYM_DIGITS = 12
_PSEUDONYM = re.compile(rf"^Rep-[0-9A-F]{{{PSEUDONYM_DIGITS}}}$")


#: the shortest pseudonym salt ``kit run`` accepts without ``--allow-unsalted``
MIN_SALT_LENGTH = 8
_PLACEHOLDER_SALTS = {"salt", "default", "changeme", "change-me", "change_me", "secret", "password", "kit",
                      "pseudonym", "pseudonym_salt", "example", "xxxxxxxx", "12345678", "00000000"}


def weak_salt(salt: Any) -> bool:
    """True for a salt that does not keep pseudonyms secret: empty, short or a placeholder.

    Examples
    --------
    >>> weak_salt(""), weak_salt("changeme"), weak_salt("k3-Qv9!x2Lp")
    (True, True, False)
    """
    text = str(salt or "").strip()
    return len(text) < MIN_SALT_LENGTH or text.lower() in _PLACEHOLDER_SALTS or len(set(text)) < 3


def pseudonym(rep_id: Any, salt: str = "") -> str:
    """The stable pseudonym of a rep: ``Rep-`` and 12 hex digits of SHA-256(salt, rep_id).

    The same rep id and salt give the same pseudonym in every report and quarter; a
    pseudonym given again comes back unchanged. Without a secret salt anyone who knows the
    rep ids can recompute the pseudonyms: ``kit run`` refuses ``--pseudonymize`` with an
    empty salt unless told ``--allow-unsalted``.

    Examples
    --------
    >>> pseudonym("R017", "pepper")
    'Rep-DE70F0BDC0EE'
    """
    text = str(rep_id)
    if _PSEUDONYM.match(text):
        return text
    digest = hashlib.sha256(f"{salt}\x1f{text}".encode()).hexdigest()[:PSEUDONYM_DIGITS].upper()
    return f"Rep-{digest}"


def pseudonymize(
    obj: pd.DataFrame | pd.Series,
    *,
    enabled: bool = False,
    salt: str = "",
    id_col: str = "rep_id",
    name_cols: Sequence[str] = ("rep_name",),
) -> pd.DataFrame | pd.Series:
    """Replace rep ids and names by stable pseudonyms (``Rep-3F2A9C1B7D0E``) when pseudonyms are on.

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
        """Rep ids and names inside free text replaced by pseudonyms (str, Series or mapping of str;
        lists, tuples, sets, arrays and mappings inside a cell too)."""
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
            # text, and rep ids inside lists, tuples, sets, arrays and mappings held by a cell
            if isinstance(t, str):
                return regex.sub(lambda m: pseudonym(lookup[m.group(1)], self.salt), t)
            if isinstance(t, (list, tuple, set, frozenset)):
                return type(t)(fix(v) for v in t)
            if isinstance(t, Mapping):
                return {fix(k): fix(v) for k, v in t.items()}
            if hasattr(t, "tolist") and getattr(t, "ndim", 0) == 1:
                return [fix(v) for v in t.tolist()]
            return t

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

    Every form of a blanked figure is blanked with it, so that none can be read back from
    another column: for a figure ``x`` the columns ``raw_x``, ``shrunk_x``, ``z_x``,
    ``se_x``, ``rank_x``, ``pct_x``, ``x_low``, ``x_high``, ``x_lower``, ``x_upper``,
    ``x_se``, ``x_z`` and ``x_rank`` (whichever exist).

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
    counts_used = set(pairs.values())
    for col, ncol in list(pairs.items()):
        for other in derived_columns(col, df.columns):
            if other not in pairs and other not in counts_used:
                pairs[other] = ncol
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


_DERIVED_PREFIXES = ("raw_", "shrunk_", "z_", "se_", "rank_", "pct_")
_DERIVED_SUFFIXES = ("_low", "_high", "_lower", "_upper", "_se", "_z", "_rank")


def derived_columns(col: str, columns: Iterable[Any]) -> list[str]:
    """The columns of ``columns`` that are another form of figure ``col`` (see :func:`suppress_small`).

    Examples
    --------
    >>> derived_columns("csat_mean", ["csat_mean", "raw_csat_mean", "n_csat_mean", "z_csat_mean", "csat_mean_low"])
    ['raw_csat_mean', 'z_csat_mean', 'csat_mean_low']
    """
    forms = {p + str(col) for p in _DERIVED_PREFIXES} | {str(col) + s for s in _DERIVED_SUFFIXES}
    return [c for c in columns if c in forms]


@dataclass
class SuppressionAudit:
    """What :func:`audit_suppression` found in the result tables of a run.

    Attributes
    ----------
    cells : int
        Rep figures that have a count beside them (``n_<figure>`` or ``n``).
    blanked : int
        Of those, the ones counted from fewer than ``min_n`` rows (all blank when ``leaks`` is empty).
    leaks : list of str
        ``file, row, column`` of each figure counted from too few rows that is not blank.
    """

    cells: int = 0
    blanked: int = 0
    leaks: list[str] = field(default_factory=list)

    @property
    def everything_blanked(self) -> bool:
        """True when ``min_n`` blanks every rep figure (the report then says nothing about reps)."""
        return self.cells > 0 and self.blanked == self.cells


def audit_suppression(folder: str | Path, min_n: int) -> SuppressionAudit:
    """Check every table of rep figures under ``folder`` against its count columns.

    Each CSV with a ``rep_id`` or ``rep_name`` column is checked: no small-n figure may
    remain. A figure ``x`` with a count column ``n_x`` (or, in a table with one ``n`` column,
    every numeric column but ``n`` and ``weight``) counted from fewer than ``min_n`` rows must
    be blank in every form (see :func:`derived_columns`). Tables of other things (a KPI's
    correlation across reps and the number of reps behind it) are not rep figures.

    Returns
    -------
    SuppressionAudit
        ``cells``, ``blanked`` and the ``leaks`` (``file, row, column``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "t.csv").write_text("rep_id,x,raw_x,n_x\\nR1,4.5,4.6,3\\nR2,4.1,4.1,9\\n")
    >>> a = audit_suppression(d, 5)
    >>> a.cells, a.blanked, a.leaks
    (2, 1, ['t.csv, row 1 (R1), x', 't.csv, row 1 (R1), raw_x'])
    """
    audit = SuppressionAudit()
    folder = Path(folder)
    for path in sorted(folder.rglob("*.csv")):
        try:
            df = pd.read_csv(path, encoding="utf-8-sig", low_memory=False)
        except (ValueError, OSError, UnicodeDecodeError):
            continue
        rel = path.relative_to(folder).as_posix()
        if not {"rep_id", "rep_name"} & set(map(str, df.columns)):
            continue  # not a table of rep figures (e.g. a correlation across reps and its n)
        pairs: dict[str, str] = {}
        for c in df.columns:
            c = str(c)
            if c.startswith("n_") and c[2:] in df.columns:
                pairs[c[2:]] = c
        if not pairs and "n" in df.columns:
            pairs = {str(c): "n" for c in df.columns
                     if c not in ("n", "weight") and pd.api.types.is_numeric_dtype(df[c])}
        for col, ncol in list(pairs.items()):
            for other in derived_columns(col, df.columns):
                pairs.setdefault(other, ncol)
        label = df.iloc[:, 0].astype(str)
        for col, ncol in pairs.items():
            n = pd.to_numeric(df[ncol], errors="coerce")
            has = n.notna()
            small = has & (n < min_n)
            base = col == ncol[2:] if ncol.startswith("n_") else True
            if base:
                audit.cells += int(has.sum())
                audit.blanked += int(small.sum())
            shown = df[col].notna() & df[col].astype(str).str.strip().ne("")
            for i in df.index[small & shown]:
                audit.leaks.append(f"{rel}, row {i + 1} ({label[i]}), {col}")
    return audit


_TEXT_SUFFIXES = {".html", ".htm", ".csv", ".ipynb", ".json", ".yaml", ".yml", ".txt", ".md", ".log", ".tsv",
                  ".xlsx", ".pdf"}


def _xlsx_text(path: Path) -> str:
    """Every text cell of every sheet, one row per line (formulas as their text).

    Number, date and boolean cells are left out: they are the kit's own figures (every id,
    name and comment is written as text), and a revenue of 16,912,348,030 read as the digits
    16912348030 looks like a mobile number to the detector.
    """
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        return "\n".join("\t".join(v if isinstance(v, str) else "" for v in row)
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


def scan_outputs(folder: str | Path, *, names: Iterable[str] = (), ids: Iterable[str] = (),
                 skip: Iterable[str] = ()) -> list[Finding]:
    """Scan every output under ``folder`` (HTML, CSV, ipynb, JSON, YAML, logs, the Excel
    workbook's cells and the PDFs' text) for personal data.

    Looks for e-mail addresses, phone, ID-card and bank-card numbers (see
    :func:`find_personal_data`), for each of ``names`` (e.g. rep or customer names from the
    data; names shorter than 2 characters are ignored) and for each of ``ids`` (rep ids, as
    whole words: ``R001`` but not ``R0011``). Embedded images are skipped.

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
    ids = sorted({str(i).strip() for i in ids if str(i).strip()}, key=len, reverse=True)
    id_re = re.compile(r"(?<![A-Za-z0-9_])(?:" + "|".join(map(re.escape, ids)) + r")(?![A-Za-z0-9_])") if ids else None
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
        if id_re is not None:
            for m in id_re.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(Finding(rel, line, "rep id", pii.mask("name", m.group(0))))
    return found
