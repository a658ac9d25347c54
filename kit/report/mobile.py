"""Tables that read well on a phone: each cell carries its column's name.

At 390 px a table of seven columns either runs off the page or squeezes its headers to one
character per line. The report pages' CSS turns a table into one card per row on a narrow
screen (each cell on its own line, after its column's name, taken from ``data-label``),
and keeps headers on one line with the text wrapping inside the page on a wide one.
"""

from __future__ import annotations

import html
import re

__all__ = ["TABLE_CSS", "label_cells"]

_HEADER_ROW = re.compile(r"<thead>\s*<tr[^>]*>(.*?)</tr>", re.S)
_TH = re.compile(r"<th[^>]*>(.*?)</th>", re.S)
_BODY = re.compile(r"<tbody>(.*?)</tbody>", re.S)
_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
_CELL = re.compile(r"<(td|th)(\s[^>]*)?>", re.S)

#: CSS of the tables on the report pages (nbconvert's lab template and the landing page).
TABLE_CSS = """
table.kit-table { border-collapse: collapse; max-width: 100%; }
table.kit-table th { white-space: nowrap; word-break: keep-all; }
table.kit-table td { overflow-wrap: anywhere; min-width: 3em; max-width: 36em; }
.jp-RenderedHTMLCommon table.kit-table td, .jp-RenderedHTMLCommon table.kit-table th { text-align: left; }
.jp-OutputArea-output { overflow-x: auto; max-width: 100%; }
.jp-RenderedImage img, .jp-OutputArea-output img { max-width: 100%; height: auto; }
@media (max-width: 640px) {
  table.kit-table, table.kit-table tbody, table.kit-table tr, table.kit-table td, table.kit-table tbody th
    { display: block; width: auto; max-width: none; }
  table.kit-table thead { display: none; }
  table.kit-table tr { border: 1px solid #d0d7de; border-radius: 6px; margin: 0 0 0.6em 0; padding: 0.3em 0.5em; }
  .jp-RenderedHTMLCommon table.kit-table td, .jp-RenderedHTMLCommon table.kit-table tbody th
    { border: none; padding: 2px 0; white-space: normal; text-align: left; }
  table.kit-table tbody th { font-weight: 600; }
  table.kit-table td[data-label]::before { content: attr(data-label) ": "; color: #57606a; font-weight: 600; }
  .jp-Cell, .jp-OutputArea-output { padding-left: 0 !important; margin-left: 0 !important; }
  main { padding: 0 8px; }
}
"""


def label_cells(table_html: str) -> str:
    """Give every body cell of a pandas ``to_html`` table its column's name as ``data-label``.

    Parameters
    ----------
    table_html : str
        One table as :meth:`pandas.DataFrame.to_html` writes it (one header row of column
        names; index cells are ``<th>`` in the body rows).

    Returns
    -------
    str
        The same table with ``data-label="<column>"`` on each ``<td>``.

    Example
    -------
    >>> import pandas as pd
    >>> out = label_cells(pd.DataFrame({"理由": ["x"]}).to_html())
    >>> 'data-label="理由"' in out
    True
    """
    head = _HEADER_ROW.search(table_html)
    body = _BODY.search(table_html)
    if not head or not body:
        return table_html
    names = [re.sub(r"<[^>]+>", "", h).strip() for h in _TH.findall(head.group(1))]

    def row(m: re.Match) -> str:
        cells = list(_CELL.finditer(m.group(0)))
        n_index = sum(1 for c in cells if c.group(1) == "th")
        labels = names[len(names) - (len(cells) - n_index):] if len(names) >= len(cells) - n_index else []
        out, last, k = [], 0, 0
        for c in cells:
            out.append(m.group(0)[last:c.start()])
            if c.group(1) == "td" and k < len(labels):
                out.append(f'<td data-label="{html.escape(html.unescape(labels[k]), quote=True)}"{c.group(2) or ""}>')
                k += 1
            else:
                out.append(c.group(0))
            last = c.end()
        out.append(m.group(0)[last:])
        return "".join(out)

    new_body = _ROW.sub(row, body.group(1))
    return table_html[:body.start(1)] + new_body + table_html[body.end(1):]
