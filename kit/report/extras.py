"""What a quarter's run writes besides the notebooks' pages: the workbook, the PDFs, the headline.

Called by the engine once a quarter's notebooks have run, before the personal-data scan
(which reads the workbook's cells and the PDFs' text like every other output).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kit.report.landing import Headline, read_headline, summary_notebook
from kit.report.layout import RESULTS_DIR

__all__ = ["Extras", "write_extras", "PDF_DIR", "other_team_names"]

PDF_DIR = "pdf"


@dataclass
class Extras:
    """The extra outputs of a quarter: ``workbook`` and ``pdfs`` (relative paths), the ``headline``."""

    workbook: str | None = None
    pdfs: dict[str, str] = field(default_factory=dict)
    headline: Headline = field(default_factory=Headline)
    problems: list[str] = field(default_factory=list)
    summary_page: str | None = None


def write_extras(tmp: Path, quarter: str, lang: str, notebooks: Sequence, *, pdf: bool | None,
                 say: Callable[[str], None]) -> Extras:
    """Write ``<quarter>.xlsx`` and ``pdf/<notebook>.pdf`` into the quarter's folder ``tmp``.

    Parameters
    ----------
    tmp : Path
        The quarter's folder being built.
    quarter, lang : str
    notebooks : sequence of NotebookResult
        The quarter's notebooks (their ``executed`` and ``management_html`` paths, relative).
    pdf : bool or None
        True: PDFs are required (a missing browser is a problem); None: printed when Chromium
        is installed; False: none.
    say : callable
        Progress lines.

    Returns
    -------
    Extras
    """
    from kit.report.workbook import write_workbook

    ex = Extras()
    ok = [nb for nb in notebooks if nb.status == "ok"]
    summary = summary_notebook([tmp / nb.executed for nb in ok if nb.executed])
    if summary is not None:
        ex.headline = read_headline(summary)
        page = next((nb.management_html for nb in ok if nb.name == summary.stem), None)
        ex.summary_page = page
    try:
        path = write_workbook(tmp / RESULTS_DIR, tmp / f"{quarter}.xlsx", lang=lang, quarter=quarter,
                              headline=ex.headline.sentences())
        ex.workbook = path.name
    except Exception as exc:  # noqa: BLE001 - reported as the quarter's problem, with its cause
        ex.problems.append(f"the workbook {quarter}.xlsx could not be written: {type(exc).__name__}: {exc}")
    if pdf is False:
        return ex
    from kit.report.pdf import PdfError, find_chromium, print_pdf

    exe = find_chromium()
    if exe is None:
        msg = ("no Chromium found, so no PDFs (apt-get install chromium, or make report; "
               "--no-pdf silences this)")
        if pdf:
            ex.problems.append(msg)
        else:
            say(f"[{quarter}] note: {msg}")
        return ex
    for nb in ok:
        if not nb.management_html:
            continue
        target = tmp / PDF_DIR / f"{nb.name}.pdf"
        try:
            print_pdf(tmp / nb.management_html, target, chromium=exe)
            ex.pdfs[nb.name] = target.relative_to(tmp).as_posix()
        except PdfError as exc:
            ex.problems.append(f"the PDF of {nb.name}: {exc}")
    return ex


def other_team_names(snapshot: Path, team: str | None) -> list[str]:
    """For a team's pages: the names of the reps of every other team (none may appear)."""
    if not team:
        return []
    import pandas as pd

    reps = pd.read_parquet(Path(snapshot) / "tables" / "reps.parquet", columns=["rep_name", "team"])
    mine = set(reps.loc[reps["team"] == team, "rep_name"].dropna().astype(str))
    return sorted({str(n) for n in reps.loc[reps["team"] != team, "rep_name"].dropna()} - mine)
