"""Sentences of the analyses, in English and Chinese, built from numbers."""

from __future__ import annotations

import math

__all__: list[str] = []

LANGS = ("en", "zh")

_T: dict[str, dict[str, str]] = {
    # kpi_validity
    "insufficient": {
        "en": "Too little data: {covered} of {reps} reps have at least {min_n} observations.",
        "zh": "数据不足:{reps} 名销售中仅 {covered} 名有至少 {min_n} 条记录。",
    },
    "is_satisfaction": {
        "en": "It is satisfaction itself; a rep's score is {rel_word} (reliability {rel}).",
        "zh": "该指标即满意度本身;单个销售的得分{rel_word}(信度 {rel})。",
    },
    "reliable": {"en": "reliable", "zh": "可靠"},
    "moderately_reliable": {"en": "moderately reliable", "zh": "信度一般"},
    "unreliable": {"en": "not reliable", "zh": "不可靠"},
    "relation": {
        "en": "Related to {target} (r = {r}, 95% CI {lo} to {hi}, BH-adjusted p {q}).",
        "zh": "与{target}相关(r = {r},95% 置信区间 {lo} 至 {hi},BH 校正 p {q})。",
    },
    "predicts": {
        "en": "Predicts next quarter's {target} (r = {r}, BH-adjusted p {q}).",
        "zh": "可预测下一季度的{target}(r = {r},BH 校正 p {q})。",
    },
    "no_relation": {
        "en": "No evidence it moves {target} (r = {r}, 95% CI {lo} to {hi}).",
        "zh": "没有证据表明它影响{target}(r = {r},95% 置信区间 {lo} 至 {hi})。",
    },
    "wrong_way": {
        "en": "It moves against {target} (r = {r}, 95% CI {lo} to {hi}): rewarding it would hurt customers.",
        "zh": "它与{target}反向变动(r = {r},95% 置信区间 {lo} 至 {hi}):奖励该指标会损害客户满意度。",
    },
    "reliability_sentence": {
        "en": "A rep's quarterly value is {rel_word} (split-half reliability {rel}).",
        "zh": "单个销售的季度数值{rel_word}(分半信度 {rel})。",
    },
    "verdict_valid": {"en": "Valid.", "zh": "有效。"},
    "verdict_weak": {"en": "Weak evidence.", "zh": "证据较弱。"},
    "verdict_not_valid": {"en": "Not valid.", "zh": "无效。"},
    "gaming": {
        "en": "Gaming warning: for {reps} it rose while \"{counterpart}\" fell.",
        "zh": "刷量预警:{reps} 的该指标上升,而“{counterpart}”下降。",
    },
    "redundant": {
        "en": "Largely overlaps \"{other}\" (r = {r}).",
        "zh": "与“{other}”高度重合(r = {r})。",
    },
    "overall_csat": {"en": "overall satisfaction", "zh": "整体满意度"},
    "dimension_satisfaction": {"en": "{dimension} satisfaction", "zh": "{dimension}满意度"},
}

DIMENSION_NAMES = {
    "overall": {"en": "overall", "zh": "整体"},
    "quality": {"en": "quality", "zh": "产品/服务质量"},
    "responsiveness": {"en": "responsiveness", "zh": "响应速度"},
    "communication": {"en": "communication", "zh": "沟通"},
    "personalization": {"en": "personalization", "zh": "个性化服务"},
    "transparency": {"en": "transparency", "zh": "流程透明度"},
    "proactivity": {"en": "proactivity", "zh": "主动性"},
    "sales": {"en": "sales", "zh": "销售业绩"},
}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}; got {lang!r}.")
    return lang


def num(x: float, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{digits}f}"


def pval(p: float) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def say(key: str, lang: str, **kw: object) -> str:
    return _T[key][lang].format(**kw)


def join(parts: list[str], lang: str) -> str:
    """Sentences joined as the language writes them (no spaces between Chinese sentences)."""
    return ("" if lang == "zh" else " ").join(p for p in parts if p)


def kpi_name(kpi_id: str, lang: str) -> str:
    from kit.kpis import get

    try:
        return get(kpi_id).name[lang]
    except Exception:
        return kpi_id


def dimension_name(dim: str, lang: str) -> str:
    return DIMENSION_NAMES.get(dim, {}).get(lang, dim)
