"""The sales-KPI x customer-satisfaction research and reporting kit.

``import kit`` gives the loaders and the data contract; the heavier parts (statistics,
analyses, plots, reports) are imported on first use::

    import kit
    data = kit.load("data/samples")
    kit.kpis.compute(data, quarter="2026Q3")
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = {
    "schema", "io", "periods", "survey", "kpis", "stats", "analysis", "plots", "i18n",
    "report", "sample", "cli", "params", "narrative", "pii", "errors", "config", "results",
    "instrument", "dataset", "sources", "validation", "moments", "spark", "timestamps",
}

__all__ = ["__version__", "load", "Dataset", *sorted(_SUBMODULES)]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"kit.{name}")
    if name == "load":
        return importlib.import_module("kit.io").load
    if name == "Dataset":
        return importlib.import_module("kit.dataset").Dataset
    raise AttributeError(f"module 'kit' has no attribute {name!r}")
