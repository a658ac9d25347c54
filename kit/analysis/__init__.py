"""Analyses the notebooks call: each takes a :class:`kit.Dataset` and a quarter.

- :func:`coverage`, :func:`quarantine_summary`, :func:`rep_scores`: the data behind each rep;
- :func:`reliability`, :func:`drivers`, :func:`rep_reliability`, :func:`dimension_trends`: the
  satisfaction dimensions, what drives overall satisfaction, how well reps are measured;
- :func:`kpi_validity`: a verdict per KPI (valid / weak / confounded / inconclusive / not valid /
  insufficient data), last quarter's beside it, with the method that decided and the reason.
- :func:`scorecard`: reps scored on the weighted KPIs, shrunk for small samples, with
  intervals and tiers only where intervals separate;
- :func:`recommend_weights`: next quarter's weights with a reason for every change;
- :func:`comment_themes`: what customers say about each dimension (survey comments).
- :func:`team_summary`, :func:`team_view`: per-team scores, and one team against the company.
"""

from kit.analysis.comments import CommentThemes, comment_priority, comment_themes, redact_comments
from kit.analysis.coverage import coverage, quarantine_summary, rep_scores
from kit.analysis.drivers import QUADRANTS, dimension_trends, drivers, reliability, rep_reliability
from kit.analysis.quarter_change import QuarterChange, quarter_change, quarter_state
from kit.analysis.scorecard import TIERS, CaseMixResult, ScorecardResult, case_mix_adjusted, check_weights, scorecard
from kit.analysis.teams import TeamView, notable_reps, team_summary, team_view, teams_of
from kit.analysis.validity import VERDICTS, ValidityResult, ValidityThresholds, kpi_validity
from kit.analysis.weights import WeightRecommendation, recommend_weights, round_to_total

__all__ = ["CommentThemes", "comment_priority", "comment_themes", "redact_comments",
           "coverage", "quarantine_summary", "rep_scores", "QUADRANTS", "TIERS", "VERDICTS", "ValidityThresholds",
           "ValidityResult", "ScorecardResult", "CaseMixResult", "case_mix_adjusted", "check_weights",
           "dimension_trends", "drivers", "kpi_validity", "reliability", "rep_reliability", "scorecard",
           "WeightRecommendation", "recommend_weights", "round_to_total",
           "TeamView", "notable_reps", "team_summary", "team_view", "teams_of",
           "QuarterChange", "quarter_change", "quarter_state"]
