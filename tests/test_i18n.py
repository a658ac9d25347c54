"""Labels and sentences in the report language (kit/i18n.py).
"""

from __future__ import annotations

import pandas as pd
import pytest

from kit import i18n


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
