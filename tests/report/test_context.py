"""The notebook API: begin, tables shown and saved (kit/report/context.py, kit/report/tables.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import kit.report as R
from kit import params as P


def test_notebook_helpers_outside_a_run(tmp_path: Path):
    from tests import tiny

    data_dir = tiny.write_tiny(tmp_path / "d")
    rep = R.begin(source=str(data_dir), quarter="2026Q3", results_dir=str(tmp_path / "res"), lang="en", show=False)
    assert rep.quarter == "2026Q3" and rep.lang == "en" and not hasattr(R, "current")  # no report "in force"
    assert len(rep.data.reps) == 3
    assert rep.settings.analysis.n_boot == 1000 and rep.settings.min_n == 5  # typed, from default.yaml
    shown = R.show_parameters(rep.params, lang=rep.lang)
    assert "weights" in shown["parameter"].tolist() and "pseudonym_salt" not in shown["parameter"].tolist()
    covered = R.show_data_covered(rep.data, "2026Q3")
    assert covered.loc["interactions", "rows_in_quarter"] == 10 and pd.isna(covered.loc["reps", "rows_in_quarter"])
    df = pd.DataFrame({"rep_id": ["R1"], "comment": ["mail li.na@example.com"]})
    assert rep.save_table(df, "t") is None
    saved = pd.read_csv(tmp_path / "res" / "t.csv", encoding="utf-8-sig")
    assert saved["comment"].tolist() == ["mail [redacted]"]
    with pytest.raises(ValueError, match="name must be letters"):
        rep.save_table(df, "../escape")
    path = rep.save_next_quarter_params({"csat_mean": 60, "revenue_won": 40}, reasons={"csat_mean": "valid, +10"})
    text = path.read_text(encoding="utf-8")
    assert "quarter: 2026Q4" in text and "csat_mean: 60  # valid, +10" in text
    assert P.validate(P.read(path))["weights"] == {"csat_mean": 60.0, "revenue_won": 40.0}
    with pytest.raises(P.ParamsError, match="sum to 100"):
        rep.save_next_quarter_params({"csat_mean": 60})
    latest = R.begin(source=str(data_dir), show=False)
    assert latest.quarter == "2026Q4"  # the latest quarter of the data


def test_tables_are_shown_with_labels_in_the_report_language():
    import pandas as pd

    from kit.report.tables import _labelled

    df = pd.DataFrame({"importance": [0.3], "quadrant": ["fix first"], "quality": [3.9], "sla_met_rate": [0.7],
                       "n_sla_met_rate": [12], "custom": [1], "flag": [False]},
                      index=pd.Index(["responsiveness"], name="dimension"))
    zh = _labelled(df, "zh")
    assert list(zh.columns) == ["重要性", "象限", "产品/服务质量", "SLA 内解决率", "n · SLA 内解决率", "custom",
                                "低于 0.7"]
    assert zh.iloc[0]["低于 0.7"] == "否"
    assert zh.iloc[0]["象限"] == "优先改进" and list(zh.index) == ["响应速度"] and zh.index.name == "维度"
    en = _labelled(df, "en")
    assert list(en.columns)[:2] == ["importance", "quadrant"] and en.iloc[0]["quadrant"] == "fix first"
    assert list(df.columns)[0] == "importance"   # the table itself (and its CSV) keeps the machine names


def test_an_analysis_is_computed_once_per_run_and_read_back(tmp_path: Path):
    from tests import tiny

    data_dir = tiny.write_tiny(tmp_path / "d")
    calls = []

    def analysis(data, quarter, *, k):
        calls.append(k)
        return R.Suppressed(pd.DataFrame({"x": [float(k), None]}, index=pd.Index(["R1", "R2"], name="rep_id")),
                            blanked=1, min_n=k)

    first = R.begin(source=str(data_dir), quarter="2026Q3", saved_dir=str(tmp_path / "saved"), show=False)
    a = first.result("demo", analysis, first.data, first.quarter, k=3)
    second = R.begin(source=str(data_dir), quarter="2026Q3", saved_dir=str(tmp_path / "saved"), show=False)
    b = second.result("demo", analysis, second.data, second.quarter, k=3)
    assert calls == [3]  # the second notebook read the first one's result
    assert type(b) is R.Suppressed and b.min_n == 3 and b.blanked == 1
    pd.testing.assert_frame_equal(a.table, b.table)
    second.result("demo", analysis, second.data, second.quarter, k=4)
    assert calls == [3, 4]  # other arguments: computed again
    alone = R.begin(source=str(data_dir), quarter="2026Q3", show=False)  # JupyterLab: no run folder
    alone.result("demo", analysis, alone.data, alone.quarter, k=3)
    assert calls == [3, 4, 3]
