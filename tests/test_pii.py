"""The personal-data detector (kit.pii): every written form of an address or number is found."""

from __future__ import annotations

import pytest
from stdnum import luhn
from stdnum.cn import ric

from kit import pii

NBSP, NNBSP, ZWSP, ZWJ, BOM, SHY = "\u00a0", "\u202f", "\u200b", "\u200d", "\ufeff", "\u00ad"

# (text, kind): the forms that were published before the detector normalised its input
FOUND = [
    # full-width digits and separators
    ("１３８００１３８０００", "mobile"),
    ("１３８-００１３-８０００", "mobile"),
    ("１３８－００１３－８０００", "mobile"),
    ("电话：１５９１２３４５６７８。", "mobile"),
    # e-mails spelled out, full width, with invisible characters
    ("li.na at example dot com", "e-mail"),
    ("li.na AT example DOT com", "e-mail"),
    ("li.na(at)example(dot)com", "e-mail"),
    ("li.na [at] example [dot] com.cn", "e-mail"),
    ("li.na 艾特 example 点 com", "e-mail"),
    ("li.na＠example．com", "e-mail"),
    ("ｌｉ．ｎａ＠ｅｘａｍｐｌｅ．ｃｏｍ", "e-mail"),
    ("li.na@example。com", "e-mail"),
    (f"li.na{ZWSP}@example.com", "e-mail"),
    (f"li{ZWJ}.na@exa{BOM}mple.com", "e-mail"),
    (f"li.na@exam{SHY}ple.com", "e-mail"),
    # mobiles with 86 and every separator
    ("8613800138000", "mobile"),
    ("+86 138 0013 8000", "mobile"),
    ("138.0013.8000", "mobile"),
    ("138 - 0013 - 8000", "mobile"),
    (f"138{NBSP}0013{NBSP}8000", "mobile"),
    (f"138{NNBSP}0013{NNBSP}8000", "mobile"),
    (f"1380013{ZWSP}8000", "mobile"),
    # landlines
    ("021.6888.8888", "landline"),
    ("86-21-68888888", "landline"),
    ("(010) 6234 5678", "landline"),
    ("０２１－６８８８８８８８", "landline"),
    # international numbers, validated by the phonenumbers library
    ("+1 212 736 5000", "phone"),
    ("+1 (415) 555-2671", "phone"),
    ("+44 20 7946 0958", "phone"),
    ("+44 7911 123456", "phone"),
    ("+852 2123 4567", "phone"),
    ("+852 9123 4567", "phone"),
    ("00852 2123 4567", "phone"),
    ("＋４４ ２０ ７９４６ ０９５８", "phone"),
    # identity cards (check digit) and bank cards (Luhn)
    ("11010519491231002X", "id-card"),
    ("11010519491231002x", "id-card"),
    ("110105 19491231 002X", "id-card"),
    ("身份证号：11010519491231002X。", "id-card"),
    ("１１０１０５１９４９１２３１００２Ｘ", "id-card"),
    ("6222021234567890128", "bank-card"),
    ("4111 1111 1111 1111", "bank-card"),
    ("5500-0000-0000-0004", "bank-card"),
    ("卡号 6212261202011584340 已冻结", "bank-card"),
]


def test_the_example_numbers_are_what_they_claim():
    # the ID-card and bank-card examples must pass the published checks, or the tests below prove nothing
    assert ric.is_valid("11010519491231002X")          # GB 11643-1999 check digit
    assert luhn.is_valid("6222021234567890128") and luhn.is_valid("4111111111111111")
    assert not ric.is_valid("110105194912310021") and not luhn.is_valid("6222021234567890123")


@pytest.mark.parametrize("text,kind", FOUND)
def test_every_written_form_is_found_and_redacted(text, kind):
    found = pii.find_personal_data(text)
    assert [k for k, _ in found] == [kind], (text, found)
    assert found[0][1] in text                           # reported as it stands in the text
    cleaned = pii.redact(text, "[x]")
    assert "[x]" in cleaned and pii.find_personal_data(cleaned) == [], cleaned
    assert not any(ch.isdigit() for ch in cleaned.replace("[x]", "")) or kind == "e-mail"


@pytest.mark.parametrize("text", [
    "110105194912310021",           # check digit wrong
    "11010519491331002X",           # no 13th month
    "6222021234567890123",          # Luhn fails
    "4111 1111 1111 1112",
    "1782345600000000000",          # a nanosecond timestamp
    "+1 2",                         # too short to be a number
    "+0.1234567890",                # a signed decimal
    "look at this dot matrix",      # words, not an address
    "Look at the dot in the chart",
    "meet at noon dot",
    "2026-07-01 09:30:00", "0.13812345678", "13812345678.5", "revenue 138,001,388", "R017",
    "NPS 0-10, CSAT 1-5", "2024Q4:2026Q3", "@media print { }", "n=1234567", "10000000000",
    "20260701123", "v1.2.3@4.5", "=1+1", "-2+3",
])
def test_ordinary_text_is_left_alone(text):
    assert pii.find_personal_data(text) == [], text
    assert pii.redact(text) == text


def test_redaction_keeps_the_surrounding_text_exactly():
    text = (f"请联系 李娜（li.na{ZWSP}＠example．com，１３８ ００１３ ８０００）"
            "或 +44 20 7946 0958。卡号 4111 1111 1111 1111。")
    assert pii.redact(text, "[x]") == "请联系 李娜（[x]，[x]）或 [x]。卡号 [x]。"


def test_each_finding_is_reported_once_with_its_kind():
    text = "+86 138 0013 8000; 11010519491231002X; li.na@example.com"
    kinds = sorted(k for k, _ in pii.find_personal_data(text))
    assert kinds == ["e-mail", "id-card", "mobile"]


@pytest.mark.parametrize("kind,value,masked", [
    ("e-mail", "li.na＠example．com", "l***@example.com"),
    ("e-mail", "li.na at example dot com", "l***@example.com"),
    ("mobile", "１３８-００１３-８８５１", "138****8851"),
    ("id-card", "11010519491231002X", "110****002X"),
    ("bank-card", "4111 1111 1111 1111", "411****1111"),
    ("name", "李娜", "李*"),
])
def test_mask_hides_most_of_the_value(kind, value, masked):
    assert pii.mask(kind, value) == masked


def test_normalize_is_nfkc_without_invisible_characters():
    assert pii.normalize(f"１３８{NBSP}００１３{ZWSP}８０００{BOM}") == "138 00138000"
    assert pii.normalize("plain ascii") == "plain ascii"


def test_non_strings_pass_through():
    assert pii.find_personal_data(None) == [] and pii.redact(None) is None and pii.redact(12) == 12
    assert pii.redact("") == ""


def test_a_long_text_is_scanned_quickly():
    import time

    text = ("销售代表 R017 本季度 CSAT 4.62，NPS 31，回访率 0.83。" * 20000) + " 138 0013 8000"
    t0 = time.perf_counter()
    found = pii.find_personal_data(text)
    assert [k for k, _ in found] == ["mobile"]
    assert time.perf_counter() - t0 < 5.0
