"""Privacy: redaction, pseudonyms, small-n suppression and the output scan (kit/report/privacy.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import kit.report as R


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
    assert re.fullmatch(r"Rep-[0-9A-F]{12}", a)
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
    assert isinstance(out, R.Suppressed) and out.blanked == 3 and out.min_n == 5  # typed, no attrs
    assert list(out.table.columns) == list(kpis.columns) and not out.table.attrs
    assert kpis["csat_mean"].notna().all()  # a copy
    one = R.suppress_small(pd.DataFrame({"score": [1.0, 2.0], "label": ["a", "b"], "n": [3, 9]}), "n", 5,
                           ["score", "label"], flag="suppressed")
    assert one["score"].isna().tolist() == [True, False] and one["label"].tolist() == [None, "b"]
    assert one["suppressed"].tolist() == [True, False]
    with pytest.raises(KeyError, match="n_col 'count' is not a column"):
        R.suppress_small(kpis, "count", 5)
    with pytest.raises(ValueError, match="min_n must be a whole number >= 1"):
        R.suppress_small(kpis, "n_{}", 0)


def test_scan_outputs(tmp_path: Path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "t.csv").write_text("id,comment\n1,ok\n2,call 138 0013 8851\n", encoding="utf-8-sig")
    (tmp_path / "a.html").write_text(
        '<img src="data:image/png;base64,AAAA/13800138851+BBBB==">\n<p>写信 li.na@example.com</p>', encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data",
                                           data={"image/png": "QQ/15912345678/QQ", "text/plain": "王伟"})]
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "n.ipynb")
    found = R.scan_outputs(tmp_path, names=["王伟", "Li Na", "X"])
    kinds = sorted((f.file, f.kind) for f in found)
    assert kinds == [("a.html", "e-mail"), ("n.ipynb", "name"), ("results/t.csv", "mobile")]
    assert [f.masked for f in found if f.kind == "mobile"] == ["138****8851"]
    assert str([f for f in found if f.kind == "mobile"][0]) == "results/t.csv, line 3: mobile 138****8851"


def test_pseudonyms_reach_free_text(tmp_path: Path):
    from tests import tiny

    report = R.begin(source=str(tiny.write_tiny(tmp_path / "d")), quarter="2026Q3", results_dir=str(tmp_path / "res"),
                     pseudonymize=True, pseudonym_salt="pepper", show=False)
    report.save_table(pd.DataFrame({"rep_id": ["R1"], "note": ["R1 (王伟) and R2 rose; R10 is no rep"]}), "t")
    saved = pd.read_csv(tmp_path / "res" / "t.csv", encoding="utf-8-sig")
    p1, p2 = R.pseudonym("R1", "pepper"), R.pseudonym("R2", "pepper")
    assert saved["rep_id"].tolist() == [p1]
    assert saved["note"].tolist() == [f"{p1} ({p1}) and {p2} rose; R10 is no rep"]
    path = report.save_next_quarter_params({"csat_mean": 60, "revenue_won": 40}, reasons={"csat_mean": "gamed by R2"})
    assert f"csat_mean: 60  # gamed by {p2}" in path.read_text(encoding="utf-8")
    # the helpers themselves take their settings as arguments: nothing is in force behind them
    R.save_table(pd.DataFrame({"rep_id": ["R1"]}), "plain", results_dir=tmp_path / "res")
    assert pd.read_csv(tmp_path / "res" / "plain.csv", encoding="utf-8-sig")["rep_id"].tolist() == ["R1"]
