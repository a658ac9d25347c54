"""The project's folders, resolved in one place (kit/config.py)."""

from __future__ import annotations

from pathlib import Path

from kit import config


def test_a_project_folder_uses_its_own_files_and_the_kits_for_the_rest(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("KIT_PROJECT", raising=False)
    (tmp_path / "parameters").mkdir()
    (tmp_path / "parameters" / "default.yaml").write_text("min_n: 7\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    p = config.project()
    assert p.root == tmp_path and p.parameters == tmp_path / "parameters"
    assert p.notebooks == config.TEMPLATE / "notebooks"  # none of its own: the shipped ones
    # no instrument of its own: the kit's (the same file a checkout uses, so caches agree)
    assert p.instrument == config.TEMPLATE / "parameters" / "instrument.yaml" and p.instrument.is_file()
    (tmp_path / "parameters" / "instrument.yaml").write_text("x", encoding="utf-8")
    assert config.project().instrument == tmp_path / "parameters" / "instrument.yaml"
    monkeypatch.setenv("KIT_PROJECT", str(tmp_path / "elsewhere"))
    assert config.project_root() == tmp_path / "elsewhere"


def test_init_writes_a_project_and_keeps_existing_files(tmp_path: Path):
    proj = config.init_project(tmp_path / "p")
    names = sorted(f.name for f in proj.notebooks.glob("*.ipynb"))
    assert names == sorted(f.name for f in (config.TEMPLATE / "notebooks").glob("*.ipynb")) and len(names) == 5
    assert proj.default_parameters.is_file() and proj.outputs.is_dir() and proj.root == (tmp_path / "p").resolve()
    proj.default_parameters.write_text("min_n: 9\n", encoding="utf-8")
    config.init_project(tmp_path / "p")
    assert proj.default_parameters.read_text(encoding="utf-8") == "min_n: 9\n"  # kept
    config.init_project(tmp_path / "p", overwrite=True)
    assert proj.default_parameters.read_text(encoding="utf-8") != "min_n: 9\n"
