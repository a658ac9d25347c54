"""Charts that read well: labels of neighbouring points do not overlap; legends match the bars."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from kit import plots  # noqa: E402


def _drivers() -> pd.DataFrame:
    # personalization and transparency almost on top of each other, as in the sample quarter
    rows = {"quality": (0.18, 3.94), "responsiveness": (0.28, 3.26), "communication": (0.23, 3.92),
            "personalization": (0.105, 3.52), "transparency": (0.11, 3.50), "proactivity": (0.095, 3.60)}
    df = pd.DataFrame(rows, index=["importance", "performance"]).T
    df["ci_low"], df["ci_high"] = df["importance"] - 0.02, df["importance"] + 0.02
    df["quadrant"] = ["keep up", "fix first", "keep up", "low priority", "low priority", "maintain"]
    return df


def _boxes(fig, ax):
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    names = {plots._dim(d, "zh") for d in _drivers().index}
    return [(t.get_text(), t.get_window_extent(r)) for t in ax.texts if t.get_text() in names]


def test_quadrant_labels_do_not_overlap():
    fig = plots.driver_quadrant(_drivers(), "zh")
    boxes = _boxes(fig, fig.axes[0])
    assert len(boxes) == 6
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1:]:
            assert not ba.overlaps(bb), f"{a} overlaps {b}"


def test_weights_legend_matches_the_bars():
    from matplotlib.colors import to_hex

    changes = pd.DataFrame({"old": [10, 5, 5], "new": [12, 3, 5], "change": [2, -2, 0]},
                           index=["csat_mean", "revenue_won", "nps"])
    fig = plots.weights_change(changes, "zh")
    ax = fig.axes[0]
    bar_colours = {to_hex(p.get_facecolor()) for p in ax.patches}
    legend = ax.get_legend()
    legend_colours = {to_hex(h.get_facecolor()) for h in legend.legend_handles}
    assert legend_colours == bar_colours
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["本季度", "建议(调高)", "建议(调低)", "建议(不变)"]
