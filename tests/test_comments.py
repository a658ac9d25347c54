"""Survey comments read by dimension (kit.analysis.comment_themes) on the sample and hand-made sets."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kit
from kit import sample
from kit.analysis import _lexicon as lex
from kit.analysis.comments import comment_priority, redact_comments

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
DIMS = ["quality", "responsiveness", "communication", "personalization", "transparency", "proactivity"]


@pytest.fixture(scope="module")
def data():
    return kit.load(SAMPLES)


@pytest.fixture(scope="module")
def themes(data):
    out = {(str(q), "zh"): kit.analysis.comment_themes(data, str(q), lang="zh") for q in data.quarters()}
    out[("2026Q3", "en")] = kit.analysis.comment_themes(data, "2026Q3", lang="en")
    return out


@pytest.fixture(scope="module")
def reader():
    return lex.Reader(lex.merge_lexicon(None, DIMS))


# --- recovery on the sample ---------------------------------------------------------------


def test_planted_top_complaint_comes_first_every_quarter(themes):
    truth = sample.GROUND_TRUTH["sample"]["top_complaint"]
    got = {q: t.index[0] for (q, lang), t in themes.items() if lang == "zh"}
    assert got == truth
    for (q, _), t in themes.items():
        assert t.top == truth[q]
        # first by a clear margin, not by a tie broken in its favour
        assert t["negative"].iloc[0] > 1.15 * t["negative"].iloc[1]


def test_table_shape_and_accounting(themes, data):
    t = themes[("2026Q3", "zh")]
    assert list(t.columns) == ["comments", "negative", "negative_share", "ci_low", "ci_high", "by_score",
                               "previous_share", "change", "change_low", "change_high", "terms", "examples"]
    assert set(t.index) == set(data.instrument.dimensions) and t.index.name == "dimension"
    assert (t["negative"] <= t["comments"]).all() and (t["by_score"] <= t["negative"]).all()
    assert ((t["ci_low"] <= t["negative_share"]) & (t["negative_share"] <= t["ci_high"])).all()
    # rows in = rows used + rows not about any dimension
    surveys = data.tables["surveys"]
    in_q = surveys["submitted_at"].between("2026-07-01", "2026-10-01", inclusive="left")
    assert t.n_comments == int((in_q & surveys["comment"].notna()).sum())
    assert t.n_assigned + t.n_unassigned == t.n_comments and t.n_assigned > 0.9 * t.n_comments
    assert t.previous == "2026Q2" and t.quarter == "2026Q3"
    prev = themes[("2026Q2", "zh")]
    assert t["previous_share"].to_dict() == pytest.approx(prev["negative_share"].to_dict())
    assert (t["change"] - (t["negative_share"] - t["previous_share"])).abs().max() < 1e-12
    assert themes[("2024Q4", "zh")]["change"].isna().all()  # no quarter before the first


def test_wilson_and_newcombe_intervals_match_statsmodels(themes):
    from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

    t, p = themes[("2026Q3", "zh")], themes[("2026Q2", "zh")]
    d = "transparency"
    lo, hi = proportion_confint(int(t.at[d, "negative"]), int(t.at[d, "comments"]), method="wilson")
    assert (t.at[d, "ci_low"], t.at[d, "ci_high"]) == pytest.approx((lo, hi))
    clo, chi = confint_proportions_2indep(int(t.at[d, "negative"]), int(t.at[d, "comments"]),
                                          int(p.at[d, "negative"]), int(p.at[d, "comments"]),
                                          method="newcomb", compare="diff")
    assert (t.at[d, "change_low"], t.at[d, "change_high"]) == pytest.approx((clo, chi))
    # Newcombe (1998) method 10, worked example 1: 56/70 vs 48/80 -> 0.0524 to 0.3339
    lo10, hi10 = confint_proportions_2indep(56, 70, 48, 80, method="newcomb", compare="diff")
    assert (lo10, hi10) == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_distinctive_terms_of_low_scorers(themes):
    t = themes[("2025Q3", "zh")]
    terms = t.terms
    assert set(terms.columns) >= {"dimension", "term", "count_low", "count_high", "delta", "se", "z"}
    q = terms[terms["dimension"] == "quality"].set_index("term")
    # customers who rate quality low write of things that broke; those who rate it high do not
    assert q.loc["坏", "z"] > 1.96 and q.loc["坏", "count_high"] == 0
    assert "坏" in t.at["quality", "terms"]
    for d, listed in t["terms"].items():
        zs = terms[terms["dimension"] == d].set_index("term")["z"]
        assert all(zs[w] > 1.96 for w in listed)


# --- negation and polarity ----------------------------------------------------------------


@pytest.mark.parametrize("text, dim, sign", [
    ("回复很及时", "responsiveness", 1),
    ("回复不及时", "responsiveness", -1),
    ("回复太慢了", "responsiveness", -1),
    ("响应一直没有下文", "responsiveness", -1),            # a negation with nothing after it: missing
    ("答复从来不用等", "responsiveness", 1),               # a negated negative word
    ("报价没有任何隐藏费用", "transparency", 1),
    ("报价有隐藏费用", "transparency", -1),
    ("方案没考虑我们的实际情况", "personalization", -1),
    ("产品质量不太稳定", "quality", -1),
    ("主动跟进从来没有过", "proactivity", -1),
    ("Replies were not quick", "responsiveness", -1),
    ("Replies were quick", "responsiveness", 1),
    ("The product never failed us", "quality", 1),
    ("Follow-up never happened", "proactivity", -1),
    ("Pricing had no hidden costs", "transparency", 1),
    ("The proposal didn't fit our needs", "personalization", -1),
])
def test_negation(reader, text, dim, sign):
    _, found, _ = reader.read(text)
    assert np.sign(found[DIMS.index(dim)]) == sign


def test_clauses_keep_judgements_apart(reader):
    _, found, overall = reader.read("回复很及时，但是产品质量不太稳定，很失望。")
    assert found[DIMS.index("responsiveness")] > 0 > found[DIMS.index("quality")]
    _, found, _ = reader.read("Overall, updates were clear, but the product was not reliable.")
    assert found[DIMS.index("communication")] > 0 > found[DIMS.index("quality")]


# --- privacy ------------------------------------------------------------------------------


def _planted(data) -> tuple[set[str], list[str]]:
    """What the sample planted, found by broad patterns of the test's own (not the kit's detector)."""
    comments = data.tables["surveys"]["comment"].dropna()
    numbers = set()
    for c in comments:
        for m in re.finditer(r"\d(?:[\s\-()]*\d){6,}", c):
            numbers.add(re.sub(r"\D", "", m.group(0)))
    names = [n for n in data.tables["reps"]["rep_name"] if n and any(n in c for c in comments)]
    assert len(numbers) >= 60 and len(names) >= 5
    return numbers, names


def _outputs(t) -> str:
    parts = [t.table.to_csv(), t.terms.to_csv(), repr(t.table["examples"].tolist()), repr(t.table["terms"].tolist())]
    return "\n".join(parts)


def test_no_planted_personal_datum_in_any_output(data, themes):
    numbers, names = _planted(data)
    for key, t in themes.items():
        text = _outputs(t)
        digits = re.sub(r"\D", "", text)
        found = [n for n in numbers if n in digits]
        assert not found, (key, found[:3])
        assert "@" not in text and "＠" not in text, key
        assert not re.search(r"\bat\b.{0,30}\bdot\b|\[at\]", text), key
        assert not [n for n in names if n in text], key
        assert "有限公司" not in text, key
        assert not re.search(r"\bR\d{3}\b|\bC\d{4,}\b", text), key  # no rep or customer ids


def test_redaction_of_every_kind_before_analysis(data):
    comments = data.tables["surveys"]["comment"].dropna()
    text, hit = redact_comments(comments, data.tables["reps"]["rep_name"], replacement="[x]")
    numbers, names = _planted(data)
    for c in text:
        assert not [n for n in numbers if n in re.sub(r"\D", "", c)], c
        assert "@" not in c and "有限公司" not in c and not re.search(r"\bat\b.{0,30}\bdot\b|\[at\]", c), c
        assert not [n for n in names if n in c], c
    assert int(hit.sum()) >= 100  # about 6% of 2,727 comments carry a datum or a name


def test_the_detector_prefilter_skips_only_texts_without_personal_data(data):
    # comment_themes calls kit.pii only on texts with a digit, an "@" or "at": the same result
    from kit import pii

    tricky = ["电话１３８００１３８０００", "li.na＠example．com", "li.na at example dot com",
              "LI.NA AT EXAMPLE DOT COM", "请回电 138-0013-8851", "ID 11010119900307803X",
              "no data here", "没有个人信息"]
    texts = pd.Series(list(data.tables["surveys"]["comment"].dropna()) + tricky)
    got, _ = redact_comments(texts, replacement="[x]")
    want = texts.map(lambda t: re.sub(r"\[x\]", "[x]", pii.redact(t, "[x]")))
    want = want.map(lambda t: kit.analysis.comments._COMPANY.sub("[x]", t))
    assert got.tolist() == want.tolist()


def test_quotes_only_from_reps_with_min_n(data):
    surveys = kit.survey.dimension_scores(data, "2026Q3")
    per_rep = surveys.groupby("rep_id").size()
    t = kit.analysis.comment_themes(data, "2026Q3", lang="zh", min_n=30)
    assert t.min_n == 30
    raw = data.tables["surveys"].set_index("response_id")["comment"]
    by_text: dict[str, set] = {}
    red, _ = redact_comments(raw.dropna(), data.tables["reps"]["rep_name"], replacement="[已隐去]")
    rep_of = surveys.set_index("response_id")["rep_id"]
    for rid, c in red.items():
        if rid in rep_of.index:
            by_text.setdefault(c, set()).add(rep_of[rid])
    quoted = [q for qs in t["examples"] for q in qs]
    assert quoted, "expected quotes from the reps with at least 30 responses"
    for q in quoted:
        assert any(per_rep.get(r, 0) >= 30 for r in by_text[q]), q
    # a rep with fewer responses than min_n is never quoted: with min_n above every rep, no quote
    none = kit.analysis.comment_themes(data, "2026Q3", lang="zh", min_n=int(per_rep.max()) + 1)
    assert all(len(x) == 0 for x in none["examples"])
    assert none["negative"].tolist() == t["negative"].tolist()  # min_n limits quotes, not counts


def test_quotes_in_the_report_language_first(themes):
    zh = themes[("2026Q3", "zh")].at["transparency", "examples"]
    en = themes[("2026Q3", "en")].at["transparency", "examples"]
    assert zh and all(lex._CJK.search(q) for q in zh)
    assert en and not any(lex._CJK.search(q) for q in en)


# --- an English comment set and the instrument's lexicon ----------------------------------

ENGLISH = [  # (comment, responsiveness score, transparency score, expected: dimension -> negative?)
    ("Replies were far too slow. Disappointing.", 2, 4, {"responsiveness": True}),
    ("Response times took days!", 3, 4, {"responsiveness": True}),
    ("Replies were quick, thanks!", 5, 4, {"responsiveness": False}),
    ("Answers to our questions were not prompt.", 3, 3, {"responsiveness": True}),
    ("Pricing had hidden costs.", 4, 2, {"transparency": True}),
    ("The quote had no hidden costs, great job.", 4, 5, {"transparency": False}),
    ("The billing was not transparent, but replies were fast.", 4, 2,
     {"transparency": True, "responsiveness": False}),
    ("The contract.", 4, 2, {"transparency": True}),          # no polarity: the low score decides
    ("Turnaround.", 5, 4, {"responsiveness": False}),          # no polarity, high score: not negative
    ("Terrible experience, very disappointed.", 1, 4, {"responsiveness": True}),  # by the lowest score
    ("The ticket sat in the queue for ages.", 2, 4, {"responsiveness": True}),    # instrument's lexicon
]


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    folder = tmp_path_factory.mktemp("english")
    for f in SAMPLES.glob("*.csv"):
        shutil.copy(f, folder / f.name)
    inst = (ROOT / "parameters" / "instrument.yaml").read_text(encoding="utf-8")
    inst += "lexicon:\n  responsiveness: {en: [ticket*, queue]}\n"
    (folder / "instrument.yaml").write_text(inst, encoding="utf-8")
    s = pd.read_csv(folder / "surveys.csv", dtype=str, keep_default_na=False)
    s["comment"] = ""
    in_q = s["submitted_at"].between("2026-07-01", "2026-10-01")
    rows = s.index[in_q][: len(ENGLISH)]
    for i, (text, resp, transp, _) in zip(rows, ENGLISH):
        s.loc[i, "comment"] = text
        s.loc[i, ["q_responsiveness_1", "q_responsiveness_2"]] = str(resp)
        s.loc[i, ["q_transparency_1"]] = str(transp)
        s.loc[i, ["q_transparency_2"]] = str(6 - transp)  # reverse-keyed
        for d in ("quality", "communication", "personalization", "proactivity"):
            s.loc[i, [f"q_{d}_1", f"q_{d}_2"]] = "5"
    s.to_csv(folder / "surveys.csv", index=False)
    return kit.load(folder)


def test_english_comment_set(english):
    t = kit.analysis.comment_themes(english, "2026Q3", lang="en", min_n=1)
    want_comments = {d: sum(d in e for *_, e in ENGLISH) for d in DIMS}
    want_negative = {d: sum(bool(e.get(d)) for *_, e in ENGLISH) for d in DIMS}
    assert t["comments"].to_dict() == want_comments
    assert t["negative"].to_dict() == want_negative
    assert t.at["responsiveness", "by_score"] == 1
    assert t.n_comments == len(ENGLISH) and t.n_unassigned == 0
    assert t.top == "responsiveness"
    assert all(not lex._CJK.search(q) for qs in t["examples"] for q in qs)


def test_instrument_lexicon_is_checked(tmp_path):
    from kit.survey import InstrumentError, load_instrument

    p = tmp_path / "instrument.yaml"
    p.write_text((ROOT / "parameters" / "instrument.yaml").read_text(encoding="utf-8")
                 + "lexicon:\n  responsiveness: {fr: [vite]}\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match="lexicon of 'responsiveness'"):
        load_instrument(p)


# --- into the loop ------------------------------------------------------------------------


def test_comment_priority_is_capped_and_ignores_a_handful(themes):
    t = themes[("2026Q3", "zh")]
    pr = comment_priority(t, weight=0.5)
    assert pr.max() == pytest.approx(0.5) and pr.idxmax() == t.top
    assert ((pr >= 0) & (pr <= 0.5)).all()
    few = pd.DataFrame({"negative": [3, 1], "ci_low": [0.08, 0.05]}, index=["quality", "communication"])
    assert comment_priority(few).eq(0).all()
    with pytest.raises(ValueError, match="weight"):
        comment_priority(t, weight=2)


def test_arguments_are_checked(data):
    with pytest.raises(ValueError, match="min_n"):
        kit.analysis.comment_themes(data, "2026Q3", min_n=0)
    with pytest.raises(ValueError, match="lang"):
        kit.analysis.comment_themes(data, "2026Q3", lang="fr")
    with pytest.raises(ValueError, match="low"):
        kit.analysis.comment_themes(data, "2026Q3", low=4, high=3)


def test_planted_ids_and_cards_are_valid_numbers(data):
    # a redactor that checks check digits must find them: they are valid, not random digits
    from stdnum import luhn
    from stdnum.cn import ric

    comments = " ".join(data.tables["surveys"]["comment"].dropna())
    ids = re.findall(r"(?:身份证号是|My ID is )(\d{17}[\dX])", comments)
    cards = [re.sub(r"\s", "", c) for c in re.findall(r"(?:卡号|card )(\d[\d ]{15,23}\d)", comments)]
    assert len(ids) >= 5 and len(cards) >= 5
    assert all(ric.is_valid(i) for i in ids) and all(luhn.is_valid(c) for c in cards)


def test_recommend_weights_cites_the_top_complaint(data, themes):
    import yaml

    weights = yaml.safe_load((ROOT / "parameters" / "default.yaml").read_text(encoding="utf-8"))["weights"]
    validity = kit.analysis.kpi_validity(data, "2026Q3", lang="en")
    drivers = kit.analysis.drivers(data, "2026Q3", n_boot=50)
    t = themes[("2026Q3", "en")]
    kw = dict(weights=weights, validity=validity, drivers=drivers, lang="en")
    plain = kit.analysis.recommend_weights(data, "2026Q3", **kw)
    voiced = kit.analysis.recommend_weights(data, "2026Q3", comments=t, **kw)
    top = t.top
    kpis = [k for k in voiced.changes.index if voiced.changes.at[k, "dimension"] == top]
    cited = [k for k in kpis if f"customers complained about {top}" in voiced.changes.at[k, "reason"]]
    assert cited and all(voiced.changes.at[k, "change"] > 0 for k in cited)
    assert not plain.changes["reason"].str.contains("customers complained").any()
    # the comments raise the top complaint's KPIs above what the drivers alone give them
    gain = voiced.changes.loc[cited, "new"].sum() - plain.changes["new"].reindex(cited).fillna(0).sum()
    assert gain > 0
    # still capped per KPI, still 100 in all; no other dimension cited on a handful of complaints
    assert (voiced.changes["change"].abs() <= voiced.cap + 1).all() and voiced.weights.sum() == 100
    others = voiced.changes[voiced.changes["dimension"] != top]
    assert not others["reason"].str.contains("customers complained").any()
