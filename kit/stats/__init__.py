"""Statistics on DataFrames and arrays: reliability, relative importance, multilevel
measurement and inference helpers.

Pure statistics: nothing here imports from the rest of :mod:`kit`. Every function
checks its arguments first and is checked against a published result or an established
implementation (R's relaimpo and psych, pingouin, statsmodels, scipy), as its Notes say.
"""

from __future__ import annotations

from .importance import relative_importance
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
from .multilevel import icc1, rep_mean_reliability, responses_needed, shrink
from .reliability import AlphaResult, cronbach_alpha, spearman_brown, split_half

__all__ = [
    "AlphaResult",
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
    "rep_mean_reliability",
    "responses_needed",
    "shrink",
    "spearman_brown",
    "split_half",
    "vif",
]
