"""Every KPI against the tiny hand-built data set (tests/tiny.py), worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import kit
from kit.kpis import Aggregate, BusinessHours, KPIError, KPISettings, kpi, rate
from tests import tiny


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return kit.load(tiny.write_tiny(tmp_path_factory.mktemp("tiny")))


@pytest.fixture(scope="module")
def q3(data):
    return kit.kpis.compute(data, quarter="2026Q3")


# R1 in 2026Q3 (hand arithmetic; rows of tests/tiny.py):
#  surveys credited to R1: S1 (own rep_id), S2 (via interaction I2), S3 (via owner of C2),
#  S5 (via interaction I11, handled by R1 though C3 is R2's); S6 is 2026Q2.
#  customer-raised issues: I1 complaint, I2 inquiry, I3 request, I5 complaint (I10 is 2026Q2).
#  all interactions: I1 I2 I3 I4 I5 I6 I11 = 7; proactive: I4 I6 I11 = 3.
#  deals closed in Q3: D1 won 1000 (NA, pers), D2 lost 500 (NA), D6 won 250.50;
#  deals created in Q3: D2, D3 (pers), D6.
R1 = {
    "csat_mean": (3.25, 4),                        # (5 + 3 + 4 + 1) / 4
    "csat_top2_rate": (0.5, 4),                    # 5 and 4 of four responses
    "nps": (0.0, 3),                               # S1 10 promoter, S2 7 passive, S5 0 detractor: (1 - 1) / 3
    "resolution_hours_median": (48.0, 3),          # I1 24 h, I2 72 h, I5 48 h; I3 unresolved
    "sla_met_rate": (0.5, 4),                      # I1 24<=24 yes, I2 72<=100 yes, I3 unresolved no, I5 48>24 no
    "first_contact_resolution_rate": (2 / 3, 3),   # resolved with contacts: I1 1, I2 3, I5 1
    "reopen_rate": (1 / 3, 3),                     # resolved: I1 no, I2 yes, I5 no
    "needs_understood_score": (4.0, 3),            # q_communication_1: S1 5, S3 4, S5 3
    # S1 (4 + (6-2))/2 = 4, S2 3 (one of two answered), S5 (5 + (6-1))/2 = 5; S3 none
    "transparency_score": (4.0, 3),
    "first_response_hours_median": (2.0, 3),       # I1 2 h, I2 26 h, I5 1 h
    "callback_within_24h_rate": (2 / 3, 3),        # phone/e-mail: I1 2 h yes, I2 26 h no, I5 1 h yes
    "needs_analysis_success_rate": (0.5, 2),       # D1 won, D2 lost
    "personalized_proposals": (1.0, 3),            # created in Q3: D2 no, D3 yes, D6 no
    "personalized_acceptance_rate": (1.0, 1),      # D1 won
    "proactive_contact_share": (3 / 7, 7),
    # owns C1, C2 (since 2026-08-01 < Oct 1); complaints I1 (C1), I5 (C2): 100 * 2 / 2
    "complaints_per_100_customers": (100.0, 2),
    # C1: proactive I4 07-10 before complaint I1 07-15 yes; C2: complaint I5 08-10 before proactive I6 08-20 no
    "proactive_resolution_rate": (0.5, 2),
    "revenue_won": (1250.5, 2),                    # 1000 + 250.50
    "quota_attainment": (1250.5 / 5000, 2),        # quota 5000
    "win_rate": (2 / 3, 3),                        # D1 won, D2 lost, D6 won
}

# R2 in 2026Q3: survey S4 only; issues I7 inquiry (resolved in 4 h, 2 contacts), I9 complaint
# on C4 (unresolved, no reply); C4's account starts 2026-10-15 so R2 owns only C3 in Q3;
# deal D4 won 2000 closed 2026-09-30 23:59:59 (D5 closes 2026-10-01 00:00:00: Q4).
R2 = {
    "csat_mean": (2.0, 1),
    "csat_top2_rate": (0.0, 1),
    "nps": (-100.0, 1),                             # 3 is a detractor
    "resolution_hours_median": (4.0, 1),
    "sla_met_rate": (0.5, 2),                       # I7 4 <= 48 yes; I9 unresolved no
    "first_contact_resolution_rate": (0.0, 1),      # I7 took 2 contacts
    "reopen_rate": (0.0, 1),
    "needs_understood_score": (2.0, 1),
    "transparency_score": (1.5, 1),                 # (2 + (6 - 5)) / 2
    "first_response_hours_median": (0.5, 1),
    "callback_within_24h_rate": (0.5, 2),           # I7 e-mail 0.5 h yes; I9 phone, no reply: no
    "needs_analysis_success_rate": (math.nan, 0),   # D4 had no needs analysis
    "personalized_proposals": (1.0, 1),             # D4
    "personalized_acceptance_rate": (1.0, 1),
    "proactive_contact_share": (0.0, 3),            # I7 I8 I9, none proactive
    "complaints_per_100_customers": (0.0, 1),       # I9's customer C4 is not owned in Q3
    # C4: complaint, no proactive contact (I11 on C3 was by R1, not the owner)
    "proactive_resolution_rate": (0.0, 1),
    "revenue_won": (2000.0, 1),
    "quota_attainment": (math.nan, 0),              # no quota
    "win_rate": (1.0, 1),
}


@pytest.mark.parametrize("rep,expected", [("R1", R1), ("R2", R2)])
def test_every_kpi_by_hand(q3, rep, expected):
    assert set(expected) == set(kit.kpis.ids())
    for k, (value, n) in expected.items():
        got = q3.loc[rep, k]
        if math.isnan(value):
            assert pd.isna(got), k
        else:
            assert got == pytest.approx(value, abs=1e-12), k
        assert q3.loc[rep, f"n_{k}"] == n, k


def test_rep_with_no_data(q3):
    r3 = q3.loc["R3"]
    for k in kit.kpis.ids():
        assert r3[f"n_{k}"] == 0, k
    # counts and sums are 0, rates and means are missing, attainment is 0 of a 1000 quota
    assert r3["personalized_proposals"] == 0 and r3["revenue_won"] == 0
    assert r3["quota_attainment"] == 0
    assert pd.isna(r3["csat_mean"]) and pd.isna(r3["win_rate"]) and pd.isna(r3["resolution_hours_median"])


def test_result_shape(q3):
    assert list(q3.index) == ["R1", "R2", "R3"]
    ids = kit.kpis.ids()
    assert list(q3.columns) == ids + [f"n_{k}" for k in ids]
    assert all(str(q3[f"n_{k}"].dtype) == "int64" for k in ids)


def test_several_quarters(data):
    both = kit.kpis.compute(data, quarter="2026Q2:2026Q3", kpis=["csat_mean", "resolution_hours_median"])
    assert both.index.names == ["quarter", "rep_id"]
    assert both.loc[("2026Q2", "R1"), "csat_mean"] == 5.0          # S6
    assert both.loc[("2026Q2", "R1"), "resolution_hours_median"] == 1.0  # I10: 09:00 -> 10:00
    assert both.loc[("2026Q3", "R1"), "csat_mean"] == 3.25
    q4 = kit.kpis.compute(data, quarter="2026Q4", kpis=["revenue_won"])
    assert q4.loc["R2", "revenue_won"] == 300.0                    # D5 closes at the first instant of Q4


def test_fiscal_year_start(tmp_path):
    # April start: fiscal 2026Q2 is July-September 2026, the calendar Q3.
    data = kit.load(tiny.write_tiny(tmp_path), fiscal_start_month=4)
    got = kit.kpis.compute(data, quarter="2026Q2", kpis=["csat_mean"])
    assert got.loc["R1", "csat_mean"] == 3.25


def test_business_hours_with_holidays_and_makeup_days(tmp_path):
    # I7 opened Tue 2026-09-01 17:00, resolved Sat 2026-09-05 10:00. Working time 09:00-18:00,
    # Wed 2026-09-02 a holiday, Sat 2026-09-05 a make-up working day:
    # Tue 17-18 = 1 h, Wed 0 h, Thu 9 h, Fri 9 h, Sat 09-10 = 1 h: 20 h (calendar: 4 d 17 h = 89 h).
    tables = tiny.edited("interactions", "I7", opened_at="2026-09-01 17:00:00",
                         first_response_at="2026-09-02 10:00:00", resolved_at="2026-09-05 10:00:00")
    data = kit.load(tiny.write_tiny(tmp_path, tables=tables))
    settings = {"business_hours": {"weekdays": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00",
                                   "end": "18:00", "holidays": ["2026-09-02"], "workdays": ["2026-09-05"]}}
    ks = ["resolution_hours_median", "first_response_hours_median", "sla_met_rate"]
    cal = kit.kpis.compute(data, quarter="2026Q3", kpis=ks)
    bus = kit.kpis.compute(data, quarter="2026Q3", kpis=ks, settings=settings)
    assert cal.loc["R2", "resolution_hours_median"] == pytest.approx(89.0)
    assert bus.loc["R2", "resolution_hours_median"] == pytest.approx(20.0)
    # first response: Tue 17-18 = 1 h, the holiday Wed counts nothing: 1 h (calendar 17 h)
    assert cal.loc["R2", "first_response_hours_median"] == pytest.approx(17.0)
    assert bus.loc["R2", "first_response_hours_median"] == pytest.approx(1.0)
    # SLA of an inquiry is 48 h: not met in calendar hours (89), met in working hours (20)
    assert cal.loc["R2", "sla_met_rate"] == 0.0 and bus.loc["R2", "sla_met_rate"] == 0.5
    # R1's I1: Wed 2026-07-15 09:00 -> Thu 09:00 = 9 working hours (calendar 24)
    one = kit.kpis.compute(data, quarter="2026Q3", kpis=["resolution_hours_median"], settings=settings)
    assert one.loc["R1", "resolution_hours_median"] == pytest.approx(sorted([9.0, 27.0, 18.0])[1])
    # I2 Mon 07-06 10:00 -> Thu 07-09 10:00 = 8 + 9 + 9 + 1 = 27; I5 Mon 08-10 09:00 -> Wed 08-12 09:00 = 18


def test_sla_defaults_are_settings(data):
    # complaints' SLA raised to 48 h: I5 (48 h) now meets it: I1, I2, I5 met of four
    got = kit.kpis.compute(data, quarter="2026Q3", kpis=["sla_met_rate"],
                           settings={"sla_hours": {"complaint": 48}})
    assert got.loc["R1", "sla_met_rate"] == 0.75


def test_bad_settings_name_the_key(data):
    with pytest.raises(KPIError, match="sla_hours"):
        KPISettings.from_dict({"sla_hours": {"visit": 3}})
    with pytest.raises(KPIError, match="unknown key"):
        KPISettings.from_dict({"sla": 3})
    with pytest.raises(KPIError, match="business_hours.start"):
        BusinessHours.from_dict({"start": "nine"})
    with pytest.raises(KPIError, match="Unknown KPI id 'nope'"):
        kit.kpis.compute(data, quarter="2026Q3", kpis=["nope"])


def test_user_kpi_from_a_notebook(data):
    @kpi(id="visit_share", seed="own", dimension="communication", direction="+", unit="share",
         name={"zh": "拜访占比", "en": "Visit share"})
    def visit_share(t):
        """Share of the rep's interactions that were visits."""
        s = t.interactions
        return Aggregate(s, rate(s.channel == "visit"), s.interaction_id.count())

    try:
        assert "visit_share" in kit.kpis.catalog().index
        got = kit.kpis.compute(data, quarter="2026Q3", kpis=["visit_share", "csat_mean"])
        assert got.loc["R1", "visit_share"] == pytest.approx(1 / 7)   # I4 of seven
        assert got.loc["R1", "csat_mean"] == 3.25

        # defining it again (a notebook cell run twice) replaces it
        @kpi(id="visit_share", seed="own", dimension="communication", direction="+", unit="share",
             name={"zh": "拜访占比", "en": "Visit share"})
        def visit_share2(t):
            s = t.interactions
            return Aggregate(s, rate(s.channel != "visit"), s.interaction_id.count())

        # the new definition's value (the old one gave 1/7): a redefinition ignored would fail here
        assert kit.kpis.compute(data, quarter="2026Q3", kpis=["visit_share"]).loc["R1", "visit_share"] == \
            pytest.approx(6 / 7)
    finally:
        kit.kpis.unregister("visit_share")
    # a built-in cannot be overwritten by accident
    with pytest.raises(KPIError, match="exists already"):
        kpi(id="csat_mean", seed="x", dimension="overall", direction="+", unit="score",
            name={"zh": "x", "en": "x"})(lambda t: None)


def test_catalog_matches_design():
    cat = kit.kpis.catalog()
    assert len(cat) == 20
    assert cat.loc["resolution_hours_median", "direction"] == "-"
    assert cat.loc["personalized_proposals", "volume"]
    assert cat.loc["personalized_proposals", "counterpart"] == "personalized_acceptance_rate"
    assert set(cat["dimension"]) == {"overall", "responsiveness", "communication", "transparency",
                                     "personalization", "proactivity", "sales"}
    assert cat["name_zh"].str.len().min() > 0 and cat["description"].str.len().min() > 20
