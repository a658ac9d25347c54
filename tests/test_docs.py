"""Self-contained documentation: the README links only to files in the repository, and the
generated reference names every column, KPI and statistic the code has."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_markdown_links_point_to_files_in_the_repository():
    for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), ROOT / "benchmarks" / "README.md"]:
        text = page.read_text(encoding="utf-8")
        for target in LINK.findall(text):
            if re.match(r"^[a-z]+://", target) or target.startswith("mailto:"):
                continue
            path = (page.parent / target).resolve()
            assert path.exists() and ROOT in path.parents, f"{page.relative_to(ROOT)}: {target}"
        assert "../shared" not in text and "DESIGN section" not in text, page.name


def test_reference_names_every_column_kpi_and_statistic():
    import kit.kpis
    import kit.stats
    from kit import schema

    text = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    missing = [f"{r.table}.{r.column}" for r in schema.describe().itertuples() if f"`{r.column}`" not in text]
    missing += [k for k in kit.kpis.ids() if f"`{k}`" not in text]
    catalog = kit.kpis.catalog()
    missing += [name for name in catalog["name_zh"].tolist() + catalog["name_en"].tolist() if name not in text]
    missing += [f for f in kit.stats.__all__ if f"`kit.stats.{f}`" not in text]
    assert missing == [], f"run docs/generate.py: {missing}"
