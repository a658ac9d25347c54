"""Sentences of the reports (kit.narrative): the numbers they carry and their edge cases."""

from __future__ import annotations

import pandas as pd

from kit import narrative


def test_rows_sentence_with_and_without_quarantine():
    s = pd.DataFrame({"rows_in": [100, 50], "rows_quarantined": [3, 0]})
    assert narrative.rows(s, "en") == ["150 rows were read; 3 (2.0%) were set aside for problems and are not used."]
    assert narrative.rows(s.assign(rows_quarantined=0), "zh") == ["共读入 150 行,没有需要隔离的问题行。"]


def test_trend_needs_a_previous_quarter():
    trends = pd.DataFrame({"n": [10, 12], "csat": [4.0, 3.9], "quality": [3.5, 3.6], "transparency": [3.8, 3.4]},
                          index=["2026Q2", "2026Q3"])
    assert narrative.trend(trends, "2026Q2", "en") == []
    got = narrative.trend(trends, "2026Q3", "en")[0]
    assert "Overall CSAT is 3.90 this quarter (-0.10 on the previous quarter)" in got
    assert "The largest change is transparency: -0.40." in got
    assert narrative.trend(trends, "2025Q1", "en") == []


def test_reliability_flags_weak_dimensions():
    rel = pd.DataFrame({"alpha": [0.81, 0.62], "flag": [False, True]}, index=["quality", "proactivity"])
    assert narrative.reliability(rel, "zh") == ["低于 0.7 的常用标准:主动性。解读其得分需谨慎。"]
    rel["flag"] = False
    assert "0.62 to 0.81" in narrative.reliability(rel, "en")[0]


def test_validity_lists_not_valid_kpis_by_name_and_gaming():
    val = pd.DataFrame({"verdict": ["valid", "not valid", "insufficient data"], "gaming": [False, True, False],
                        "gaming_reps": [[], ["R015"], []]},
                       index=["sla_met_rate", "personalized_proposals", "win_rate"])
    got = narrative.validity(val, "en")
    assert got[0] == "Of 3 KPIs, 1 are valid, 0 show weak evidence, 1 are not valid and 1 have too little data."
    assert got[1] == "Not valid: Personalized proposals."
    assert "R015" in got[2] and "Personalized proposals" in got[2]


def test_rep_ids_in_sentences_follow_the_pseudonymize_parameter():
    import kit

    val = pd.DataFrame({"verdict": ["not valid"], "gaming": [True], "gaming_reps": [["R015"]],
                        "reason": ["Gaming warning: for R015 it rose."], "dimension": ["personalization"],
                        "coverage": [0.9], "reliability": [0.8], "r_target": [0.0], "r_target_ci_low": [-0.3],
                        "r_target_ci_high": [0.3]}, index=["personalized_proposals"])
    report = kit.report.begin(lang="en", pseudonymize=True, pseudonym_salt="s", source="data/samples", load=False,
                              show=False, quarter="2026Q3")
    said = " ".join(narrative.validity(val, "en", pseudonymize=report.pseudonymize))
    table = narrative.validity_table(val, "en", pseudonymize=report.pseudonymize)
    shown = kit.report.pseudonym("R015", "s")
    assert "R015" not in said and shown in said
    assert "R015" not in table["reason"].iloc[0] and shown in table["reason"].iloc[0]
    # without the report's callable, the ids are shown as they are
    assert "R015" in " ".join(narrative.validity(val, "en"))
