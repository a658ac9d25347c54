"""The project's promises about itself: one source of dependencies, a CI entry point, clean notebooks."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_delegates_to_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    pip = [d for d in deps if isinstance(d, dict)][0]["pip"]
    assert pip == ["-e .[test,dev]"]
    conda = [d for d in deps if isinstance(d, str)]
    # conda installs Python and pip only; every Python package comes from pyproject.toml
    assert sorted(re.split(r"[=<>]", d)[0] for d in conda) == ["pip", "python"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    py = re.search(r"python=(\d+\.\d+)", " ".join(conda)).group(1)
    assert project["requires-python"] == f">={py}"
    assert {"test", "dev"} <= set(project["optional-dependencies"])


def test_sqlglot_pinned_for_ibis():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert any(d.replace(" ", "").startswith("sqlglot<28") for d in deps)


def test_ci_calls_make_test_and_readme_quick_start():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make report" in readme and "make test" in readme


def test_committed_notebooks_carry_no_outputs():
    for nb in (ROOT / "notebooks").rglob("*.ipynb"):  # the team view in notebooks/team/ too
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for c in cells:
            if c["cell_type"] == "code":
                assert not c.get("outputs") and not c.get("execution_count"), nb.name


def test_stats_imports_nothing_else_from_kit():
    for py in (ROOT / "kit" / "stats").glob("*.py"):
        text = py.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+kit(\.(?!stats\b)\w+)?\b", text, re.M), py.name
