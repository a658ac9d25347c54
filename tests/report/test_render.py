"""HTML rendering with nbconvert, self-contained (kit/report/render.py).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

import kit.report as R
from tests.report.helpers import assert_self_contained, text_of


def _fake_executed_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("quarter = None")
    params.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell('quarter = "2026Q3"')
    injected.metadata["tags"] = ["injected-parameters"]
    code = nbformat.v4.new_code_cell("secret_code_marker = 1\nplt.plot([1])")
    code.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: noisy_warning_marker\n"),
        nbformat.v4.new_output("stream", name="stdout", text="visible_stdout_marker\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "[<matplotlib.lines.Line2D at 0x7f00>]"},
                               execution_count=3),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "fetch('https://x.example/')",
                                                     "text/plain": "js"}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# 标题 Title $x^2$"), params, injected, code]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    return nb


def test_render_html_management_and_analyst(tmp_path: Path):
    nb = _fake_executed_notebook()
    m = R.render_html(nb, tmp_path / "m.html", management=True, lang="zh", title="测试")
    a = R.render_html(nb, tmp_path / "a.html", management=False, lang="en")
    mt, at = m.read_text(encoding="utf-8"), a.read_text(encoding="utf-8")
    for page, where in ((mt, "management"), (at, "analyst")):
        assert_self_contained(page, where)
        assert 'src="data:image/png;base64,iVBORw0KGgo=' in page
        assert "visible_stdout_marker" in page and "fetch(" not in page
    assert '<html lang="zh">' in mt and "<title>测试</title>" in mt
    assert "secret_code_marker" not in text_of(mt) and "noisy_warning_marker" not in mt and "Line2D" not in mt
    assert "2026Q3" not in mt and 'class="jp-InputPrompt' not in mt  # no parameters cells
    assert "secret_code_marker" in at and "noisy_warning_marker" in at and "2026Q3" in at
    block = R.render_html(nb, tmp_path / "p.html", management=True, lang="zh", params_block="<p>PARAMS_BLOCK</p>")
    text = block.read_text(encoding="utf-8")
    # findings first: on a management page the parameters come last, in a collapsed appendix
    assert (text.index("标题") < text.index("visible_stdout_marker") < text.index('<details class="kit-appendix">')
            < text.index("PARAMS_BLOCK"))
    assert "附录:本季度采用的参数" in text
    block = R.render_html(nb, tmp_path / "pa.html", management=False, lang="zh", params_block="<p>PARAMS_BLOCK</p>")
    text = block.read_text(encoding="utf-8")
    assert text.index("标题") < text.index("PARAMS_BLOCK") < text.index("visible_stdout_marker")
