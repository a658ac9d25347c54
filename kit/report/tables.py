"""What a notebook shows and saves: the parameters in force, the data covered, tables, and
the draft of next quarter's parameters."""

from __future__ import annotations

import datetime as _dt
import html
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from kit import i18n
from kit import params as P
from kit.cells import inert_frame
from kit.report.layout import NEXT_PARAMS_FILE
from kit.report.mobile import label_cells
from kit.report.privacy import Pseudonyms, Suppressed, redact
from kit.report.publish import atomic_write_text
from kit.report.render import CELL_CSS, TABLE_CSS, parameter_rows, parameters_html, short_source
from kit.results import Result

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset


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


def show_parameters(params: Mapping[str, Any], *, lang: str | None = None,
                    quarter: str | None = None) -> pd.DataFrame:
    """Display the parameters in force (without secrets) at the top of a report.

    Returns
    -------
    DataFrame
        ``parameter, label, value`` (value as shown).
    """
    lang = lang or params.get("lang", i18n.DEFAULT_LANG)
    quarter = quarter or params.get("quarter")
    rows = parameter_rows(params, lang, quarter)
    if _in_ipython():
        from IPython.display import HTML

        _display(HTML(parameters_html(params, lang, quarter)), "parameters")
    return pd.DataFrame(rows, columns=["parameter", "label", "value"])


def _rows_in_quarter(data: Dataset, quarter: str) -> dict[str, int | None]:
    """Rows of each table dated in the quarter, counted in the engine (None for undated tables)."""
    from kit.periods import Quarter

    q = Quarter.parse(quarter, data.fiscal_start_month)
    dated = {"interactions": "opened_at", "surveys": "submitted_at", "deals": "closed_at"}
    out: dict[str, int | None] = {}
    for table in data.tables:
        t = data.table(table)
        col = dated.get(table)
        if col is not None:
            out[table] = int(t.filter((t[col] >= q.start) & (t[col] < q.end)).count().execute())
        elif table == "quotas" and "quarter" in t.columns:
            out[table] = int(t.filter(t["quarter"].cast("string") == str(q)).count().execute())
        else:
            out[table] = None
    return out


def show_data_covered(data: Dataset, quarter: str, *, lang: str | None = None) -> pd.DataFrame:
    """Display the data covered: source, period, and per table the rows in the quarter, in
    total and set aside.

    Returns
    -------
    DataFrame
        Indexed by table: ``rows_in_quarter`` (None for undated tables), ``rows_total``,
        ``rows_set_aside``.
    """
    from kit.periods import Quarter

    lang = lang or i18n.DEFAULT_LANG
    q = Quarter.parse(quarter, data.fiscal_start_month)
    in_q = _rows_in_quarter(data, str(q))
    aside = data.quarantine["table"].value_counts() if len(data.quarantine) else pd.Series(dtype=int)
    df = pd.DataFrame({
        "rows_in_quarter": pd.Series(in_q, dtype="Int64"),
        "rows_total": pd.Series({t: data.rows_used().get(t) for t in data.tables}, dtype="Int64"),
        "rows_set_aside": pd.Series({t: int(aside.get(t, 0)) for t in data.tables}, dtype="Int64"),
    })
    df.index.name = "table"
    if _in_ipython():
        from IPython.display import HTML

        head = "".join(f'<th style="{CELL_CSS}">{html.escape(i18n.t(k, lang))}</th>'
                       for k in ("report.table", "report.rows_in_quarter", "report.rows_total",
                                 "report.rows_set_aside"))
        body = ""
        for t, r in df.iterrows():
            label = i18n.t(f"table.{t}", lang) if i18n.has(f"table.{t}", lang) else t
            cells = "".join(f'<td style="{CELL_CSS}text-align:right">{"—" if pd.isna(v) else i18n.number(v, lang)}</td>'
                            for v in r)
            body += f'<tr><td style="{CELL_CSS}">{html.escape(label)}</td>{cells}</tr>'
        period = i18n.t("report.period", lang, start=q.start, end=q.end - pd.Timedelta(days=1))
        block = (f'<div class="kit-data-covered"><h3>{html.escape(i18n.t("report.data_covered", lang))}</h3>'
                 f'<p>{html.escape(i18n.t("report.quarter", lang))}: <b>{q}</b> ({html.escape(period)}) · '
                 f'{html.escape(i18n.t("report.source", lang))}: '
                 f'<code>{html.escape(short_source(data.source))}</code></p>'
                 f'<table style="{TABLE_CSS}"><tr>{head}</tr>{body}</table></div>')
        _display(HTML(block), "data_covered")
    return df


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def save_table(
    df: pd.DataFrame | pd.Series,
    name: str,
    *,
    results_dir: str | Path | None = None,
    lang: str | None = None,
    pseudonyms: Pseudonyms | None = None,
    index: bool = True,
    show: bool = True,
    caption: str | None = None,
) -> None:
    """Save a table shown in a report to the results folder (CSV) and display it.

    Parameters
    ----------
    df : DataFrame, Series or Result
        A typed result (e.g. :class:`~kit.report.privacy.Suppressed`) is saved as its ``table``.
    name : str
        File name without ``.csv``: letters, digits, ``_ . -`` (``"kpis"`` -> ``results/kpis.csv``).
        Names are shared by the notebooks of a run: use a prefix per notebook.
    results_dir : path, optional
        The run's results folder; without one (exploring in JupyterLab) the table is only
        displayed.
    lang : {'zh', 'en'}, optional
        The language of the labels shown (default: :data:`kit.i18n.DEFAULT_LANG`).
    pseudonyms : Pseudonyms, optional
        The report's pseudonym policy (``report.pseudonyms``); default: off.
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
        shown has pseudonyms when ``pseudonyms`` is on, and e-mail addresses and phone numbers
        redacted in its text columns.
    """
    suppressed = df if isinstance(df, Suppressed) else None
    if isinstance(df, Result):
        df = df.table
    if isinstance(df, pd.Series):
        df = df.to_frame()
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"save_table: df must be a DataFrame, Series or Result; got {type(df).__name__}.")
    if not isinstance(name, str) or not _NAME.match(name.removesuffix(".csv")):
        raise ValueError(f"save_table: name must be letters, digits, '_', '.' or '-' (e.g. 'kpi_validity'); "
                         f"got {name!r}.")
    name = name.removesuffix(".csv")
    lang = lang or i18n.DEFAULT_LANG
    pseudonyms = pseudonyms or Pseudonyms()
    out = pseudonyms(df)
    text_cols = [c for c in out.columns if out[c].dtype == object or pd.api.types.is_string_dtype(out[c])]
    if text_cols:
        out = out.copy() if out is df else out
        for c in text_cols:
            out[c] = pseudonyms.text(redact(out[c], lang=lang))
    folder = Path(results_dir) if results_dir is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        # text that begins like a formula is written inert (CSV injection); numbers stay numbers
        atomic_write_text(folder / f"{name}.csv", inert_frame(out, index=index).to_csv(index=index),
                          encoding="utf-8-sig")
    if show and _in_ipython():
        from IPython.display import HTML

        na = i18n.missing(lang)
        shown = _labelled(out if len(out) <= 500 else out.head(500), lang)
        body = label_cells(shown.to_html(na_rep=na,
                                         float_format=lambda v: f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}",
                                         index=index, border=0, classes="dataframe kit-table"))
        top = f"<p><b>{html.escape(caption)}</b></p>" if caption else ""
        note = ""
        if suppressed is not None and suppressed.blanked:
            text = i18n.t("report.suppressed_note", lang, min_n=suppressed.min_n)
            note = f'<p style="color:#57606a;font-size:0.9em">{html.escape(text)}</p>'
        if pseudonyms.enabled and ("rep_id" in out.columns or "rep_id" in (out.index.names or [])):
            text = i18n.t("report.pseudonymized_note", lang)
            note += f'<p style="color:#57606a;font-size:0.9em">{html.escape(text)}</p>'
        _display(HTML(top + body + note), "table", name=name)
    return None


_VALUE_KEYS = {"quadrant": "quadrant", "verdict": "verdict", "tier": "tier"}
_DIMENSION_INDEXES = {"dimension", "score"}


def _labelled(df: pd.DataFrame, lang: str) -> pd.DataFrame:
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
    quarter: str,
    results_dir: str | Path | None = None,
    fiscal_start_month: int = 1,
    lang: str | None = None,
    pseudonyms: Pseudonyms | None = None,
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
    quarter : str
        The quarter of the report; the file is for the next.
    results_dir : path, optional
        The run's results folder. Without one nothing is written.
    fiscal_start_month : int
        The first month of the fiscal year (the report's parameter).
    lang : {'zh', 'en'}, optional
        The language of the note shown.
    pseudonyms : Pseudonyms, optional
        The report's pseudonym policy: rep ids and names in the reasons become pseudonyms.

    Returns
    -------
    Path or None
        The file written (None when there is no results folder).
    """
    from kit.periods import Quarter

    pseudonyms = pseudonyms or Pseudonyms()
    lang = lang or i18n.DEFAULT_LANG
    if hasattr(weights, "weights") and hasattr(weights, "changes"):
        # a kit.analysis WeightRecommendation: its weights and the reason of every change
        if reasons is None and "reason" in getattr(weights.changes, "columns", []):
            reasons = {str(k): str(v) for k, v in weights.changes["reason"].items() if v == v and v}
        weights = weights.weights
    w = P.validate_weights(weights)
    if reasons:
        reasons = pseudonyms.text({k: redact(str(v), lang=lang) for k, v in reasons.items()})
    extra = dict(extra or {})
    bad = set(extra) - set(P.KNOWN_KEYS) | ({"weights", "quarter"} & set(extra))
    if bad:
        raise P.ParamsError(f"save_next_quarter_params: extra may not set {sorted(bad)}.")
    if extra:
        P.validate(extra)
    q = quarter
    if not q:
        raise ValueError("save_next_quarter_params: give quarter= (the quarter of this report).")
    nxt = Quarter.parse(str(q), int(fiscal_start_month)).next()
    folder = Path(results_dir) if results_dir is not None else None
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
    atomic_write_text(path, text)
    if _in_ipython():
        from IPython.display import HTML

        written = i18n.t("report.next_params_written", lang, quarter=nxt)
        _display(HTML(f'<p class="kit-next-params">{html.escape(written)}</p>'),
                 "next_params", file=NEXT_PARAMS_FILE)
    return path
