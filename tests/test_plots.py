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
