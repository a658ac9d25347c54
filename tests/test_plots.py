"""Charts with Chinese labels (kit/plots.py).
"""

from __future__ import annotations

import io
import warnings

import pytest

from tests.ci import require


def test_chinese_chart_renders_with_a_cjk_font():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.font_manager as fm
    import matplotlib.pyplot as plt

    from kit.plots import setup_fonts

    font = setup_fonts(warn=False)
    require(font is not None, "no CJK font installed (apt-get install fonts-noto-cjk; make test does)")
    path = fm.findfont(fm.FontProperties(family=matplotlib.rcParams["font.sans-serif"][0]), fallback_to_default=False)
    assert "CJK" in path or any(s in path.lower() for s in ("yahei", "msyh", "pingfang", "simhei", "wqy", "sourcehan"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.bar(["响应速度", "沟通与关系", "透明度"], [3.2, -1.0, 4.1])
        ax.set_title("客户满意度驱动因素 2026Q3")
        ax.set_ylabel("重要性 − 表现")
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)
    glyphs = [str(w.message) for w in caught if "missing from font" in str(w.message) or "Glyph" in str(w.message)]
    assert glyphs == []


def test_setup_fonts_warns_once_when_there_is_no_cjk_font(monkeypatch):
    import kit.plots as plots

    monkeypatch.setattr(plots, "cjk_font", lambda: None)
    monkeypatch.setitem(plots._state, "font", None)
    monkeypatch.setitem(plots._state, "warned", False)
    with pytest.warns(plots.FontWarning, match="fonts-noto-cjk"):
        assert plots.setup_fonts() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert plots.setup_fonts() is None  # once only


# =================================================================================================
# text drawn into charts: no personal data, no mathtext
# =================================================================================================

TRICKY = ["$ales $tar", "Wang $Wei", "li.na@example.com 王伟", "李娜 138 0013 8000", r"a \frac{1}{2} $x^2$ b"]


def _texts(fig) -> list[str]:
    from matplotlib.text import Text

    fig.canvas.draw()  # formatters write their tick labels when the figure is drawn
    return [t.get_text() for t in fig.findobj(Text)] + [t.get_text() for ax in fig.axes
                                                       for t in ax.get_xticklabels() + ax.get_yticklabels()]


def test_rep_names_with_dollars_and_personal_data_draw_safely():
    import matplotlib.pyplot as plt
    import pandas as pd

    from kit import pii, plots

    card = pd.DataFrame({"rep_name": TRICKY, "tier": ["average"] * 5, "score": [40.0, 45, 50, 55, 60],
                         "score_low": [35.0, 40, 45, 50, 55], "score_high": [45.0, 50, 55, 60, 65]},
                        index=pd.Index([f"R00{i}" for i in range(5)], name="rep_id"))
    fig = plots.scorecard_tiers(card, lang="en")
    texts = _texts(fig)
    assert not any(pii.find_personal_data(t) for t in texts), texts
    assert r"\$ales \$tar" in texts and "Wang \\$Wei" in texts
    # (drawing "Wang $Wei" unescaped raises matplotlib's mathtext ValueError in _texts)
    plt.close(fig)

    scores = pd.DataFrame({"raw": [1.0, 5.0, 3.0], "n": [30, 40, 50]}, index=["$odd", "li.na@example.com", "R3"])
    fig = plots.funnel(scores, sd=0.5, lang="zh")
    texts = _texts(fig)
    assert "\\$odd" in texts and not any(pii.find_personal_data(t) for t in texts), texts
    plt.close(fig)


def test_safe_figure_fixes_labels_that_a_formatter_writes():
    import matplotlib.pyplot as plt

    from kit import plots

    fig, ax = plt.subplots()
    ax.bar(["$ales $tar", "li.na@example.com"], [1, 2])  # a categorical axis: labels from its formatter
    ax.annotate("call 138 0013 8000", (0, 1))
    plots.safe_figure(fig, "en", transform=lambda s: s.replace("Wang", "Rep-X"))
    texts = _texts(fig)
    assert r"\$ales \$tar" in texts and "[redacted]" in texts and "call [redacted]" in texts, texts
    assert plots.safe_text(r"\$already") == r"\$already"   # escaping twice changes nothing
    plt.close(fig)


def test_a_report_figure_gets_pseudonyms_before_it_is_shown(tmp_path):
    import matplotlib.pyplot as plt

    from kit import plots

    fig, ax = plt.subplots()
    ax.set_yticks([0, 1], labels=["王伟", "R017"])
    plots.safe_figure(fig, "zh", transform=lambda s: {"王伟": "Rep-AAAAAA", "R017": "Rep-BBBBBB"}.get(s, s),
                      layout=False)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Rep-AAAAAA", "Rep-BBBBBB"]
    plt.close(fig)
