"""The project's folders, resolved in one place (the Cookiecutter Data Science ``config.py`` pattern).

A kit project is a folder holding ``notebooks/`` (the report notebooks), ``parameters/``
(``default.yaml``, ``instrument.yaml``, a file per quarter), ``data/`` and ``outputs/``.
``kit init DIR`` writes one. The project folder is, in this order:

1. the folder named by the environment variable ``KIT_PROJECT``;
2. the current folder, when it holds ``parameters/default.yaml`` or ``notebooks/``;
3. the source checkout the kit runs from (a clone of the repository, installed editable);
4. the current folder.

Where the project has no ``notebooks/`` or ``parameters/`` of its own, the ones shipped with
the kit (:data:`TEMPLATE`, package data) are used, so an installed kit runs the sample's
reports anywhere. The kit's shipped ``parameters/default.yaml`` is also where every parameter's
default is written, once: :func:`defaults` reads it for the code that needs a default (the
parameter validation, the data loader). This module imports nothing from the kit but the
strict YAML reader :mod:`kit.safeyaml` (a leaf).

Examples
--------
>>> paths = project()
>>> sorted(p.name for p in (paths.notebooks, paths.parameters))
['notebooks', 'parameters']
"""

from __future__ import annotations

import copy
import functools
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["TEMPLATE", "Project", "project", "project_root", "init_project", "defaults"]

PACKAGE = Path(__file__).resolve().parent
#: the notebooks and parameters shipped with the kit (package data)
TEMPLATE = PACKAGE / "project"
_CHECKOUT = PACKAGE.parent


@dataclass(frozen=True)
class Project:
    """The folders of a kit project.

    Attributes
    ----------
    root : Path
        The project folder.
    notebooks, parameters : Path
        The project's own, else the kit's shipped ones (:data:`TEMPLATE`).
    data, samples, outputs : Path
        ``data/``, ``data/samples/`` and ``outputs/`` of the project.
    """

    root: Path
    notebooks: Path
    parameters: Path
    data: Path
    samples: Path
    outputs: Path

    @property
    def default_parameters(self) -> Path:
        return self.parameters / "default.yaml"

    @property
    def instrument(self) -> Path:
        """The default survey instrument: the project's ``parameters/instrument.yaml``, else the kit's."""
        own = self.parameters / "instrument.yaml"
        return own if own.is_file() else TEMPLATE / "parameters" / "instrument.yaml"


def _is_project(folder: Path) -> bool:
    return (folder / "parameters" / "default.yaml").is_file() or (folder / "notebooks").is_dir()


def project_root() -> Path:
    """The project folder (see the module's docstring for the order)."""
    env = os.environ.get("KIT_PROJECT")
    if env:
        return Path(env).expanduser().resolve()
    here = Path.cwd()
    if _is_project(here):
        return here
    if (_CHECKOUT / "pyproject.toml").is_file() and _is_project(_CHECKOUT):
        return _CHECKOUT
    return here


def project(root: str | Path | None = None) -> Project:
    """The folders of the project at ``root`` (default :func:`project_root`)."""
    base = Path(root).resolve() if root is not None else project_root()
    notebooks = base / "notebooks"
    if not notebooks.is_dir():
        notebooks = TEMPLATE / "notebooks"
    parameters = base / "parameters"
    if not (parameters / "default.yaml").is_file():
        parameters = TEMPLATE / "parameters"
    return Project(root=base, notebooks=notebooks, parameters=parameters, data=base / "data",
                   samples=base / "data" / "samples", outputs=base / "outputs")


def init_project(folder: str | Path, *, overwrite: bool = False) -> Project:
    """Write a working project folder: ``notebooks/``, ``parameters/`` and ``outputs/``.

    The sample data (``data/samples/``) is written by the caller (``kit init`` uses
    :func:`kit.sample.write_sample`), since this module imports nothing from the kit. Existing
    files are kept unless ``overwrite``.

    Returns
    -------
    Project
        The folders of the new project.
    """
    root = Path(folder).expanduser().resolve()
    for sub in ("notebooks", "parameters"):
        src = TEMPLATE / sub
        dst = root / sub
        dst.mkdir(parents=True, exist_ok=True)
        for f in sorted(src.rglob("*")):  # notebooks/team/ (the team view) too
            target = dst / f.relative_to(src)
            if f.is_file() and not f.name.startswith(".") and (overwrite or not target.exists()):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, target)
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "outputs").mkdir(parents=True, exist_ok=True)
    return project(root)


@functools.lru_cache(maxsize=1)
def _shipped_defaults() -> dict[str, Any]:
    from kit.safeyaml import load

    path = TEMPLATE / "parameters" / "default.yaml"
    try:
        values = load(path.read_text(encoding="utf-8-sig"), source=str(path))
    except OSError as exc:  # pragma: no cover - a broken installation
        raise RuntimeError(f"the kit's default parameters cannot be read ({path}: {exc}); "
                           f"reinstall the kit.") from None
    if not isinstance(values, dict):  # pragma: no cover - a broken installation
        raise RuntimeError(f"{path}: expected a mapping of parameter names to values; reinstall the kit.")
    return values


def defaults() -> dict[str, Any]:
    """Every parameter's default: the kit's shipped ``parameters/default.yaml`` (package data).

    This file is the one place where defaults are written; a project's own ``default.yaml``
    is read over it (:mod:`kit.params`). Keys the file leaves empty are None.

    Returns
    -------
    dict
        Parameter name -> default value (a fresh copy: change it freely).

    Examples
    --------
    >>> d = defaults()
    >>> d["max_quarantine_share"], d["min_n"], d["analysis"]["n_boot"]
    (0.05, 5, 1000)
    """
    return copy.deepcopy(_shipped_defaults())
