"""The engine behind ``kit run``: quarters, waves of notebooks, parallel jobs, results."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit import i18n
from kit import params as P
from kit.config import project
from kit.errors import EXIT_USAGE, KitError
from kit.report.cache import (
    cache_key,
    input_key,
    kit_code_hash,
    load_key,
    load_snapshot,
    package_versions,
    previous_manifest,
    sha256_file,
    source_digest,
    unchanged,
)
from kit.report.execute import Job, NotebookResult, execute_notebook, waves
from kit.report.kernel import KERNEL_NAME
from kit.report.layout import (
    MANIFEST,
    NEXT_PARAMS_FILE,
    PARAMS_FILE,
    RESULTS_DIR,
    SAVED_DIR,
)
from kit.report.lock import OutputLock
from kit.report.publish import (
    _ACTIVE_TMP,
    atomic_write_text,
    prune_failed,
    recover,
    stamp,
    swap_in,
)
from kit.report.render import quarter_index, safe_source, short_source, write_overview
from kit.report.snapshot import resolve_source


class ReportError(KitError, RuntimeError, exit_code=EXIT_USAGE):
    """A report run that cannot start (no notebooks, no such quarter, ...): the message says why."""


@dataclass
class QuarterResult:
    """One quarter of a run: ``status`` ok / skipped / failed, its folder and notebooks."""

    quarter: str
    status: str
    folder: str | None = None
    duration_s: float = 0.0
    notebooks: list[NotebookResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cache_key: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    """The outcome of :func:`run`: one :class:`QuarterResult` per quarter."""

    quarters: list[QuarterResult]
    out: str
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return all(q.status in ("ok", "skipped") for q in self.quarters)

    @property
    def failed(self) -> list[QuarterResult]:
        return [q for q in self.quarters if q.status == "failed"]

    @property
    def warnings(self) -> list[str]:
        """The warnings of the quarters written (``kit run --strict`` exits non-zero on any)."""
        return [f"{q.quarter}: {w}" for q in self.quarters for w in q.warnings]

    def summary(self) -> str:
        """The end-of-run summary: counts, then one block per failed quarter and notebook."""
        counts = {s: sum(q.status == s for q in self.quarters) for s in ("ok", "skipped", "failed")}
        lines = [f"kit run: {counts['ok']} quarter(s) written, {counts['skipped']} unchanged (skipped), "
                 f"{counts['failed']} failed, in {self.duration_s:.1f} s."]
        for q in self.failed:
            lines.append(f"FAILED {q.quarter}: the previous report (if any) is kept in {self.out}/{q.quarter}/; "
                         f"this run is in {q.folder}/")
            for nb in q.notebooks:
                if nb.status == "failed":
                    lines.append(f"  - {nb.name}: {nb.error_line()}")
                    if nb.executed:
                        lines.append(f"    executed copy with the error: {q.folder}/{nb.executed}")
            for p in q.problems:
                lines.append(f"  - {p}")
        return "\n".join(lines)


def find_notebooks(directory: str | Path, select: Iterable[str] | None = None) -> list[Path]:
    """The report notebooks of ``directory`` (``*.ipynb``, sorted by name), or those selected.

    ``select`` names notebooks by file name, stem or unique prefix (``"10"`` ->
    ``10_satisfaction_drivers.ipynb``); comma-separated lists are accepted.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise ReportError(f"notebook folder not found: {folder}")
    found = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith((".", "_")))
    if not found:
        raise ReportError(f"no notebooks (*.ipynb) in {folder}: nothing to run.")
    if not select:
        return found
    wanted = [s.strip() for item in select for s in str(item).split(",") if s.strip()]
    chosen: list[Path] = []
    stems = [p.stem for p in found]
    for w in wanted:
        stem = w.removesuffix(".ipynb")
        hits = [p for p in found if p.stem == stem] or [p for p in found if p.stem.startswith(stem)]
        if len(hits) != 1:
            why = "matches several" if hits else "matches none"
            raise ReportError(f"--notebooks {w!r} {why} of the notebooks in {folder}: {', '.join(stems)}.")
        if hits[0] not in chosen:
            chosen.append(hits[0])
    return sorted(chosen)


def _now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


log = logging.getLogger("kit.report")


class _EchoHandler(logging.Handler):
    """Progress records of the ``kit`` logger passed to a callable, one whole line at a time."""

    def __init__(self, echo: Callable[[str], None]):
        super().__init__(logging.INFO)
        self._echo = echo

    def emit(self, record: logging.LogRecord) -> None:
        for line in record.getMessage().splitlines() or [""]:
            self._echo(line)


@contextlib.contextmanager
def _progress_to(echo: Callable[[str], None] | None):
    """Send the run's progress (``logging.getLogger("kit")``, level INFO) to ``echo``.

    Without ``echo`` the progress goes where logging is configured (the ``kit`` command prints
    it); when nothing is configured, it is printed, as a run started from Python expects.
    """
    root = logging.getLogger("kit")
    if echo is None and not root.hasHandlers():
        def echo(s: str) -> None:
            print(s, flush=True)

    old_level = root.level
    handler = _EchoHandler(echo) if echo is not None else None
    if handler is not None:
        root.addHandler(handler)
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    try:
        yield
    finally:
        if handler is not None:
            root.removeHandler(handler)
        root.setLevel(old_level)


_STOP = threading.Event()


def _run_quarter(job: Job, out: Path, *, force: bool, timeout: float | None,
                 rep_names: tuple[Sequence[str], Sequence[str]], notebook_jobs: int = 1,
                 pdf: bool | None = None) -> QuarterResult:
    q = job.quarter
    final = out / q
    t_start = time.perf_counter()
    recover(out, q)
    prev = previous_manifest(final)
    if not force and prev and prev.get("status") == "ok" and prev.get("cache_key") == job.key:
        if job.input_key and prev.get("input_key") != job.input_key:
            # same parameters and data in other words (e.g. a comment changed): remember the new inputs
            prev["input_key"] = job.input_key
            with contextlib.suppress(OSError):
                atomic_write_text(final / MANIFEST, json.dumps(prev, ensure_ascii=False, indent=1, default=str))
        log.info(f"[{q}] unchanged, skipped (last good run {prev.get('finished_at', '?')}; --force runs it again)")
        return QuarterResult(q, "skipped", folder=str(final), cache_key=job.key,
                             duration_s=time.perf_counter() - t_start)
    tmp = out / f".{q}.tmp-{stamp()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    _ACTIVE_TMP.add(tmp)
    for sub in ("notebooks", "analyst", "management", RESULTS_DIR, "logs"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    started = _now()
    lang = job.params["lang"]
    P.dump(P.public({**job.params, "quarter": q}), tmp / PARAMS_FILE,
           header=f"Parameters in force for {q} (written by kit run; secrets left out).")
    log.info(f"[{q}] running {len(job.notebooks)} notebook(s) in {tmp.name}/")
    result = QuarterResult(q, "failed", cache_key=job.key)
    width = max(len(p.stem) for p in job.notebooks)
    done: dict[str, NotebookResult] = {}

    def one(nb_path: Path) -> None:
        if _STOP.is_set():
            return
        nb = execute_notebook(job, nb_path, tmp, timeout)
        done[nb.name] = nb
        status = "ok" if nb.status == "ok" else "FAILED"
        tail = f"  {nb.error_line()}" if nb.status != "ok" else ""
        log.info(f"[{q}] {nb.name:<{width}}  {status:<6} {nb.duration_s:6.1f} s{tail}")

    for wave in waves(job.notebooks):
        _run_all(one, wave, notebook_jobs, f"kit-{q}")
    result.notebooks = [done[p.stem] for p in job.notebooks if p.stem in done]
    problems: list[str] = []
    # the recommended parameters for the next quarter
    next_info = None
    drafted = tmp / RESULTS_DIR / NEXT_PARAMS_FILE
    if drafted.is_file():
        from kit.periods import Quarter

        nxt = str(Quarter.parse(q, int(job.params["fiscal_start_month"])).next())
        try:
            spec = P.read(drafted)
            P.validate({k: v for k, v in spec.items()})
            if spec.get("quarter") not in (None, nxt):
                raise P.ParamsError(f"its quarter is {spec.get('quarter')!r}, expected {nxt}")
            target = tmp / f"parameters_{nxt}.yaml"
            shutil.copyfile(drafted, target)
            next_info = {"quarter": nxt, "file": target.name}
        except P.ParamsError as exc:
            problems.append(f"the recommended parameter file {RESULTS_DIR}/{NEXT_PARAMS_FILE} is not valid: {exc}")
    # the workbook, the PDFs and the summary's headline (scanned below like every output)
    from kit.report.extras import other_team_names, write_extras

    extras = write_extras(tmp, q, lang, result.notebooks, pdf=pdf, say=log.info)
    problems += extras.problems
    # personal data in any output (imported here: an unchanged re-run decides without loading pandas)
    from kit.report.privacy import SuppressionAudit, audit_suppression, scan_outputs

    shutil.rmtree(tmp / SAVED_DIR, ignore_errors=True)  # internal to the run: raw rep ids
    pseudo = bool(job.params.get("pseudonymize"))
    names = [*(rep_names[0] if pseudo else ()),
             *other_team_names(job.snapshot, job.params.get("team"))]   # a team's pages: no other team
    findings = scan_outputs(tmp, names=names, ids=rep_names[1] if pseudo else ())
    if findings:
        more = f"; ... {len(findings) - 8} more" if len(findings) > 8 else ""
        shown = "; ".join(str(f) for f in findings[:8]) + more
        problems.append(f"personal data in the outputs ({len(findings)} finding(s)): {shown}. Remove it in the "
                        f"notebook (kit.report.redact; kit.report.save_table redacts the text columns of the tables "
                        f"it shows); the report was not published.")
    # small-n figures: blank in every form in every table, and a warning when min_n blanks them all
    min_n = int(job.params.get("min_n", 5))
    audit = audit_suppression(tmp / RESULTS_DIR, min_n) if (tmp / RESULTS_DIR).is_dir() else SuppressionAudit()
    if audit.leaks:
        shown = "; ".join(audit.leaks[:8]) + (f"; ... {len(audit.leaks) - 8} more" if len(audit.leaks) > 8 else "")
        problems.append(f"figures counted from fewer than min_n = {min_n} rows are not blank ({len(audit.leaks)}): "
                        f"{shown}. Blank them with kit.report.suppress_small; the report was not published.")
    warnings_ = []
    if audit.everything_blanked:
        warnings_.append(i18n.t("index.min_n_blanks_all", job.params["lang"], min_n=min_n, cells=audit.cells))
        log.warning(f"[{q}] warning: {i18n.t('index.min_n_blanks_all', 'en', min_n=min_n, cells=audit.cells)}")
    result.warnings = warnings_
    ok = all(nb.status == "ok" for nb in result.notebooks) and len(result.notebooks) == len(job.notebooks) \
        and not problems
    finished = _now()
    manifest = {
        "kit_version": __import__("kit").__version__,
        "kit_code": kit_code_hash(),
        "quarter": q,
        "status": "ok" if ok else "failed",
        "cache_key": job.key,
        "input_key": job.input_key,
        "started_at": started,
        "finished_at": finished,
        "duration_s": round(time.perf_counter() - t_start, 3),
        "lang": lang,
        "parameters": P.public(job.params),
        "parameter_files": [{"path": str(f), "sha256": sha256_file(f)} for f in job.files if f.is_file()],
        "data": {"source": safe_source(job.meta["source"]), "fingerprints": job.meta["fingerprints"],
                 "rows": job.meta["rows"], "rows_in": job.meta["rows_in"], "quarantined": job.meta["quarantined"],
                 "quarters": job.meta["quarters"]},
        "notebooks": [{**dataclasses.asdict(nb), "duration_s": round(nb.duration_s, 3)} for nb in result.notebooks],
        "results": sorted(p.name for p in (tmp / RESULTS_DIR).iterdir()),
        "next_quarter_parameters": next_info,
        "workbook": extras.workbook,
        "pdfs": extras.pdfs,
        "summary_page": extras.summary_page,
        "privacy": {"scanned": True, "pseudonymized": bool(job.params.get("pseudonymize")),
                    "findings": [dataclasses.asdict(f) for f in findings]},
        "packages": package_versions(),
        "kernel": {"name": KERNEL_NAME, "python": sys.executable},
        "problems": problems,
        "warnings": warnings_,
    }
    atomic_write_text(tmp / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, default=str))
    atomic_write_text(tmp / "index.html", quarter_index(manifest, lang, headline=extras.headline))
    result.problems = problems
    result.duration_s = time.perf_counter() - t_start
    try:
        if ok and not _STOP.is_set():
            swap_in(tmp, final)
            result.status, result.folder = "ok", str(final)
            log.info(f"[{q}] done in {result.duration_s:.1f} s -> {final}/index.html")
        else:
            failed = out / f"{q}.failed-{stamp()}"
            n = 1
            while failed.exists():
                n += 1
                failed = out / f"{q}.failed-{stamp()}-{n}"
            os.rename(tmp, failed)
            result.folder = str(failed)
            prune_failed(out, q)
            why = f"{sum(nb.status != 'ok' for nb in result.notebooks)} notebook(s) failed" if not all(
                nb.status == "ok" for nb in result.notebooks) else "; ".join(p.split(":")[0] for p in problems)
            kept = f"previous report kept in {final}/" if final.exists() else "no previous report"
            log.info(f"[{q}] FAILED ({why}) in {result.duration_s:.1f} s; {kept}; this run: {failed}/")
    finally:
        _ACTIVE_TMP.discard(tmp)
    return result


# --- the run ---------------------------------------------------------------------------------------


def run(
    quarters: str | Sequence[str] | None = "latest",
    *,
    source: str | None = None,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    out: str | Path = "outputs",
    lang: str | None = None,
    force: bool = False,
    notebooks: Iterable[str] | None = None,
    notebook_dir: str | Path | None = None,
    jobs: int = 1,
    notebook_jobs: int | None = None,
    pseudonymize: bool | None = None,
    timeout: float | None = None,
    params_dir: str | Path | None = None,
    echo: Callable[[str], None] | None = None,
    allow_unsalted: bool = False,
    wait: float = 0.0,
    pdf: bool | None = None,
) -> RunResult:
    """Execute the report notebooks for one or more quarters and write ``out/<quarter>/``.

    Parameters
    ----------
    quarters : str or list
        ``"2026Q3"``, a range ``"2025Q4:2026Q3"``, a list, ``"latest"``, ``"last-complete"`` or ``"all"``.
    source : str, optional
        Data source (default: the ``source`` parameter).
    params_file : path, optional
        A parameter file used instead of ``parameters/<quarter>.yaml``.
    overrides : mapping, optional
        Parameter values from the command line (``--set``).
    out : path
        The outputs folder (default ``outputs``).
    lang : {'zh', 'en'}, optional
        Report language (default: the ``lang`` parameter).
    force : bool
        Run quarters whose inputs are unchanged since their last good run.
    notebooks : list of str, optional
        A subset (names, stems or prefixes); the quarter's report then holds those only.
    notebook_dir : path, optional
        Default ``notebooks/`` of the project.
    jobs : int
        Quarters run at the same time.
    notebook_jobs : int, optional
        Notebooks of a quarter run at the same time (default: the CPUs per quarter, at most 4).
        Notebooks numbered 90 and above (summaries) start after the others have finished.
    pseudonymize : bool, optional
        Rep names as pseudonyms (default: the ``pseudonymize`` parameter).
    timeout : float, optional
        Seconds a cell may run (default: no limit).
    params_dir : path, optional
        The parameters folder (default :func:`kit.params.parameters_dir`).
    echo : callable, optional
        Receives each progress line. Progress is logged (``logging.getLogger("kit")``, INFO);
        by default it goes where logging is configured, else it is printed.
    allow_unsalted : bool
        Pseudonymize with an empty or placeholder ``pseudonym_salt`` (anyone who knows the rep
        ids can then recompute the pseudonyms); refused otherwise.
    wait : float
        Seconds to wait when another run is writing to ``out`` (default 0: stop at once with
        a :class:`~kit.report.lock.LockError` naming that run's process).
    pdf : bool, optional
        PDFs of the management pages (``pdf/``): None prints them when Chromium is installed,
        True requires them, False skips them. The workbook ``<quarter>.xlsx`` is always written.

    Returns
    -------
    RunResult
        One :class:`QuarterResult` per quarter (``ok``, ``skipped`` or ``failed``).

    Raises
    ------
    kit.params.ParamsError
        Parameters not valid (nothing was run).
    kit.schema.SchemaError, kit.schema.DataQualityError
        The data cannot be used (nothing was run).
    ReportError
        No notebooks, a notebook selection that matches none, quarters without data,
        ``pseudonymize`` without a secret salt.
    kit.report.lock.LockError
        Another run still writes to ``out`` after ``wait`` seconds (the message names it).
    """
    with _progress_to(echo), OutputLock(out, wait=wait):
        return _run(quarters, source=source, params_file=params_file, overrides=overrides, out=out, lang=lang,
                    force=force, notebooks=notebooks, notebook_dir=notebook_dir, jobs=jobs,
                    notebook_jobs=notebook_jobs, pseudonymize=pseudonymize, timeout=timeout,
                    params_dir=params_dir, allow_unsalted=allow_unsalted, pdf=pdf)


def _run(quarters: Any, *, source: str | None, params_file: str | Path | None, overrides: Mapping[str, Any] | None,
         out: str | Path, lang: str | None, force: bool, notebooks: Iterable[str] | None,
         notebook_dir: str | Path | None, jobs: int, notebook_jobs: int | None, pseudonymize: bool | None,
         timeout: float | None, params_dir: str | Path | None, allow_unsalted: bool = False,
         pdf: bool | None = None) -> RunResult:
    t0 = time.perf_counter()
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ReportError(f"jobs must be a whole number >= 1; got {jobs!r}.")
    if notebook_jobs is None:
        notebook_jobs = max(1, min(4, (os.cpu_count() or 1) // jobs))
    if not isinstance(notebook_jobs, int) or isinstance(notebook_jobs, bool) or notebook_jobs < 1:
        raise ReportError(f"notebook_jobs must be a whole number >= 1; got {notebook_jobs!r}.")
    nb_dir = Path(notebook_dir) if notebook_dir is not None else project().notebooks
    nb_paths = find_notebooks(nb_dir, notebooks)
    nb_hashes = {p.stem: sha256_file(p) for p in nb_paths}
    cli = dict(overrides or {})
    for k, v in (("source", source), ("lang", lang), ("pseudonymize", pseudonymize)):
        if v is not None:
            cli[k] = v
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = out / ".cache"
    def combine(q: Any) -> P.Parameters:
        return P.combine(q, params_file=params_file, overrides=cli, directory=params_dir)

    # Fast path: inputs byte for byte as at each quarter's last good run -> nothing to do, and
    # no need to validate again what was validated then.
    if not force:
        skipped = unchanged(quarters, combine, nb_hashes, cache, out)
        if skipped is not None:
            results = []
            for q, prev in skipped:
                log.info(f"[{q}] unchanged, skipped (last good run {prev.get('finished_at', '?')}; "
                         f"--force runs it again)")
                results.append(QuarterResult(q, "skipped", folder=str(out / q), cache_key=prev.get("cache_key")))
            with contextlib.suppress(OSError, i18n.I18nError):
                write_overview(out, str(combine(None).values.get("lang") or i18n.DEFAULT_LANG))
            return RunResult(results, str(out), duration_s=time.perf_counter() - t0)

    from kit.periods import PeriodError, choose_named, parse_quarters

    base = P.resolve(None, params_file=params_file, overrides=cli, directory=params_dir)
    loaded: dict[tuple, tuple[Path, dict]] = {}

    def snapshot_for(values: Mapping[str, Any]) -> tuple[Path, dict]:
        key = load_key(values)
        if key not in loaded:
            loaded[key] = load_snapshot(values, cache)
        return loaded[key]

    snap, meta = snapshot_for(base.values)
    fsm = int(base.values["fiscal_start_month"])
    available = meta["quarters"]
    try:
        if quarters is None or (isinstance(quarters, str) and quarters.strip().lower() == "latest"):
            if not available:
                raise ReportError(f"{short_source(meta['source'])}: no dated rows, so there is no latest quarter.")
            # never a quarter past today: one row dated 2100 must not make 'latest' mean 2100Q1
            from kit.periods import Quarter, quarter_of

            now = quarter_of(_dt.date.today().isoformat(), fsm)
            past = [q for q in available if Quarter.parse(q, fsm).index <= now.index]
            if not past:
                raise ReportError(f"{short_source(meta['source'])}: every dated row lies after today's quarter "
                                  f"{now}; there is no latest quarter to report (check the dates of the data).")
            if past[-1] != available[-1]:
                log.warning(f"latest: {past[-1]} (the data also has rows dated in {', '.join(available[len(past):])}, "
                            f"after today's quarter {now}; check those dates)")
            chosen = [past[-1]]
        elif isinstance(quarters, str) and quarters.strip().lower() == "all":
            chosen = list(available)
        else:
            chosen = choose_named(quarters, available, fiscal_start_month=fsm) or [
                str(q) for q in parse_quarters(quarters, fsm)]
    except PeriodError as exc:
        raise ReportError(str(exc)) from None
    missing = [q for q in chosen if q not in available]
    if missing:
        span = f"{available[0]} to {available[-1]}" if available else "no quarter"
        raise ReportError(f"no data for {', '.join(missing)} in {short_source(meta['source'])} "
                          f"(it covers {span}).")
    # every quarter's parameters, validated before anything runs
    jobs_list: list[Job] = []
    problems: list[str] = []
    resolved: dict[str, P.Parameters] = {}
    for q in chosen:
        try:
            resolved[q] = P.resolve(q, params_file=params_file, overrides=cli, directory=params_dir)
            _ = resolved[q].settings  # typed settings are complete (what the notebooks read)
        except P.ParamsError as exc:
            problems += [f"{q}: {p}" for p in exc.problems]
    if problems:
        raise P.ParamsError(problems)
    from kit.report.privacy import MIN_SALT_LENGTH, weak_salt

    weak = [q for q in chosen if resolved[q].values.get("pseudonymize")
            and weak_salt(resolved[q].values.get("pseudonym_salt"))]
    if weak and not allow_unsalted:
        raise ReportError(
            f"--pseudonymize needs a secret pseudonym_salt ({', '.join(weak)}: the salt is empty or a placeholder, "
            f"so anyone who knows the rep ids can recompute every pseudonym). Set the environment variable "
            f"KIT_PSEUDONYM_SALT, or pseudonym_salt in a parameter file you do not share, to at least "
            f"{MIN_SALT_LENGTH} characters; or say --allow-unsalted to accept pseudonyms that can be reversed.")
    for q in chosen:
        values = dict(resolved[q].values)
        values.pop("quarter", None)
        s, m = snapshot_for(values)
        if m["quarters"] and q not in m["quarters"]:
            raise ReportError(f"{q}: no data for it in {short_source(m['source'])}.")
        key = cache_key(values, nb_hashes, m["fingerprints"])
        digest = source_digest(resolve_source(str(values["source"])), values)
        in_key = input_key(combine(q).values, nb_hashes, digest) if digest else None
        jobs_list.append(Job(q, values, resolved[q].files, nb_paths, nb_hashes, s, m, key, in_key))
    rep_names: tuple[list[str], list[str]] = ([], [])
    if any(j.params.get("pseudonymize") for j in jobs_list):
        rep_names = _rep_names(jobs_list)
    log.info(f"kit run: {len(chosen)} quarter(s) ({', '.join(chosen)}) x {len(nb_paths)} notebook(s) "
        f"({', '.join(p.stem for p in nb_paths)}) -> {out}/, jobs={jobs}, notebook_jobs={notebook_jobs}")
    _STOP.clear()
    results: list[QuarterResult] = []
    handlers = _install_stop_handlers()
    try:
        results = _run_all(lambda j: _safe_quarter(j, out, force, timeout, rep_names, notebook_jobs, pdf),
                           jobs_list, jobs, "kit-quarter")
    except KeyboardInterrupt:
        _STOP.set()
        for tmp in list(_ACTIVE_TMP):
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _restore_handlers(handlers)
    with contextlib.suppress(OSError):
        write_overview(out, base.values["lang"])
    result = RunResult(results, str(out), duration_s=time.perf_counter() - t0)
    return result


def _run_all(fn: Callable[[Any], Any], items: Sequence[Any], workers: int, name: str) -> list[Any]:
    """``[fn(x) for x in items]``, ``workers`` at a time; an interruption does not wait for them."""
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
    try:
        futures = [pool.submit(fn, x) for x in items]
        results = [f.result() for f in futures]
    except BaseException:
        _STOP.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


def _safe_quarter(job: Job, out: Path, force: bool, timeout: float | None,
                  rep_names: tuple[Sequence[str], Sequence[str]], notebook_jobs: int = 1,
                 pdf: bool | None = None) -> QuarterResult:
    try:
        return _run_quarter(job, out, force=force, timeout=timeout, rep_names=rep_names,
                            notebook_jobs=notebook_jobs, pdf=pdf)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # an engine failure for this quarter: the other quarters go on
        tb = traceback.format_exc(limit=3)
        log.info(f"[{job.quarter}] FAILED: {type(exc).__name__}: {exc}")
        return QuarterResult(job.quarter, "failed", problems=[f"{type(exc).__name__}: {exc}", tb])


def _rep_names(jobs: Sequence[Job]) -> tuple[list[str], list[str]]:
    """The rep names and the rep ids of the run's data: none may appear in pseudonymized outputs."""
    import pandas as pd

    names: set[str] = set()
    ids: set[str] = set()
    for snap in {j.snapshot for j in jobs}:
        reps = pd.read_parquet(snap / "tables" / "reps.parquet", columns=["rep_id", "rep_name"])
        names |= {str(n) for n in reps["rep_name"].dropna()}
        ids |= {str(i) for i in reps["rep_id"].dropna()}
    return sorted(names), sorted(ids)


def _install_stop_handlers():
    if threading.current_thread() is not threading.main_thread():
        return None

    def _term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    old = {}
    for sig in (signal.SIGTERM,):
        with contextlib.suppress(ValueError, OSError):
            old[sig] = signal.signal(sig, _term)
    return old


def _restore_handlers(old) -> None:
    for sig, h in (old or {}).items():
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, h)
