"""Quarters: parsing, ranges, previous/next and fiscal years."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.periods import PeriodError, Quarter, parse_quarters, quarter_labels, quarter_of, quarter_range


def test_parse_and_bounds():
    q = Quarter.parse("2026Q3")
    assert (q.year, q.number) == (2026, 3)
    assert q.start == pd.Timestamp("2026-07-01") and q.end == pd.Timestamp("2026-10-01")
    assert Quarter.parse("2026-q3") == q == Quarter.parse(" 2026 Q3 ")
    assert str(q.next()) == "2026Q4" and str(q.next(2)) == "2027Q1"
    assert str(q.previous(3)) == "2025Q4"
    assert q.contains("2026-09-30 23:59:59") and not q.contains("2026-10-01")


def test_ranges_and_lists():
    assert [str(x) for x in quarter_range("2025Q4:2026Q3")] == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert [str(x) for x in parse_quarters("2026Q1,2025Q1:2025Q2,2026Q1")] == ["2025Q1", "2025Q2", "2026Q1"]
    assert [str(x) for x in parse_quarters(["2026Q2", "2026Q1"])] == ["2026Q1", "2026Q2"]


def test_fiscal_year_starting_in_april():
    q = Quarter.parse("2026Q1", fiscal_start_month=4)
    assert q.start == pd.Timestamp("2026-04-01") and q.end == pd.Timestamp("2026-07-01")
    assert Quarter.parse("2026Q4", fiscal_start_month=4).start == pd.Timestamp("2027-01-01")
    assert quarter_of("2027-03-31", fiscal_start_month=4) == Quarter(2026, 4, 4)
    assert quarter_of("2026-03-31", fiscal_start_month=4) == Quarter(2025, 4, 4)
    s = pd.Series(pd.to_datetime(["2026-04-01", "2026-12-31", None]))
    assert list(quarter_labels(s, 4).fillna("-")) == ["2026Q1", "2026Q3", "-"]
    assert list(quarter_labels(s).fillna("-")) == ["2026Q2", "2026Q4", "-"]


@pytest.mark.parametrize("bad", ["2026Q5", "Q3 2026", "2026", "", "26Q1"])
def test_bad_quarters_are_explained(bad):
    with pytest.raises(PeriodError, match="2026Q3"):
        Quarter.parse(bad)


def test_bad_ranges_and_fiscal_months():
    with pytest.raises(PeriodError, match="ends .* before it starts"):
        quarter_range("2026Q3:2026Q1")
    with pytest.raises(PeriodError, match="FIRST:LAST"):
        quarter_range("2026Q1-2026Q3")
    with pytest.raises(PeriodError, match="fiscal_start_month"):
        Quarter.parse("2026Q1", fiscal_start_month=13)
    with pytest.raises(PeriodError):
        parse_quarters(5)


def test_last_complete_is_the_quarter_that_has_closed():
    from kit.periods import choose_named, last_complete

    have = ["2026Q2", "2026Q3", "2026Q4"]
    # on 5 October the fourth quarter has a few days of data; the third has closed
    assert str(last_complete(have, today="2026-10-05")) == "2026Q3"
    assert str(last_complete(have, today="2026-10-01")) == "2026Q3"      # the first day after Q3
    assert str(last_complete(have, today="2026-09-30")) == "2026Q2"
    assert str(last_complete(have, today="2027-02-01")) == "2026Q4"
    # with data missing for the closed quarter, the one before it that has data
    assert str(last_complete(["2026Q1", "2026Q4"], today="2026-12-01")) == "2026Q1"
    # fiscal year from April: fiscal 2026Q2 is July-September 2026
    assert str(last_complete(["2026Q2", "2026Q3"], today="2026-10-05", fiscal_start_month=4)) == "2026Q2"
    with pytest.raises(PeriodError, match="No complete quarter with data on 2026-09-30.*2026Q3 to 2026Q3"):
        last_complete(["2026Q3"], today="2026-09-30")
    assert choose_named("last_complete", have, today="2026-10-05") == ["2026Q3"]
    assert choose_named(None, have) == ["2026Q4"] and choose_named("all", have) == have
    assert choose_named("2026Q3", have) is None


def test_the_quarter_patterns_are_written_once():
    from pathlib import Path

    from kit.periods import QUARTER_LABEL, QUARTER_TEXT

    assert QUARTER_TEXT.match(" 2026-q3 ").groups() == ("2026", "3")
    assert QUARTER_LABEL.match("2026Q3") and not QUARTER_LABEL.match("2026q3") and not QUARTER_LABEL.match("2026Q5")
    kit_dir = Path(__file__).resolve().parents[1] / "kit"
    others = [str(p.relative_to(kit_dir)) for p in kit_dir.rglob("*.py") if p.name != "periods.py"
              and any(pattern in p.read_text(encoding="utf-8") for pattern in ("([1-4])", "Q[1-4]"))]
    assert others == []  # everything else uses kit.periods
