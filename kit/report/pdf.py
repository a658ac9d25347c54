"""PDFs of the management pages, for mail and print: headless Chromium's print-to-PDF.

Chromium lays the page out exactly as the browser shows it and embeds the fonts it used, so
Chinese text stays text (selectable, searchable; ``pdftotext`` reads it back), which is what
the personal-data scan of the outputs reads too. The page is opened from disk with the
network left unused (the reports are self-contained).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kit.errors import EXIT_REPORT, KitError

__all__ = ["PdfError", "find_chromium", "print_pdf", "print_pdfs"]

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
          "--disable-background-networking", "--disable-sync", "--disable-default-apps", "--mute-audio",
          "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw", "--virtual-time-budget=5000"]


class PdfError(KitError, exit_code=EXIT_REPORT):
    """A PDF could not be printed (no Chromium, or Chromium failed)."""


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable: ``KIT_CHROMIUM``, else the first on PATH; None if none."""
    env = os.environ.get("KIT_CHROMIUM")
    if env:
        return env if Path(env).is_file() else shutil.which(env)
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html_path: str | Path, pdf_path: str | Path, *, chromium: str | None = None,
              timeout: float = 180) -> Path:
    """Print one HTML page to PDF (A4, backgrounds on, no browser header or footer).

    Parameters
    ----------
    html_path, pdf_path : path
        The page and the PDF to write.
    chromium : str, optional
        The browser (default :func:`find_chromium`).
    timeout : float
        Seconds before giving up.

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    PdfError
        With what to install or what Chromium said.
    """
    exe = chromium or find_chromium()
    if not exe:
        raise PdfError("no Chromium found for the PDFs: install it (apt-get install chromium; make report does), "
                       "set KIT_CHROMIUM to the browser, or run with --no-pdf.")
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = pdf_path.with_name(pdf_path.name + ".tmp")
    with tempfile.TemporaryDirectory(prefix="kit-pdf-") as profile:
        cmd = [exe, *_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", html_path.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            tmp.unlink(missing_ok=True)
            raise PdfError(f"{html_path.name}: Chromium did not finish the PDF within {timeout:.0f} s.") from None
    if done.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise PdfError(f"{html_path.name}: Chromium could not print it to PDF (exit {done.returncode}): "
                       + " | ".join(tail))
    tmp.replace(pdf_path)
    return pdf_path


def print_pdfs(pages: Sequence[Path], folder: str | Path, *, timeout: float = 180) -> list[Path]:
    """Print several pages into ``folder`` (``<page name>.pdf`` each), one after the other.

    Returns
    -------
    list of Path
        The PDFs, in the order of ``pages``.
    """
    exe = find_chromium()
    return [print_pdf(p, Path(folder) / f"{Path(p).stem}.pdf", chromium=exe, timeout=timeout) for p in pages]
