"""The quarter's Excel workbook ``outputs/<quarter>/<quarter>.xlsx`` (openpyxl).

Managers in China live in Excel. The workbook holds every results table of the quarter, one
sheet each, with headers in the report language, number formats, frozen headers, an
autofilter and colours for verdicts and tiers; its first sheet has the headline of the
management summary and the definitions of the KPIs.

No cell can run as a formula: text is written as text (typed as a string, with Excel's
quote prefix), including text beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage
return (OWASP CSV injection); numbers stay numbers. The results CSVs carry such text with
a leading apostrophe (:func:`kit.cells.inert`); the workbook shows the original text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kit import i18n
from kit.cells import FORMULA_STARTS

__all__ = ["write_workbook", "SHEET_ORDER"]

# results tables first in the order a manager reads them; the rest follow alphabetically
SHEET_ORDER = ("summary_weights", "card_reps", "card_teams", "kpi_validity", "sat_drivers", "sat_trends",
               "team_summary", "team_dimensions", "team_card")
_HEADER_FILL = "F6F8FA"
_GOOD, _BAD, _GREY, _AMBER = "DAFBE1", "FFEBE9", "EAEEF2", "FFF8C5"
_KINDS = {"verdict": {"valid": _GOOD, "weak": _AMBER, "confounded": _AMBER, "inconclusive": _GREY,
                      "not valid": _BAD, "insufficient data": _GREY},
          "tier": {"above average": _GOOD, "average": _GREY, "below average": _BAD, "insufficient data": _GREY}}
_SHARE_WORDS = re.compile(r"(rate|share|importance|coverage|覆盖率|占比|重要性)", re.I)


def _colour_rules(lang: str) -> dict[str, str]:
    """Cell text (machine value and its label in the report language) -> fill colour."""
    rules: dict[str, str] = {}
    for kind, values in _KINDS.items():
        for value, colour in values.items():
            rules[value] = colour
            for lg in ("zh", "en"):
                key = f"{kind}.{value}"
                if i18n.has(key, lg):
                    rules[i18n.t(key, lg)] = colour
    return rules


def _coloured_column(name: str, lang: str) -> bool:
    names = {"verdict", "tier", "verdict_before", "verdict_now", "tier_before", "tier_now"}
    for key in ("verdict", "tier"):
        for lg in ("zh", "en"):
            if i18n.has(f"column.{key}", lg):
                names.add(i18n.t(f"column.{key}", lg))
    return str(name) in names


def _restore(value: Any) -> Any:
    """The original text of a cell the CSV made inert (``"'=..."`` -> ``"=..."``)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _put(ws, row: int, col: int, value: Any, fmt: str | None = None):
    """Write one cell: numbers as numbers, everything else as inert text."""
    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return cell
    if isinstance(value, bool):
        cell.value = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
        if fmt:
            cell.number_format = fmt
    else:
        text = str(value)
        cell.value = text
        cell.data_type = "s"          # never a formula, whatever it begins with
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True   # Excel keeps it text when the cell is edited
    return cell


def _number_format(name: str, s: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        return None
    vals = s.dropna()
    if pd.api.types.is_integer_dtype(s) or (len(vals) and (vals == vals.round()).all() and vals.abs().max() >= 1):
        return "#,##0"
    if _SHARE_WORDS.search(str(name)) and len(vals) and vals.between(0, 1).all():
        return "0.0%"
    return "#,##0.00"


def _sheet_title(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    title, k = base, 2
    while title.lower() in used:
        title = f"{base[:28]}_{k}"
        k += 1
    used.add(title.lower())
    return title


def _ordered(paths: Iterable[Path]) -> list[Path]:
    rank = {n: i for i, n in enumerate(SHEET_ORDER)}
    return sorted(paths, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))


def _table_sheet(wb, title: str, df: pd.DataFrame, lang: str, rules: dict[str, str], caption: str) -> None:
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.cell(row=1, column=1, value=caption).font = Font(bold=True)
    header_row = 2
    for j, name in enumerate(df.columns, start=1):
        c = _put(ws, header_row, j, name)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        c.alignment = Alignment(wrap_text=True, vertical="top")
    fmts = [_number_format(str(c), df[c]) for c in df.columns]
    for i, row in enumerate(df.itertuples(index=False), start=header_row + 1):
        for j, value in enumerate(row, start=1):
            _put(ws, i, j, _restore(value), fmts[j - 1])
    last_row = header_row + max(len(df), 1)
    last_col = get_column_letter(max(len(df.columns), 1))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2 if len(df.columns) > 1 else 1)
    ws.auto_filter.ref = f"A{header_row}:{last_col}{last_row}"
    for j, name in enumerate(df.columns, start=1):
        s = df[name]
        width = max([len(str(name))] + [len(str(v)) for v in s.head(200).tolist()])
        wide = any("\u4e00" <= ch <= "\u9fff" for ch in str(name) + "".join(map(str, s.head(20).tolist())))
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, width * (2 if wide else 1) + 2))
        if not pd.api.types.is_numeric_dtype(s) and s.astype(str).str.len().max() > 60:
            for i in range(header_row + 1, last_row + 1):
                ws.cell(row=i, column=j).alignment = Alignment(wrap_text=True, vertical="top")
        if _coloured_column(str(name), lang):
            col = get_column_letter(j)
            rng = f"{col}{header_row + 1}:{col}{last_row}"
            for text, colour in rules.items():
                quoted = text.replace('"', '""')
                ws.conditional_formatting.add(
                    rng, FormulaRule(formula=[f'{col}{header_row + 1}="{quoted}"'],
                                     fill=PatternFill("solid", fgColor=colour, bgColor=colour)))


def write_workbook(
    results_dir: str | Path,
    path: str | Path,
    *,
    lang: str,
    quarter: str,
    headline: Sequence[str] = (),
    labelled: Any = None,
) -> Path:
    """Write the quarter's workbook from its results tables.

    Parameters
    ----------
    results_dir : path
        The quarter's ``results/`` folder (the CSVs that :func:`kit.report.save_table` wrote).
    path : path
        The ``.xlsx`` file to write.
    lang : {'zh', 'en'}
        Language of the headers and of the first sheet.
    quarter : str
        The quarter, for the titles.
    headline : sequence of str
        The management summary's sentences, shown first.
    labelled : callable, optional
        ``labelled(df, lang) -> df`` with headers and categories in the report language
        (default: the one the HTML reports use).

    Returns
    -------
    Path
        The workbook. Sheets: the overview (headline and KPI definitions), then one per
        results table (sheet name = table name), each with a caption row, a header row in
        the report language, frozen panes, an autofilter, number formats and colours for
        verdicts and tiers.

    Example
    -------
    >>> import tempfile, pandas as pd
    >>> d = Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"rep_id": ["R1"], "tier": ["above average"]}).to_csv(d / "card_reps.csv", index=False)
    >>> write_workbook(d, d / "2026Q3.xlsx", lang="en", quarter="2026Q3").name
    '2026Q3.xlsx'
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    if labelled is None:
        from kit.report.tables import _labelled as labelled
    results_dir, path = Path(results_dir), Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = i18n.t("workbook.overview", lang)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 18
    ws.column_dimensions["C"].width = 18
    ws.column_dimensions["D"].width = 90
    r = 1
    _put(ws, r, 1, i18n.t("index.title", lang, quarter=quarter)).font = Font(bold=True, size=14)
    r += 2
    if headline:
        _put(ws, r, 1, i18n.t("workbook.headline", lang)).font = Font(bold=True)
        r += 1
        for sentence in headline:
            c = _put(ws, r, 1, sentence)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
            c.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(sentence) * (2 if lang == "zh" else 1) / 150))
            r += 1
        r += 1
    _put(ws, r, 1, i18n.t("workbook.definitions", lang)).font = Font(bold=True)
    r += 1
    from kit.kpis import catalog

    cat = catalog()
    heads = ("workbook.kpi_name", "column.dimension", "workbook.direction", "workbook.definition")
    for j, key in enumerate(heads, start=1):
        _put(ws, r, j, i18n.t(key, lang)).font = Font(bold=True)
    r += 1
    for _, row in cat.iterrows():
        _put(ws, r, 1, row[f"name_{lang}"])
        _put(ws, r, 2, i18n.dimension_name(str(row["dimension"]), lang) if row["dimension"] else "")
        _put(ws, r, 3, i18n.t("workbook.higher_better" if row["direction"] == "+" else "workbook.lower_better", lang))
        _put(ws, r, 4, row["description"]).alignment = Alignment(wrap_text=True, vertical="top")
        r += 1
    rules = _colour_rules(lang)
    used = {ws.title.lower()}
    for csv in _ordered(results_dir.glob("*.csv")):
        df = pd.read_csv(csv, encoding="utf-8-sig", low_memory=False)
        shown = labelled(df, lang)
        key = f"workbook.sheet.{csv.stem}"
        caption = i18n.t(key, lang) if i18n.has(key, lang) else csv.stem
        _table_sheet(wb, _sheet_title(csv.stem, used), shown, lang, rules, caption)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path
