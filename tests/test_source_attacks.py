"""A source is its folder: no file outside it is read, no content beyond header names is quoted."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import kit
from kit.schema import SchemaError
from tests import tiny

SECRET = "db_password=hunter2"


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    folder = tiny.write_tiny(tmp_path / "src")
    (tmp_path / "secret2.csv").write_text(f"{SECRET}\n1\n", encoding="utf-8")
    return folder


def _problems(folder: Path, **kw) -> str:
    with pytest.raises(SchemaError) as err:
        kit.load(folder, **kw)
    text = str(err.value)
    assert SECRET not in text and "hunter2" not in text and "root:x" not in text, text
    return text


@pytest.mark.parametrize("target", ["../secret2.csv", "/etc/passwd"])
def test_a_column_map_cannot_read_outside_the_source(source: Path, target: str):
    cmap = source / "column_map.yaml"
    cmap.write_text(f"files:\n  reps: {target}\n", encoding="utf-8")
    text = _problems(source)
    assert "lies outside the source folder" in text and "reps" in text


def test_a_symbolic_link_leading_out_is_refused(source: Path):
    (source / "reps.csv").unlink()
    os.symlink(source.parent / "secret2.csv", source / "reps.csv")
    text = _problems(source)
    assert "lies outside the source folder" in text and "reps.csv" in text


def test_a_symbolic_link_inside_the_folder_is_fine(source: Path):
    shutil.move(source / "reps.csv", source / "reps_export.csv")
    os.symlink(source / "reps_export.csv", source / "reps.csv")
    assert len(kit.load(source).tables["reps"]) > 0


def test_two_files_for_one_table_is_an_error_naming_both(source: Path):
    import pandas as pd

    pd.read_csv(source / "reps.csv", dtype=str).to_excel(source / "reps.xlsx", index=False)
    text = _problems(source)
    assert "two files for one table: reps.csv and reps.xlsx" in text


def test_an_unknown_extension_says_what_is_accepted(source: Path):
    shutil.copy(source / "reps.csv", source / "reps.txt")
    (source / "column_map.yaml").write_text("files:\n  reps: reps.txt\n", encoding="utf-8")
    text = _problems(source)
    assert "unsupported file type '.txt'" in text and ".csv, .parquet or .xlsx" in text and "ValueError" not in text


def test_running_out_of_memory_names_the_file_and_what_to_do(source: Path, monkeypatch):
    import kit.sources as ksrc

    real = ksrc._register_file

    def huge(con, table, path, tmp):
        if path.name == "interactions.csv":
            raise MemoryError()
        return real(con, table, path, tmp)

    monkeypatch.setattr(ksrc, "_register_file", huge)
    text = _problems(source)
    assert "interactions.csv" in text and "ran out of memory" in text and "Parquet" in text
