"""The names of a report run's folder.

A quarter's folder ``outputs/<quarter>/`` holds ``index.html``, ``manifest.json``,
``parameters.yaml``, ``management/``, ``analyst/``, ``notebooks/``, ``results/`` and ``logs/``;
these names are written once here.
"""

from __future__ import annotations

from kit.periods import QUARTER_LABEL

RESULTS_DIR = "results"
# analyses computed once per run and shared by its notebooks (internal: removed before publishing)
SAVED_DIR = ".saved"
NEXT_PARAMS_FILE = "next_quarter_params.yaml"
PARAMS_FILE = "parameters.yaml"
MANIFEST = "manifest.json"
QUARTER_DIR = QUARTER_LABEL  # a quarter's output folder is named by its label
# cells left out of the management HTML
MANAGEMENT_REMOVE_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell", "remove_cell",
                                    "analyst-only", "hide", "hide-cell"})
# what the engine injects into every notebook (besides the parameters a notebook declares)
CORE_INPUTS = ("quarter", "source", "lang", "params_file", "results_dir", "data_snapshot", "saved_dir")

