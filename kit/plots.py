"""Charts (seaborn/matplotlib) with one theme and CJK-capable fonts.

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

__all__ = ["CJK_FONTS", "FontWarning", "setup_fonts", "cjk_font"]

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
