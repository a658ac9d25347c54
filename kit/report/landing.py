"""The quarter's landing page: the management summary's headline first, then the reports.

``outputs/<quarter>/index.html`` opens with the headline sentences and the first chart of the
management summary (the last notebook numbered 90 or above), then links to each report
(HTML and PDF) and the workbook, then the files. The same sentences head the workbook.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kit import i18n

__all__ = ["Headline", "read_headline", "headline_html", "summary_notebook"]


@dataclass
class Headline:
    """What the management summary said: its title, sections and first chart.

    Attributes
    ----------
    title : str
        The summary's title (its first heading).
    sections : list of (str, list of str)
        Each section's heading and its sentences (Markdown), in order.
    figure_png : str or None
        The first chart, base64 PNG.
    """

    title: str = ""
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    figure_png: str | None = None

    def sentences(self) -> list[str]:
        """Every sentence paragraph, in order (Markdown emphasis removed)."""
        return [t.replace("**", "") for _, texts in self.sections for t in texts]


def summary_notebook(executed: Sequence[Path]) -> Path | None:
    """The management summary among the executed notebooks: the last numbered 90 or above."""
    late = [p for p in executed if p.stem[:2].isdigit() and int(p.stem[:2]) >= 90]
    return sorted(late)[-1] if late else None


def _text(data: dict, mime: str) -> str:
    value = data.get(mime, "")
    return "".join(value) if isinstance(value, list) else str(value)


def read_headline(nb_path: str | Path) -> Headline:
    """The headline of an executed summary notebook (its ``heading``, ``text`` and ``figure`` outputs).

    Cells tagged for analysts only are left out, as in the management page.

    Returns
    -------
    Headline
    """
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    out = Headline()
    current: list[str] | None = None
    for cell in nb.get("cells", []):
        tags = set((cell.get("metadata") or {}).get("tags") or [])
        if tags & {"analyst-only", "parameters", "injected-parameters", "remove-cell"}:
            continue
        for o in cell.get("outputs", []) or []:
            role = ((o.get("metadata") or {}).get("kit") or {}).get("role")
            data = o.get("data") or {}
            if role == "heading":
                text = _text(data, "text/markdown").lstrip("#").strip()
                if not out.title:
                    out.title = text
                    current = None
                else:
                    out.sections.append((text, []))
                    current = out.sections[-1][1]
            elif role == "text":
                text = _text(data, "text/markdown").strip()
                if current is None:
                    out.sections.append(("", []))
                    current = out.sections[-1][1]
                if text:
                    current.append(text)
            elif role == "figure" and out.figure_png is None and "image/png" in data:
                out.figure_png = _text(data, "image/png").replace("\n", "")
    # the title cell's own introduction is not a finding
    if out.sections and out.sections[0][0] == "":
        out.sections.pop(0)
    return out


def _markdown(text: str) -> str:
    import mistune

    return mistune.html(html.escape(text, quote=False))


def headline_html(headline: Headline, lang: str, link: str | None = None) -> str:
    """The headline as an HTML block for the landing page (sections, sentences, first chart)."""
    if not headline.sections:
        return ""
    parts = [f'<section class="kit-headline"><h2>{html.escape(i18n.t("landing.headline", lang))}</h2>']
    for heading, texts in headline.sections:
        if not texts:
            continue
        parts.append(f"<h3>{html.escape(heading)}</h3>" if heading else "")
        parts += [_markdown(t) for t in texts]
        if headline.figure_png and heading == headline.sections[0][0]:
            parts.append(f'<img class="kit-figure" alt="{html.escape(heading)}" '
                         f'src="data:image/png;base64,{headline.figure_png}">')
    if link:
        parts.append(f'<p><a href="{html.escape(link)}"><b>{html.escape(i18n.t("landing.read_summary", lang))}'
                     f"</b></a></p>")
    parts.append("</section>")
    return "".join(parts)
