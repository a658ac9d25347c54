"""Working time with mainland China's public-holiday calendar (``business_hours: {calendar: CN}``)."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

import kit
from kit.kpis import BusinessHours, KPIError
from kit.kpis.holidays import CalendarWarning, holiday_calendar
from tests import tiny

# The State Council's 2026 holiday notice (国务院办公厅关于2026年部分节假日安排的通知), as the
# chinesecalendar package carries it: Mid-Autumn Festival off 25-27 September, National Day
# off 1-7 October, make-up working days Sunday 20 September and Saturday 10 October.
MID_AUTUMN = [dt.date(2026, 9, 25), dt.date(2026, 9, 26), dt.date(2026, 9, 27)]
MAKE_UP = [dt.date(2026, 9, 20), dt.date(2026, 10, 10)]


def test_the_package_knows_2026():
    cal = holiday_calendar("CN", 2026, 2026)
    assert set(MID_AUTUMN) <= set(cal.holidays)
    assert [d for d in cal.workdays if d.month in (9, 10)] == MAKE_UP
    assert dt.date(2026, 9, 27) not in cal.workdays   # the old example's mistake


def _bh(**spec):
    return BusinessHours.from_dict({"start": "09:00", "end": "18:00", **spec})


def test_calendar_days_and_explicit_overrides():
    first, last = dt.date(2026, 9, 18), dt.date(2026, 10, 12)
    days = _bh(calendar="CN").calendar(first, last).set_index("day")["is_work"]
    assert not days[dt.date(2026, 9, 25)]                  # Friday, Mid-Autumn holiday
    assert days[dt.date(2026, 9, 20)]                      # Sunday, make-up working day
    assert not days[dt.date(2026, 10, 5)] and days[dt.date(2026, 10, 10)]
    assert days[dt.date(2026, 9, 24)]                      # an ordinary Thursday
    # explicit lists win: 25 September worked, 20 September off after all
    own = _bh(calendar="cn", workdays=["2026-09-25"], holidays=["2026-09-20", "2026-09-24"])
    days = own.calendar(first, last).set_index("day")["is_work"]
    assert days[dt.date(2026, 9, 25)] and not days[dt.date(2026, 9, 20)] and not days[dt.date(2026, 9, 24)]
    assert not days[dt.date(2026, 10, 1)]                  # the rest of the calendar still holds


def test_unknown_calendar_is_refused():
    with pytest.raises(KPIError, match="business_hours.calendar must be one of CN"):
        BusinessHours.from_dict({"calendar": "XX"})


def test_hours_across_mid_autumn_in_the_engine(tmp_path):
    # I7 (R2's only resolved issue) opened Thu 2026-09-24 17:00, resolved Mon 09-28 10:00.
    # Weekdays only: Thu 17-18 = 1 h, Fri 25 = 9 h, Mon 09-10 = 1 h: 11 h.
    # CN calendar: Fri 25 is the Mid-Autumn holiday: 1 + 1 = 2 h.
    # First response Fri 25 Sep 12:00: 1 h with CN (Thu 17-18; the holiday adds nothing),
    # 1 + 3 = 4 h on weekdays only.
    tables = tiny.edited("interactions", "I7", opened_at="2026-09-24 17:00:00",
                         first_response_at="2026-09-25 12:00:00", resolved_at="2026-09-28 10:00:00")
    data = kit.load(tiny.write_tiny(tmp_path, tables=tables))
    ks = ["resolution_hours_median", "first_response_hours_median"]
    plain = kit.kpis.compute(data, quarter="2026Q3", kpis=ks, settings={"business_hours": {}})
    cn = kit.kpis.compute(data, quarter="2026Q3", kpis=ks, settings={"business_hours": {"calendar": "CN"}})
    assert plain.loc["R2", "resolution_hours_median"] == pytest.approx(11.0)
    assert cn.loc["R2", "resolution_hours_median"] == pytest.approx(2.0)
    assert plain.loc["R2", "first_response_hours_median"] == pytest.approx(4.0)
    assert cn.loc["R2", "first_response_hours_median"] == pytest.approx(1.0)


def test_make_up_sunday_counts(tmp_path):
    # opened Sat 2026-09-19 10:00, resolved Mon 09-21 10:00: Sunday 20 September is a make-up
    # working day (9 h) and Monday 09-10 adds 1 h: 10 h; weekdays only: 1 h.
    tables = tiny.edited("interactions", "I7", opened_at="2026-09-19 10:00:00",
                         first_response_at="2026-09-19 11:00:00", resolved_at="2026-09-21 10:00:00")
    data = kit.load(tiny.write_tiny(tmp_path, tables=tables))
    ks = ["resolution_hours_median"]
    plain = kit.kpis.compute(data, quarter="2026Q3", kpis=ks, settings={"business_hours": {}})
    cn = kit.kpis.compute(data, quarter="2026Q3", kpis=ks, settings={"business_hours": {"calendar": "CN"}})
    assert plain.loc["R2", "resolution_hours_median"] == pytest.approx(1.0)
    assert cn.loc["R2", "resolution_hours_median"] == pytest.approx(10.0)


def test_a_quarter_outside_the_package_years_warns(tmp_path):
    last = holiday_calendar("CN", 2026, 2026).known_years[1]
    data = kit.load(tiny.write_tiny(tmp_path))
    with pytest.warns(CalendarWarning, match=rf"not {last + 1}.*business_hours.holidays"):
        kit.kpis.compute(data, quarter=f"{last + 1}Q1", kpis=["resolution_hours_median"],
                         settings={"business_hours": {"calendar": "CN"}})
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarWarning)
        kit.kpis.compute(data, quarter="2026Q3", kpis=["resolution_hours_median"],
                         settings={"business_hours": {"calendar": "CN"}})


def test_the_default_parameters_example_is_valid():
    # the commented example in parameters/default.yaml, uncommented, is accepted as written
    import re
    from pathlib import Path

    import yaml

    text = (Path(__file__).resolve().parents[1] / "parameters" / "default.yaml").read_text(encoding="utf-8")
    block = re.search(r"  # business_hours:\n((?:  #   .*\n)+)", text)
    assert block, "the business_hours example is missing from parameters/default.yaml"
    spec = yaml.safe_load("\n".join(line.replace("  #   ", "", 1) for line in block.group(1).splitlines()))
    bh = BusinessHours.from_dict(spec)
    assert bh.calendar_name == "CN"
