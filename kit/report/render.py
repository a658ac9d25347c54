"""HTML: nbconvert rendering of executed notebooks (in process, self-contained), the
parameters block, and the index pages of a run."""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kit import i18n
from kit import params as P
from kit.credentials import mask_secrets
from kit.report.layout import MANAGEMENT_REMOVE_TAGS, MANIFEST, PARAMS_FILE, QUARTER_DIR
from kit.report.mobile import TABLE_CSS as MOBILE_TABLE_CSS
from kit.report.publish import atomic_write_text


def safe_source(source: Any) -> str:
    return mask_secrets(str(source))


def short_source(source: str) -> str:
    s = safe_source(source)
    if "://" in s:
        return s
    p = Path(s)
    return p.name or s


def _format_value(key: str, value: Any, lang: str) -> str:
    if key == "date_format" and value is None:
        return i18n.t("param_words.iso_dates", lang)
    if key == "data_window" and isinstance(value, Mapping):
        end = value.get("end")
        return i18n.t("param_words.window", lang, start=str(value.get("start")),
                      end=str(end) if end is not None else i18n.t("param_words.window_open", lang))
    if value is None or (isinstance(value, Mapping) and not value):
        return i18n.t("value.none", lang)
    if isinstance(value, bool):
        return i18n.fmt(value, "", lang)
    if key == "source":
        return short_source(value)
    if key in ("column_map", "instrument") and isinstance(value, str):
        return Path(value).name
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
    if key == "kpi" and isinstance(value, Mapping):
        return _kpi_settings_words(value, lang)
    if isinstance(value, Mapping):
        return _words(value, lang)
    return str(value)


def _words(value: Any, lang: str) -> str:
    """A nested setting in words (``a: 1; b: x, y``), never as JSON."""
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_words(v, lang)}" for k, v in value.items()) or i18n.t("value.none", lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(_words(v, lang) for v in value)
    if isinstance(value, bool):
        return i18n.fmt(value, "", lang)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _kpi_settings_words(value: Mapping[str, Any], lang: str) -> str:
    """The KPI settings as a manager reads them: SLAs, the callback threshold, working time."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    parts = []
    sla = value.get("sla_hours") or {}
    if sla:
        kinds = ", ".join(f"{t('param_words.kind_' + k) if i18n.has('param_words.kind_' + k, lang) else k} "
                          f"{_words(v, lang)} h"
                          for k, v in sla.items())
        parts.append(t("param_words.sla", kinds=kinds))
    if value.get("callback_hours") is not None:
        parts.append(t("param_words.callback", h=_words(value["callback_hours"], lang)))
    bh = value.get("business_hours")
    if not bh:
        parts.append(t("param_words.calendar_hours"))
    else:
        spec = bh if isinstance(bh, Mapping) else {}
        days = ", ".join(str(d) for d in spec.get("weekdays", ["mon", "tue", "wed", "thu", "fri"]))
        text = t("param_words.business_hours", days=days, start=spec.get("start", "09:00"),
                 end=spec.get("end", "18:00"))
        if spec.get("calendar"):
            text += t("param_words.calendar", name=str(spec["calendar"]).upper())
        for k in ("holidays", "workdays"):
            if spec.get(k):
                text += t(f"param_words.{k}", dates=", ".join(str(d) for d in spec[k]))
        parts.append(text)
    other = {k: v for k, v in value.items() if k not in ("sla_hours", "callback_hours", "business_hours")}
    if other:
        parts.append(_words(other, lang))
    return ("；" if lang == "zh" else "; ").join(parts)


def parameter_rows(params: Mapping[str, Any], lang: str, quarter: str | None) -> list[tuple[str, str, str]]:
    rows = []
    if quarter:
        rows.append(("quarter", i18n.t("param.quarter", lang), str(quarter)))
    for key in P.KNOWN_KEYS:
        if key in P.SECRET_KEYS or key == "quarter" or key not in params:
            continue
        label = i18n.t(f"param.{key}", lang) if i18n.has(f"param.{key}", lang) else key
        rows.append((key, label, _format_value(key, params[key], lang)))
    return rows


TABLE_CSS = ("border-collapse:collapse;font-size:0.92em;margin:0.4em 0 1em 0;")
CELL_CSS = "border:1px solid #d0d7de;padding:4px 10px;text-align:left;vertical-align:top;"


def parameters_html(params: Mapping[str, Any], lang: str | None = None, quarter: str | None = None) -> str:
    """The parameters in force as an HTML block (heading + table), without secrets."""
    lang = i18n.check_lang(lang or params.get("lang") or i18n.DEFAULT_LANG)
    rows = "".join(
        f'<tr><th style="{CELL_CSS}">{html.escape(label)} <code style="color:#6e7781">{html.escape(key)}</code></th>'
        f'<td style="{CELL_CSS}">{html.escape(value)}</td></tr>'
        for key, label, value in parameter_rows(params, lang, quarter))
    return (f'<div class="kit-parameters"><h3>{html.escape(i18n.t("report.parameters_in_force", lang))}</h3>'
            f'<table style="{TABLE_CSS}">{rows}</table></div>')


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
details.kit-appendix { margin-top: 2em; } details.kit-appendix summary { cursor: pointer; color: #57606a; }
</style>
{% endblock extra_css %}
"""

_HTML_TEMPLATE = _HTML_TEMPLATE.replace("</style>", MOBILE_TABLE_CSS + "</style>")

_JS_MIME = ("application/javascript", "application/vnd.jupyter.widget-view+json",
            "application/vnd.jupyter.widget-state+json", "text/javascript")
_NOISE_REPR = re.compile(r"^(<[^<>]*>|\[<[^\n]*>(, <[^\n]*>)*\]|Text\(.*\)|\(.*, .*\))$", re.S)

_exporters = threading.local()
# outputs a management page shows in its collapsed appendix rather than above the findings
_APPENDIX_ROLES = ("parameters", "data_covered")


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


def has_kit_role(nb, role: str) -> bool:
    for cell in nb.cells:
        for out in cell.get("outputs", []) or []:
            if (out.get("metadata") or {}).get("kit", {}).get("role") == role:
                return True
    return False


def _prepare(nb, *, management: bool, params_block: str | None, lang: str = i18n.DEFAULT_LANG):
    import nbformat

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # a deep copy
    nb.metadata.pop("widgets", None)
    cells = []
    appendix: list[str] = []   # management pages: the parameters and data covered, moved to the end
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
                    role = ((out.get("metadata") or {}).get("kit") or {}).get("role")
                    if role in _APPENDIX_ROLES and "text/html" in data:
                        html_text = data["text/html"]
                        appendix.append("".join(html_text) if isinstance(html_text, list) else str(html_text))
                        continue
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
    if params_block and management:
        appendix.insert(0, params_block)
    elif params_block:
        block = nbformat.v4.new_markdown_cell(params_block)
        at = 1 if cells and cells[0].cell_type == "markdown" else 0
        cells.insert(at, block)
    if appendix:
        # findings first: what the report was computed with comes last, collapsed
        summary = html.escape(i18n.t("landing.parameters_appendix", lang))
        cell = nbformat.v4.new_code_cell("")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": (
            f'<details class="kit-appendix"><summary>{summary}</summary>{"".join(appendix)}</details>')})]
        cells.append(cell)
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
    prepared = _prepare(nb, management=management, params_block=params_block, lang=lang)
    ex = _exporter(management, lang)
    body, _ = ex.from_notebook_node(prepared, resources={"metadata": {"name": title or path.stem}})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


_PAGE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, "Noto Sans CJK SC", "Noto Sans SC",
       "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", sans-serif;
       color: #1f2328; max-width: 1000px; margin: 2em auto; padding: 0 1em; line-height: 1.5; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0 1em 0; }
th, td { border: 1px solid #d0d7de; padding: 5px 10px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } .muted { color: #57606a; font-size: 0.9em; }
.ok { color: #1a7f37; } .failed { color: #cf222e; font-weight: bold; } .skipped { color: #57606a; }
code { font-size: 0.9em; overflow-wrap: anywhere; }
img.kit-figure { max-width: 100%; height: auto; }
.kit-scroll { overflow-x: auto; max-width: 100%; }
.kit-headline p { font-size: 1.05em; } .kit-headline h3 { margin: 1em 0 0.2em 0; }
details.kit-appendix { margin-top: 2em; } details.kit-appendix summary { cursor: pointer; color: #57606a; }
td, th { overflow-wrap: anywhere; }
@media (max-width: 600px) { body { margin: 1em auto; } th, td { padding: 4px 6px; } }
"""


def _page(title: str, body: str, lang: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{html.escape(title)}</title>\n'
            f'<style>{_PAGE_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n')


def quarter_index(manifest: dict, lang: str, headline: Any = None) -> str:
    """The quarter's landing page: the summary's headline, the reports (HTML, PDF), the workbook,
    then the files, the parameters (collapsed) and the data covered."""
    from kit.report.landing import headline_html

    q = manifest["quarter"]

    def t(key: str, **kw: Any) -> str:
        return html.escape(i18n.t(key, lang, **kw))

    rows = []
    pdfs = manifest.get("pdfs") or {}
    for nb in manifest["notebooks"]:
        status = nb["status"]
        links_m = f'<a href="{nb["management_html"]}">{t("index.open")}</a>' if nb.get("management_html") else "—"
        if pdfs.get(nb["name"]):
            links_m += f' · <a href="{html.escape(pdfs[nb["name"]])}">PDF</a>'
        links_a = f'<a href="{nb["analyst_html"]}">{t("index.open")}</a>' if nb.get("analyst_html") else "—"
        links_n = f'<a href="{nb["executed"]}">.ipynb</a>' if nb.get("executed") else "—"
        rows.append(f'<tr><td><b>{html.escape(nb["title"])}</b><br>'
                    f'<span class="muted">{html.escape(nb["name"])}</span></td>'
                    f'<td>{links_m}</td><td>{links_a}</td><td>{links_n}</td>'
                    f'<td>{t("index.seconds", s=nb["duration_s"])}</td>'
                    f'<td class="{status}">{t("status." + status)}</td></tr>')
    head = "".join(f"<th>{t(k)}</th>" for k in ("index.notebook", "index.management", "index.analyst",
                                                  "index.executed", "index.duration", "index.status"))
    results = "".join(f'<li><a href="results/{html.escape(r)}">{html.escape(r)}</a></li>' for r in manifest["results"])
    extra = [f'<li><a href="{PARAMS_FILE}">{t("index.parameters_file")}</a></li>',
             f'<li><a href="{MANIFEST}">{t("index.manifest")}</a></li>']
    if manifest.get("workbook"):
        extra.insert(0, f'<li><a href="{html.escape(manifest["workbook"])}"><b>{t("landing.workbook")}</b></a> '
                        f'<span class="muted">{html.escape(manifest["workbook"])}</span></li>')
    if manifest.get("next_quarter_parameters"):
        nxt = manifest["next_quarter_parameters"]
        extra.insert(0, f'<li><a href="{nxt["file"]}"><b>{t("index.next_params", quarter=nxt["quarter"])}</b></a></li>')
    data = manifest["data"]
    data_rows = "".join(
        f"<tr><td>{html.escape(i18n.t('table.' + tb, lang) if i18n.has('table.' + tb, lang) else tb)}</td>"
        f"<td style='text-align:right'>{i18n.number(n, lang)}</td>"
        f"<td style='text-align:right'>{i18n.number(data['quarantined'].get(tb, 0), lang)}</td></tr>"
        for tb, n in data["rows"].items())
    data_head = (f"<tr><th>{t('report.table')}</th><th>{t('report.rows_total')}</th>"
                 f"<th>{t('report.rows_set_aside')}</th></tr>")
    warned = "".join(f"<li class='failed'>{html.escape(w)}</li>" for w in manifest.get("warnings") or [])
    warned = f"<h2>{t('index.warnings')}</h2><ul>{warned}</ul>" if warned else ""
    top = headline_html(headline, lang, manifest.get("summary_page")) if headline is not None else ""
    body = (
        f"<h1>{t('index.title', quarter=q)}</h1>"
        f"<p class='muted'>{t('report.generated_at')}: {html.escape(manifest['finished_at'])} · "
        f"{t('report.kit_version')}: {html.escape(manifest['kit_version'])} · "
        f"{t('index.total_duration', s=manifest['duration_s'])}</p>"
        + top
        + warned
        + f"<h2>{t('index.heading_reports')}</h2>"
        f"<div class='kit-scroll'><table><tr>{head}</tr>{''.join(rows)}</table></div>"
        f"<ul>{''.join(extra)}</ul>"
        + (f"<h2>{t('index.results')}</h2><ul>{results}</ul>" if results else "")
        + f"<h2>{t('report.data_covered')}</h2>"
        f"<p>{t('report.source')}: <code>{html.escape(short_source(data['source']))}</code></p>"
        f"<table>{data_head}{data_rows}</table>"
        + f"<details class='kit-appendix'><summary>{t('landing.parameters_appendix')}</summary>"
        + parameters_html(manifest["parameters"], lang, q) + "</details>"
    )
    return _page(i18n.t("index.title", lang, quarter=q), body, lang)


def write_overview(out: Path, lang: str) -> None:
    """``outputs/index.html``: every quarter's good report, newest first, and recent failures."""

    def t(key: str, **kw: Any) -> str:
        return html.escape(i18n.t(key, lang, **kw))

    rows = []
    for d in sorted((p for p in out.iterdir() if p.is_dir() and QUARTER_DIR.match(p.name)), reverse=True):
        try:
            m = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if m.get("status") != "ok":
            continue
        names = ", ".join(html.escape(nb.get("title", nb["name"])) for nb in m.get("notebooks", []))
        rows.append(f'<tr><td><a href="{d.name}/index.html"><b>{d.name}</b></a></td><td>{names}</td>'
                    f'<td class="muted">{html.escape(m.get("finished_at", ""))}</td></tr>')
    def kept_failed(p: Path) -> bool:  # <quarter>.failed-<time>: a failed run's outputs, kept
        quarter, sep, _ = p.name.partition(".failed-")
        return p.is_dir() and bool(sep) and QUARTER_DIR.match(quarter) is not None

    failed = sorted((p for p in out.iterdir() if kept_failed(p)), key=lambda p: p.name, reverse=True)
    body = f"<h1>{t('index.overview_title')}</h1>"
    body += (f"<table>{''.join(rows)}</table>" if rows else f"<p>{t('index.no_reports')}</p>")
    if failed:
        body += "<h2 class='failed'>" + t("status.failed") + "</h2><ul>" + "".join(
            f"<li><code>{html.escape(p.name)}/</code></li>" for p in failed[:10]) + "</ul>"
    atomic_write_text(out / "index.html", _page(i18n.t("index.overview_title", lang), body, lang))
