"""Synthetic sample data with planted, documented ground truth.

The generator writes the six tables of the data contract (docs/design.md section 4): ``reps``,
``customers``, ``interactions``, ``surveys``, ``deals`` and ``quotas``. Every effect that the
kit's analyses are meant to find is planted on purpose and listed in :data:`GROUND_TRUTH`
(and in ``data/samples/README.md``): which satisfaction dimensions drive overall CSAT and by
how much, which dimension is the "fix first" one, which dimension falls over the last
quarters, which KPIs are valid measures of their dimension and which are noise, and which reps
game a volume KPI.

The model in one paragraph. Each rep has a latent ability per satisfaction dimension
(standard normal, correlated 0.4 across dimensions). A survey response's latent dimension
score is the dimension's mean, plus the handling rep's ability, plus a customer halo, a
response-level mood shared by all dimensions and a dimension-specific noise, plus a few
effects of what happened in the interaction (slow or unresolved, reopened, a complaint).
Each dimension has two Likert items (latent score + item noise, rounded and clipped to 1-5;
``q_transparency_2`` is reverse-keyed and answered reflected). Overall CSAT is a weighted sum of
the latent dimension scores plus noise; NPS follows CSAT. The same abilities drive the
operational records: responsiveness drives response and resolution times, communication drives
first-contact resolution and reopens, proactivity drives proactive contacts and complaints,
personalization drives the win rate of personalized proposals. The count of personalized
proposals is drawn independently of everything (the planted invalid volume KPI).

Everything is vectorized (numpy and pyarrow): ``generate(scale=200)`` produces about ten
million interactions and two million survey responses. Randomness comes from
``numpy.random.default_rng`` streams spawned from one seed, so the output depends only on the
arguments (and the numpy, pandas and pyarrow versions).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kit.periods import QUARTER_TEXT
from kit.sample_comments import write_comments

__all__ = [
    "COLUMNS",
    "DIMENSIONS",
    "GROUND_TRUTH",
    "ITEM_COLUMNS",
    "TABLES",
    "generate",
    "true_reps",
    "write",
    "write_sample",
]

# --------------------------------------------------------------------------------------
# Vocabulary and canonical columns
# --------------------------------------------------------------------------------------

DIMENSIONS: tuple[str, ...] = (
    "quality", "responsiveness", "communication", "personalization", "transparency",
    "proactivity",
)
"""The six satisfaction dimensions of the seed document, in the kit's order."""

ITEM_COLUMNS: tuple[str, ...] = tuple(f"q_{d}_{k}" for d in DIMENSIONS for k in (1, 2))
"""The twelve survey item columns of the bundled instrument, two per dimension."""

TABLES: tuple[str, ...] = ("reps", "customers", "interactions", "surveys", "deals", "quotas")
"""The table names, in the order :func:`generate` returns them."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "reps": ("rep_id", "rep_name", "team", "region", "hire_date", "active"),
    "customers": ("customer_id", "segment", "region", "owner_rep_id", "since"),
    "interactions": (
        "interaction_id", "customer_id", "rep_id", "channel", "kind", "initiated_by",
        "opened_at", "first_response_at", "resolved_at", "contacts", "reopened", "sla_hours",
    ),
    "surveys": (
        "response_id", "customer_id", "rep_id", "interaction_id", "submitted_at", "csat",
        "nps", *ITEM_COLUMNS, "comment",
    ),
    "deals": (
        "deal_id", "customer_id", "rep_id", "created_at", "closed_at", "stage", "amount",
        "needs_analysis", "personalized",
    ),
    "quotas": ("rep_id", "quarter", "quota"),
}
"""Canonical columns of each table (docs/design.md section 4), in file order."""

_REGIONS = ("华东", "华北", "华南", "西部")
_REGION_P = (0.40, 0.25, 0.20, 0.15)
_SEGMENTS = ("enterprise", "mid-market", "smb")
_SEGMENT_P = (0.15, 0.35, 0.50)
_CHANNELS = ("email", "phone", "chat", "visit", "meeting")
_KINDS = ("inquiry", "complaint", "request", "followup", "proactive")  # codes 0-2: customer-raised
_STAGES = ("open", "won", "lost")
_TEAM_SIZE = 8

# --------------------------------------------------------------------------------------
# The planted model. GROUND_TRUTH below is built from these numbers, so that the
# documentation and the generator cannot drift apart.
# --------------------------------------------------------------------------------------

_ABILITY_CORR = 0.40  # correlation of a rep's abilities across dimensions (general factor)

# Latent dimension score of a response = mean + trend + REP_SD * ability + segment effect
#   + CUSTOMER_SD * customer halo + MOOD_SD * response mood + SPECIFIC_SD * noise + extras.
_DIM_MEAN = {  # latent mean on the 1-5 answer scale (before rounding and clipping)
    "quality": 4.10, "responsiveness": 3.30, "communication": 4.00,
    "personalization": 3.55, "transparency": 3.95, "proactivity": 3.40,
}
_REP_SD = 0.37
_CUSTOMER_SD = 0.28
_MOOD_SD = 0.30
_SPECIFIC_SD = 0.42
_ITEM_SD = 0.44
_ITEM_SHIFT = {1: 0.05, 2: -0.05}  # item 2 of each dimension is a little harder to endorse
_SEGMENT_EFFECT = {"enterprise": -0.15, "mid-market": 0.0, "smb": 0.08}
_TREND = {"dimension": "transparency", "shift": (-0.20, -0.40, -0.60)}  # last 3 quarters

# Interaction-level effects on the latent dimension scores of a response to that interaction.
_EFFECT_SLOW = -0.25       # responsiveness, per SD of log resolution time (business hours)
_EFFECT_UNRESOLVED = -0.50  # responsiveness, issue not resolved when the survey was answered
_EFFECT_REOPENED = -0.35   # communication
_EFFECT_COMPLAINT = -0.20  # every dimension
_EFFECT_PROACTIVE = 0.25   # proactivity, survey after a proactive contact
# A bad experience (the order went wrong, an escalation) lowers every dimension at once.
_BAD = {"p": 0.03, "p_complaint": 0.10, "p_unresolved": 0.08, "shift": -1.3}

# Overall CSAT latent = CSAT_MEAN + sum_d WEIGHT_d * (z_d - DIM_MEAN_d) + noise, the noise
# Student t with 4 df scaled to SD CSAT_NOISE; CSAT is the latent rounded and clipped to 1-5.
_CSAT_MEAN = 4.15
_WEIGHTS = {
    "quality": 0.32, "responsiveness": 0.50, "communication": 0.42,
    "personalization": 0.10, "transparency": 0.14, "proactivity": 0.03,
}
_CSAT_NOISE = 0.45
_NPS = {"intercept": 8.0, "slope": 2.0, "noise": 1.3, "missing": 0.15}
# Survey comments (kit.sample_comments): a complaint is about the dimension with the largest
# deficit (latent score minus its mean) plus these salience terms.
_COMPLAINT_SALIENCE = {"responsiveness": -0.25, "trend_change": 2.0}
_ITEM_MISSING = 0.06        # each item answer missing at random
_ITEM_BLOCK_MISSING = 0.02  # respondent answered CSAT/NPS only

# Operational records.
_RATES = {  # interactions per customer per quarter (complaint, proactive: before thinning)
    "inquiry": 1.10, "complaint": 0.50, "request": 0.80, "followup": 0.60, "proactive": 1.10,
}
_SEGMENT_ACTIVITY = {"enterprise": 1.9, "mid-market": 1.15, "smb": 0.70}
_COMPLAINT_KEEP = (-0.10, -0.70)  # logit(keep) = a + b * proactivity ability
_PROACTIVE_KEEP = (-0.70, 0.70)   # logit(keep) = a + b * proactivity ability
_CHANNEL_P = {"customer": (0.36, 0.34, 0.25, 0.03, 0.02),  # email, phone, chat, visit, meeting
              "rep": (0.30, 0.38, 0.05, 0.15, 0.12)}
_FIRST_RESPONSE_MEDIAN = {"email": 3.0, "phone": 1.2, "chat": 0.25, "visit": 4.0, "meeting": 4.0}
_FIRST_RESPONSE = {"ability": -0.30, "sdlog": 1.0, "missing": 0.025}
_RESOLUTION_MEDIAN = {"inquiry": 2.5, "complaint": 2.5, "request": 6.0}
_RESOLUTION = {"ability": -0.22, "sdlog": 1.0, "unresolved": 0.03,
               "segment": {"enterprise": 1.4, "mid-market": 1.0, "smb": 0.8}}
_FCR_LOGIT = (0.45, 0.30)          # P(resolved in one contact) = expit(a + b * communication)
_REOPEN_LOGIT = (-2.40, -0.15)     # P(reopened | resolved) = expit(a + b * communication)
_SLA_DEFAULT_HOURS = {"complaint": 24, "inquiry": 48, "request": 72}  # as parameters/default.yaml
_COVER_SHARE = 0.05  # interactions handled by a teammate instead of the customer's owner

_SURVEY = {"customer_raised": 0.21, "rep_initiated": 0.06, "relationship": 0.06,
           "rep_factor_sdlog": 0.55, "rep_id_blank": 0.12, "relationship_rep_blank": 0.30}

_DEALS_PER_QUARTER = {"enterprise": 0.45, "mid-market": 0.30, "smb": 0.22}
_AMOUNT_MEDIAN = {"enterprise": 480_000.0, "mid-market": 120_000.0, "smb": 28_000.0}
_WIN_LOGIT = {"intercept": -0.35, "segment": {"enterprise": -0.30, "mid-market": 0.0, "smb": 0.20},
              "personalized": 0.35, "personalization_if_personalized": 1.60,
              "quality": 0.0, "template": -1.60}
_NEEDS_ANALYSIS_P = 0.35
_GAMING_EXTRA_PER_10_CUSTOMERS = (1.5, 3.0, 4.5)  # template proposals, last three quarters
# The confounding option (``generate(confounded_sales=True)``): a selling skill that correlates
# strongly with responsiveness ability and alone drives deals (win odds and deal size). It has
# no effect on any survey answer, so the sales KPIs ride on good service without serving it.
_SELLING = {"corr_responsiveness": 0.80, "win_logit": 1.00, "log_amount": 0.45}

_HOLIDAYS = (  # weekday public holidays (mainland China) used for business-day times
    "2024-10-01", "2024-10-02", "2024-10-03", "2024-10-04", "2024-10-07",
    "2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-03",
    "2025-02-04", "2025-04-04", "2025-05-01", "2025-05-02", "2025-05-05", "2025-06-02",
    "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08",
    "2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
    "2026-02-20", "2026-02-23", "2026-04-06", "2026-05-01", "2026-05-04", "2026-05-05",
    "2026-06-19", "2026-09-25",
)
_DAY_START_H, _DAY_END_H = 9, 18
_BUSINESS_DAY_S = (_DAY_END_H - _DAY_START_H) * 3600

# --------------------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------------------


def _importance_order() -> list[str]:
    return sorted(DIMENSIONS, key=lambda d: -_WEIGHTS[d])


_QUADRANTS = {  # importance above/below 1/6 (equal share), performance above/below the
    # mean of the six dimension means
    "quality": "high importance, high performance (keep up)",
    "responsiveness": "high importance, low performance (fix first)",
    "communication": "high importance, high performance (keep up)",
    "personalization": "low importance, low performance",
    "transparency": "low importance, high performance until the trend starts, then low "
                    "(falling: a watch item)",
    "proactivity": "low importance, low performance",
}

_KPI_TRUTH = {  # KPI id -> (dimension, intended validity, mechanism)
    "csat_mean": ("overall", "valid", "the survey outcome itself"),
    "csat_top2_rate": ("overall", "valid", "the survey outcome itself"),
    "nps": ("overall", "valid", "NPS follows the latent CSAT score"),
    "resolution_hours_median": (
        "responsiveness", "valid", "resolution time falls with responsiveness ability"),
    "sla_met_rate": ("responsiveness", "valid", "faster resolution meets more SLAs"),
    "first_contact_resolution_rate": (
        "communication", "valid", "P(resolved in one contact) rises with communication ability"),
    "reopen_rate": (
        "communication", "weak", "P(reopen) falls only a little with communication ability and "
        "reopens are rare (about 8%), so a quarter's rate is noisy"),
    "needs_understood_score": ("communication", "valid", "an item of the dimension"),
    "transparency_score": ("transparency", "valid", "the dimension score itself"),
    "first_response_hours_median": (
        "responsiveness", "valid", "first response time falls with responsiveness ability"),
    "callback_within_24h_rate": (
        "responsiveness", "valid", "faster first responses; attenuated because most phone "
        "and e-mail contacts are answered within 24 hours anyway"),
    "needs_analysis_success_rate": (
        "personalization", "weak", "a needs analysis raises the win odds only through a "
        "personalized proposal, and is documented on only a third of the deals (small n)"),
    "personalized_proposals": (
        "personalization", "not valid", "pure noise: the count depends only on the rep's "
        "book size and a random propensity, both uncorrelated with every ability (and on "
        "gaming)"),
    "personalized_acceptance_rate": (
        "personalization", "valid", "the win odds of personalized deals rise with "
        "personalization ability"),
    "proactive_contact_share": (
        "proactivity", "valid", "rep-initiated proactive contacts rise with proactivity ability"),
    "complaints_per_100_customers": (
        "proactivity", "valid", "complaints fall with proactivity ability"),
    "proactive_resolution_rate": (
        "proactivity", "valid", "more proactive contacts and fewer complaints"),
    "revenue_won": (
        "sales", "not valid", "book size and deal amounts; unrelated to satisfaction"),
    "quota_attainment": (
        "sales", "not valid", "quotas follow book size; what remains is mostly deal-level luck"),
    "win_rate": (
        "sales", "weak", "only through personalization ability, which matters little for overall "
        "CSAT"),
}

_CONFOUNDED_TRUTH = {  # KPI id -> intended verdict with generate(confounded_sales=True)
    "revenue_won": "confounded",
    "win_rate": "confounded",
    "quota_attainment": "confounded",
}

GROUND_TRUTH: dict[str, Any] = {
    "description": (
        "Planted effects of kit.sample.generate(). Rep abilities are standard normal per "
        "dimension; weights and shifts are on the latent 1-5 scale of the answers."
    ),
    "dimensions": {
        d: {
            "csat_weight": _WEIGHTS[d],
            "importance_rank": _importance_order().index(d) + 1,
            "latent_mean": _DIM_MEAN[d],
            "quadrant": _QUADRANTS[d],
        }
        for d in DIMENSIONS
    },
    "driver_ranking": _importance_order(),
    "fix_first": "responsiveness",
    "trend": {
        "dimension": _TREND["dimension"],
        "quarters": "the last three quarters of the range (2026Q1, 2026Q2, 2026Q3 by default)",
        "latent_shift": _TREND["shift"],
    },
    "top_complaint": {
        "description": "the dimension most survey comments complain about: responsiveness (its "
                       "delays are felt most), and the trend dimension once it falls",
        "before_trend": "responsiveness",
        "trend_quarters": _TREND["dimension"],
        "complaint_salience": dict(_COMPLAINT_SALIENCE),
    },
    "reverse_items": ["q_transparency_2"],
    "needs_understood_items": ["q_communication_1"],
    "variance": {
        "rep_ability_sd": _REP_SD, "ability_correlation": _ABILITY_CORR,
        "customer_halo_sd": _CUSTOMER_SD, "response_mood_sd": _MOOD_SD,
        "dimension_specific_sd": _SPECIFIC_SD, "item_noise_sd": _ITEM_SD,
        "csat_noise_sd": _CSAT_NOISE, "csat_noise": "Student t, 4 df",
    },
    "interaction_effects": {
        "responsiveness_per_sd_log_resolution_hours": _EFFECT_SLOW,
        "responsiveness_unresolved": _EFFECT_UNRESOLVED,
        "communication_reopened": _EFFECT_REOPENED,
        "all_dimensions_complaint": _EFFECT_COMPLAINT,
        "proactivity_after_proactive_contact": _EFFECT_PROACTIVE,
        "all_dimensions_bad_experience": _BAD["shift"],
    },
    "segment_effect": dict(_SEGMENT_EFFECT),
    "sla_default_hours": dict(_SLA_DEFAULT_HOURS),
    "kpis": {
        k: {"dimension": d, "validity": v, "mechanism": m} for k, (d, v, m) in _KPI_TRUTH.items()
    },
    "noise_kpi": "personalized_proposals",
    "gaming": {
        "kpi": "personalized_proposals", "quality_counterpart": "personalized_acceptance_rate",
        "extra_template_proposals_per_10_customers": _GAMING_EXTRA_PER_10_CUSTOMERS,
        "template_win_logit": _WIN_LOGIT["template"],
    },
    "confounded_sales": {
        "option": "generate(confounded_sales=True)",
        "selling_skill": "standard normal per rep; correlation with responsiveness ability "
                         f"{_SELLING['corr_responsiveness']}; no effect on any survey answer",
        "win_logit_per_sd": _SELLING["win_logit"],
        "log_amount_per_sd": _SELLING["log_amount"],
        "kpis": dict(_CONFOUNDED_TRUTH),
        "mechanism": "the sales KPIs correlate with satisfaction only because the selling skill "
                     "correlates with responsiveness; controlling for the responsiveness KPIs "
                     "removes the association",
    },
    "sample": {},  # filled at the end of the module: special reps of the default sample
}
"""Planted effects, as plain data.

``dimensions``: per dimension its CSAT weight, importance rank, latent mean and intended
quadrant; ``driver_ranking``: dimensions by planted importance; ``fix_first``; ``trend``;
``top_complaint``: what the survey comments complain about most (responsiveness, then the
trend dimension in its quarters; per quarter of the default sample in ``sample``);
``kpis``: per KPI id its dimension, intended ``validity`` (valid, weak, not valid) and the
mechanism; ``gaming``; ``confounded_sales``: the selling skill planted by
``generate(confounded_sales=True)`` and the verdict the sales KPIs should then get;
``sample``: the rep ids of the leavers, new hires and gaming reps in the default sample
(seed 2026, 40 reps). For other arguments :func:`true_reps` returns every rep's latent
abilities and roles."""


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------

_QUARTER_RE = QUARTER_TEXT


def _parse_quarters(spec: str) -> list[tuple[int, int]]:
    if not isinstance(spec, str):
        raise TypeError(f"quarters must be a string such as '2024Q4:2026Q3', got {spec!r}")
    parts = spec.split(":")
    if len(parts) > 2:
        raise ValueError(f"quarters must be 'YYYYQn' or 'YYYYQn:YYYYQn', got {spec!r}")
    ends = []
    for part in parts:
        m = _QUARTER_RE.match(part)
        if not m:
            raise ValueError(f"quarters must be 'YYYYQn' or 'YYYYQn:YYYYQn', got {spec!r}")
        ends.append((int(m.group(1)), int(m.group(2))))
    first, last = ends[0], ends[-1]
    i0, i1 = first[0] * 4 + first[1] - 1, last[0] * 4 + last[1] - 1
    if i1 < i0:
        raise ValueError(f"quarters: the last quarter comes before the first in {spec!r}")
    return [(i // 4, i % 4 + 1) for i in range(i0, i1 + 1)]


def _quarter_start(year: int, q: int) -> np.datetime64:
    return np.datetime64(f"{year:04d}-{3 * (q - 1) + 1:02d}-01", "D")


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _ids(prefix: str, n: int, width: int) -> pa.Array:
    width = max(width, len(str(n)))
    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string()),
                          width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _take(labels: pa.Array | list[str], codes: np.ndarray) -> pd.Series:
    """Strings ``labels[codes]`` as a pandas ``str`` Series; a negative code gives missing."""
    if not isinstance(labels, pa.Array):
        labels = pa.array(labels, pa.string())
    codes = np.asarray(codes, dtype=np.int64)
    missing = codes < 0
    idx = pa.array(np.where(missing, 0, codes), mask=missing if missing.any() else None)
    return pd.Series(pd.array(labels.take(idx), dtype="str"))


def _timestamps(seconds: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    out = pd.Series(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]"))
    if missing is not None and missing.any():
        out = out.mask(missing)
    return out


def _dates(days: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(
        "datetime64[s]"))


def _nullable_int(values: np.ndarray, missing: np.ndarray) -> pd.Series:
    return pd.Series(pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64),
                                            np.asarray(missing, dtype=bool)))


class _Calendar:
    """Business days and business-hour arithmetic on int64 epoch seconds (local time)."""

    def __init__(self) -> None:
        self.cal = np.busdaycalendar(weekmask="1111100",
                                     holidays=np.array(_HOLIDAYS, dtype="datetime64[D]"))

    def busdays(self, start_day: np.ndarray, end_day: np.ndarray) -> np.ndarray:
        return np.busday_count(start_day.astype("datetime64[D]"),
                               end_day.astype("datetime64[D]"), busdaycal=self.cal)

    def nth_busday(self, start_day: np.ndarray, k: np.ndarray) -> np.ndarray:
        d = np.busday_offset(start_day.astype("datetime64[D]"), k, roll="forward",
                             busdaycal=self.cal)
        return d.astype(np.int64)

    def is_busday(self, day: np.ndarray) -> np.ndarray:
        return np.is_busday(day.astype("datetime64[D]"), busdaycal=self.cal)

    def add_business_hours(self, t: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """Epoch seconds ``t`` plus ``hours`` business hours (09:00-18:00 on business days)."""
        day = t // 86400
        sec = t - day * 86400
        is_bd = self.is_busday(day)
        after = sec >= _DAY_END_H * 3600
        step = (is_bd & after).astype(np.int64)
        start_day = self.nth_busday(day, step)
        within = is_bd & ~after & (start_day == day)
        pos = np.where(within, np.maximum(sec - _DAY_START_H * 3600, 0), 0)
        total = pos + np.rint(hours * 3600.0).astype(np.int64)
        add_days, rem = np.divmod(total, _BUSINESS_DAY_S)
        end_day = self.nth_busday(start_day, add_days)
        return end_day * 86400 + _DAY_START_H * 3600 + rem


def _time_of_day(rng: np.random.Generator, n: int, business: np.ndarray) -> np.ndarray:
    """Seconds after midnight: business rows mostly 09:00-18:00, others 10:00-21:00."""
    u = rng.random(n)
    in_hours = _DAY_START_H * 3600 + (u * _BUSINESS_DAY_S)
    early_late = np.where(rng.random(n) < 0.5, 7 * 3600 + u * 2 * 3600, 18 * 3600 + u * 4 * 3600)
    weekend = 10 * 3600 + u * 11 * 3600
    off = rng.random(n) < 0.08
    sec = np.where(business, np.where(off, early_late, in_hours), weekend)
    return np.floor(sec).astype(np.int64)


def _random_days(rng: np.random.Generator, cal: _Calendar, start: np.ndarray, end: np.ndarray,
                 p_business: float) -> tuple[np.ndarray, np.ndarray]:
    """A day in [start, end) per row: a business day with probability p_business, else any day.

    Returns (day as int64 days since epoch, whether the draw was a business-day draw).
    """
    n = len(start)
    business = rng.random(n) < p_business
    u = rng.random(n)
    nbd = cal.busdays(start, end)
    k = np.minimum(np.floor(u * nbd).astype(np.int64), np.maximum(nbd - 1, 0))
    bday = cal.nth_busday(start, k)
    anyday = start + np.floor(u * (end - start)).astype(np.int64)
    business &= nbd > 0
    return np.where(business, bday, anyday), business


# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------

_SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹")
_GIVEN = (
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "浩", "宇", "欣怡", "子涵", "雨轩", "俊杰",
    "思远", "晓东", "建华", "海燕", "文博", "佳琪", "志强", "丹", "鹏", "婷", "晨", "雪",
)
_EN_FIRST = ("Emily", "Kevin", "David", "Grace", "Jason", "Linda", "Michael", "Sophie", "Tony",
             "Cindy")
_EN_LAST = ("Zhang", "Wang", "Li", "Chen", "Liu", "Yang", "Zhao", "Huang", "Zhou", "Wu")
_CITIES = ("上海", "杭州", "苏州", "南京", "宁波", "北京", "天津", "青岛", "济南", "广州", "深圳",
           "东莞", "佛山", "厦门", "成都", "重庆", "西安", "武汉", "长沙", "合肥")
_CORES = ("恒达", "华信", "中泰", "鼎盛", "瑞丰", "宏远", "金桥", "天成", "博源", "汇通", "嘉禾",
          "永安", "新创", "联众", "安捷", "明德", "正泰", "星河", "德润", "海纳")
_TRADES = ("精密机械", "电子科技", "医疗器械", "物流", "食品", "化工", "软件", "建材", "纺织",
           "新能源", "供应链管理", "汽车零部件")


def _rep_names(rng: np.random.Generator, n: int) -> pa.Array:
    zh = [s + g for s in _SURNAMES for g in _GIVEN]
    en = [f"{f} {s}" for f in _EN_FIRST for s in _EN_LAST]
    pool = zh + en
    p = np.r_[np.full(len(zh), 0.88 / len(zh)), np.full(len(en), 0.12 / len(en))]
    idx = rng.choice(len(pool), size=n, replace=n > len(pool), p=p)
    return pa.array(pool, pa.string()).take(pa.array(idx))


def _company_names(rng: np.random.Generator, n: int) -> pa.Array:
    names = [f"{c}{k}{t}有限公司" for c in _CITIES for k in _CORES for t in _TRADES]
    return pa.array(names, pa.string()).take(pa.array(rng.integers(0, len(names), n)))


# --------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------


class _Frame:
    """The time frame: first day, cutoff (first day after the range), quarter starts."""

    def __init__(self, quarters: str) -> None:
        self.quarters = _parse_quarters(quarters)
        starts = [_quarter_start(y, q) for y, q in self.quarters]
        ly, lq = self.quarters[-1]
        nxt = ly * 4 + lq  # index of the following quarter
        self.cutoff_day = int(_quarter_start(nxt // 4, nxt % 4 + 1).astype(np.int64))
        self.q_start = np.array([int(s.astype(np.int64)) for s in starts], dtype=np.int64)
        self.start_day = int(self.q_start[0])
        self.cutoff = self.cutoff_day * 86400
        self.labels = [f"{y}Q{q}" for y, q in self.quarters]

    def quarter_of_day(self, day: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.q_start, day, side="right") - 1


def _orthogonal(x: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """``x`` standardized and, when there are enough rows, residualized on ``basis``."""
    x = x - x.mean()
    if len(x) > 2 * basis.shape[1] + 2:
        b = basis - basis.mean(axis=0)
        x = x - b @ np.linalg.lstsq(b, x, rcond=None)[0]
    sd = x.std()
    return x / sd if sd > 0 else x


def _draw_reps(rng: np.random.Generator, n: int, frame: _Frame) -> dict[str, np.ndarray]:
    """Rep-level draws: region, team, hire and leave days, abilities, roles."""
    n_new = max(1, round(0.05 * n))
    n_leave = max(1, round(0.05 * n))
    n_gaming = max(1, round(0.05 * n))
    n_vet = n - n_new
    start, cutoff = frame.start_day, frame.cutoff_day
    # Veterans hired before the range (ids in hire order); new hires in the last two quarters.
    vet_hire = np.sort(start - 60 - np.floor(rng.random(n_vet) ** 1.5 * 3600).astype(np.int64))
    span = cutoff - start
    lo = max(cutoff - 150, start + span // 3)
    hi = max(cutoff - 80, lo + (cutoff - lo) // 2)
    new_hire = np.sort(lo + np.floor(rng.random(n_new) * (hi - lo)).astype(np.int64))
    hire = np.r_[vet_hire, new_hire]
    region = rng.choice(len(_REGIONS), size=n, p=_REGION_P)
    # Leavers and gaming reps among the veterans, disjoint.
    order = rng.permutation(n_vet)
    leavers = np.sort(order[:n_leave])
    gaming = np.sort(order[n_leave:n_leave + n_gaming])
    leave = np.full(n, np.iinfo(np.int64).max // 2, dtype=np.int64)
    leave[leavers] = start + np.floor(span * (0.15 + 0.6 * rng.random(n_leave))).astype(np.int64)
    # Teams: within a region, consecutive groups of _TEAM_SIZE reps in id order.
    team = np.empty(n, dtype=np.int64)
    team_names: list[str] = []
    for r in range(len(_REGIONS)):
        members = np.flatnonzero(region == r)
        k = np.arange(len(members)) // _TEAM_SIZE
        team[members] = len(team_names) + k
        team_names += [f"{_REGIONS[r]}{i + 1}组" for i in range(int(k.max()) + 1 if len(k) else 0)]
    general = rng.standard_normal(n)
    specific = rng.standard_normal((n, len(DIMENSIONS)))
    ability = math.sqrt(_ABILITY_CORR) * general[:, None] + math.sqrt(1 - _ABILITY_CORR) * specific
    if n > 2:  # exactly mean 0 and SD 1 in the sample, so that small samples stay comparable
        ability = (ability - ability.mean(axis=0)) / ability.std(axis=0)
    # Book size and the propensity to write personalized proposals are made exactly
    # uncorrelated with the abilities, so that personalized_proposals is pure noise.
    workload = np.exp(0.9 * _orthogonal(rng.standard_normal(n), ability))
    response_factor = rng.lognormal(0.0, _SURVEY["rep_factor_sdlog"], n)
    personalized_p = _expit(-0.2 + 0.6 * _orthogonal(rng.standard_normal(n), ability))
    names = _rep_names(rng, n)
    return {
        "n": n, "n_vet": n_vet, "hire": hire, "leave": leave, "region": region, "team": team,
        "team_names": team_names, "ability": ability, "workload": workload,
        "response_factor": response_factor, "personalized_p": personalized_p, "names": names,
        "leavers": leavers, "gaming": gaming, "new": np.arange(n_vet, n),
        "ids": _ids("R", n, 3),
    }


def _effective_sizes(n_reps: int, n_customers: int, scale: float) -> tuple[int, int]:
    return max(5, round(n_reps * scale)), max(20, round(n_customers * scale))


def _check_args(seed: Any, n_reps: Any, n_customers: Any, scale: Any) -> None:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    for name, v in (("n_reps", n_reps), ("n_customers", n_customers)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not (
            0 < float(scale) <= 1000):
        raise ValueError(f"scale must be a number in (0, 1000], got {scale!r}")


def _streams(seed: int) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]


def _selling_skill(seed: int, ability: np.ndarray) -> np.ndarray:
    """The planted selling skill: correlated with responsiveness ability, nothing else.

    Drawn from a seventh stream spawned from the seed (spawning more children leaves the first
    six unchanged), so the default sample does not change.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(7)[6])
    rho = _SELLING["corr_responsiveness"]
    resp = ability[:, DIMENSIONS.index("responsiveness")]
    other = _orthogonal(rng.standard_normal(len(resp)), ability)
    return rho * resp + math.sqrt(1 - rho * rho) * other


def true_reps(seed: int = 2026, n_reps: int = 40, quarters: str = "2024Q4:2026Q3",
              scale: float = 1.0, confounded_sales: bool = False) -> pd.DataFrame:
    """The latent truth about each rep of ``generate(seed, n_reps, ..., quarters, scale)``.

    Parameters
    ----------
    seed, n_reps, quarters, scale
        The same arguments as given to :func:`generate` (``n_customers`` does not matter).

    Returns
    -------
    DataFrame
        Indexed by rep_id, with columns ``ability_<dimension>`` (standard normal latent
        ability for each of the six dimensions), ``workload`` (relative book size),
        ``survey_response_factor`` (relative survey response rate of the rep's customers),
        ``personalized_propensity`` (probability that a deal gets a personalized proposal,
        unrelated to any ability), and the roles ``leaver`` (left during the range, inactive),
        ``new_hire`` (hired in the last two quarters) and ``gaming`` (inflates
        ``personalized_proposals`` with template proposals in the last three quarters); with
        ``confounded_sales``, ``ability_selling`` (the planted selling skill).
    """
    _check_args(seed, n_reps, 1, scale)
    frame = _Frame(quarters)
    n, _ = _effective_sizes(n_reps, 1, scale)
    r = _draw_reps(_streams(int(seed))[0], n, frame)
    out = pd.DataFrame({f"ability_{d}": r["ability"][:, j] for j, d in enumerate(DIMENSIONS)})
    out.index = pd.Index(pd.array(r["ids"], dtype="str"), name="rep_id")
    out["workload"] = r["workload"]
    out["survey_response_factor"] = r["response_factor"]
    out["personalized_propensity"] = r["personalized_p"]
    if confounded_sales:
        out["ability_selling"] = _selling_skill(int(seed), r["ability"])
    roles = np.zeros(n, dtype=bool)
    for role, idx in (("leaver", r["leavers"]), ("new_hire", r["new"]), ("gaming", r["gaming"])):
        flag = roles.copy()
        flag[idx] = True
        out[role] = flag
    return out


def _draw_customers(rng: np.random.Generator, reps: dict[str, np.ndarray], n_c: int,
                    frame: _Frame) -> dict[str, np.ndarray]:
    start, cutoff = frame.start_day, frame.cutoff_day
    n_vet = reps["n_vet"]
    segment = rng.choice(len(_SEGMENTS), size=n_c, p=_SEGMENT_P)
    w = reps["workload"][:n_vet]
    owner0 = rng.choice(n_vet, size=n_c, p=w / w.sum())
    region = reps["region"][owner0].copy()
    other = rng.random(n_c) < 0.03
    region[other] = rng.integers(0, len(_REGIONS), int(other.sum()))
    joined_during = rng.random(n_c) < 0.12
    since = np.where(
        joined_during,
        start + np.floor(rng.random(n_c) * max(cutoff - start - 45, 1)).astype(np.int64),
        start - 30 - np.floor(rng.random(n_c) * 8 * 365).astype(np.int64),
    )
    # Ownership changes: customers of leavers go to a remaining veteran of the same region on
    # the leaving day; each new hire takes over a few customers of its region.
    owner1 = owner0.copy()
    switch = np.full(n_c, np.iinfo(np.int64).max // 2, dtype=np.int64)
    stay = np.setdiff1d(np.arange(n_vet), reps["leavers"])
    for r in range(len(_REGIONS)):
        pool = stay[reps["region"][stay] == r]
        if len(pool) == 0:
            pool = stay
        lost = np.flatnonzero(np.isin(owner0, reps["leavers"]) & (reps["region"][owner0] == r))
        if len(lost):
            pw = reps["workload"][pool]
            owner1[lost] = rng.choice(pool, size=len(lost), p=pw / pw.sum())
            switch[lost] = reps["leave"][owner0[lost]]
    # Each new hire takes over a few customers of its region (a slice of a permutation).
    taken = switch < np.iinfo(np.int64).max // 2
    k = max(2, int(round(n_c / reps["n"] * 0.4)))
    for r in range(len(_REGIONS)):
        hires = reps["new"][reps["region"][reps["new"]] == r]
        if len(hires) == 0:
            continue
        cand = rng.permutation(np.flatnonzero(~taken & (reps["region"][owner0] == r)))
        m = min(len(cand) // len(hires), k)
        pick = cand[: m * len(hires)]
        new_owner = np.repeat(hires, m)
        owner1[pick] = new_owner
        switch[pick] = reps["hire"][new_owner] + rng.integers(0, 21, len(pick))
        taken[pick] = True
    # Customer halo, centred within each initial owner's book: differences between reps come
    # from their abilities and their segment mix, not from the luck of the customers drawn.
    halo = rng.standard_normal(n_c)
    book_mean = np.bincount(owner0, weights=halo, minlength=reps["n"]) / np.maximum(
        np.bincount(owner0, minlength=reps["n"]), 1)
    halo = halo - book_mean[owner0]
    activity = rng.gamma(3.0, 1 / 3.0, n_c)
    contract_sla = np.where(
        (segment == 0) & (rng.random(n_c) < 0.40),
        rng.choice(np.array([8, 24, 24, 48]), size=n_c), 0)
    return {"n": n_c, "segment": segment, "region": region, "since": since,
            "owner0": owner0.astype(np.int32), "owner1": owner1.astype(np.int32),
            "switch": switch, "halo": halo, "activity": activity,
            "contract_sla": contract_sla, "ids": _ids("C", n_c, 5),
            "window_start": np.maximum(since, start)}


def _owner_at(cust: dict[str, np.ndarray], c: np.ndarray, day: np.ndarray) -> np.ndarray:
    return np.where(day >= cust["switch"][c], cust["owner1"][c], cust["owner0"][c])


def _interactions(rng: np.random.Generator, reps: dict, cust: dict, frame: _Frame,
                  cal: _Calendar) -> dict[str, np.ndarray]:
    n_c = cust["n"]
    start_c = cust["window_start"]
    quarters_active = (frame.cutoff_day - start_c) / 91.3125
    seg_act = np.array([_SEGMENT_ACTIVITY[s] for s in _SEGMENTS])[cust["segment"]]
    base = quarters_active * seg_act * cust["activity"]
    rates = np.array([_RATES[k] for k in _KINDS])
    counts = rng.poisson(base[:, None] * rates[None, :])
    c = np.repeat(np.repeat(np.arange(n_c, dtype=np.int32), len(_KINDS)), counts.ravel())
    kind = np.repeat(np.tile(np.arange(len(_KINDS), dtype=np.int8), n_c), counts.ravel())
    del counts
    raised = kind <= 2
    n = len(c)
    day, business = _random_days(rng, cal, start_c[c], np.full(n, frame.cutoff_day),
                                 p_business=0.94)
    business |= ~raised  # reps open their own contacts during business hours
    handler = _owner_at(cust, c, day)
    # A teammate covers some interactions, if that teammate is employed on the day.
    cover = rng.random(n) < _COVER_SHARE
    team = reps["team"][handler]
    team_sizes = np.bincount(reps["team"], minlength=len(reps["team_names"]))
    by_team = np.argsort(reps["team"], kind="stable")
    team_first = np.r_[0, np.cumsum(team_sizes)[:-1]]
    mate = by_team[team_first[team] + np.floor(rng.random(n) * team_sizes[team]).astype(np.int64)]
    ok = cover & (reps["hire"][mate] <= day) & (day < reps["leave"][mate])
    handler = np.where(ok, mate, handler)
    # Thinning by proactivity ability: fewer complaints, more proactive contacts.
    a_pro = reps["ability"][handler, DIMENSIONS.index("proactivity")]
    keep_p = np.ones(n)
    keep_p = np.where(kind == 1, _expit(_COMPLAINT_KEEP[0] + _COMPLAINT_KEEP[1] * a_pro), keep_p)
    keep_p = np.where(kind == 4, _expit(_PROACTIVE_KEEP[0] + _PROACTIVE_KEEP[1] * a_pro), keep_p)
    keep = rng.random(n) < keep_p
    sec = _time_of_day(rng, n, business)
    opened = day * 86400 + sec
    idx = np.flatnonzero(keep)
    idx = idx[np.lexsort((c[idx], opened[idx]))]
    c, kind, handler, opened, raised = c[idx], kind[idx], handler[idx], opened[idx], raised[idx]
    n = len(c)
    del day, business, team, mate, ok, cover, keep_p, keep, sec, a_pro
    # Channel by kind group.
    u = rng.random(n)
    channel = np.where(raised, np.searchsorted(np.cumsum(_CHANNEL_P["customer"])[:-1], u),
                       np.searchsorted(np.cumsum(_CHANNEL_P["rep"])[:-1], u))
    del u
    a_resp = reps["ability"][handler, DIMENSIONS.index("responsiveness")]
    a_comm = reps["ability"][handler, DIMENSIONS.index("communication")]
    cutoff = frame.cutoff
    # First response (customer-raised only), business hours after opening.
    fr_median = np.array([_FIRST_RESPONSE_MEDIAN[ch] for ch in _CHANNELS])[channel]
    fr_hours = fr_median * np.exp(_FIRST_RESPONSE["ability"] * a_resp
                                  + _FIRST_RESPONSE["sdlog"] * rng.standard_normal(n))
    first = cal.add_business_hours(opened, fr_hours)
    fr_missing = ~raised | (rng.random(n) < _FIRST_RESPONSE["missing"]) | (first >= cutoff)
    # Resolution: customer-raised issues after the first response.
    seg = cust["segment"][c]
    res_med = np.select([kind == 0, kind == 1, kind == 2],
                        [_RESOLUTION_MEDIAN["inquiry"], _RESOLUTION_MEDIAN["complaint"],
                         _RESOLUTION_MEDIAN["request"]], 6.0)
    seg_f = np.array([_RESOLUTION["segment"][s] for s in _SEGMENTS])[seg]
    z_res = rng.standard_normal(n)
    res_hours = res_med * seg_f * np.exp(_RESOLUTION["ability"] * a_resp
                                         + _RESOLUTION["sdlog"] * z_res)
    # Rep-initiated: followups are mostly not "resolved"; proactive issues often are.
    res_hours = np.where(kind == 3, 0.5 + 3.0 * rng.random(n), res_hours)
    res_hours = np.where(kind == 4, 10.0 * np.exp(-0.3 * a_resp + 0.9 * z_res), res_hours)
    res_from = np.where(fr_missing, opened, first)
    resolved = cal.add_business_hours(res_from, res_hours)
    resolved = np.maximum(resolved, np.where(fr_missing, opened, first))
    p_unres = np.select([raised, kind == 3], [_RESOLUTION["unresolved"], 0.75], 0.35)
    res_missing = (rng.random(n) < p_unres) | (resolved >= cutoff)
    # Contacts and reopening (communication ability).
    fcr = rng.random(n) < _expit(_FCR_LOGIT[0] + _FCR_LOGIT[1] * a_comm)
    contacts = np.where(fcr, 1, 2 + rng.poisson(0.6, n))
    contacts = np.where(res_missing & raised, 1 + rng.poisson(1.0, n), contacts)
    contacts = np.where(~raised, 1 + rng.poisson(0.25, n), contacts)
    contacts_missing = rng.random(n) < 0.04
    reopen_ok = ~res_missing & (raised | (kind == 4))
    reopened = reopen_ok & (rng.random(n) < _expit(_REOPEN_LOGIT[0] + _REOPEN_LOGIT[1] * a_comm))
    # SLA: per-customer contract SLA on customer-raised issues, a few ad-hoc ones.
    sla = np.where(raised, cust["contract_sla"][c], 0)
    adhoc = raised & (sla == 0) & (rng.random(n) < 0.02)
    sla = np.where(adhoc, rng.choice(np.array([24, 72]), size=n), sla)
    initiated_by = (~raised).astype(np.int64)
    return {
        "n": n, "c": c, "kind": kind, "handler": handler, "opened": opened, "raised": raised,
        "channel": channel, "first": first, "fr_missing": fr_missing, "resolved": resolved,
        "res_missing": res_missing, "res_hours": res_hours, "contacts": contacts,
        "contacts_missing": contacts_missing, "reopened": reopened, "sla": sla,
        "initiated_by": initiated_by,
    }


def _surveys(rng: np.random.Generator, reps: dict, cust: dict, inter: dict, frame: _Frame,
             cal: _Calendar) -> dict[str, Any]:
    cutoff = frame.cutoff
    # Responses to interactions.
    h = inter["handler"]
    factor = reps["response_factor"][h]
    p = np.where(inter["raised"], _SURVEY["customer_raised"], _SURVEY["rep_initiated"]) * factor
    p = np.where(inter["kind"] == 1, p * 1.2, p)
    p = np.where(inter["raised"] & inter["res_missing"], p * 0.7, p)
    take = np.flatnonzero(rng.random(inter["n"]) < np.minimum(p, 0.9))
    base = np.where(inter["res_missing"][take],
                    np.where(inter["fr_missing"][take], inter["opened"][take],
                             inter["first"][take]) + 8 * 3600,
                    inter["resolved"][take])
    delay = np.rint(3600 * 16 * np.exp(1.1 * rng.standard_normal(len(take)))).astype(np.int64)
    submitted_i = base + np.maximum(delay, 300)
    # Relationship surveys (no interaction), credited to the owner at the time.
    quarters_active = (frame.cutoff_day - cust["window_start"]) / 91.3125
    k = rng.poisson(_SURVEY["relationship"] * quarters_active)
    rc = np.repeat(np.arange(cust["n"]), k)
    rday = cust["window_start"][rc] + np.floor(
        rng.random(len(rc)) * (frame.cutoff_day - cust["window_start"][rc])).astype(np.int64)
    submitted_r = rday * 86400 + np.floor(8 * 3600 + rng.random(len(rc)) * 14 * 3600).astype(
        np.int64)
    rrep = _owner_at(cust, rc, rday)
    active = (reps["hire"][rrep] <= rday) & (rday < reps["leave"][rrep])
    # Assemble and keep what was submitted before the cutoff.
    inter_idx = np.r_[take, np.full(len(rc), -1)]
    c = np.r_[inter["c"][take], rc]
    rep = np.r_[h[take], rrep]
    submitted = np.r_[submitted_i, submitted_r]
    keep = (submitted < cutoff) & np.r_[np.ones(len(take), bool), active]
    order = np.flatnonzero(keep)
    order = order[np.lexsort((c[order], submitted[order]))]
    inter_idx, c, rep, submitted = inter_idx[order], c[order], rep[order], submitted[order]
    n = len(c)
    has_i = inter_idx >= 0
    ii = np.where(has_i, inter_idx, 0)
    # Latent dimension scores.
    q = frame.quarter_of_day(submitted // 86400)
    nq = len(frame.quarters)
    mu = np.array([_DIM_MEAN[d] for d in DIMENSIONS])
    z = np.broadcast_to(mu, (n, len(DIMENSIONS))).copy()
    t = DIMENSIONS.index(_TREND["dimension"])
    shift = np.zeros(nq)
    m = min(len(_TREND["shift"]), max(nq - 1, 0))
    if m:
        shift[nq - m:] = _TREND["shift"][len(_TREND["shift"]) - m:]
    z[:, t] += shift[q]
    z += _REP_SD * reps["ability"][rep]
    seg_eff = np.array([_SEGMENT_EFFECT[s] for s in _SEGMENTS])[cust["segment"][c]]
    z += (seg_eff + _CUSTOMER_SD * cust["halo"][c] + _MOOD_SD * rng.standard_normal(n))[:, None]
    z += _SPECIFIC_SD * rng.standard_normal((n, len(DIMENSIONS)))
    kind = np.where(has_i, inter["kind"][ii], -1)
    raised = has_i & inter["raised"][ii]
    res_missing = inter["res_missing"][ii]
    resolved_before = has_i & ~res_missing & (inter["resolved"][ii] <= submitted)
    log_res = np.log(np.maximum(inter["res_hours"][ii], 0.05))
    z_slow = np.clip((log_res - math.log(6.0)) / 1.1, -2.5, 2.5)
    j_resp = DIMENSIONS.index("responsiveness")
    z[:, j_resp] += np.where(raised & resolved_before, _EFFECT_SLOW * z_slow, 0.0)
    z[:, j_resp] += np.where(raised & ~resolved_before, _EFFECT_UNRESOLVED, 0.0)
    z[:, DIMENSIONS.index("communication")] += np.where(
        has_i & inter["reopened"][ii], _EFFECT_REOPENED, 0.0)
    z += np.where(kind == 1, _EFFECT_COMPLAINT, 0.0)[:, None]
    p_bad = np.where(kind == 1, _BAD["p_complaint"], _BAD["p"])
    p_bad = np.where(raised & ~resolved_before, p_bad + _BAD["p_unresolved"], p_bad)
    z += np.where(rng.random(n) < p_bad, _BAD["shift"], 0.0)[:, None]
    z[:, DIMENSIONS.index("proactivity")] += np.where(kind == 4, _EFFECT_PROACTIVE, 0.0)
    # Overall CSAT and NPS.
    w = np.array([_WEIGHTS[d] for d in DIMENSIONS])
    s = _CSAT_MEAN + (z - mu) @ w + _CSAT_NOISE * rng.standard_t(4.0, n) / math.sqrt(2.0)
    csat = np.clip(np.rint(s), 1, 5).astype(np.int64)
    nps = np.clip(np.rint(_NPS["intercept"] + _NPS["slope"] * (s - _CSAT_MEAN)
                          + _NPS["noise"] * rng.standard_normal(n)), 0, 10).astype(np.int64)
    nps_missing = rng.random(n) < _NPS["missing"]
    # Items.
    items: dict[str, pd.Series] = {}
    block = rng.random(n) < _ITEM_BLOCK_MISSING
    for j, d in enumerate(DIMENSIONS):
        for kk in (1, 2):
            col = f"q_{d}_{kk}"
            y = z[:, j] + _ITEM_SHIFT[kk] + _ITEM_SD * rng.standard_normal(n)
            ans = np.clip(np.rint(y), 1, 5).astype(np.int64)
            if col in GROUND_TRUTH["reverse_items"]:
                ans = 6 - ans
            miss = block | (rng.random(n) < _ITEM_MISSING)
            items[col] = _nullable_int(ans, miss)
    company = _company_names(rng, cust["n"]).take(pa.array(c))
    # What customers complain about: the largest deficit, with delays felt more than other
    # shortfalls and a falling dimension's change noticed on top of its level.
    salience = np.zeros_like(z)
    salience[:, j_resp] += _COMPLAINT_SALIENCE["responsiveness"]
    salience[:, t] += _COMPLAINT_SALIENCE["trend_change"] * shift[q]
    comment = write_comments(rng, csat, z - mu, reps["names"].take(pa.array(rep)), company, salience)
    # rep_id as recorded: blank on some responses (attributed via interaction or owner).
    blank = np.where(has_i, rng.random(n) < _SURVEY["rep_id_blank"],
                     (rng.random(n) < _SURVEY["relationship_rep_blank"])
                     & (rep == cust["owner1"][c]))
    return {"n": n, "c": c, "rep": rep, "rep_blank": blank, "inter": inter_idx,
            "submitted": submitted, "csat": csat, "nps": nps, "nps_missing": nps_missing,
            "items": items, "comment": comment}


def _deals(rng: np.random.Generator, reps: dict, cust: dict, frame: _Frame,
           cal: _Calendar) -> dict[str, np.ndarray]:
    n_c = cust["n"]
    start_c = cust["window_start"]
    quarters_active = (frame.cutoff_day - start_c) / 91.3125
    rate = np.array([_DEALS_PER_QUARTER[s] for s in _SEGMENTS])[cust["segment"]]
    k = rng.poisson(rate * quarters_active * np.sqrt(cust["activity"]))
    c = np.repeat(np.arange(n_c), k)
    n = len(c)
    day, _ = _random_days(rng, cal, start_c[c], np.full(n, frame.cutoff_day), p_business=1.0)
    rep = _owner_at(cust, c, day)
    template = np.zeros(n, dtype=bool)
    # Gaming: extra template "personalized" proposals in the last quarters, in proportion
    # to the gaming rep's book at the start of each quarter.
    nq = len(frame.quarters)
    gaming = reps["gaming"]
    extra_c, extra_day, extra_rep = [c[:0]], [day[:0]], [rep[:0]]
    for step, per_10 in enumerate(_GAMING_EXTRA_PER_10_CUSTOMERS):
        qi = nq - len(_GAMING_EXTRA_PER_10_CUSTOMERS) + step
        if qi < 1:
            continue
        owner = _owner_at(cust, np.arange(n_c), np.full(n_c, frame.q_start[qi]))
        by_owner = np.argsort(owner, kind="stable")
        size = np.bincount(owner, minlength=reps["n"])
        first = np.r_[0, np.cumsum(size)[:-1]]
        m = rng.poisson(per_10 * size[gaming] / 10.0)
        g = np.repeat(gaming, m)
        pick = by_owner[first[g] + np.floor(rng.random(len(g)) * size[g]).astype(np.int64)]
        q_end = frame.q_start[qi + 1] if qi + 1 < nq else frame.cutoff_day
        d, _ = _random_days(rng, cal, np.full(len(g), frame.q_start[qi]),
                            np.full(len(g), q_end), p_business=1.0)
        extra_c.append(pick)
        extra_day.append(d)
        extra_rep.append(g)
    ec = np.concatenate(extra_c)
    c = np.r_[c, ec]
    day = np.r_[day, np.concatenate(extra_day)]
    rep = np.r_[rep, np.concatenate(extra_rep)]
    template = np.r_[template, np.ones(len(ec), dtype=bool)]
    n = len(c)
    created = day * 86400 + _time_of_day(rng, n, np.ones(n, dtype=bool))
    seg = cust["segment"][c]
    personalized = template | (rng.random(n) < reps["personalized_p"][rep])
    needs_analysis = rng.random(n) < np.where(template, 0.15, _NEEDS_ANALYSIS_P)
    a = reps["ability"][rep]
    selling = reps["selling"][rep] if "selling" in reps else np.zeros(n)
    wl = _WIN_LOGIT
    logit = (wl["intercept"] + np.array([wl["segment"][s] for s in _SEGMENTS])[seg]
             + wl["quality"] * a[:, DIMENSIONS.index("quality")]
             + personalized * (wl["personalized"]
                               + wl["personalization_if_personalized"]
                               * a[:, DIMENSIONS.index("personalization")])
             + _SELLING["win_logit"] * selling)
    logit = np.where(template, wl["template"], logit)
    won = rng.random(n) < _expit(logit)
    median_days = np.array([70.0, 40.0, 22.0])[seg]
    close_days = median_days * np.exp(0.7 * rng.standard_normal(n))
    closed = cal.add_business_hours(created, close_days * 9.0 * 5 / 7)
    stalled = rng.random(n) < 0.03
    is_open = stalled | (closed >= frame.cutoff)
    stage = np.where(is_open, 0, np.where(won, 1, 2))
    amount = np.array([_AMOUNT_MEDIAN[s] for s in _SEGMENTS])[seg] * np.exp(
        0.8 * rng.standard_normal(n) + _SELLING["log_amount"] * selling)
    amount = np.round(amount, -1)
    amount = np.where(is_open & (rng.random(n) < 0.02), 0.0, amount)
    order = np.lexsort((c, created))
    return {"n": n, "c": c[order], "rep": rep[order], "created": created[order],
            "closed": closed[order], "open": is_open[order], "stage": stage[order],
            "amount": amount[order], "needs_analysis": needs_analysis[order],
            "personalized": personalized[order], "template": template[order]}


def _quotas(rng: np.random.Generator, reps: dict, cust: dict, frame: _Frame) -> pd.DataFrame:
    nq = len(frame.quarters)
    # Expected won revenue per customer and quarter: deals x mean amount (log-normal, SD 0.8)
    # x a typical win rate.
    rate = np.array([_DEALS_PER_QUARTER[s] * _AMOUNT_MEDIAN[s] * math.exp(0.32) * 0.45
                     for s in _SEGMENTS])[cust["segment"]]
    rows_rep, rows_q, rows_quota = [], [], []
    all_c = np.arange(cust["n"])
    for qi in range(nq):
        q0 = frame.q_start[qi]
        q1 = frame.q_start[qi + 1] if qi + 1 < nq else frame.cutoff_day
        mid = (q0 + q1) // 2
        owner = _owner_at(cust, all_c, np.full(cust["n"], mid))
        joined = cust["since"] < q1
        expected = np.bincount(owner[joined], weights=rate[joined], minlength=reps["n"])
        employed = (reps["hire"] < q1) & (reps["leave"] > q0)
        # Prorate for a partial quarter.
        days = np.clip(np.minimum(q1, reps["leave"]) - np.maximum(q0, reps["hire"]), 0, None)
        expected = expected * days / (q1 - q0)
        quota = np.round(np.maximum(expected * rng.uniform(0.9, 1.2, reps["n"]), 50_000), -4)
        idx = np.flatnonzero(employed)
        rows_rep.append(idx)
        rows_q.append(np.full(len(idx), qi))
        rows_quota.append(quota[idx])
    r, qq, quota = np.concatenate(rows_rep), np.concatenate(rows_q), np.concatenate(rows_quota)
    order = np.lexsort((r, qq))
    return pd.DataFrame({
        "rep_id": _take(reps["ids"], r[order]),
        "quarter": _take(frame.labels, qq[order]),
        "quota": quota[order].astype(np.float64),
    })


def generate(seed: int = 2026, n_reps: int = 40, n_customers: int = 2000,
             quarters: str = "2024Q4:2026Q3", scale: float = 1.0,
             confounded_sales: bool = False) -> dict[str, pd.DataFrame]:
    """Generate the synthetic data set with planted effects.

    Parameters
    ----------
    seed : int, default 2026
        Seed of the random streams; the same arguments give the same tables.
    n_reps, n_customers : int, default 40 and 2000
        Sizes at ``scale=1``.
    quarters : str, default "2024Q4:2026Q3"
        The range of quarters covered, ``"YYYYQn:YYYYQn"`` or a single ``"YYYYQn"``. The data
        end at the last day of the last quarter (the extraction date): later responses,
        resolutions and closings are not in the data.
    scale : float, default 1.0
        Multiplies the number of reps (at least 5) and customers (at least 20), and with them
        every volume. At scale 1 there are about 49,000 interactions, 11,500 survey responses
        and 4,300 deals; ``scale=200`` gives about 10 million interactions and 2 million
        responses (``scale=95``: about 1 million responses).
    confounded_sales : bool, default False
        Plant a selling skill that correlates 0.8 with responsiveness ability and alone
        drives deals (win odds and deal size), with no effect on satisfaction: the sales KPIs
        then correlate with satisfaction only through responsiveness (see
        ``GROUND_TRUTH["confounded_sales"]``). The other tables are unchanged.

    Returns
    -------
    dict of str to DataFrame
        The tables ``reps, customers, interactions, surveys, deals, quotas`` with exactly the
        columns of :data:`COLUMNS` (docs/design.md section 4). Text columns have the pandas ``str``
        dtype, timestamps ``datetime64[s]`` (dates at midnight), nullable integers ``Int64``,
        flags ``bool``, money ``float64`` in CNY (amounts rounded to 10, quotas to 10,000).

    Raises
    ------
    ValueError
        When an argument is out of range or ``quarters`` cannot be parsed.

    Notes
    -----
    What is planted is in :data:`GROUND_TRUTH` and in ``data/samples/README.md``; the
    latent abilities of each rep come from :func:`true_reps`.
    """
    _check_args(seed, n_reps, n_customers, scale)
    if not isinstance(confounded_sales, bool):
        raise ValueError(f"confounded_sales must be True or False, got {confounded_sales!r}")
    frame = _Frame(quarters)
    cal = _Calendar()
    n_r, n_c = _effective_sizes(n_reps, n_customers, float(scale))
    g_rep, g_cust, g_int, g_surv, g_deal, g_quota = _streams(int(seed))
    reps = _draw_reps(g_rep, n_r, frame)
    if confounded_sales:
        reps["selling"] = _selling_skill(int(seed), reps["ability"])
    cust = _draw_customers(g_cust, reps, n_c, frame)
    inter = _interactions(g_int, reps, cust, frame, cal)
    surv = _surveys(g_surv, reps, cust, inter, frame, cal)
    deals = _deals(g_deal, reps, cust, frame, cal)
    quotas = _quotas(g_quota, reps, cust, frame)

    out: dict[str, pd.DataFrame] = {}
    out["reps"] = pd.DataFrame({
        "rep_id": _take(reps["ids"], np.arange(n_r)),
        "rep_name": _take(reps["names"], np.arange(n_r)),
        "team": _take(reps["team_names"], reps["team"]),
        "region": _take(list(_REGIONS), reps["region"]),
        "hire_date": _dates(reps["hire"]),
        "active": reps["leave"] > frame.cutoff_day,
    })
    out["customers"] = pd.DataFrame({
        "customer_id": _take(cust["ids"], np.arange(n_c)),
        "segment": _take(list(_SEGMENTS), cust["segment"]),
        "region": _take(list(_REGIONS), cust["region"]),
        "owner_rep_id": _take(reps["ids"], cust["owner1"]),
        "since": _dates(cust["since"]),
    })
    n_i = inter["n"]
    inter_ids = _ids("I", n_i, 6)
    out["interactions"] = pd.DataFrame({
        "interaction_id": _take(inter_ids, np.arange(n_i)),
        "customer_id": _take(cust["ids"], inter["c"]),
        "rep_id": _take(reps["ids"], inter["handler"]),
        "channel": _take(list(_CHANNELS), inter["channel"]),
        "kind": _take(list(_KINDS), inter["kind"]),
        "initiated_by": _take(["customer", "rep"], inter["initiated_by"]),
        "opened_at": _timestamps(inter["opened"]),
        "first_response_at": _timestamps(inter["first"], inter["fr_missing"]),
        "resolved_at": _timestamps(inter["resolved"], inter["res_missing"]),
        "contacts": _nullable_int(inter["contacts"], inter["contacts_missing"]),
        "reopened": inter["reopened"],
        "sla_hours": _nullable_int(inter["sla"], inter["sla"] == 0),
    })
    del inter_ids
    inter.clear()  # free the working arrays before the survey table is built (large scales)
    n_s = surv["n"]
    frame_s = {
        "response_id": _take(_ids("S", n_s, 6), np.arange(n_s)),
        "customer_id": _take(cust["ids"], surv["c"]),
        "rep_id": _take(reps["ids"], np.where(surv["rep_blank"], -1, surv["rep"])),
        "interaction_id": _take(_ids("I", n_i, 6), surv["inter"]),
        "submitted_at": _timestamps(surv["submitted"]),
        "csat": surv["csat"],
        "nps": _nullable_int(surv["nps"], surv["nps_missing"]),
        **surv["items"],
        "comment": pd.Series(pd.array(surv["comment"], dtype="str")),
    }
    out["surveys"] = pd.DataFrame(frame_s)
    n_d = deals["n"]
    out["deals"] = pd.DataFrame({
        "deal_id": _take(_ids("D", n_d, 6), np.arange(n_d)),
        "customer_id": _take(cust["ids"], deals["c"]),
        "rep_id": _take(reps["ids"], deals["rep"]),
        "created_at": _timestamps(deals["created"]),
        "closed_at": _timestamps(deals["closed"], deals["open"]),
        "stage": _take(list(_STAGES), deals["stage"]),
        "amount": deals["amount"].astype(np.float64),
        "needs_analysis": deals["needs_analysis"],
        "personalized": deals["personalized"],
    })
    out["quotas"] = quotas
    for name in TABLES:
        assert tuple(out[name].columns) == COLUMNS[name], name
    return out


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------

_DATE_COLUMNS = {"reps": ("hire_date",), "customers": ("since",)}


def _csv_frame(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Columns whose CSV text pandas would not write as we want, converted to text."""
    df = df.copy()
    for col in _DATE_COLUMNS.get(name, ()):
        df[col] = df[col].dt.strftime("%Y-%m-%d")
    for col in df.columns:
        if df[col].dtype == bool:
            df[col] = _take(["false", "true"], df[col].to_numpy().astype(np.int64))
    return df


def write(tables: dict[str, pd.DataFrame], folder: str | Path,
          fmt: Literal["csv", "parquet"] = "csv") -> dict[str, Path]:
    """Write tables, one file per table named after it, into ``folder``.

    Parameters
    ----------
    tables : dict of str to DataFrame
        As returned by :func:`generate` (any subset of its tables).
    folder : str or Path
        Created if missing; existing files of the same names are replaced.
    fmt : {"csv", "parquet"}
        CSV: UTF-8 without BOM, ``\\n`` line ends, timestamps ``YYYY-MM-DD HH:MM:SS``, dates
        ``YYYY-MM-DD``, missing values as empty fields, flags ``true``/``false``, money with
        two decimals. Parquet: pyarrow, dates as ``date32``, timestamps in seconds.

    Returns
    -------
    dict of str to Path
        The file written for each table.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise ValueError(f"tables: unknown table name(s) {unknown}; expected some of {TABLES}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, df in tables.items():
        path = folder / f"{name}.{fmt}"
        tmp = path.with_name(path.name + ".tmp")
        if fmt == "csv":
            _csv_frame(name, df).to_csv(
                tmp, index=False, encoding="utf-8", lineterminator="\n", na_rep="",
                date_format="%Y-%m-%d %H:%M:%S", float_format="%.2f")
        else:
            table = pa.Table.from_pandas(df, preserve_index=False)
            for col in _DATE_COLUMNS.get(name, ()):
                i = table.schema.get_field_index(col)
                table = table.set_column(i, col, pc.cast(table[col], pa.date32()))
            pq.write_table(table, tmp)
        tmp.replace(path)
        written[name] = path
    return written


def write_sample(folder: str | Path = "data/samples", seed: int = 2026) -> dict[str, Path]:
    """Regenerate the committed sample: ``generate(seed)`` written as CSV into ``folder``.

    The sample folder carries no ``instrument.yaml``: the kit uses
    ``parameters/instrument.yaml``. The hand-written ``README.md`` there is left alone.

    Parameters
    ----------
    folder : str or Path, default "data/samples"
        Relative paths are taken from the current directory (the repository root for
        ``kit sample``).
    seed : int, default 2026
        The committed sample uses the default; another seed gives another sample with the
        same planted effects.

    Returns
    -------
    dict of str to Path
        The CSV file written for each table.
    """
    return write(generate(seed=seed), folder, fmt="csv")


def _sample_roles() -> dict[str, list[str]]:
    t = true_reps()
    return {role: [str(i) for i in t.index[t[role]]] for role in ("leaver", "new_hire", "gaming")}


GROUND_TRUTH["sample"] = _sample_roles()


def _sample_top_complaints(quarters: str = "2024Q4:2026Q3") -> dict[str, str]:
    labels = _Frame(quarters).labels
    m = len(_TREND["shift"])
    return {q: (_TREND["dimension"] if i >= len(labels) - m else "responsiveness") for i, q in enumerate(labels)}


GROUND_TRUTH["sample"]["top_complaint"] = _sample_top_complaints()
