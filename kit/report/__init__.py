"""Reports: notebook helpers, and the engine behind ``kit run``.

Notebook helpers (what the report notebooks call)
--------------------------------------------------
A report notebook has a ``parameters`` cell (``quarter, source, lang, params_file,
results_dir, data_snapshot`` and any other parameter), then::

    import kit
    report = kit.report.begin(globals())    # parameters in force + data covered, fonts, context
    data = report.data                      # the validated kit.Dataset
    kpis = kit.kpis.compute(data, quarter=report.quarter)
    kit.report.save_table(kit.report.suppress_small(kpis, "n_{}"), "kpis")   # CSV + shown
    report.t("report.suppressed_note", min_n=report.min_n)

``begin`` reads the parameters in force from ``params_file`` (``kit run`` writes them, merged
and validated) or, in JupyterLab, from ``parameters/default.yaml`` and
``parameters/<quarter>.yaml``, with the values of the parameters cell winning. In a run, the
data comes from a snapshot of the data ``kit run`` validated once (``data_snapshot``: Parquet
tables + JSON, no pickle), so every notebook sees the same, fingerprinted data.

:func:`save_table` writes every table shown into the run's results folder (CSV, UTF-8 with
BOM for Excel) and displays it; it applies the pseudonyms and redacts e-mail addresses and
phone numbers in text columns on the way. :func:`suppress_small` blanks rep figures counted
from fewer than ``min_n`` rows; :func:`pseudonymize` replaces rep names by stable pseudonyms
when the ``pseudonymize`` parameter is on; :func:`redact` removes e-mail addresses and
Chinese mobile and landline numbers from text; :func:`save_next_quarter_params` writes the
recommended parameter file for the next quarter.

The engine (``kit run``)
------------------------
:func:`run` executes the notebooks of ``notebooks/`` for one or more quarters with papermill
(in this process, through its Python API) on the kernel of this Python environment, renders
an analyst HTML (with code) and a management HTML (no code, no prompts, no warnings) per
notebook with nbconvert, and writes ``outputs/<quarter>/``::

    index.html                   links to everything, in the report language
    management/<notebook>.html   no code: for management
    analyst/<notebook>.html      with code: for analysts
    notebooks/<notebook>.ipynb   the executed notebooks
    results/*.csv                every table shown (save_table)
    parameters.yaml              the parameters in force
    parameters_<next>.yaml       the recommended parameters for the next quarter (if drafted)
    manifest.json                parameters, data fingerprints, package versions, notebook
                                 hashes, durations, status, kit version, cache key

Safety: data and parameters are validated before any notebook starts; each quarter is built
in a hidden temporary folder ``outputs/.<quarter>.tmp-*`` and replaces ``outputs/<quarter>/``
in one rename only when every notebook succeeded and no output contains an e-mail address or
phone number (or, with pseudonyms, a rep name). A failed quarter is kept as
``outputs/<quarter>.failed-<time>/`` with the executed notebooks and their errors, and the
previous good report stays in place. Caching: a quarter whose notebooks, parameters, data
fingerprints and kit code are unchanged since its last good run is skipped (``--force`` runs it
again); when the inputs are byte for byte those of the last good run this is decided from
hashes alone, before loading anything.

Notebooks run on a kernel spec built in memory from ipykernel's own, pointing at
``sys.executable`` (:func:`kernel_manager_class`): no kernel has to be installed and no other
Python is ever used. The notebooks of a quarter run side by side (``notebook_jobs``), except
that those numbered 90 and above (summaries) start when the others have finished; ``jobs``
quarters run at the same time. Progress is one line per notebook and quarter.

HTML reports are self-contained: nbconvert's lab template is used with the blocks that load
require.js, MathJax, mermaid and the widget manager from CDNs removed, its CSS inlined,
images embedded as data URIs, and only locally installed fonts named.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> the module of kit.report that holds it. Imported on first use, so that
# ``kit run`` decides that nothing changed without importing pandas or nbconvert.
_WHERE = {
    # notebook helpers
    "Report": "context",
    "begin": "context",
    "load_data": "snapshot",
    "save_table": "tables",
    "show_parameters": "tables",
    "show_data_covered": "tables",
    "parameters_html": "render",
    "save_next_quarter_params": "tables",
    "pseudonym": "privacy",
    "pseudonymize": "privacy",
    "suppress_small": "privacy",
    "redact": "privacy",
    "find_personal_data": "privacy",
    "Finding": "privacy",
    "Pseudonyms": "privacy",
    "Suppressed": "privacy",
    # snapshots of validated data
    "write_snapshot": "snapshot",
    "read_snapshot": "snapshot",
    # the engine
    "ReportError": "engine",
    "NotebookResult": "execute",
    "QuarterResult": "engine",
    "RunResult": "engine",
    "run": "engine",
    "find_notebooks": "engine",
    "render_html": "render",
    "save_quarter_state": "history",
    "previous_quarter_state": "history",
    "scan_outputs": "privacy",
    "kernel_manager_class": "kernel",
    "KERNEL_NAME": "kernel",
    "RESULTS_DIR": "layout",
    "NEXT_PARAMS_FILE": "layout",
}
_MODULES = ("cache", "context", "history",
            "engine", "execute", "kernel", "layout", "privacy", "publish", "render", "saved",
            "snapshot", "tables")

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"kit.report.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    if name in _MODULES:
        return importlib.import_module(f"kit.report.{name}")
    raise AttributeError(f"module 'kit.report' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_MODULES})
