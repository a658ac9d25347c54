"""The scorecard's shrunk survey KPIs from per-rep moments equal kit.stats.shrink on the responses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kit

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
pytestmark = pytest.mark.skipif(not (SAMPLES / "surveys.csv").is_file(), reason="sample data not generated")
Q = "2026Q3"


def test_shrunk_survey_kpis_equal_shrink_on_the_responses():
    data = kit.load(SAMPLES)
    weights = {"csat_mean": 30, "nps": 20, "transparency_score": 20, "needs_understood_score": 20, "win_rate": 10}
    card = kit.analysis.scorecard(data, Q, weights=weights, n_boot=0).table
    # today's path: the responses in pandas (items reflected), the per-response scores, kit.stats.shrink
    sc = kit.survey.dimension_scores(data, Q, items=True)
    nps = pd.to_numeric(sc["nps"], errors="coerce").astype(float)
    sc["nps_points"] = np.where(nps.isna(), np.nan, np.select([nps >= 9, nps <= 6], [100.0, -100.0], 0.0))
    sc["needs_understood"] = sc[[i.column for i in data.instrument.tagged("needs_understood")]].mean(axis=1)
    sc["csat"] = pd.to_numeric(sc["csat"], errors="coerce").astype(float)
    for kpi, col in [("csat_mean", "csat"), ("nps", "nps_points"), ("transparency_score", "transparency"),
                     ("needs_understood_score", "needs_understood")]:
        ref = kit.stats.shrink(sc[["rep_id", col]].dropna(), "rep_id", col, kind="mean").table
        ref = ref.reindex(card.index)
        for a, b in [(kpi, "shrunk"), (f"{kpi}_low", "lower"), (f"{kpi}_high", "upper")]:
            shown = card[a].where(card[f"n_{kpi}"] >= kit.kpis.get(kpi).min_n)
            want = ref[b].where(card[f"n_{kpi}"] >= kit.kpis.get(kpi).min_n)
            np.testing.assert_allclose(shown.to_numpy(float), want.to_numpy(float), rtol=0, atol=1e-9,
                                       err_msg=f"{kpi} {a}")
        assert card[f"z_{kpi}"].notna().sum() >= 10
