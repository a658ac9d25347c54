"""Statistics on DataFrames and arrays: reliability, relative importance, multilevel
measurement and inference helpers.

Pure statistics: nothing here imports from the rest of :mod:`kit`. Every function
checks its arguments first and is checked against a published result or an established
implementation (R's relaimpo and psych, pingouin, statsmodels, scipy), as its Notes say.
"""

from __future__ import annotations

from .association import (
    PartialCorrelation,
    SplitReliability,
    disattenuate,
    partial_correlation,
    reps_needed,
    rowwise_correlation,
    rowwise_partial_correlation,
    split_reliability,
)
from .grouped import anova_from_moments, icc_reml_from_moments, shrink_from_moments
from .importance import ImportanceResult, relative_importance, relative_importance_from_correlations
from .inference import (
    CorrelationResult,
    KendallResult,
    benjamini_hochberg,
    corr_ci,
    correlation,
    kendall_tau,
    vif,
)
from .logodds import log_odds_dirichlet
from .multilevel import (
    ICCResult,
    ShrinkResult,
    fit_mixedlm,
    icc1,
    icc_reml,
    rep_mean_reliability,
    responses_needed,
    shrink,
)
from .reliability import AlphaResult, cronbach_alpha, spearman_brown, split_half

__all__ = [
    "anova_from_moments",
    "icc_reml_from_moments",
    "shrink_from_moments",
    "AlphaResult",
    "ICCResult",
    "ImportanceResult",
    "ShrinkResult",
    "fit_mixedlm",
    "icc_reml",
    "PartialCorrelation",
    "SplitReliability",
    "disattenuate",
    "partial_correlation",
    "reps_needed",
    "rowwise_correlation",
    "rowwise_partial_correlation",
    "split_reliability",
    "CorrelationResult",
    "KendallResult",
    "benjamini_hochberg",
    "corr_ci",
    "correlation",
    "cronbach_alpha",
    "icc1",
    "kendall_tau",
    "log_odds_dirichlet",
    "relative_importance",
    "relative_importance_from_correlations",
    "rep_mean_reliability",
    "responses_needed",
    "shrink",
    "spearman_brown",
    "split_half",
    "vif",
]
