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
    # kit.stats may use the typed result base kit.results (a leaf module), nothing else
    for py in (ROOT / "kit" / "stats").glob("*.py"):
        text = py.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+kit(?!\.(stats|results)\b)\b", text, re.M), py.name


# The layers of the kit, lowest first. A module may import (at the top or inside a function)
# only from its own layer or a lower one:
#   contract -> data -> kpis / stats -> analysis -> narrative / plots -> report -> cli
LAYERS: dict[str, int] = {
    # contract: errors, typed results, labels, periods, the schema, the personal-data detector, folders
    "kit": 0, "kit.errors": 0, "kit.results": 0, "kit.i18n": 0, "kit.periods": 0, "kit.schema": 0,
    "kit.pii": 0, "kit.config": 0, "kit.safeyaml": 0, "kit.credentials": 0, "kit.cells": 0,
    # data: loading, the survey instrument, the sample generator (and the engine tables)
    "kit.io": 1, "kit.survey": 1, "kit.sample": 1, "kit.sample_comments": 1, "kit.instrument": 1, "kit.dataset": 1,
    "kit.sources": 1, "kit.validation": 1, "kit.quarantine": 1, "kit.rules": 1, "kit.spark": 1, "kit.timestamps": 1,
    # KPIs and statistics (kit.stats imports nothing else from the kit: see above), and the
    # engine's sufficient statistics (per-rep and per-customer moments) the analyses start from
    "kit.kpis": 2, "kit.stats": 2, "kit.moments": 2,
    # analyses, and the parameters that configure them (validated with the analyses' own types)
    "kit.analysis": 3, "kit.params": 3,
    "kit.narrative": 4, "kit.narrative_comments": 4, "kit.plots": 4,
    "kit.report": 5,
    "kit.cli": 6,
}


def _layer(module: str) -> tuple[str, int]:
    parts = module.split(".")
    for n in range(len(parts), 1, -1):  # "kit" itself only for the package, never a fallback
        name = ".".join(parts[:n])
        if name in LAYERS:
            return name, LAYERS[name]
    if module == "kit":
        return "kit", LAYERS["kit"]
    raise KeyError(module)


def _kit_imports(py: Path) -> set[str]:
    import ast

    found = set()
    for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name == "kit" or a.name.startswith("kit.")}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
                node.module == "kit" or node.module.startswith("kit.")):
            if node.module == "kit":  # from kit import params -> kit.params
                found |= {f"kit.{a.name}" if f"kit.{a.name}" in LAYERS else "kit" for a in node.names}
            else:
                found.add(node.module)
    return found


def test_layers_flow_one_way():
    modules = {}
    for py in (ROOT / "kit").rglob("*.py"):
        rel = py.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        modules[".".join(parts)] = py
    problems = []
    for name, py in sorted(modules.items()):
        if name == "kit":  # the package's lazy attribute access
            continue
        own, level = _layer(name)
        for imported in sorted(_kit_imports(py)):
            other, other_level = _layer(imported)
            if other_level > level:
                problems.append(f"{name} (layer {level}) imports {imported} (layer {other_level})")
    assert problems == [], "\n".join(problems)


def test_every_module_has_a_layer_and_none_is_much_over_600_lines():
    long = []
    for py in (ROOT / "kit").rglob("*.py"):
        rel = py.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        _layer(".".join(parts))  # KeyError: a new top-level module needs its place in LAYERS
        lines = len(py.read_text(encoding="utf-8").splitlines())
        # the sample generator is data, written as code; kit/io.py is being split into the
        # data layer's modules (instrument, dataset, sources, validation)
        if lines > 650 and rel.as_posix() not in {"kit/sample"}:
            long.append(f"{rel.as_posix()}.py: {lines} lines")
    assert long == []
