"""The notebook API: begin, tables shown and saved (kit/report/context.py, kit/report/tables.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import kit.report as R
from kit import params as P
from kit.report import context


def test_notebook_helpers_outside_a_run(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(context, "_CURRENT", None)
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


def test_tables_are_shown_with_labels_in_the_report_language():
    import pandas as pd

    from kit.report.tables import _labelled

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
