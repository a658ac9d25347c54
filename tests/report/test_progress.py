"""Progress of kit run: bars in a terminal, timestamped lines in a log, in the report language."""

from __future__ import annotations

import re

import nbformat

from kit.report.progress import Display, cli_lang, engine_kwargs, reporting

STAMP = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d "


def test_log_lines_are_plain_timestamped_and_in_the_report_language():
    lines: list[str] = []
    d = Display("zh", echo=lines.append, live=False)
    d("[2026Q3] running 5 notebook(s) in .2026Q3.tmp-1/")
    d("[2026Q3] 10_satisfaction_drivers  ok       27.1 s")
    d("kit run: 1 quarter(s) written, 0 unchanged (skipped), 0 failed, in 139.9 s.")
    d("[2026Q3] 20_kpi_validity  FAILED   3.0 s  cell 4: ValueError: x")   # not translated: kept as is
    d.cell("2026Q3", "10_satisfaction_drivers", 3, 12)                     # no bar and no line in a log
    assert len(lines) == 4 and all(re.match(STAMP, line) for line in lines)
    assert lines[0].endswith("[2026Q3] 正在运行 5 个 notebook(临时目录 .2026Q3.tmp-1/)")
    assert lines[1].endswith("[2026Q3] 10_satisfaction_drivers  完成  27.1 秒")
    assert lines[2].endswith("kit run:写出 1 个季度,0 个未变跳过,0 个失败,共用时 139.9 秒。")
    assert lines[3].endswith("cell 4: ValueError: x")
    assert not any("\x1b" in line or "\r" in line for line in lines)


def test_the_cli_language(monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert cli_lang(None) == "zh" and cli_lang("en") == "en"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert cli_lang(None) == "en" and cli_lang("zh") == "zh"
    assert cli_lang(None, default="zh") == "zh"          # the report's lang parameter decides


def test_cells_reach_the_terminal_bars(tmp_path):
    import papermill as pm

    from kit.report.kernel import KERNEL_NAME, kernel_manager_class

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("y = x + 1")]
    src = tmp_path / "n.ipynb"
    nbformat.write(nb, str(src))
    seen: list[tuple] = []
    display = Display("en", echo=lambda s: None, live=True)
    display.cell = lambda q, n, done, total: seen.append((q, n, done, total))  # what the bars receive
    with reporting(display):
        kw = engine_kwargs("2026Q3", "n")
        assert kw["engine_name"] == "kit-progress"
        pm.execute_notebook(str(src), str(tmp_path / "out.ipynb"), kernel_name=KERNEL_NAME, progress_bar=False,
                            kernel_manager_class=kernel_manager_class(), **kw)
    assert seen[-1] == ("2026Q3", "n", 3, 3) and [s[2] for s in seen] == sorted(s[2] for s in seen)
    assert engine_kwargs("2026Q3", "n") == {}   # nobody listening: papermill's own engine
