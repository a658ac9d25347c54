"""Survey comments for the synthetic sample: varied wording that follows the planted perceptions.

A comment is composed, not picked from a list: an opener, a subject of the dimension it is
about, a predicate that says how it went (some negative predicates negate a positive word,
some positive ones negate a negative word, as customers write), and a closing; a *mixed*
comment praises the respondent's strongest dimension and complains about the weakest in two
clauses joined by "但是" / "but". About 8% of the comments are in English. Each of the 14
dimension-and-sentiment pools holds 5-7 subjects and 5-7 predicates, so that thousands of
distinct comments come out of a few hundred fragments.

What a comment is about follows the planted model: a complaint is about the dimension that
the respondent's latent scores put furthest below its usual level (the largest deficit), so
slow or unresolved issues make responsiveness complaints and the falling trend dimension
makes its own complaints in the last quarters; praise is about the strongest dimension. This
is how the ground truth's ``top_complaint`` arises (see :data:`kit.sample.GROUND_TRUTH`).

Personal data is planted in about 6% of the comments, every kind a redactor must catch:
Chinese mobile and landline numbers in several spellings, international numbers, e-mail
addresses (plain and spelled "at ... dot"), Chinese ID-card numbers with a valid check digit,
bank-card numbers with a valid Luhn digit, the handling rep's name and the customer's company.

The module imports nothing from the rest of the kit.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["PERSONAL_DATA_KINDS", "write_comments"]

DIMENSIONS = ("quality", "responsiveness", "communication", "personalization", "transparency",
              "proactivity")

# (subjects, negative predicates, positive predicates) per dimension and language
_ZH = {
    "quality": (
        ("产品质量", "交付质量", "设备的稳定性", "这批货", "你们的产品", "服务质量"),
        ("不太稳定", "问题很多", "和样品差距很大", "用了一个月就坏了", "达不到合同要求", "返修了好几次"),
        ("很好", "稳定可靠", "完全符合预期", "物有所值", "没出过任何问题", "比上一家供应商好得多"),
    ),
    "responsiveness": (
        ("回复", "响应速度", "处理速度", "售后响应", "答复", "问题处理"),
        ("太慢了", "很慢", "不及时", "拖了好几天", "总要等很久", "一直没有下文", "比承诺的晚了很多"),
        ("很及时", "非常快", "当天就有结果", "很迅速", "比预期还快", "从来不用等"),
    ),
    "communication": (
        ("沟通", "信息同步", "对接", "需求确认", "销售顾问的讲解"),
        ("不顺畅", "总是说不清楚", "经常出错", "没理解我们的需求", "要反复解释好几遍", "前后说法不一致"),
        ("很顺畅", "清楚明白", "很专业", "一下就理解了我们的需求", "每一步都讲得很清楚"),
    ),
    "personalization": (
        ("方案", "推荐的配置", "给的建议", "解决方案", "定制方案"),
        ("完全是模板", "没考虑我们的实际情况", "和我们的业务不相关", "太笼统", "不够有针对性", "照搬别家的"),
        ("很贴合我们的业务", "很有针对性", "是为我们量身定制的", "考虑到了我们的特殊需求", "很实用"),
    ),
    "transparency": (
        ("报价", "费用", "合同条款", "价格", "收费标准", "流程"),
        ("不透明", "有隐藏费用", "一开始没说清楚", "后面才发现额外收费", "变来变去", "含糊其辞"),
        ("清楚透明", "没有任何隐藏费用", "一开始就讲明白了", "很透明", "明明白白"),
    ),
    "proactivity": (
        ("主动跟进", "风险预警", "回访", "主动联系", "提前提醒"),
        ("几乎没有", "从来没有过", "总是等我们找上门", "要我们一再催促", "太少了", "出了问题才来"),
        ("很到位", "总是提前就做好了", "帮我们避免了损失", "比我们自己还上心", "一直都有"),
    ),
}
_EN = {
    "quality": (
        ("The product", "Product quality", "The delivered system", "The equipment", "The service quality"),
        ("broke after a month", "was not reliable", "did not match the sample", "kept failing",
         "fell short of the contract"),
        ("works well", "is reliable", "met our expectations", "was worth the money", "never failed us"),
    ),
    "responsiveness": (
        ("Replies", "Response times", "Answers to our questions", "Support responses", "Turnaround"),
        ("were far too slow", "took days", "never came on time", "kept us waiting for a week",
         "were slower than promised"),
        ("were quick", "came the same day", "were faster than expected", "were prompt", "were fast"),
    ),
    "communication": (
        ("Updates", "Explanations", "Meetings with the rep", "Handovers", "Status reports"),
        ("were confusing", "were never clear", "did not reflect what we asked", "needed three rounds",
         "were inconsistent"),
        ("were clear", "were always clear", "were easy to follow", "were professional", "were helpful"),
    ),
    "personalization": (
        ("The proposal", "The recommendations", "The solution", "The offer"),
        ("was generic", "was not tailored to our business", "ignored our situation", "was a template",
         "did not fit our needs"),
        ("fit our business", "was tailored to us", "matched our needs", "was very relevant"),
    ),
    "transparency": (
        ("Pricing", "The contract", "The quote", "The billing"),
        ("had hidden costs", "was not transparent", "changed at the last minute", "was vague",
         "came with surprise charges"),
        ("was transparent", "was clear from the start", "had no hidden costs", "was fair and open"),
    ),
    "proactivity": (
        ("Follow-up", "Proactive contact", "Outreach", "Account follow-up"),
        ("never happened", "only came after we complained", "was rare", "had to be chased"),
        ("was proactive", "came before we even asked", "saved us from a problem", "was regular"),
    ),
}
_OPEN = {"zh": ("", "", "", "说实话，", "总体来说，", "这个季度", "上次合作中，", "坦白讲，", "这次"),
         "en": ("", "", "", "Honestly, ", "Overall, ", "This quarter, ", "To be frank, ")}
_CLOSE = {  # (after a complaint, after praise)
    "zh": (("，希望改进。", "，很失望。", "，耽误了我们的进度。", "。", "！", "，这点要加强。"),
           ("，很满意。", "，谢谢！", "。", "，值得推荐。", "，会继续合作。")),
    "en": ((". Please improve.", ". Disappointing.", ", which held up our work.", ".", "!"),
           (". Thanks!", ".", ", great job.", ". We will keep working with you.")),
}
_BUT = {"zh": ("，但是", "，不过", "；可惜"), "en": (", but ", "; however, ", ", although ")}
_TAIL = {"zh": ("希望下个季度更好。", "总之还要继续观察。", "以上是我们的意见。"),
         "en": (" Hope next quarter is better.", " That is our feedback.", " We will see.")}

PERSONAL_DATA_KINDS = ("mobile", "landline", "international", "e-mail", "e-mail spelled out",
                       "id card", "bank card", "rep name", "company")
"""The kinds of personal data planted in comments."""

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PINYIN = ("wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou")


def _id_card(rng: np.random.Generator) -> str:
    """A Chinese resident ID number (GB 11643) with a valid ISO 7064 MOD 11-2 check digit."""
    area = ("110101", "310104", "120101", "110105", "310101")[rng.integers(0, 5)]
    birth = f"{rng.integers(1960, 2000)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
    body = area + birth + f"{rng.integers(0, 1000):03d}"
    return body + _ID_CHECK[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS)) % 11]


def _bank_card(rng: np.random.Generator) -> str:
    """A UnionPay-style card number (16 or 19 digits) with a valid Luhn check digit."""
    n = (16, 19)[rng.integers(0, 2)]
    body = ("622202", "621700", "622848")[rng.integers(0, 3)] + "".join(
        str(d) for d in rng.integers(0, 10, n - 7))
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def _personal(rng: np.random.Generator, kind: str, lang: str, rep_name: str, company: str) -> tuple[str, bool]:
    """A phrase carrying one personal datum, and whether it goes before the comment."""
    r = rng.integers
    py = _PINYIN[r(0, len(_PINYIN))]
    if kind == "mobile":
        num = f"13{r(5, 10)}{r(0, 10**8):08d}"
        spelled = (num, f"{num[:3]}-{num[3:7]}-{num[7:]}", f"+86 {num[:3]} {num[3:7]} {num[7:]}")[r(0, 3)]
        return (f"有问题请打我手机{spelled}。" if lang == "zh" else f" Call me on {spelled}."), False
    if kind == "landline":
        num = (f"010-6{r(0, 10**6):06d}7", f"(0755) 8{r(0, 1000):03d} {r(0, 10**4):04d}",
               f"021-6{r(0, 10**7):07d}")[r(0, 3)]
        return (f"联系人电话：{num}" if lang == "zh" else f" Office: {num}."), False
    if kind == "international":
        num = (f"+1 415 555 {r(0, 10**4):04d}", f"+44 20 7946 {r(0, 10**4):04d}",
               f"+852 2{r(0, 1000):03d} {r(0, 10**4):04d}", f"+65 6{r(0, 1000):03d} {r(0, 10**4):04d}")[r(0, 4)]
        return (f"我在海外，请打{num}。" if lang == "zh" else f" I am abroad: {num}."), False
    if kind == "e-mail":
        mail = (f"{py}{r(1, 100)}@example.com", f"{py}.{_PINYIN[r(0, len(_PINYIN))]}@example.com.cn")[r(0, 2)]
        return (f"我的邮箱是{mail}，请尽快回复。" if lang == "zh" else f" Mail {mail}."), False
    if kind == "e-mail spelled out":
        mail = (f"{py}{r(1, 100)} at example dot com", f"{py}{r(1, 100)}[at]example[dot]com")[r(0, 2)]
        return (f"请发邮件到 {mail}。" if lang == "zh" else f" Write to {mail}."), False
    if kind == "id card":
        return (f"我的身份证号是{_id_card(rng)}。" if lang == "zh" else f" My ID is {_id_card(rng)}."), False
    if kind == "bank card":
        card = _bank_card(rng)
        if r(0, 2):
            card = " ".join(card[i:i + 4] for i in range(0, len(card), 4))
        return (f"退款请打到卡号{card}。" if lang == "zh" else f" Refund to card {card}."), False
    if kind == "rep name":
        return (f"{rep_name}经理，" if lang == "zh" else f"{rep_name}: "), True
    return (f"我们是{company}，" if lang == "zh" else f"We are {company}. "), True


def _pick(rng: np.random.Generator, pool: tuple[str, ...], n: int) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]


def _clause(rng: np.random.Generator, lang: str, dims: np.ndarray, negative: bool) -> np.ndarray:
    """One clause per row: a subject of the row's dimension and a negative or positive predicate."""
    table = _ZH if lang == "zh" else _EN
    out = np.empty(len(dims), dtype=object)
    for j, d in enumerate(DIMENSIONS):
        rows = np.flatnonzero(dims == j)
        if not len(rows):
            continue
        subj, neg, pos = table[d]
        s = _pick(rng, subj, len(rows))
        p = _pick(rng, neg if negative else pos, len(rows))
        out[rows] = s + (" " if lang == "en" else "") + p
    return out


def write_comments(rng: np.random.Generator, csat: np.ndarray, deficit: np.ndarray,
                   rep_name: pa.Array, company: pa.Array, salience: np.ndarray | None = None) -> pa.Array:
    """Comments for survey responses (``None`` where the respondent left none).

    Parameters
    ----------
    rng : numpy Generator
    csat : array of int
        Overall CSAT of each response (1-5): who comments, and in which tone.
    deficit : array, shape (n, 6)
        Latent dimension scores minus their usual level (trend included), in the order of
        ``DIMENSIONS``: the most negative one is what a complaint is about, the largest what
        praise is about.
    rep_name, company : pyarrow string arrays
        The handling rep's name and the customer's company, for the planted personal data.
    salience : array, shape (n, 6), optional
        Added to ``deficit`` when choosing what a complaint is about: how much more readily
        customers complain about a dimension than its deficit alone says (a change they
        noticed, a delay they waited through).

    Returns
    -------
    pyarrow string array
        One comment or null per response.
    """
    n = len(csat)
    has = rng.random(n) < np.select([csat <= 2, csat == 3], [0.55, 0.25], 0.20)
    worst = np.argmin(deficit if salience is None else deficit + salience, axis=1)
    best = np.argmax(deficit, axis=1)
    u = rng.random(n)
    # tone: 0 complaint, 1 mixed (praise the best, complain about the worst), 2 praise
    tone = np.select([csat <= 2, csat == 3],
                     [np.where(u < 0.8, 0, 1), np.where(u < 0.35, 0, np.where(u < 0.8, 1, 2))],
                     np.where(u < 0.25, 1, 2))
    english = rng.random(n) < 0.08
    text = np.full(n, None, dtype=object)
    for lang in ("zh", "en"):
        rows = np.flatnonzero(has & (english == (lang == "en")))
        if not len(rows):
            continue
        t = tone[rows]
        bad = _clause(rng, lang, worst[rows], negative=True)
        good = _clause(rng, lang, best[rows], negative=False)
        opener = _pick(rng, _OPEN[lang], len(rows))
        close_bad = _pick(rng, _CLOSE[lang][0], len(rows))
        close_good = _pick(rng, _CLOSE[lang][1], len(rows))
        but = _pick(rng, _BUT[lang], len(rows))
        if lang == "en":  # a lower-case second clause after "but"
            bad_mid = np.array([c[:1].lower() + c[1:] for c in bad], dtype=object)
        else:
            bad_mid = bad
        body = np.where(t == 0, opener + bad + close_bad,
                        np.where(t == 1, opener + good + but + bad_mid + close_bad, opener + good + close_good))
        if lang == "en":  # an opener starts the sentence: lower-case the subject after it
            body = np.array([b if not o else o + b[len(o):len(o) + 1].lower() + b[len(o) + 1:]
                             for b, o in zip(body, opener)], dtype=object)
        tail = rng.random(len(rows)) < 0.15
        body = np.where(tail, body + _pick(rng, _TAIL[lang], len(rows)), body)
        text[rows] = body
    # planted personal data
    plant = np.flatnonzero(has & (rng.random(n) < 0.06))
    kinds = rng.integers(0, len(PERSONAL_DATA_KINDS), len(plant))
    names, companies = rep_name.take(pa.array(plant)).to_pylist(), company.take(pa.array(plant)).to_pylist()
    for i, k, name, comp in zip(plant, kinds, names, companies):
        lang = "en" if english[i] else "zh"
        phrase, before = _personal(rng, PERSONAL_DATA_KINDS[k], lang, name or "", comp or "")
        text[i] = phrase + text[i] if before else text[i] + phrase
    return pa.array(text, pa.string())
