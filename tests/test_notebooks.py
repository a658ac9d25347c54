"""The report notebooks of notebooks/ executed with papermill on the sample data, in both languages.

One ``kit run`` per language for the latest sample quarter into a temporary folder; then the
outputs are checked, and the management pages are opened in headless Chromium (offline, no
console error, no request to another host).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

import kit
from tests.test_browser import LOCAL_SCHEMES, WIDTHS, artifacts_dir, assert_no_horizontal_overflow, open_page

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
QUARTER = "2026Q3"


@pytest.fixture(scope="module", params=["zh", "en"])
def run(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"reports-{request.param}")
    result = kit.report.run(QUARTER, source=str(ROOT / "data" / "samples"), out=out, lang=request.param,
                            echo=lambda line: None)
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
        assert "个性化方案数量" in text["20_kpi_validity"] and "无效" in text["20_kpi_validity"]
        assert "下季度 KPI 权重建议" in text["90_management_summary"]
        # no earlier run in this folder: the comparison with last quarter says it starts now
        assert "与上季度相比" in text["90_management_summary"] and "未找到上一季度" in text["90_management_summary"]
    else:
        assert "The strongest driver is responsiveness" in text["10_satisfaction_drivers"]
        assert "Fix first: responsiveness" in text["10_satisfaction_drivers"]
        assert "Not valid: " in text["20_kpi_validity"] and "Personalized proposals" in text["20_kpi_validity"]
        assert "Recommended KPI weights for next quarter" in text["90_management_summary"]
    # management pages carry no code
    for n, t in text.items():
        assert "kit.report.begin" not in t and "import kit" not in t, n


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
    again = kit.report.run(QUARTER, source=str(ROOT / "data" / "samples"), out=out, lang=lang, echo=lambda line: None)
    assert again.ok
    assert [q.status for q in again.quarters] == ["skipped"]
