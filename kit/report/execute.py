"""One notebook of one quarter: papermill on the kit kernel, then the two HTML versions."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit import i18n
from kit import params as P
from kit.report.kernel import KERNEL_NAME, kernel_manager_class
from kit.report.layout import CORE_INPUTS, PARAMS_FILE, RESULTS_DIR, SAVED_DIR
from kit.report.progress import engine_kwargs
from kit.report.render import has_kit_role, parameters_html, render_html
from kit.report.snapshot import resolve_source


@dataclass
class NotebookResult:
    """One notebook of one quarter: ``status`` ok / failed, duration, files, error."""

    name: str
    source: str
    sha256: str
    title: str = ""
    status: str = "not_run"
    duration_s: float = 0.0
    executed: str | None = None
    analyst_html: str | None = None
    management_html: str | None = None
    results: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None

    def error_line(self) -> str:
        e = self.error or {}
        where = []
        if e.get("cell") is not None:
            where.append(f"cell {e['cell']}" + (f" (In [{e['exec_count']}])" if e.get("exec_count") else ""))
        head = ", ".join(where)
        msg = f"{e.get('ename', 'Error')}: {e.get('evalue', '')}".strip()
        line = f" at `{e['line']}`" if e.get("line") else ""
        return f"{head}: {msg}{line}" if head else f"{msg}{line}"


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _error_info(exc: BaseException) -> dict[str, Any]:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        tb = [_ANSI.sub("", t) for t in (exc.traceback or [])]
        line = None
        for chunk in tb:
            for ln in chunk.splitlines():
                if ln.lstrip().startswith("---->"):
                    line = re.sub(r"^\s*---->\s*\d*\s*", "", ln).strip()
        return {"cell": exc.cell_index + 1 if exc.cell_index is not None else None,
                "exec_count": exc.exec_count, "ename": exc.ename, "evalue": str(exc.evalue).strip()[:500],
                "line": line}
    msg = _ANSI.sub("", str(exc)).strip().splitlines()
    return {"cell": None, "exec_count": None, "ename": type(exc).__name__,
            "evalue": (msg[0] if msg else "")[:500], "line": None}


def _notebook_title(path: Path, lang: str) -> str:
    key = f"notebook.{path.stem}"
    if i18n.has(key, lang):
        return i18n.t(key, lang)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "markdown":
                src = "".join(cell.get("source", []))
                m = re.search(r"^#\s+(.+)$", src, re.M)
                if m:
                    return m.group(1).strip()
                break
    except (OSError, ValueError):
        pass
    return path.stem


class _CoreParameterFilter:
    """Papermill warns about injected names a notebook does not declare; the engine's own inputs
    (quarter, source, lang, params_file, results_dir, data_snapshot) are always injected."""

    def filter(self, record) -> bool:
        msg = record.getMessage()
        return not (msg.startswith("Passed unknown parameter: ") and msg.split(": ", 1)[1] in CORE_INPUTS)


_FILTER_INSTALLED = []


def _declared_parameters(nb_path: Path) -> set[str]:
    import papermill as pm

    if not _FILTER_INSTALLED:
        logging.getLogger("papermill").addFilter(_CoreParameterFilter())
        _FILTER_INSTALLED.append(True)
    try:
        return set(pm.inspect_notebook(str(nb_path)))
    except Exception:
        return set()


@dataclass
class Job:
    quarter: str
    params: dict[str, Any]
    files: list[Path]
    notebooks: list[Path]
    nb_hashes: dict[str, str]
    snapshot: Path
    meta: dict
    key: str
    input_key: str | None = None


def _outputs_with_role(nb, role: str) -> list[dict]:
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) or []:
            kit_meta = (out.get("metadata") or {}).get("kit") or {}
            if kit_meta.get("role") == role:
                found.append(kit_meta)
    return found


def execute_notebook(job: Job, nb_path: Path, tmp: Path, timeout: float | None) -> NotebookResult:
    import nbformat
    import papermill as pm

    name = nb_path.stem
    res = NotebookResult(name=name, source=str(nb_path), sha256=job.nb_hashes[name],
                         title=_notebook_title(nb_path, job.params["lang"]))
    out_nb = tmp / "notebooks" / f"{name}.ipynb"
    params = P.public(job.params)
    declared = _declared_parameters(nb_path)
    # the parameters the notebook declares, and always the engine's own inputs; every parameter
    # in force is in params_file (read by kit.report.begin)
    inject = {**{k: v for k, v in params.items() if k in declared}, "quarter": job.quarter,
              "source": resolve_source(str(params["source"])), "lang": params["lang"], "params_file": PARAMS_FILE,
              "results_dir": RESULTS_DIR, "data_snapshot": str(job.snapshot), "saved_dir": SAVED_DIR}
    env = {"PYDEVD_DISABLE_FILE_VALIDATION": "1", "KIT_REPORT_RUN": "1", "PYTHONIOENCODING": "utf-8"}
    salt = str(job.params.get("pseudonym_salt") or "")
    if salt:
        env["KIT_PSEUDONYM_SALT"] = salt
    km_class = kernel_manager_class(log_path=tmp / "logs" / f"{name}.kernel.log", env=env, cwd=tmp)
    t0 = time.perf_counter()
    original = nbformat.read(str(nb_path), as_version=4)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pm.execute_notebook(
                str(nb_path), str(out_nb), parameters=inject, kernel_name=KERNEL_NAME, language="python",
                progress_bar=False, log_output=False, request_save_on_cell_execute=True,
                execution_timeout=timeout, kernel_manager_class=km_class,
                **engine_kwargs(job.quarter, name),   # cells done, to the terminal's progress bars
            )
        res.status = "ok"
    except Exception as exc:  # the notebook failed: keep its executed copy with the error
        res.status = "failed"
        res.error = _error_info(exc)
    res.duration_s = time.perf_counter() - t0
    executed = None
    if out_nb.is_file():
        res.executed = out_nb.relative_to(tmp).as_posix()
        with contextlib.suppress(Exception):
            executed = nbformat.read(str(out_nb), as_version=4)
            # the executed copy opens in JupyterLab with the notebook's own kernel
            spec = original.metadata.get("kernelspec")
            if spec is not None and executed.metadata.get("kernelspec") != spec:
                executed.metadata["kernelspec"] = spec
                nbformat.write(executed, str(out_nb))
    if executed is not None:
        res.results = sorted({f"{m['name']}.csv" for m in _outputs_with_role(executed, "table") if m.get("name")}
                             | {m["file"] for m in _outputs_with_role(executed, "next_params") if m.get("file")})
    if res.status == "ok" and executed is not None:
        lang = params["lang"]
        block = None if has_kit_role(executed, "parameters") else parameters_html(params, lang, job.quarter)
        try:
            render_html(executed, tmp / "management" / f"{name}.html", management=True, lang=lang, title=res.title,
                        params_block=block)
            render_html(executed, tmp / "analyst" / f"{name}.html", management=False, lang=lang, title=res.title,
                        params_block=block)
            res.management_html = f"management/{name}.html"
            res.analyst_html = f"analyst/{name}.html"
        except Exception as exc:
            res.status = "failed"
            res.error = {"cell": None, "exec_count": None, "ename": f"HTML rendering: {type(exc).__name__}",
                         "evalue": str(exc)[:500], "line": None}
    elif executed is not None:
        # a failed notebook: its analyst HTML shows the error where it happened
        with contextlib.suppress(Exception):
            render_html(executed, tmp / "analyst" / f"{name}.html", management=False, lang=params["lang"],
                        title=res.title)
            res.analyst_html = f"analyst/{name}.html"
    return res


def waves(notebooks: Sequence[Path]) -> list[list[Path]]:
    """Notebooks numbered 90 or above (summaries) run after the others, which may run together."""
    def late(p: Path) -> bool:
        m = re.match(r"^(\d+)", p.stem)
        return bool(m) and int(m.group(1)) >= 90 and len(m.group(1)) == 2

    first = [p for p in notebooks if not late(p)]
    last = [p for p in notebooks if late(p)]
    return [w for w in (first, last) if w]
