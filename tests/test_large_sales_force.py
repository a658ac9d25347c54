"""A sales force of 5,000 reps: the management scorecard stays readable and under 2 MB.

The sample generator scaled up cheaply (5,000 reps, one quarter, 30,000 customers), the real
scorecard, the real chart and tables rendered by nbconvert as the management page renders
them. The full notebook run at that size is in benchmarks/bench_large_page.py.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import kit  # noqa: E402
from kit import sample  # noqa: E402

N_REPS = 5000


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    folder = tmp_path_factory.mktemp("large")
    for name, table in sample.generate(n_reps=N_REPS, n_customers=30_000, quarters="2026Q3").items():
        table.to_parquet(folder / f"{name}.parquet")
    data = kit.load(folder)
    return kit.analysis.scorecard(data, "2026Q3", weights=kit.params.load()["weights"])


def _figure_output(fig) -> dict:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    matplotlib.pyplot.close(fig)
    return nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(buf.getvalue()).decode()},
                                  metadata={"kit": {"role": "figure"}})


def test_the_scorecard_page_of_5000_reps(card, tmp_path):
    assert len(card) == N_REPS
    scored = card[card["tier"] != "insufficient data"]
    assert len(scored) > kit.plots.MAX_ROWS_PER_REP              # large enough to need the summary form
    fig = kit.plots.scorecard_tiers(card, "zh")
    assert len(fig.axes) == 3                                   # distribution, teams, named reps
    assert fig.get_size_inches()[1] < 30                        # not one row per rep
    named = [t.get_text() for t in fig.axes[2].get_yticklabels()]
    assert 0 < len(named) <= 30
    separated = set(scored.loc[scored["tier"] != "average", "rep_name"])
    assert set(named) <= separated                              # only reps whose interval separates
    shown = kit.narrative.scorecard_highlights(card, "zh")
    assert len(shown) == len(named) and set(shown["tier"]) <= {"高于平均", "低于平均"}
    teams = kit.analysis.team_summary(card)
    assert teams["reps"].sum() == N_REPS                        # every rep counted in a team
    # the management page as nbconvert renders it
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [_figure_output(fig),
                    nbformat.v4.new_output("display_data", data={"text/html": shown.to_html()}),
                    nbformat.v4.new_output("display_data", data={"text/html": teams.round(1).to_html()})]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 销售人员记分卡"), cell])
    page = kit.report.render_html(nb, tmp_path / "30.html", management=True, lang="zh")
    size = page.stat().st_size
    assert size < 2_000_000, f"the page is {size / 1e6:.1f} MB"
    # the full list is not on the page but in the results (the workbook's card_reps sheet)
    full = kit.narrative.scorecard_table(card, "zh")
    assert len(full) == N_REPS and isinstance(full, pd.DataFrame)
