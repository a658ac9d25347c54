"""Publishing a quarter's folder: swap and recovery (kit/report/publish.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kit.report import publish


@pytest.mark.parametrize("exchange", [True, False])
def test_swap_in_replaces_a_folder_whole(tmp_path: Path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(publish, "_rename_exchange", lambda a, b: False)
    final = tmp_path / "2026Q3"
    final.mkdir()
    (final / "old.txt").write_text("old")
    new = tmp_path / ".2026Q3.tmp-x"
    new.mkdir()
    (new / "new.txt").write_text("new")
    publish.swap_in(new, final)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026Q3"]
    assert [p.name for p in final.iterdir()] == ["new.txt"]


def test_recover_restores_a_parked_report_and_removes_stale_temp_folders(tmp_path: Path):
    dead = 2 ** 22 + 12345  # no such process
    parked = tmp_path / f".2026Q3.old-20260101T000000-{dead}"
    parked.mkdir()
    (parked / "manifest.json").write_text("{}")
    stale = tmp_path / f".2026Q3.tmp-20260101T000000-{dead}-abcdef"
    stale.mkdir()
    publish.recover(tmp_path, "2026Q3")
    assert (tmp_path / "2026Q3" / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026Q3"]
