"""Analyses the notebooks call: each takes a :class:`kit.Dataset` and a quarter.

- :func:`kpi_validity`: a verdict per KPI (valid / weak / not valid / insufficient data) with
  the reason in words.
"""

from kit.analysis.validity import VERDICTS, ValidityThresholds, kpi_validity

__all__ = ["VERDICTS", "ValidityThresholds", "kpi_validity"]
