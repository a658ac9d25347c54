"""The report notebooks of notebooks/ executed with papermill on the sample data, in both languages.

One ``kit run`` per language for the latest sample quarter into a temporary folder; then the
outputs are checked, and the management pages are opened in headless Chromium (offline, no
console error, no request to another host).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

import kit
from tests.test_browser import LOCAL_SCHEMES, WIDTHS, artifacts_dir, assert_no_horizontal_overflow, open_page

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
QUARTER = "2026Q3"


# the English run is pseudonymized: it is shared more widely (see test_pseudonymized_run_publishes_no_rep)
SALT = "k3-Qv9x2Lp-tests"
PSEUDONYMIZED = {"zh": False, "en": True}


def _run_options(lang: str) -> dict:
    return {"lang": lang, "pseudonymize": PSEUDONYMIZED[lang], "overrides": {"pseudonym_salt": SALT}}


@pytest.fixture(scope="module", params=["zh", "en"])
def run(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"reports-{request.param}")
    result = kit.report.run(QUARTER, source=str(ROOT / "data" / "samples"), out=out, echo=lambda line: None,
                            **_run_options(request.param))
    return request.param, out, result


def test_the_five_notebooks_exist_without_outputs():
    assert NOTEBOOKS == ["00_data_quality", "10_satisfaction_drivers", "20_kpi_validity", "30_rep_scorecards",
                         "90_management_summary"]
    for name in NOTEBOOKS:
        nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
        params = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(params) == 1, name
        src = "".join(params[0]["source"])
        for key in ("quarter", "source", "lang", "params_file", "results_dir", "data_snapshot"):
            assert re.search(rf"^{key} = ", src, re.M), (name, key)
        code = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        assert "def " not in code and "class " not in code, name   # thin: no logic in notebooks


def test_every_notebook_runs_in_both_languages(run):
    lang, out, result = run
    assert result.ok, result.summary()
    folder = out / QUARTER
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [n["name"] for n in manifest["notebooks"]] == NOTEBOOKS
    assert all(n["status"] == "ok" for n in manifest["notebooks"])
    for name in NOTEBOOKS:
        for kind in ("management", "analyst"):
            html = (folder / kind / f"{name}.html").read_text(encoding="utf-8")
            assert "Traceback" not in html, (name, kind)
            assert not re.search(r"""(src|href)=["']https?://""", html), (name, kind)
    results = {p.name for p in (folder / "results").glob("*.csv")}
    assert {"dq_kpis.csv", "sat_drivers.csv", "kpi_validity.csv", "card_reps.csv", "summary_weights.csv"} <= results
    # next quarter's parameter file: valid parameters, weights summing to 100
    draft = yaml.safe_load((folder / "parameters_2026Q4.yaml").read_text(encoding="utf-8"))
    assert draft["quarter"] == "2026Q4"
    assert abs(sum(draft["weights"].values()) - 100) < 1e-9
    kit.params.validate(draft)
    # the workbook: the headline first, then every results table
    from openpyxl import load_workbook

    wb = load_workbook(folder / f"{QUARTER}.xlsx", read_only=True)
    assert {"card_reps", "kpi_validity", "summary_weights"} <= set(wb.sheetnames)
    overview = "\n".join(str(v) for row in wb.worksheets[0].iter_rows(values_only=True) for v in row if v)
    assert "2026Q4" in overview              # the headline's weights sentence names next quarter
    wb.close()
    # the PDFs, with the title as text
    import shutil
    import subprocess

    from tests.ci import require

    require(shutil.which("pdftotext") is not None, "no pdftotext (apt-get install poppler-utils; make test does)")
    assert sorted(manifest["pdfs"]) == NOTEBOOKS
    pdf = subprocess.run(["pdftotext", "-enc", "UTF-8", str(folder / "pdf" / "90_management_summary.pdf"), "-"],
                         capture_output=True, check=True).stdout.decode()
    assert {"zh": "管理层摘要", "en": "Management summary"}[lang] in pdf
    # the landing page opens with the summary's headline, before the list of reports
    index = (folder / "index.html").read_text(encoding="utf-8")
    headline = {"zh": "本季度要点", "en": "This quarter&#x27;s headline"}[lang]   # as the page writes it
    assert index.index(headline) < index.index('href="management/00_data_quality.html"')


def test_reports_say_their_findings_in_the_report_language(run):
    lang, out, result = run
    folder = out / QUARTER
    text = {n: re.sub(r"<[^>]+>", " ", (folder / "management" / f"{n}.html").read_text(encoding="utf-8"))
            for n in NOTEBOOKS}
    if lang == "zh":
        assert "满意度驱动因素" in text["10_satisfaction_drivers"]
        assert "最强的驱动因素是响应速度" in text["10_satisfaction_drivers"]     # the planted top driver
        assert "优先改进:响应速度" in text["10_satisfaction_drivers"]
        assert "个性化方案数量" in text["20_kpi_validity"] and "混杂" in text["20_kpi_validity"]
        assert "下季度 KPI 权重建议" in text["90_management_summary"]
        # no earlier run in this folder: the comparison with last quarter says it starts now
        assert "与上季度相比" in text["90_management_summary"] and "未找到上一季度" in text["90_management_summary"]
    else:
        assert "The strongest driver is responsiveness" in text["10_satisfaction_drivers"]
        assert "Fix first: responsiveness" in text["10_satisfaction_drivers"]
        assert "are confounded" in text["20_kpi_validity"] and "Personalized proposals" in text["20_kpi_validity"]
        assert "Recommended KPI weights for next quarter" in text["90_management_summary"]
    # management pages carry no code
    for n, t in text.items():
        assert "kit.report.begin" not in t and "import kit" not in t, n


def test_reports_say_what_customers_say_and_leak_no_comment_datum(run):
    lang, out, result = run
    folder = out / QUARTER
    top = kit.sample.GROUND_TRUTH["sample"]["top_complaint"][QUARTER]
    name = kit.i18n.dimension_name(top, lang)
    said = "客户抱怨最多的是" + name if lang == "zh" else f"Customers complained most about {name}"
    for n in ("10_satisfaction_drivers", "90_management_summary"):
        html = re.sub(r"<[^>]+>", " ", (folder / "management" / f"{n}.html").read_text(encoding="utf-8"))
        assert said in html, n
    assert kit.i18n.t("nb.comments", lang) in (folder / "management" / "10_satisfaction_drivers.html").read_text(
        encoding="utf-8")
    draft = (folder / "parameters_2026Q4.yaml").read_text(encoding="utf-8")
    assert re.search(r"客户在 \d+ 条谈及" + name if lang == "zh" else f"customers complained about {name}", draft)
    # no number, address or company planted in a comment reaches any output file
    comments = kit.load(ROOT / "data" / "samples").tables["surveys"]["comment"].dropna()
    numbers = {re.sub(r"\D", "", m) for c in comments for m in re.findall(r"\d(?:[\s\-()]*\d){6,}", c)}
    for path in folder.rglob("*"):
        if path.suffix not in {".html", ".csv", ".ipynb", ".json", ".yaml", ".md", ".txt"}:
            continue
        text = re.sub(r"data:image/[^\"')]+", " ", path.read_text(encoding="utf-8", errors="replace"))
        digits = set(re.findall(r"\d{7,}", re.sub(r"[\s\-()]", "", text)))
        assert not [x for x in numbers if any(x in d for d in digits)], path.name
        assert "有限公司" not in text and not re.search(r"[a-z]+\d*(?:@|\[at\]| at )example", text), path.name


def test_management_reports_open_offline_in_chromium(run, browser):
    # every management page and the landing page, in this language, on a desktop (1280 px) and
    # a phone (390 px): no request to another host, no console error, nothing overflowing
    # sideways; the screenshots are kept in outputs/test-artifacts/screenshots/<lang>/
    lang, out, result = run
    shots = artifacts_dir("screenshots", lang)
    appendix = {"zh": "附录:本季度采用的参数", "en": "Appendix: the parameters in force"}[lang]
    for page in sorted((out / QUARTER / "management").glob("*.html")) + [out / QUARTER / "index.html"]:
        for width in WIDTHS:
            shot = shots / f"{page.stem}-{width}.png"
            got = open_page(browser, page, shot, width=width)
            external = [u for u in got["requests"] + got["blocked"] if not u.startswith(LOCAL_SCHEMES)]
            assert external == [], (page.name, external)
            assert got["errors"] == [], (page.name, got["errors"])
            assert got["lang"] == lang
            assert_no_horizontal_overflow(got, f"{lang} {page.name} at {width} px")
            if "management" in page.parts:
                assert got["images"] and all(ok for ok, _ in got["images"]), page.name
                # findings first: the parameters are the last thing, collapsed
                assert got["text"].rstrip().endswith(appendix), (page.name, got["text"][-200:])
            assert shot.stat().st_size > 10_000


def test_unchanged_quarter_is_not_run_again(run):
    lang, out, result = run
    again = kit.report.run(QUARTER, source=str(ROOT / "data" / "samples"), out=out, echo=lambda line: None,
                           **_run_options(lang))
    assert again.ok
    assert [q.status for q in again.quarters] == ["skipped"]


# =================================================================================================
# privacy end to end: every output file of the real notebooks
# =================================================================================================


def _output_texts(folder: Path) -> dict[str, str]:
    """Every text file of a quarter's report, notebooks as their JSON text (images left out)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in {".html", ".csv", ".ipynb", ".json", ".yaml", ".log", ".txt"}:
            text = path.read_text(encoding="utf-8-sig", errors="replace")
            if path.suffix == ".ipynb":
                text = re.sub(r'"image/png": "[^"]*"', '"image/png": ""', text)
            out[path.relative_to(folder).as_posix()] = text
    return out


@pytest.fixture(scope="module")
def truth():
    """Each rep's KPIs and the count behind each, straight from the sample data."""
    data = kit.load(ROOT / "data" / "samples")
    return data, kit.kpis.compute(data, quarter=QUARTER)


def test_pseudonymized_run_publishes_no_rep_id_or_name(run, truth):
    lang, out, result = run
    data, _ = truth
    reps = data.tables["reps"]
    ids = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, reps["rep_id"])) + r")(?![A-Za-z0-9_])")
    names = [n for n in reps["rep_name"] if isinstance(n, str) and len(n) >= 2]
    texts = _output_texts(out / QUARTER)
    texts["index.html"] = (out / "index.html").read_text(encoding="utf-8")
    assert len(texts) > 20 and any(f.startswith("results/") for f in texts)
    leaks = [(f, m.group(0)) for f, t in texts.items() for m in ids.finditer(t)]
    leaks += [(f, n) for f, t in texts.items() for n in names if n in t]
    if not PSEUDONYMIZED[lang]:  # the control: without pseudonyms this very scan finds the ids and names
        assert {f for f, _ in leaks} >= {"results/card_reps.csv", "results/card_details.csv"}, leaks[:5]
        return
    assert leaks == [], leaks[:20]
    assert R_pseudonym("R003") in texts["results/card_details.csv"]


def R_pseudonym(rep_id: str) -> str:
    return kit.report.pseudonym(rep_id, SALT)


def _fmt(v: float) -> str:
    # as kit.report.save_table writes numbers into the HTML tables
    return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def test_no_small_n_figure_is_readable_in_any_output_file(run, truth):
    lang, out, result = run
    data, kpis = truth
    min_n = 5
    folder = out / QUARTER
    ids = {rid: (R_pseudonym(rid) if PSEUDONYMIZED[lang] else rid) for rid in kpis.index}
    back = {v: k for k, v in ids.items()}
    small = {(rid, k) for rid in kpis.index for k in kit.kpis.ids() if kpis.at[rid, f"n_{k}"] < min_n
             and pd.notna(kpis.at[rid, k])}
    assert len(small) > 20  # the sample has small-n reps, or this test would prove nothing
    # 1. every table (CSV) with a rep column: each form of a small-n KPI is blank
    from kit.report.privacy import derived_columns

    checked = 0
    visible: dict[str, set[str]] = {rid: set() for rid in kpis.index}
    for path in sorted((folder / "results").glob("*.csv")):
        df = pd.read_csv(path, encoding="utf-8-sig")
        if "rep_id" not in df.columns:
            continue
        for _, row in df.iterrows():
            rid = back.get(str(row["rep_id"]))
            assert rid is not None, (path.name, row["rep_id"])
            for c in df.columns:
                v = pd.to_numeric(pd.Series([row[c]]), errors="coerce")[0]
                if pd.notna(v):  # every figure shown for the rep, its counts included
                    visible[rid].add(_fmt(float(v)))
            for k in kit.kpis.ids():
                if (rid, k) in small:
                    for c in [k] * (k in df.columns) + derived_columns(k, df.columns):
                        checked += 1
                        assert pd.isna(row[c]), (path.name, rid, c, row[c])
    assert checked > 100
    # 2. every HTML page and executed notebook: a rep's row never shows a small-n value of that rep
    # (a value that the rep also has visibly elsewhere cannot be told apart, and is not counted)
    rows = re.compile(r"(?s)<tr[^>]*>(.*?)</tr>")
    cells = re.compile(r"(?s)<t[dh][^>]*>(.*?)</t[dh]>")
    seen_rows = 0
    for name, text in _output_texts(folder).items():
        if not name.endswith((".html", ".ipynb")):
            continue
        if name.endswith(".ipynb"):
            nb = json.loads(text)
            text = "".join("".join(o.get("data", {}).get("text/html", "")) for c in nb["cells"]
                           for o in c.get("outputs", []))
        for row in rows.findall(text):
            found = [rid for rid, shown in ids.items() if re.search(rf"(?<![\w-]){re.escape(shown)}(?![\w-])", row)]
            if len(found) != 1:
                continue
            rid = found[0]
            seen_rows += 1
            texts = {re.sub(r"<[^>]+>", "", c).strip() for c in cells.findall(row)}
            for (r, k) in small:
                if r == rid:
                    f = _fmt(float(kpis.at[rid, k]))
                    assert f not in texts or f in visible[rid], (name, rid, k, f)
    assert seen_rows > 40
    # 3. the run's own audit agrees
    from kit.report.privacy import audit_suppression

    assert audit_suppression(folder / "results", min_n).leaks == []
