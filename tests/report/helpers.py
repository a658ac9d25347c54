"""What the report tests share: the text of a page, a manifest, the ``kit`` command, and the
check that a page fetches nothing from another host."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

EXTERNAL = re.compile(r"""<(script|link|img|iframe|source|video|audio|embed)\b[^>]*\b(src|href)"""
                      r"""\s*=\s*["']?\s*(https?:)?//""", re.I)
CSS_EXTERNAL = re.compile(r"""(@import\s+(url\()?\s*["']?\s*(https?:)?//|url\(\s*["']?\s*(https?:)?//)""", re.I)
MODULE_IMPORT = re.compile(r"""import\s*\(?\s*["']https?://|from\s+["']https?://""")


def text_of(page: str) -> str:
    """The text of an HTML page (tags removed), to find code split by syntax highlighting."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def cli(*args: str, timeout: float = 240, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "kit.cli", *args], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=kw.pop("cwd", None), **kw)


def assert_self_contained(page: str, where: str) -> None:
    assert not EXTERNAL.search(page), f"{where}: {EXTERNAL.search(page).group(0)}"
    assert not CSS_EXTERNAL.search(page), f"{where}: {CSS_EXTERNAL.search(page).group(0)}"
    assert not MODULE_IMPORT.search(page), where
    for m in re.finditer(r"<script\b[^>]*>", page, re.I):
        assert "src=" not in m.group(0).lower(), f"{where}: {m.group(0)}"
    assert "cdnjs" not in page and "unpkg" not in page and "jsdelivr" not in page and "mathjax" not in page.lower()
