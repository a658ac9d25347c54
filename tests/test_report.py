"""The report engine: helpers, HTML, fonts, i18n, and real runs of the test notebooks.

The runs use the notebooks of tests/notebooks/ on the tiny data set (tests/tiny.py). One run
(``ok_report`` for 2026Q2 and 2026Q3, two at a time) is shared by the tests of this module and
tests/test_browser.py; the other runs are small and each checks one promise (failure handling,
a killed run, personal data, pseudonyms, caching).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import kit
import kit.report as R
from kit import i18n
from kit import params as P
from tests.ci import require
from tests.notebooks.runs import NOTEBOOKS, ROOT, make_inputs, shared_run

EXTERNAL = re.compile(r"""<(script|link|img|iframe|source|video|audio|embed)\b[^>]*\b(src|href)\s*=\s*["']?\s*(https?:)?//""",
                      re.I)
CSS_EXTERNAL = re.compile(r"""(@import\s+(url\()?\s*["']?\s*(https?:)?//|url\(\s*["']?\s*(https?:)?//)""", re.I)
MODULE_IMPORT = re.compile(r"""import\s*\(?\s*["']https?://|from\s+["']https?://""")


@pytest.fixture(scope="session")
def shared(tmp_path_factory):
    return shared_run(str(tmp_path_factory.getbasetemp()))


def _text(page: str) -> str:
    """The text of an HTML page (tags removed), to find code split by syntax highlighting."""
    import html as _html

    return _html.unescape(re.sub(r"<[^>]+>", "", page))


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _cli(*args: str, timeout: float = 240, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "kit.cli", *args], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=kw.pop("cwd", None), **kw)


# =================================================================================================
# i18n
# =================================================================================================


def test_locales_have_the_same_keys():
    assert i18n.keys("zh") == i18n.keys("en")
    for key in ("report.parameters_in_force", "report.data_covered", "index.title", "index.management",
                "index.analyst", "status.failed", "notebook.90_management_summary"):
        assert i18n.has(key, "zh") and i18n.has(key, "en")


def test_t_formats_numbers_per_language():
    assert i18n.t("report.parameters_in_force", "en") == "Parameters in force"
    assert i18n.t("report.parameters_in_force", "zh") == "本报告采用的参数"
    assert i18n.t("index.title", "zh", quarter="2026Q3") == "2026Q3 季度报告"
    assert i18n.t("index.seconds", "zh", s=12.34) == "12.3 秒"
    assert i18n.t("report.suppressed_note", "en", min_n=5).startswith("Figures counted from fewer than 5 rows")
    assert i18n.fmt(0.1234, "pct", "zh") == "12.3%" and i18n.fmt(0.5, "pct0", "en") == "50%"
    assert i18n.fmt(1234567, "int", "en") == "1,234,567"
    assert i18n.fmt(1234.567, "num", "zh") == "1,234.57"
    assert i18n.amount(12_345_678, "zh") == "1,234.6万" and i18n.amount(3.2e8, "zh") == "3.20亿"
    assert i18n.amount(12_345_678, "en") == "12.3M" and i18n.amount(950, "en") == "950"
    assert i18n.hours(12.5, "zh") == "12.5 小时" and i18n.hours(12.5, "en") == "12.5 h"
    assert i18n.fmt(float("nan"), "pct", "zh") == "无数据" and i18n.fmt(None, "int", "en") == "n/a"
    assert i18n.fmt(pd.Timestamp("2026-07-01 10:00"), "date", "en") == "2026-07-01"
    assert i18n.fmt(True, "", "zh") == "是"


def test_t_errors_and_fallback():
    with pytest.raises(i18n.I18nError, match="Did you mean 'report.data_covered'"):
        i18n.t("report.data_coverd", "en")
    with pytest.raises(i18n.I18nError, match="lang must be one of zh, en"):
        i18n.t("report.data_covered", "fr")
    with pytest.raises(i18n.I18nError, match="needs a value for 'quarter'"):
        i18n.t("index.title", "en")
    i18n.register("en", {"test_only": {"hello": "Hello {n:int}"}})
    assert i18n.t("test_only.hello", "en", n=1000) == "Hello 1,000"
    with pytest.warns(i18n.MissingTranslationWarning):
        assert i18n.t("test_only.hello", "zh", n=2) == "Hello 2"


# =================================================================================================
# fonts
# =================================================================================================


def test_chinese_chart_renders_with_a_cjk_font():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.font_manager as fm
    import matplotlib.pyplot as plt

    from kit.plots import setup_fonts

    font = setup_fonts(warn=False)
    require(font is not None, "no CJK font installed (apt-get install fonts-noto-cjk; make test does)")
    path = fm.findfont(fm.FontProperties(family=matplotlib.rcParams["font.sans-serif"][0]), fallback_to_default=False)
    assert "CJK" in path or any(s in path.lower() for s in ("yahei", "msyh", "pingfang", "simhei", "wqy", "sourcehan"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.bar(["响应速度", "沟通与关系", "透明度"], [3.2, -1.0, 4.1])
        ax.set_title("客户满意度驱动因素 2026Q3")
        ax.set_ylabel("重要性 − 表现")
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)
    glyphs = [str(w.message) for w in caught if "missing from font" in str(w.message) or "Glyph" in str(w.message)]
    assert glyphs == []


def test_setup_fonts_warns_once_when_there_is_no_cjk_font(monkeypatch):
    import kit.plots as plots

    monkeypatch.setattr(plots, "cjk_font", lambda: None)
    monkeypatch.setitem(plots._state, "font", None)
    monkeypatch.setitem(plots._state, "warned", False)
    with pytest.warns(plots.FontWarning, match="fonts-noto-cjk"):
        assert plots.setup_fonts() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert plots.setup_fonts() is None  # once only


# =================================================================================================
# personal data, pseudonyms, small n
# =================================================================================================


@pytest.mark.parametrize("text", [
    "li.na@example.com", "WANG_Wei+crm@mail.example.com.cn", "写信给 zhang.min＠example.cn 谢谢",
    "13800138851", "138-0013-8851", "138 0013 8851", "+86 138 0013 8851", "+8613800138851", "0086-13800138851",
    "(+86)13800138851", "电话：15912345678。", "tel:19987654321",
    "010-62345678", "(010) 6234 5678", "0755-86013388", "0571 8888 8888", "+86 21 6888 8888",
    "+86-755-8601-3388", "021-68888888-123", "02168888888", "座机010-62345678转801",
])
def test_redact_finds_emails_and_phone_numbers(text):
    assert R.find_personal_data(text), text
    cleaned = R.redact(text, "[x]")
    assert "[x]" in cleaned and not R.find_personal_data(cleaned)


@pytest.mark.parametrize("text", [
    "2026-07-01 09:30:00", "0.13812345678", "13812345678.5", "revenue 138,001,388", "I000140", "R017",
    "a1b2c313800138851ff", "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "NPS 0-10, CSAT 1-5", "sla 24 48 72", "2024Q4:2026Q3", "@media print { }", "n=1234567",
    "0.05", "10000000000", "20260701123", "v1.2.3@4.5",
])
def test_redact_leaves_ordinary_numbers_alone(text):
    assert R.find_personal_data(text) == [], text
    assert R.redact(text) == text


def test_redact_series_and_other_values():
    s = pd.Series(["ok", "call 13800138851", None, float("nan"), 5])
    out = R.redact(s, "[x]")
    assert out.tolist()[:2] == ["ok", "call [x]"] and out[2] is None and pd.isna(out[3]) and out[4] == 5
    assert R.redact(None) is None and R.redact(12) == 12
    assert R.redact("13800138851", lang="zh") == "[已隐去]" and R.redact("13800138851", lang="en") == "[redacted]"


def test_pseudonyms_are_stable_salted_and_idempotent():
    a = R.pseudonym("R017", "salt")
    assert re.fullmatch(r"Rep-[0-9A-F]{6}", a)
    assert a == R.pseudonym("R017", "salt") != R.pseudonym("R017", "other") != R.pseudonym("R018", "salt")
    assert R.pseudonym(a, "salt") == a


def test_pseudonymize_frames():
    df = pd.DataFrame({"rep_id": ["R1", "R2"], "rep_name": ["王伟", "Li Na"], "x": [1, 2]})
    assert R.pseudonymize(df) is df  # off outside a report
    out = R.pseudonymize(df, enabled=True, salt="s")
    assert out["rep_id"].tolist() == [R.pseudonym("R1", "s"), R.pseudonym("R2", "s")]
    assert out["rep_name"].tolist() == out["rep_id"].tolist() and out["x"].tolist() == [1, 2]
    by_index = R.pseudonymize(df.set_index("rep_id"), enabled=True, salt="s")
    assert list(by_index.index) == out["rep_id"].tolist() and by_index.index.name == "rep_id"
    multi = R.pseudonymize(df.assign(quarter="2026Q3").set_index(["quarter", "rep_id"]), enabled=True, salt="s")
    assert list(multi.index.get_level_values("rep_id")) == out["rep_id"].tolist()
    ids = R.pseudonymize(pd.Series(["R1", None]), enabled=True, salt="s")
    assert ids[0] == R.pseudonym("R1", "s") and pd.isna(ids[1])


def test_suppress_small():
    kpis = pd.DataFrame({"csat_mean": [4.5, 3.0, 2.0], "n_csat_mean": [10, 2, 0], "win_rate": [0.5, 0.4, 0.9],
                         "n_win_rate": [1, 7, 8]}, index=pd.Index(["R1", "R2", "R3"], name="rep_id"))
    out = R.suppress_small(kpis, "n_{}", min_n=5)
    assert out["csat_mean"].tolist()[0] == 4.5 and out["csat_mean"].isna().tolist() == [False, True, True]
    assert out["win_rate"].isna().tolist() == [True, False, False]
    assert out["n_csat_mean"].tolist() == [10, 2, 0]  # the counts stay
    assert out.attrs["kit_suppressed"] == 3 and out.attrs["kit_min_n"] == 5
    assert kpis["csat_mean"].notna().all()  # a copy
    one = R.suppress_small(pd.DataFrame({"score": [1.0, 2.0], "label": ["a", "b"], "n": [3, 9]}), "n", 5,
                           ["score", "label"], flag="suppressed")
    assert one["score"].isna().tolist() == [True, False] and one["label"].tolist() == [None, "b"]
    assert one["suppressed"].tolist() == [True, False]
    with pytest.raises(KeyError, match="n_col 'count' is not a column"):
        R.suppress_small(kpis, "count", 5)
    with pytest.raises(ValueError, match="min_n must be a whole number >= 1"):
        R.suppress_small(kpis, "n_{}", 0)


# =================================================================================================
# snapshots, notebooks, HTML, scanning, kernels, swapping
# =================================================================================================


def test_snapshot_round_trip_is_identical(tmp_path: Path):
    from kit.io import _fingerprint
    from tests import tiny

    data = kit.load(tiny.write_tiny(tmp_path / "d"))
    back = R.read_snapshot(R.write_snapshot(data, tmp_path / "snap"))
    assert back.fingerprints == data.fingerprints
    for name, df in data.tables.items():
        assert _fingerprint(back.tables[name]) == _fingerprint(df), name
        assert list(back.tables[name].dtypes) == list(df.dtypes), name
    assert back.quarters() == data.quarters() and back.instrument == data.instrument
    pd.testing.assert_frame_equal(back.quarantine, data.quarantine, check_dtype=False)


def test_find_notebooks_selection():
    names = [p.stem for p in R.find_notebooks(NOTEBOOKS)]
    assert names == sorted(names) and {"ok_report", "raises", "sleeps", "leaks"} <= set(names)
    assert [p.stem for p in R.find_notebooks(NOTEBOOKS, ["raises.ipynb,ok"])] == ["ok_report", "raises"]
    with pytest.raises(R.ReportError, match="matches none"):
        R.find_notebooks(NOTEBOOKS, ["nope"])
    with pytest.raises(R.ReportError, match="no notebooks"):
        R.find_notebooks(NOTEBOOKS.parent / "stats" if (NOTEBOOKS.parent / "stats").is_dir() else ROOT / "kit")


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


def _assert_self_contained(page: str, where: str) -> None:
    assert not EXTERNAL.search(page), f"{where}: {EXTERNAL.search(page).group(0)}"
    assert not CSS_EXTERNAL.search(page), f"{where}: {CSS_EXTERNAL.search(page).group(0)}"
    assert not MODULE_IMPORT.search(page), where
    for m in re.finditer(r"<script\b[^>]*>", page, re.I):
        assert "src=" not in m.group(0).lower(), f"{where}: {m.group(0)}"
    assert "cdnjs" not in page and "unpkg" not in page and "jsdelivr" not in page and "mathjax" not in page.lower()


def test_render_html_management_and_analyst(tmp_path: Path):
    nb = _fake_executed_notebook()
    m = R.render_html(nb, tmp_path / "m.html", management=True, lang="zh", title="测试")
    a = R.render_html(nb, tmp_path / "a.html", management=False, lang="en")
    mt, at = m.read_text(encoding="utf-8"), a.read_text(encoding="utf-8")
    for page, where in ((mt, "management"), (at, "analyst")):
        _assert_self_contained(page, where)
        assert 'src="data:image/png;base64,iVBORw0KGgo=' in page
        assert "visible_stdout_marker" in page and "fetch(" not in page
    assert '<html lang="zh">' in mt and "<title>测试</title>" in mt
    assert "secret_code_marker" not in _text(mt) and "noisy_warning_marker" not in mt and "Line2D" not in mt
    assert "2026Q3" not in mt and 'class="jp-InputPrompt' not in mt  # no parameters cells
    assert "secret_code_marker" in at and "noisy_warning_marker" in at and "2026Q3" in at
    block = R.render_html(nb, tmp_path / "p.html", management=True, lang="zh", params_block="<p>PARAMS_BLOCK</p>")
    text = block.read_text(encoding="utf-8")
    assert text.index("标题") < text.index("PARAMS_BLOCK") < text.index("visible_stdout_marker")


def test_scan_outputs(tmp_path: Path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "t.csv").write_text("id,comment\n1,ok\n2,call 138 0013 8851\n", encoding="utf-8-sig")
    (tmp_path / "a.html").write_text(
        '<img src="data:image/png;base64,AAAA/13800138851+BBBB==">\n<p>写信 li.na@example.com</p>', encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "QQ/15912345678/QQ", "text/plain": "王伟"})]
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "n.ipynb")
    found = R.scan_outputs(tmp_path, names=["王伟", "Li Na", "X"])
    kinds = sorted((f.file, f.kind) for f in found)
    assert kinds == [("a.html", "e-mail"), ("n.ipynb", "name"), ("results/t.csv", "mobile")]
    assert [f.masked for f in found if f.kind == "mobile"] == ["138****8851"]
    assert str([f for f in found if f.kind == "mobile"][0]) == "results/t.csv, line 3: mobile 138****8851"


def test_kernel_needs_no_installed_kernelspec(monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    def none(self, name):
        raise NoSuchKernel(name)

    monkeypatch.setattr(KernelSpecManager, "get_kernel_spec", none)
    monkeypatch.setattr(KernelSpecManager, "find_kernel_specs", lambda self: {})
    km = R.kernel_manager_class()(kernel_name=R.KERNEL_NAME)
    assert km.kernel_spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]
    assert km.kernel_spec.language == "python"


@pytest.mark.parametrize("exchange", [True, False])
def test_swap_in_replaces_a_folder_whole(tmp_path: Path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(R, "_rename_exchange", lambda a, b: False)
    final = tmp_path / "2026Q3"
    final.mkdir()
    (final / "old.txt").write_text("old")
    new = tmp_path / ".2026Q3.tmp-x"
    new.mkdir()
    (new / "new.txt").write_text("new")
    R._swap_in(new, final)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026Q3"]
    assert [p.name for p in final.iterdir()] == ["new.txt"]


def test_recover_restores_a_parked_report_and_removes_stale_temp_folders(tmp_path: Path):
    dead = 2 ** 22 + 12345  # no such process
    parked = tmp_path / f".2026Q3.old-20260101T000000-{dead}"
    parked.mkdir()
    (parked / "manifest.json").write_text("{}")
    stale = tmp_path / f".2026Q3.tmp-20260101T000000-{dead}-abcdef"
    stale.mkdir()
    R._recover(tmp_path, "2026Q3")
    assert (tmp_path / "2026Q3" / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026Q3"]


def test_cache_key_changes_with_each_input():
    params = P.validate({"min_n": 5})
    key = R._cache_key(params, {"a": "1"}, {"reps": "f"})
    assert key == R._cache_key(dict(params), {"a": "1"}, {"reps": "f"})
    assert key != R._cache_key({**params, "min_n": 6}, {"a": "1"}, {"reps": "f"})
    assert key != R._cache_key(params, {"a": "2"}, {"reps": "f"})
    assert key != R._cache_key(params, {"a": "1"}, {"reps": "g"})
    assert key != R._cache_key({**params, "pseudonym_salt": "s"}, {"a": "1"}, {"reps": "f"})


def test_pseudonyms_reach_free_text(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(R, "_CURRENT", None)
    from tests import tiny

    R.begin(source=str(tiny.write_tiny(tmp_path / "d")), quarter="2026Q3", results_dir=str(tmp_path / "res"),
            pseudonymize=True, pseudonym_salt="pepper", show=False)
    R.save_table(pd.DataFrame({"rep_id": ["R1"], "note": ["R1 (王伟) and R2 rose; R10 is no rep"]}), "t")
    saved = pd.read_csv(tmp_path / "res" / "t.csv", encoding="utf-8-sig")
    p1, p2 = R.pseudonym("R1", "pepper"), R.pseudonym("R2", "pepper")
    assert saved["rep_id"].tolist() == [p1]
    assert saved["note"].tolist() == [f"{p1} ({p1}) and {p2} rose; R10 is no rep"]
    path = R.save_next_quarter_params({"csat_mean": 60, "revenue_won": 40}, reasons={"csat_mean": "gamed by R2"})
    assert f"csat_mean: 60  # gamed by {p2}" in path.read_text(encoding="utf-8")


def test_waves_run_summaries_last():
    paths = [Path(f"{n}.ipynb") for n in ("00_data_quality", "10_satisfaction_drivers", "90_management_summary",
                                          "ok_report", "95_extra")]
    assert [[p.stem for p in w] for w in R._waves(paths)] == [
        ["00_data_quality", "10_satisfaction_drivers", "ok_report"], ["90_management_summary", "95_extra"]]
    assert R._waves([Path("raises.ipynb")]) == [[Path("raises.ipynb")]]


def test_quick_quarters():
    avail = ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert R._quick_quarters("latest", avail) == ["2026Q3"] and R._quick_quarters(None, avail) == ["2026Q3"]
    assert R._quick_quarters("all", avail) == avail
    assert R._quick_quarters("2025Q4:2026Q2", avail) == ["2025Q4", "2026Q1", "2026Q2"]
    assert R._quick_quarters(["2026Q3", "2025q3"], avail) == ["2025Q3", "2026Q3"]
    assert R._quick_quarters("2026Q3,2025Q4", avail) == ["2025Q4", "2026Q3"]
    for spec in ("2024Q1", "2026Q3:2025Q4", "FY2026", "2026-Q3:2026-Q3:2026Q3"):
        assert R._quick_quarters(spec, avail) is None, spec  # left to the full path and its messages


def test_notebook_helpers_outside_a_run(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(R, "_CURRENT", None)
    from tests import tiny

    data_dir = tiny.write_tiny(tmp_path / "d")
    rep = R.begin(source=str(data_dir), quarter="2026Q3", results_dir=str(tmp_path / "res"), lang="en", show=False)
    assert rep.quarter == "2026Q3" and rep.lang == "en" and R.current() is rep
    assert len(rep.data.reps) == 3
    shown = R.show_parameters()
    assert "weights" in shown["parameter"].tolist() and "pseudonym_salt" not in shown["parameter"].tolist()
    covered = R.show_data_covered(rep.data, "2026Q3")
    assert covered.loc["interactions", "rows_in_quarter"] == 10 and pd.isna(covered.loc["reps", "rows_in_quarter"])
    df = pd.DataFrame({"rep_id": ["R1"], "comment": ["mail li.na@example.com"]})
    assert R.save_table(df, "t") is None
    saved = pd.read_csv(tmp_path / "res" / "t.csv", encoding="utf-8-sig")
    assert saved["comment"].tolist() == ["mail [redacted]"]
    with pytest.raises(ValueError, match="name must be letters"):
        R.save_table(df, "../escape")
    path = R.save_next_quarter_params({"csat_mean": 60, "revenue_won": 40}, reasons={"csat_mean": "valid, +10"})
    text = path.read_text(encoding="utf-8")
    assert "quarter: 2026Q4" in text and "csat_mean: 60  # valid, +10" in text
    assert P.validate(P.read(path))["weights"] == {"csat_mean": 60.0, "revenue_won": 40.0}
    with pytest.raises(P.ParamsError, match="sum to 100"):
        R.save_next_quarter_params({"csat_mean": 60})
    latest = R.begin(source=str(data_dir), show=False)
    assert latest.quarter == "2026Q4"  # the latest quarter of the data


# =================================================================================================
# real runs
# =================================================================================================


def test_shared_run_writes_both_quarters(shared):
    assert shared.result.ok, shared.result.summary()
    assert [q.status for q in shared.result.quarters] == ["ok", "ok"]
    names = sorted(p.name for p in shared.out.iterdir())
    assert names == [".cache", "2026Q2", "2026Q3", "index.html"]  # no temporary folder left
    for q in ("2026Q2", "2026Q3"):
        folder = shared.out / q
        for rel in ("index.html", "manifest.json", "parameters.yaml", "parameters_" + ("2026Q3" if q == "2026Q2" else "2026Q4") + ".yaml",
                    "management/ok_report.html", "analyst/ok_report.html", "notebooks/ok_report.ipynb",
                    "results/test_channels.csv", "results/test_rep_kpis.csv"):
            assert (folder / rel).is_file(), f"{q}/{rel}"


def test_progress_lines(shared):
    pattern = re.compile(r"^(data: .+|kit run: .+|\[2026Q[23]\] (running .+|ok_report\s+ok\s+\d+\.\d s|done in .+))$")
    assert all(pattern.match(line) for line in shared.lines), shared.lines
    assert sum(bool(re.match(r"^\[2026Q[23]\] ok_report\s+ok", line)) for line in shared.lines) == 2


def test_manifest(shared):
    m = _manifest(shared.out / "2026Q3")
    assert m["status"] == "ok" and m["quarter"] == "2026Q3" and m["kit_version"] == kit.__version__
    assert m["lang"] == "zh" and len(m["cache_key"]) == 32
    assert m["parameters"]["min_n"] == 5 and "pseudonym_salt" not in m["parameters"]
    assert sum(m["parameters"]["weights"].values()) == pytest.approx(100)
    assert m["data"]["fingerprints"] == kit.load(shared.data).fingerprints
    assert m["data"]["rows"]["interactions"] == 11
    nb = m["notebooks"][0]
    assert nb["name"] == "ok_report" and nb["status"] == "ok" and nb["duration_s"] > 0
    import hashlib

    assert nb["sha256"] == hashlib.sha256((NOTEBOOKS / "ok_report.ipynb").read_bytes()).hexdigest()
    assert set(nb["results"]) >= {"test_channels.csv", "test_rep_kpis.csv", "next_quarter_params.yaml"}
    for pkg in ("python", "papermill", "nbconvert", "pandas", "matplotlib", "kit"):
        assert m["packages"][pkg], pkg
    assert m["next_quarter_parameters"] == {"quarter": "2026Q4", "file": "parameters_2026Q4.yaml"}
    assert m["privacy"]["findings"] == [] and m["kernel"]["python"] == sys.executable
    assert m["parameter_files"][0]["path"].endswith("default.yaml")


def test_reports_are_self_contained_and_management_has_no_code(shared):
    folder = shared.out / "2026Q3"
    mgmt = (folder / "management" / "ok_report.html").read_text(encoding="utf-8")
    analyst = (folder / "analyst" / "ok_report.html").read_text(encoding="utf-8")
    for page, where in ((mgmt, "management"), (analyst, "analyst"),
                        ((folder / "index.html").read_text(encoding="utf-8"), "index"),
                        ((shared.out / "index.html").read_text(encoding="utf-8"), "overview")):
        _assert_self_contained(page, where)
    assert '<html lang="zh">' in mgmt and "本报告采用的参数" in mgmt and "数据范围" in mgmt
    assert re.search(r'<img[^>]+src="data:image/png;base64,', mgmt)  # the chart, embedded
    assert "kit.report.begin" not in _text(mgmt) and "import matplotlib" not in _text(mgmt)  # no code
    assert "injected-parameters" not in mgmt and "data_snapshot" not in mgmt
    assert "a warning that only the analyst report shows" not in mgmt  # no stderr noise
    assert 'class="jp-InputPrompt' not in mgmt and 'class="jp-OutputPrompt' not in mgmt
    assert "kit.report.begin" in _text(analyst) and "a warning that only the analyst report shows" in analyst
    assert "[已隐去]" in mgmt and "王伟" in mgmt  # redacted comment; names shown (pseudonyms off)


def test_results_parameters_and_index_pages(shared):
    folder = shared.out / "2026Q3"
    kpis = pd.read_csv(folder / "results" / "test_rep_kpis.csv", encoding="utf-8-sig")
    assert kpis["comment"].tolist() == ["回访电话 [已隐去]"] * 3
    chan = pd.read_csv(folder / "results" / "test_channels.csv", encoding="utf-8-sig")
    assert chan.set_index("channel")["interactions"].to_dict() == {"email": 3, "phone": 4, "chat": 1, "visit": 1,
                                                                   "meeting": 1}
    nxt = P.read(folder / "parameters_2026Q4.yaml")
    assert nxt["quarter"] == "2026Q4" and P.validate(nxt)["weights"]["revenue_won"] == 20
    in_force = P.read(folder / "parameters.yaml")
    assert in_force["quarter"] == "2026Q3" and "pseudonym_salt" not in in_force
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "2026Q3 季度报告" in index and "下季度（2026Q4）参数建议" in index
    for href in re.findall(r'href="([^"#]+)"', index):
        assert (folder / href).is_file(), href
    overview = (shared.out / "index.html").read_text(encoding="utf-8")
    assert 'href="2026Q3/index.html"' in overview and 'href="2026Q2/index.html"' in overview
    executed = nbformat.read(folder / "notebooks" / "ok_report.ipynb", as_version=4)
    assert executed.metadata["kernelspec"]["name"] == "python3"  # opens with the notebook's own kernel


def test_unchanged_rerun_is_skipped_quickly(shared):
    lines: list[str] = []
    before = {q: _manifest(shared.out / q)["started_at"] for q in ("2026Q2", "2026Q3")}
    t0 = time.perf_counter()
    res = R.run("2026Q2:2026Q3", source=str(shared.data), out=shared.out, notebooks=["ok_report"],
                notebook_dir=NOTEBOOKS, jobs=2, params_dir=shared.params_dir, echo=lines.append)
    took = time.perf_counter() - t0
    assert [q.status for q in res.quarters] == ["skipped", "skipped"] and res.ok
    assert sum("unchanged, skipped" in line for line in lines) == 2
    assert took < shared.seconds / 20, (took, shared.seconds)
    assert {q: _manifest(shared.out / q)["started_at"] for q in ("2026Q2", "2026Q3")} == before


def test_changed_parameters_or_force_run_again(shared, tmp_path: Path):
    out = tmp_path / "outputs"
    shutil.copytree(shared.out, out)
    old = _manifest(out / "2026Q3")
    res = R.run("2026Q3", source=str(shared.data), out=out, notebooks=["ok_report"], notebook_dir=NOTEBOOKS,
                params_dir=shared.params_dir, overrides={"min_n": 3}, echo=lambda s: None)
    assert res.quarters[0].status == "ok"
    new = _manifest(out / "2026Q3")
    assert new["cache_key"] != old["cache_key"] and new["parameters"]["min_n"] == 3
    lines: list[str] = []
    res = R.run("2026Q3", source=str(shared.data), out=out, notebooks=["ok_report"], notebook_dir=NOTEBOOKS,
                params_dir=shared.params_dir, overrides={"min_n": 3}, force=True, echo=lines.append)
    assert res.quarters[0].status == "ok" and not any("skipped" in line for line in lines)
    assert _manifest(out / "2026Q3")["started_at"] >= new["started_at"]
    assert not [p for p in out.iterdir() if p.name.startswith(".2026Q3")]


def test_failing_notebook_keeps_previous_report_and_other_quarters_go_on(shared, tmp_path: Path):
    out = tmp_path / "outputs"
    shutil.copytree(shared.out, out)
    before = (out / "2026Q2" / "manifest.json").read_bytes()
    proc = _cli("run", "--quarters", "2026Q2:2026Q3", "--source", str(shared.data), "--out", str(out),
                "--notebook-dir", str(NOTEBOOKS), "--notebooks", "raises", "--jobs", "2", "--lang", "en",
                "--set", "min_n=4", cwd=shared.params_dir.parent)
    assert proc.returncode == 5, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "kit run: FAILED for 2026Q2" in proc.stderr
    # the summary names the notebook, the cell and the exception line
    assert re.search(r"- raises: cell \d+ \(In \[\d+\]\): ValueError: planted failure for 2026Q2 at "
                     r"`raise ValueError\(f\"planted failure for \{report.quarter\}\"\)`", proc.stdout), proc.stdout
    for line in proc.stdout.splitlines():  # whole lines even with two quarters at once
        assert re.match(r"^(data: |kit run: |\[2026Q[23]\] |FAILED 2026Q2|  - raises|    executed copy)", line), line
    assert (out / "2026Q2" / "manifest.json").read_bytes() == before  # previous good report kept
    failed = sorted(out.glob("2026Q2.failed-*"))
    assert len(failed) == 1
    executed = nbformat.read(failed[0] / "notebooks" / "raises.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "ValueError"
    fm = _manifest(failed[0])
    assert fm["status"] == "failed" and fm["notebooks"][0]["error"]["ename"] == "ValueError"
    # the other quarter went on and replaced its report (in English now)
    q3 = _manifest(out / "2026Q3")
    assert q3["status"] == "ok" and q3["lang"] == "en" and [n["name"] for n in q3["notebooks"]] == ["raises"]
    assert "Reports for 2026Q3" in (out / "2026Q3" / "index.html").read_text(encoding="utf-8")
    overview = (out / "index.html").read_text(encoding="utf-8")
    assert "2026Q2.failed-" in overview and 'href="2026Q2.failed' not in overview
    assert not [p for p in out.iterdir() if p.name.startswith(".2026")]


def _wait_for(predicate, timeout: float, proc: subprocess.Popen) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if predicate():
            return
        if proc.poll() is not None:
            raise AssertionError(f"kit run ended early: {proc.returncode}\n{proc.stdout.read() if proc.stdout else ''}")
        time.sleep(0.2)
    raise AssertionError("timed out")


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=30)


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_killed_run_leaves_the_previous_report_intact(shared, tmp_path: Path, how):
    out = tmp_path / "outputs"
    shutil.copytree(shared.out, out)
    before = {p.relative_to(out / "2026Q3"): p.read_bytes() for p in (out / "2026Q3").rglob("*") if p.is_file()}
    notebooks = "ok_report,sleeps"  # run side by side (or one after the other on one CPU)
    cmd = [sys.executable, "-m", "kit.cli", "run", "--quarter", "2026Q3", "--source", str(shared.data), "--out",
           str(out), "--notebook-dir", str(NOTEBOOKS), "--notebooks", notebooks, "--force"]
    proc = subprocess.Popen(cmd, cwd=shared.params_dir.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        # midway: the sleeping notebook is running in the temporary folder
        def sleeping() -> bool:
            return any((p / "logs" / "sleeps.kernel.log").exists() for p in out.glob(".2026Q3.tmp-*"))

        _wait_for(sleeping, 120, proc)
        time.sleep(1.0)
        if how == "SIGKILL":
            proc.kill()  # the run, not its kernels: as when a machine or scheduler kills it
            proc.wait(timeout=30)
            temps = list(out.glob(".2026Q3.tmp-*"))
            assert len(temps) == 1 and not (temps[0] / "manifest.json").exists()
        else:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 130
            assert "interrupted" in proc.stdout.read()
            assert not list(out.glob(".2026Q3.tmp-*"))  # removed on the way out
    finally:
        _kill_group(proc)
    after = {p.relative_to(out / "2026Q3"): p.read_bytes() for p in (out / "2026Q3").rglob("*") if p.is_file()}
    assert after == before  # the previous good report, byte for byte
    # nothing half-written passes for a report: the overview lists the good ones only
    R._write_overview(out, "zh")
    overview = (out / "index.html").read_text(encoding="utf-8")
    assert ".tmp-" not in overview and 'href="2026Q3/index.html"' in overview
    # the next run tidies up what the killed one left
    res = R.run("2026Q3", source=str(shared.data), out=out, notebooks=["ok_report"], notebook_dir=NOTEBOOKS,
                params_dir=shared.params_dir, echo=lambda s: None)
    assert res.quarters[0].status == "skipped"
    assert not list(out.glob(".2026Q3.*"))


def test_personal_data_in_an_output_fails_the_quarter(shared, tmp_path: Path):
    out = tmp_path / "outputs"
    shutil.copytree(shared.out, out)
    before = (out / "2026Q3" / "manifest.json").read_bytes()
    res = R.run("2026Q3", source=str(shared.data), out=out, notebooks=["leaks"], notebook_dir=NOTEBOOKS,
                params_dir=shared.params_dir, echo=lambda s: None)
    q = res.quarters[0]
    assert q.status == "failed" and not res.ok
    assert "personal data in the outputs" in res.summary()
    assert "w***@example.com" in res.summary() and "138****8851" in res.summary()
    assert "wang.wei@example.com" not in res.summary() and "13800138851" not in res.summary()
    assert (out / "2026Q3" / "manifest.json").read_bytes() == before


def test_pseudonymized_run(tmp_path: Path):
    data, params = make_inputs(tmp_path)
    out = tmp_path / "outputs"
    res = R.run("2026Q3", source=str(data), out=out, notebooks=["ok_report"], notebook_dir=NOTEBOOKS,
                params_dir=params, pseudonymize=True, overrides={"pseudonym_salt": "s3cret-salt"},
                echo=lambda s: None)
    assert res.ok, res.summary()
    folder = out / "2026Q3"
    kpis = pd.read_csv(folder / "results" / "test_rep_kpis.csv", encoding="utf-8-sig")
    assert kpis["rep_id"].tolist() == [R.pseudonym(r, "s3cret-salt") for r in ("R1", "R2", "R3")]
    assert kpis["rep_name"].tolist() == kpis["rep_id"].tolist()
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*")
             if p.is_file() and p.suffix in {".html", ".csv", ".ipynb", ".json", ".yaml", ".log"}]
    for name in ("王伟", "Li Na", "张敏", "s3cret-salt"):
        assert not any(name in t for t in texts), name
    m = _manifest(folder)
    assert m["privacy"]["pseudonymized"] is True and m["parameters"]["pseudonymize"] is True
    assert "销售人员姓名已替换为化名" in (folder / "management" / "ok_report.html").read_text(encoding="utf-8")


def test_cli_schema_and_parameter_errors_stop_before_any_notebook(tmp_path: Path):
    from tests import tiny

    bad = tiny.write_tiny(tmp_path / "bad", tables={**tiny.TABLES, "reps": [["rep_id", "team"], ["R1", "x"]]})
    out = tmp_path / "outputs"
    proc = _cli("run", "--quarter", "2026Q3", "--source", str(bad), "--out", str(out), "--notebook-dir", str(NOTEBOOKS))
    assert proc.returncode == 2, proc.stderr
    assert "column 'rep_name' is missing" in proc.stderr and "Traceback" not in proc.stderr
    assert not (out / "2026Q3").exists()
    good = tiny.write_tiny(tmp_path / "good")
    proc = _cli("run", "--quarter", "2026Q3", "--source", str(good), "--out", str(out), "--notebook-dir",
                str(NOTEBOOKS), "--set", "min_n=0", "--set", "lang=fr")
    assert proc.returncode == 4 and "Traceback" not in proc.stderr
    assert "min_n must be a whole number >= 1; got 0" in proc.stderr and "lang must be one of zh, en" in proc.stderr
    proc = _cli("run", "--quarter", "2019Q1", "--source", str(good), "--out", str(out), "--notebook-dir", str(NOTEBOOKS))
    assert proc.returncode == 4 and "no data for 2019Q1" in proc.stderr and "2026Q2 to 2026Q4" in proc.stderr
    assert not [p for p in out.iterdir() if p.name.startswith("2026")] if out.exists() else True


def test_unchanged_rerun_from_the_command_line_loads_no_pandas(shared, tmp_path: Path):
    out = tmp_path / "outputs"
    shutil.copytree(shared.out, out)
    code = ("import sys, runpy; sys.argv = ['kit'] + sys.argv[1:]\n"
            "try:\n    runpy.run_module('kit.cli', run_name='__main__')\n"
            "except SystemExit as e:\n    print('EXIT', e.code, 'pandas' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code, "run", "--quarters", "2026Q2:2026Q3", "--source", str(shared.data),
                           "--out", str(out), "--notebook-dir", str(NOTEBOOKS), "--notebooks", "ok_report"],
                          cwd=shared.params_dir.parent, capture_output=True, text=True, timeout=120)
    assert proc.stdout.count("unchanged, skipped") == 2, proc.stdout + proc.stderr
    assert "EXIT 0 False" in proc.stdout  # decided from hashes: no pandas, no kit.load, no kernel


def test_existing_commands_still_work():
    proc = _cli("--help")
    assert proc.returncode == 0
    for name in ("validate", "kpis", "sample", "run"):
        assert name in proc.stdout


def test_tables_are_shown_with_labels_in_the_report_language():
    import pandas as pd

    from kit.report import _labelled

    df = pd.DataFrame({"importance": [0.3], "quadrant": ["fix first"], "quality": [3.9], "sla_met_rate": [0.7],
                       "n_sla_met_rate": [12], "custom": [1], "flag": [False]},
                      index=pd.Index(["responsiveness"], name="dimension"))
    zh = _labelled(df, "zh")
    assert list(zh.columns) == ["重要性", "象限", "产品/服务质量", "SLA 内解决率", "n · SLA 内解决率", "custom", "低于 0.7"]
    assert zh.iloc[0]["低于 0.7"] == "否"
    assert zh.iloc[0]["象限"] == "优先改进" and list(zh.index) == ["响应速度"] and zh.index.name == "维度"
    en = _labelled(df, "en")
    assert list(en.columns)[:2] == ["importance", "quadrant"] and en.iloc[0]["quadrant"] == "fix first"
    assert list(df.columns)[0] == "importance"   # the table itself (and its CSV) keeps the machine names
