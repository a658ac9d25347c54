"""Charts (seaborn/matplotlib) with one theme and CJK-capable fonts.

The report charts take an analysis result and the report language and return a matplotlib
figure: :func:`dimension_trends`, :func:`driver_quadrant` (importance x performance),
:func:`validity_overview`, :func:`funnel`, :func:`scorecard_tiers`, :func:`weights_change`,
:func:`responses_per_rep`. Labels come from ``kit/locales``.

:func:`setup_fonts` makes matplotlib draw Chinese labels: it finds a font that has the CJK
glyphs (Noto Sans CJK / Noto Serif CJK on Linux, Microsoft YaHei / SimHei on Windows,
PingFang SC on macOS, ...), puts it first in ``font.sans-serif`` and warns once, clearly,
when there is none (Chinese text would show as empty boxes). It also finds fonts installed
after matplotlib built its font cache (e.g. ``apt-get install fonts-noto-cjk``), without
rebuilding the cache.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "CJK_FONTS", "FontWarning", "setup_fonts", "cjk_font", "theme", "PALETTE",
    "safe_text", "safe_figure",
    "responses_per_rep", "dimension_trends", "driver_quadrant", "validity_overview", "funnel", "scorecard_tiers",
    "weights_change",
]

#: font families that carry Simplified Chinese, in order of preference
CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti", "SimHei",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Sarasa Gothic SC",
    "Noto Serif CJK SC", "Noto Serif SC", "Source Han Serif SC", "SimSun", "Songti SC",
    "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Serif CJK JP", "Droid Sans Fallback",
    "Arial Unicode MS",
)
# file names of CJK fonts (to find fonts installed after matplotlib built its cache)
_FILE_PATTERN = re.compile(
    r"(cjk|msyh|yahei|simhei|simsun|pingfang|hiragino|heiti|songti|wqy|wenquanyi|droidsansfallback|"
    r"sourcehan|notosans-?sc|notoserif-?sc|sarasa|arialuni)", re.I)
_TEST_CHARS = "中文销售满意度"

_state: dict[str, object] = {"font": None, "warned": False, "scanned": False}


class FontWarning(UserWarning):
    """No font with Chinese glyphs: Chinese chart labels would show as boxes."""


def _covers(path: str) -> bool:
    try:
        from matplotlib.ft2font import FT2Font

        f = FT2Font(path)
        return all(f.get_char_index(ord(c)) for c in _TEST_CHARS)
    except Exception:  # an unreadable font file
        return False


def _find_installed(fm) -> str | None:
    by_name: dict[str, str] = {}
    for entry in fm.fontManager.ttflist:
        by_name.setdefault(entry.name, entry.fname)
    for name in CJK_FONTS:
        if name in by_name and _covers(by_name[name]):
            return name
    for name, path in sorted(by_name.items()):
        if "CJK SC" in name and _covers(path):
            return name
    return None


def cjk_font() -> str | None:
    """The family name of the CJK font matplotlib will use, or ``None`` (see :func:`setup_fonts`)."""
    import matplotlib.font_manager as fm

    found = _find_installed(fm)
    if found is None and not _state["scanned"]:
        # fonts installed after matplotlib built its font cache: add them
        _state["scanned"] = True
        for path in fm.findSystemFonts():
            if _FILE_PATTERN.search(path.replace("_", "").replace(" ", "")):
                try:
                    fm.fontManager.addfont(path)
                except Exception:
                    continue
        found = _find_installed(fm)
    return found


def setup_fonts(warn: bool = True) -> str | None:
    """Make matplotlib draw Chinese text: use the first CJK-capable font found.

    Sets ``font.family`` to sans-serif with the CJK font first in ``font.sans-serif``
    (its Latin glyphs are used too), and ``axes.unicode_minus = False`` (several CJK fonts
    lack the Unicode minus sign). Call it again after changing a style: it is cheap.

    Parameters
    ----------
    warn : bool
        Warn (:class:`FontWarning`, once per process) when no CJK font is found.

    Returns
    -------
    str or None
        The font family used, or ``None`` when none was found (charts then use matplotlib's
        default font and Chinese labels show as boxes).
    """
    import matplotlib as mpl

    font = _state["font"] or cjk_font()
    if font is None:
        if warn and not _state["warned"]:
            _state["warned"] = True
            warnings.warn(
                "No font with Chinese characters was found for charts, so Chinese labels would show as "
                "empty boxes. Install one: on Debian/Ubuntu `apt-get install fonts-noto-cjk` (`make report` "
                "does it when run as root), on Windows Microsoft YaHei or SimHei, on macOS PingFang SC; "
                "then restart the kernel. English reports (lang: en) are not affected.",
                FontWarning, stacklevel=2)
        return None
    _state["font"] = font
    rest = [f for f in mpl.rcParams["font.sans-serif"] if f != font]
    mpl.rcParams["font.family"] = ["sans-serif"]
    mpl.rcParams["font.sans-serif"] = [font, *rest]
    mpl.rcParams["axes.unicode_minus"] = False
    return font


# --- the charts of the reports -------------------------------------------------------------------

PALETTE = {"valid": "#2a9d8f", "weak": "#e9c46a", "not valid": "#e76f51", "insufficient data": "#adb5bd",
            "confounded": "#9b5de5", "inconclusive": "#8ecae6",
            "above average": "#2a9d8f", "average": "#8d99ae", "below average": "#e76f51",
            "fix first": "#e76f51", "keep up": "#2a9d8f", "maintain": "#8d99ae", "low priority": "#adb5bd"}


def theme() -> None:
    """The kit's one chart theme (seaborn "whitegrid", readable sizes, a CJK font when found)."""
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", rc={"figure.dpi": 110, "savefig.dpi": 110,
                                                             "axes.titleweight": "bold"})
    setup_fonts(warn=True)


def _label(key: str, lang: str, **kw: Any) -> str:
    from kit import i18n

    return i18n.t(f"chart.{key}", lang, **kw)


def _dim(name: str, lang: str) -> str:
    from kit.i18n import dimension_name

    return dimension_name(name, lang)


def _kpi(kpi_id: str, lang: str) -> str:
    from kit.kpis import display_name

    return display_name(kpi_id, lang)


def _fig(width: float, height: float):
    import matplotlib.pyplot as plt

    theme()
    return plt.subplots(figsize=(width, height))


_DOLLAR = re.compile(r"(?<!\\)\$")


def safe_text(text: Any, lang: str = "zh") -> Any:
    """``text`` as a chart may draw it: personal data redacted, ``$`` escaped.

    Every e-mail address, phone, ID-card or bank-card number (:func:`kit.pii.redact`) becomes
    ``[已隐去]`` / ``[redacted]``, and each ``$`` becomes ``\\$`` so that matplotlib never reads a
    name such as ``$ales $tar`` as mathtext (an odd number of ``$`` would fail the drawing).
    Anything that is not a string comes back unchanged.

    Examples
    --------
    >>> safe_text("$ales $tar li.na@example.com", "en")
    '\\\\$ales \\\\$tar [redacted]'
    """
    if not isinstance(text, str) or not text:
        return text
    from kit import i18n, pii

    return _DOLLAR.sub(r"\\$", pii.redact(text, i18n.t("report.redacted", lang)))


def safe_figure(fig: Any, lang: str = "zh", *, transform: Callable[[str], str] | None = None, layout: bool = True):
    """Make every text of ``fig`` safe to draw and to publish, then lay it out; returns ``fig``.

    Each text (titles, axis labels, tick labels, legend entries, annotations) is passed through
    ``transform`` when given (e.g. the report's pseudonyms) and :func:`safe_text`, before
    anything is drawn. Tick labels that a formatter writes from the data (a categorical axis)
    are fixed to their safe text. The report calls it on every figure it shows, and every
    chart of this module on the figure it returns.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    lang : str
        Language of the redaction label.
    transform : callable, optional
        Applied to each text first.
    layout : bool
        Call ``fig.tight_layout()`` afterwards (it measures, so draws, the text).

    Returns
    -------
    matplotlib.figure.Figure
        The same figure.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("$ales $tar, 138 0013 8000")
    >>> safe_figure(fig, "en").axes[0].get_title()
    '\\\\$ales \\\\$tar, [redacted]'
    """
    from matplotlib.text import Text

    def fix(s: str) -> str:
        return safe_text(transform(s) if transform is not None else s, lang)

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t.get_text() for t in axis.get_majorticklabels()]
            fixed = [fix(s) for s in labels]
            if fixed != labels:
                axis.set_ticks(axis.get_majorticklocs(), labels=fixed)
    for t in fig.findobj(Text):
        s = t.get_text()
        new = fix(s)
        if new != s:
            t.set_text(new)
    if layout:
        fig.tight_layout()
    return fig


def dimension_trends(trends: pd.DataFrame, lang: str = "zh"):
    """Line chart: CSAT and each dimension's mean score per quarter (from analysis.dimension_trends)."""
    fig, ax = _fig(8, 4.2)
    dims = [c for c in trends.columns if c not in {"n", "csat"}]
    x = list(trends.index.astype(str))
    for d in dims:
        ax.plot(x, trends[d], marker="o", linewidth=1.8, label=_dim(d, lang))
    ax.plot(x, trends["csat"], marker="s", linewidth=2.8, color="black", label=_label("csat", lang))
    ax.set_ylabel(_label("mean_score", lang))
    ax.set_xlabel(_label("quarter", lang))
    ax.set_title(_label("trends_title", lang))
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return safe_figure(fig, lang)


def driver_quadrant(drivers: pd.DataFrame, lang: str = "zh"):
    """Importance x performance: the key-driver quadrant chart, with the importance intervals."""
    fig, ax = _fig(7.5, 5.2)
    imp, perf = drivers["importance"], drivers["performance"]
    x_cut, y_cut = 1.0 / len(drivers), perf.mean()
    colors = [PALETTE.get(q, "#444") for q in drivers["quadrant"]]
    ax.errorbar(imp, perf, xerr=[imp - drivers["ci_low"], drivers["ci_high"] - imp], fmt="none",
                ecolor="#999", elinewidth=1, capsize=3, zorder=1)
    ax.scatter(imp, perf, s=140, c=colors, edgecolor="white", linewidth=1.5, zorder=2)
    texts = [ax.text(imp[d], perf[d], _dim(d, lang), fontsize=10, zorder=3) for d in drivers.index]
    ax.axvline(x_cut, color="#666", linestyle="--", linewidth=1)
    ax.axhline(y_cut, color="#666", linestyle="--", linewidth=1)
    xmin, xmax = 0, max(drivers["ci_high"].max(), x_cut) * 1.15
    pad = (perf.max() - perf.min()) * 0.25 + 0.05
    ymin, ymax = perf.min() - pad, perf.max() + pad
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    corner = {"fix first": (xmax, ymin, "right", "bottom"), "keep up": (xmax, ymax, "right", "top"),
              "maintain": (xmin, ymax, "left", "top"), "low priority": (xmin, ymin, "left", "bottom")}
    for q, (x, y, ha, va) in corner.items():
        ax.text(x, y, " " + _label(f"quadrant_{q.replace(' ', '_')}", lang) + " ", ha=ha, va=va,
                color=PALETTE[q], fontsize=11, fontweight="bold")
    ax.xaxis.set_major_formatter(_percent_formatter())
    ax.set_xlabel(_label("importance", lang))
    ax.set_ylabel(_label("performance", lang))
    ax.set_title(_label("quadrant_title", lang))
    safe_figure(fig, lang)
    # neighbouring dimensions' labels are pushed apart (and off the points), with a leader line
    from adjustText import adjust_text

    adjust_text(texts, x=list(imp), y=list(perf), ax=ax, expand=(1.3, 1.6), time_lim=2,
                arrowprops={"arrowstyle": "-", "color": "#888", "lw": 0.6})
    return fig


def _percent_formatter():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=0)


def validity_overview(validity: pd.DataFrame, lang: str = "zh"):
    """Each KPI's correlation with the satisfaction it should serve, with its interval and verdict."""
    v = validity.copy()
    v["r_show"] = v["r_target"]
    v = v.sort_values("r_show", na_position="first")
    fig, ax = _fig(8, 0.38 * len(v) + 1.4)
    y = range(len(v))
    for i, (_k, row) in enumerate(v.iterrows()):
        color = PALETTE.get(row["verdict"], "#444")
        if _notna(row["r_target"]):
            ax.plot([row["r_target_ci_low"], row["r_target_ci_high"]], [i, i], color=color, linewidth=2.2)
            ax.plot(row["r_target"], i, "o", color=color, markersize=8)
        else:
            ax.plot(0, i, marker="|", color=color, markersize=10)
    ax.set_yticks(list(y))
    ax.set_yticklabels([_kpi(k, lang) for k in v.index])
    ax.axvline(0, color="#333", linewidth=1)
    ax.set_xlim(-1, 1)
    ax.set_xlabel(_label("validity_r", lang))
    ax.set_title(_label("validity_title", lang))
    from matplotlib.lines import Line2D

    handles = [Line2D([0], [0], marker="o", color=PALETTE[k], label=_label(f"verdict_{k.replace(' ', '_')}", lang))
               for k in ("valid", "weak", "confounded", "inconclusive", "not valid", "insufficient data")
               if k in set(v["verdict"])]
    ax.legend(handles=handles, loc="lower right", frameon=True)
    return safe_figure(fig, lang)


def _notna(x: Any) -> bool:
    import pandas as pd

    return bool(pd.notna(x))


def funnel(scores: pd.DataFrame, value: str = "raw", n: str = "n", *, grand: float | None = None,
           sd: float | None = None, lang: str = "zh", title: str | None = None, label: str | None = None):
    """Funnel plot: each rep's score against its number of responses, with 95% and 99.8% limits.

    ``scores`` has one row per rep with the mean ``value`` and its ``n``; the limits are
    ``grand ± z sd / sqrt(n)`` with the response-level ``sd``, so that small-n reps outside
    the limits are read as noise rather than outliers only when they stay inside.
    """
    import numpy as np

    df = scores[[value, n]].dropna()
    df = df[df[n] > 0]
    grand = float(np.average(df[value], weights=df[n])) if grand is None else grand
    if sd is None:
        raise ValueError("funnel() needs sd, the response-level standard deviation of the score.")
    fig, ax = _fig(7.5, 4.6)
    ns = np.linspace(max(1, df[n].min() * 0.8), df[n].max() * 1.05, 200)
    for z, style, key in ((1.96, "--", "limit_95"), (3.09, ":", "limit_998")):
        ax.plot(ns, grand + z * sd / np.sqrt(ns), style, color="#555", linewidth=1, label=_label(key, lang))
        ax.plot(ns, grand - z * sd / np.sqrt(ns), style, color="#555", linewidth=1)
    ax.axhline(grand, color="#333", linewidth=1)
    out = np.abs(df[value] - grand) > 1.96 * sd / np.sqrt(df[n])
    ax.scatter(df[n][~out], df[value][~out], s=36, color="#2a9d8f", zorder=3)
    ax.scatter(df[n][out], df[value][out], s=46, color="#e76f51", zorder=3)
    for rep in df.index[out]:
        ax.annotate(str(rep), (df.at[rep, n], df.at[rep, value]), textcoords="offset points", xytext=(5, 4),
                    fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel(_label("responses", lang))
    ax.set_ylabel(label or _label("mean_csat", lang))
    ax.set_title(title or _label("funnel_title", lang))
    ax.legend(loc="lower right", frameon=True)
    return safe_figure(fig, lang)


#: above this many scored reps the scorecard chart shows the distribution, the teams and the
#: named reps whose interval separates from the average, not one row per rep
MAX_ROWS_PER_REP = 60


def scorecard_tiers(card: pd.DataFrame, lang: str = "zh", name_column: str = "rep_name", max_named: int = 30):
    """Each rep's composite score with its interval, coloured by tier (forest plot).

    With more than :data:`MAX_ROWS_PER_REP` scored reps: the distribution of the scores by
    tier, each team's mean with its interval, and by name only the ``max_named`` reps whose
    interval separates from the average (best and worst); see :func:`scorecard_large`.
    """
    sc = card[card["tier"] != "insufficient data"].sort_values("score")
    if len(sc) > MAX_ROWS_PER_REP:
        return scorecard_large(card, lang, name_column, max_named)
    fig, ax = _fig(8, 0.26 * len(sc) + 1.4)
    _rep_forest(ax, sc, name_column, lang, ("above average", "average", "below average"), fontsize=8)
    ax.set_title(_label("scorecard_title", lang))
    return safe_figure(fig, lang)


def _rep_forest(ax, reps: pd.DataFrame, name_column: str, lang: str, tiers: tuple, fontsize: int) -> None:
    """One row per rep: score and interval coloured by tier, names on the axis, a tier legend."""
    from matplotlib.lines import Line2D

    for i, (_, row) in enumerate(reps.iterrows()):
        color = PALETTE.get(row["tier"], "#444")
        ax.plot([row["score_low"], row["score_high"]], [i, i], color=color, linewidth=2)
        ax.plot(row["score"], i, "o", color=color, markersize=6 if fontsize >= 8 else 5)
    names = reps[name_column] if name_column in reps else reps.index.to_series()
    ax.set_yticks(range(len(reps)))
    ax.set_yticklabels([str(nm) for nm in names], fontsize=fontsize)
    ax.axvline(50, color="#333", linewidth=1)
    ax.set_xlabel(_label("score", lang))
    handles = [Line2D([0], [0], marker="o", color=PALETTE[k], label=_label(f"tier_{k.replace(' ', '_')}", lang))
               for k in tiers]
    ax.legend(handles=handles, loc="lower right", frameon=True, fontsize=fontsize)


def weights_change(changes: pd.DataFrame, lang: str = "zh"):
    """This quarter's and the recommended weights per KPI (before/after)."""
    import numpy as np

    ch = changes[(changes["old"] > 0) | (changes["new"] > 0)].sort_values("new")
    fig, ax = _fig(8, 0.4 * len(ch) + 1.4)
    y = np.arange(len(ch))
    ax.barh(y - 0.2, ch["old"], height=0.38, color="#adb5bd", label=_label("weight_old", lang))
    kinds = {"up": "#2a9d8f", "down": "#e76f51", "same": "#8d99ae"}
    kind = ["up" if c > 0 else "down" if c < 0 else "same" for c in ch["change"]]
    ax.barh(y + 0.2, ch["new"], height=0.38, color=[kinds[k] for k in kind])
    for i, (_k, row) in enumerate(ch.iterrows()):
        if row["change"]:
            ax.text(row["new"] + 0.5, i + 0.2, f"{row['change']:+g}", va="center", fontsize=9)
    ax.set_yticks(y)
    ax.set_yticklabels([_kpi(k, lang) for k in ch.index])
    ax.set_xlabel(_label("weight_points", lang))
    ax.set_title(_label("weights_title", lang))
    from matplotlib.patches import Patch

    # one legend entry per colour drawn, so that the legend matches the bars
    handles = [Patch(color="#adb5bd", label=_label("weight_old", lang))]
    handles += [Patch(color=kinds[k], label=_label(f"weight_{k}", lang)) for k in kinds if k in kind]
    ax.legend(handles=handles, loc="lower right", frameon=True)
    return safe_figure(fig, lang)


def responses_per_rep(cov: pd.DataFrame, min_n: int, lang: str = "zh"):
    """Bar chart: survey responses per rep this quarter, with the ``min_n`` line (from analysis.coverage)."""
    c = cov[cov["responses"] > 0].sort_values("responses")
    fig, ax = _fig(8, 3.6)
    colors = ["#e76f51" if v < min_n else "#2a9d8f" for v in c["responses"]]
    ax.bar(range(len(c)), c["responses"], color=colors)
    ax.axhline(min_n, color="#333", linestyle="--", linewidth=1)
    ax.text(0, min_n, f" n = {min_n}", va="bottom", fontsize=9)
    ax.set_yscale("log")
    ax.set_xticks([])
    ax.set_xlabel(_label("reps", lang))
    ax.set_ylabel(_label("responses", lang))
    ax.set_title(_label("coverage_title", lang))
    return safe_figure(fig, lang)


def team_dimensions(view: Any, lang: str = "zh"):
    """One team's satisfaction dimensions against the company average (from kit.analysis.team_view)."""
    import numpy as np

    t = view.table
    fig, ax = _fig(8, 0.45 * len(t) + 1.6)
    y = np.arange(len(t))
    ax.barh(y + 0.2, t["company"], height=0.38, color="#adb5bd", label=_label("company", lang))
    ax.barh(y - 0.2, t["team"].fillna(0), height=0.38, color="#2a9d8f", label=view.team)
    ax.set_yticks(y)
    ax.set_yticklabels([_dim(d, lang) for d in t.index])
    ax.invert_yaxis()
    low = float(np.nanmin(t[["team", "company"]].to_numpy())) if t[["team", "company"]].notna().any().any() else 1
    ax.set_xlim(max(0, low - 0.8), None)
    for i, v in enumerate(t["team"]):
        if v != v:  # missing: too few responses
            ax.text(ax.get_xlim()[0] + 0.02, i - 0.2, _label("too_few", lang), va="center", fontsize=8, color="#57606a")
    ax.set_xlabel(_label("performance", lang))
    ax.set_title(_label("team_title", lang, team=view.team))
    ax.legend(loc="lower right", frameon=True)
    return safe_figure(fig, lang)


def scorecard_large(card: pd.DataFrame, lang: str = "zh", name_column: str = "rep_name", max_named: int = 30):
    """A large sales force on one page: score distribution, teams with intervals, notable reps."""
    import numpy as np
    import pandas as pd

    from kit.analysis.teams import notable_reps, team_summary

    sc = card[card["tier"] != "insufficient data"]
    # a team mean from fewer than three scored reps says little: such teams are not ranked here
    teams = team_summary(card).query("scored >= 3").dropna(subset=["score"]).sort_values("score")
    n_teams = len(teams)
    if n_teams > max_named:  # the highest and lowest teams; every team is in the workbook
        teams = pd.concat([teams.head(max_named // 2), teams.tail(max_named // 2)])
    named = notable_reps(sc, max_named).sort_values("score")
    heights = [2.6, 0.28 * len(teams) + 0.9, 0.26 * max(len(named), 1) + 0.9]
    import matplotlib.pyplot as plt

    theme()
    fig, (ax0, ax1, ax2) = plt.subplots(3, 1, figsize=(8, sum(heights) + 1.0),
                                        gridspec_kw={"height_ratios": heights})
    bins = np.linspace(np.floor(sc["score"].min()), np.ceil(sc["score"].max()) + 1e-9, 40)
    tiers = [t for t in ("below average", "average", "above average") if (sc["tier"] == t).any()]
    ax0.hist([sc.loc[sc["tier"] == t, "score"] for t in tiers], bins=bins, stacked=True,
             color=[PALETTE[t] for t in tiers], label=[_label(f"tier_{t.replace(' ', '_')}", lang) for t in tiers])
    ax0.axvline(50, color="#333", linewidth=1)
    ax0.set_title(_label("scorecard_distribution", lang, n=len(sc)))
    ax0.set_ylabel(_label("reps_count", lang))
    ax0.legend(loc="upper right", frameon=True, fontsize=8)
    for i, (_team, row) in enumerate(teams.iterrows()):
        ax1.plot([row["score_low"], row["score_high"]], [i, i], color="#457b9d", linewidth=2)
        ax1.plot(row["score"], i, "o", color="#457b9d", markersize=6)
    ax1.set_yticks(range(len(teams)))
    ax1.set_yticklabels([f"{t} (n={int(r['scored'])})" for t, r in teams.iterrows()], fontsize=8)
    ax1.axvline(50, color="#333", linewidth=1)
    ax1.set_title(_label("scorecard_teams", lang) if n_teams == len(teams)
                  else _label("scorecard_teams_some", lang, k=len(teams), n=n_teams))
    _rep_forest(ax2, named, name_column, lang, ("above average", "below average"), fontsize=7)
    ax2.set_title(_label("scorecard_named", lang, n=len(named)))
    return safe_figure(fig, lang)
