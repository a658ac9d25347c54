"""One executed report run shared by tests/report/ and tests/test_browser.py.

The notebooks of this folder are the report engine's test notebooks:

- ``ok_report``: parameters and data covered (``kit.report.begin``), two tables saved with
  ``report.save_table`` (one with a phone number that must come out redacted), a
  matplotlib chart with Chinese labels, a warning (analyst report only), a sentence from
  ``kit.i18n`` and a draft of next quarter's parameters;
- ``raises``: fails in a cell for quarter 2026Q2 only;
- ``sleeps``: sleeps ``seconds`` (120), for the killed-run tests;
- ``leaks``: prints an e-mail address and a mobile number (the engine must refuse to publish).

The data is the hand-built tiny data set of ``tests/tiny.py`` (quarters 2026Q2 to 2026Q4).
"""

from __future__ import annotations

import functools
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests import tiny

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = Path(__file__).resolve().parent


@dataclass
class SharedRun:
    base: Path
    data: Path
    params_dir: Path
    out: Path
    result: object
    lines: list[str] = field(default_factory=list)
    seconds: float = 0.0


def make_inputs(base: Path) -> tuple[Path, Path]:
    """The tiny data set and a parameters folder (a copy of the project's default.yaml)."""
    data = tiny.write_tiny(base / "data")
    params = base / "parameters"  # found as ./parameters by `kit run` started in `base`
    params.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "parameters" / "default.yaml", params / "default.yaml")
    return data, params


@functools.cache
def shared_run(basetemp: str) -> SharedRun:
    """``ok_report`` for 2026Q2 and 2026Q3 in Chinese, two quarters at once (run once per session)."""
    import kit.report as R

    base = Path(basetemp) / "kit-report-shared"
    base.mkdir(parents=True, exist_ok=True)
    data, params = make_inputs(base)
    out = base / "outputs"
    lines: list[str] = []
    t0 = time.perf_counter()
    result = R.run("2026Q2:2026Q3", source=str(data), out=out, notebooks=["ok_report"], notebook_dir=NOTEBOOKS,
                   jobs=2, params_dir=params, echo=lines.append)
    return SharedRun(base, data, params, out, result, lines, time.perf_counter() - t0)
