"""Tests that pin what a mutation of the kit once changed without any test noticing.

Each test names the mutation it kills: a KPI direction flipped, a customer counted one quarter
early, reverse-keyed items left unreflected, a shrinkage weight that does not grow with n. (A
KPI redefinition that is ignored fails tests/test_kpis.py::test_user_kpi_from_a_notebook.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kit
from tests import tiny

# The direction of every built-in KPI, as the design states it (DESIGN.md, the KPI catalogue):
# "+" more is better for customers, "-" less is better. Hours to resolve or respond, reopened
# issues and complaints are the four where less is better.
DIRECTIONS = {
    "csat_mean": "+", "csat_top2_rate": "+", "nps": "+", "resolution_hours_median": "-", "sla_met_rate": "+",
    "first_contact_resolution_rate": "+", "reopen_rate": "-", "needs_understood_score": "+",
    "transparency_score": "+", "first_response_hours_median": "-", "callback_within_24h_rate": "+",
    "needs_analysis_success_rate": "+", "personalized_proposals": "+", "personalized_acceptance_rate": "+",
    "proactive_contact_share": "+", "complaints_per_100_customers": "-", "proactive_resolution_rate": "+",
    "revenue_won": "+", "quota_attainment": "+", "win_rate": "+",
}


def test_all_twenty_kpi_directions_are_pinned():
    cat = kit.kpis.catalog()
    assert sorted(cat.index) == sorted(DIRECTIONS)
    assert cat["direction"].to_dict() == DIRECTIONS


@pytest.mark.parametrize("kpi_id", ["reopen_rate", "resolution_hours_median", "first_response_hours_median",
                                    "csat_mean"])
def test_a_direction_turns_the_scorecard_z_score(sample, kpi_id):
    # a rep better on a "-" KPI has a higher z: flipping the direction flips this
    card = kit.analysis.scorecard(sample, "2026Q3", weights={kpi_id: 100})
    z, raw = card[f"z_{kpi_id}"], card[f"raw_{kpi_id}"]
    ok = z.notna() & raw.notna()
    r = np.corrcoef(z[ok], raw[ok])[0, 1]
    assert (r < -0.5) if DIRECTIONS[kpi_id] == "-" else (r > 0.5), r


# --- a customer whose `since` is a quarter start ---------------------------------------------------


def _with_customer(tmp_path, since: str):
    tables = {k: [list(r) for r in v] for k, v in tiny.TABLES.items()}
    tables["customers"].append(["C9", "smb", "华东", "R1", since])
    return kit.load(tiny.write_tiny(tmp_path / since, tables=tables), max_quarantine_share=1.0)


def test_a_customer_from_the_next_quarter_start_is_not_owned_this_quarter(tmp_path):
    # C9 joins R1 on 2026-10-01, the first day of 2026Q4: not owned in 2026Q3 (since < quarter end)
    base = kit.kpis.compute(kit.load(tiny.write_tiny(tmp_path / "base")), quarter="2026Q3")
    edge = kit.kpis.compute(_with_customer(tmp_path, "2026-10-01"), quarter="2026Q3")
    inside = kit.kpis.compute(_with_customer(tmp_path, "2026-09-30"), quarter="2026Q3")
    n = "n_complaints_per_100_customers"
    assert edge.loc["R1", n] == base.loc["R1", n]
    assert inside.loc["R1", n] == base.loc["R1", n] + 1
    # and it is owned from 2026Q4 on (since = that quarter's start)
    q4 = kit.kpis.compute(_with_customer(tmp_path, "2026-10-01"), quarter="2026Q4")
    q4_base = kit.kpis.compute(kit.load(tiny.write_tiny(tmp_path / "base")), quarter="2026Q4")
    assert q4.loc["R1", n] == q4_base.loc["R1", n] + 1


# --- reverse-keyed items -------------------------------------------------------------------------------


def test_reflect_turns_reverse_keyed_items_around():
    from kit.survey import load_instrument

    inst = load_instrument()
    rev = [i for i in inst.items if i.reverse]
    fwd = [i for i in inst.items if not i.reverse]
    if not rev:  # the bundled instrument: add a reverse-keyed copy of an item
        from dataclasses import replace

        rev = [replace(fwd[0], column="q_reversed", reverse=True)]
        inst = replace(inst, items=list(inst.items) + rev)
    answers = pd.DataFrame({rev[0].column: [1, 2, 5, np.nan], fwd[0].column: [1, 2, 5, 3]})
    out = inst.reflect(answers)
    lo, hi = inst.scale_min, inst.scale_max
    assert out[rev[0].column].tolist()[:3] == [lo + hi - 1, lo + hi - 2, lo + hi - 5]
    assert np.isnan(out[rev[0].column].iloc[3])
    assert out[fwd[0].column].tolist() == [1, 2, 5, 3]          # forward items untouched
    assert answers[rev[0].column].tolist()[:3] == [1, 2, 5]      # a copy


# --- empirical-Bayes shrinkage -------------------------------------------------------------------------


def test_the_shrinkage_weight_rises_with_n(sample):
    # normal-normal model: weight = tau^2 / (tau^2 + sigma^2 / n), strictly increasing in n, and the
    # shrunk mean = grand + weight * (raw - grand) (Efron & Morris 1975; Raudenbush & Bryk 2002, eq. 3.56)
    s = kit.analysis.rep_scores(sample, "2026Q3")
    s = s[s["n"] > 0].sort_values("n")
    w = s["weight"].to_numpy()
    assert (np.diff(w) >= -1e-12).all() and w[-1] > w[0] + 0.1
    by_n = s.groupby("n")["weight"].nunique()
    assert (by_n == 1).all()                                   # the weight depends on n alone
    grand = ((s["shrunk"] - s["weight"] * s["raw"]) / (1 - s["weight"])).median()
    np.testing.assert_allclose(s["shrunk"], grand + s["weight"] * (s["raw"] - grand), atol=1e-6)
    small, big = s.iloc[: len(s) // 4], s.iloc[-len(s) // 4:]
    move = lambda d: ((d["shrunk"] - d["raw"]).abs() / (d["raw"] - grand).abs().clip(lower=1e-9)).mean()  # noqa: E731
    assert move(small) > move(big)                              # small-n reps move more
