"""Progress of ``kit run``: a live display in a terminal, plain timestamped lines in a log.

In a terminal, :class:`Display` shows one bar per quarter and notebook with the cells done
of the total (rich); the engine's lines print above the bars. When the output is not a
terminal (cron, CI, a pipe), every line gets a timestamp and no bar or control character is
written, so that a cron log reads as plain text. The lines are in the report language
(``--lang zh``, or a Chinese locale).

The engine reports cells through :func:`cell_done`: a notebook runs on papermill's nbclient
engine with its ``cell_complete`` hook forwarded to the display of the running ``kit run``.

Example
-------
>>> lines = []
>>> d = Display(lang="en", echo=lines.append, live=False)
>>> d.cell("2026Q3", "10_drivers", 3, 12)
>>> d("[2026Q3] 10_drivers  ok   12.0 s")
>>> lines[-1].endswith("[2026Q3] 10_drivers  ok   12.0 s")
True
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import locale
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator

from kit import i18n

__all__ = ["Display", "cell_done", "reporting", "ENGINE_NAME", "cli_lang"]

ENGINE_NAME = "kit-progress"
_current: Display | None = None
_lock = threading.Lock()


def cli_lang(given: str | None = None, default: str = "en") -> str:
    """The language the command line speaks: ``--lang``; else ``zh`` in a Chinese locale; else
    ``default`` (the report's ``lang`` parameter)."""
    if given:
        return i18n.check_lang(given)
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            if value.lower().startswith("zh"):
                return "zh"
            break
    else:
        with contextlib.suppress(Exception):
            if (locale.getlocale()[0] or "").lower().startswith("zh"):
                return "zh"
    return i18n.check_lang(default) if default in i18n.LANGS else "en"


# the engine's progress lines and their wording in the report language (lines not matched
# pass through as they are)
_LINES = [
    (re.compile(r"^\[(?P<q>\w+)\] running (?P<n>\d+) notebook\(s\) in (?P<dir>\S+)$"), "progress.running"),
    (re.compile(r"^\[(?P<q>\w+)\] done in (?P<s>[\d.]+) s -> (?P<path>.+)$"), "progress.done"),
    (re.compile(r"^\[(?P<q>\w+)\] unchanged, skipped \(last good run (?P<when>[^;]+);.*\)$"), "progress.skipped"),
    (re.compile(r"^\[(?P<q>\w+)\] (?P<nb>\S+)\s+ok\s+(?P<s>[\d.]+) s$"), "progress.notebook_ok"),
    (re.compile(r"^kit run: (?P<w>\d+) quarter\(s\) written, (?P<u>\d+) unchanged \(skipped\), (?P<f>\d+) failed, "
                r"in (?P<s>[\d.]+) s\.$"), "progress.summary"),
]


def _translate(line: str, lang: str) -> str:
    if lang == "en":
        return line
    for pattern, key in _LINES:
        m = pattern.match(line)
        if m and i18n.has(key, lang):
            return i18n.t(key, lang, **m.groupdict())
    return line


class Display:
    """Where ``kit run`` reports: call it with a line; :meth:`cell` with cells done.

    Parameters
    ----------
    lang : {'zh', 'en'}
        Language of the lines.
    echo : callable, optional
        Receives each finished line (default: print to standard output).
    live : bool, optional
        Bars (rich) when True; default: when standard error is a terminal.
    """

    def __init__(self, lang: str = "en", echo: Callable[[str], None] | None = None, live: bool | None = None):
        self.lang = i18n.check_lang(lang)
        self.live = sys.stderr.isatty() if live is None else live
        self._echo = echo
        self._tasks: dict[tuple[str, str], int] = {}
        self._progress = None
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._console = Console(stderr=True)
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn(i18n.t("progress.cells", self.lang)), TimeElapsedColumn(),
                                      console=self._console, transient=True)
            self._progress.start()

    def __call__(self, text: str) -> None:
        for line in str(text).splitlines() or [""]:
            line = _translate(line, self.lang)
            if self.live and self._progress is not None:
                self._progress.console.print(line, markup=False, highlight=False)
                if self._echo is not None:
                    self._echo(line)
            else:
                stamped = f"{_dt.datetime.now().astimezone().isoformat(timespec='seconds')} {line}"
                (self._echo or (lambda s: print(s, flush=True)))(stamped)

    def cell(self, quarter: str, notebook: str, done: int, total: int) -> None:
        """``done`` of ``total`` cells of a notebook have run (bars only; no line in a log)."""
        if self._progress is None:
            return
        with _lock:
            key = (quarter, notebook)
            if key not in self._tasks:
                self._tasks[key] = self._progress.add_task(f"[{quarter}] {notebook}", total=total)
            self._progress.update(self._tasks[key], completed=done, total=total)
            if done >= total:
                self._progress.remove_task(self._tasks.pop(key))

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@contextlib.contextmanager
def reporting(display: Display) -> Iterator[Display]:
    """Send the cells of the notebooks run inside the block to ``display``."""
    global _current
    previous, _current = _current, display
    try:
        yield display
    finally:
        _current = previous
        display.close()


def cell_done(quarter: str, notebook: str) -> Callable[[int, int], None] | None:
    """The callback for one notebook's cells, when a display is listening (else None)."""
    display = _current
    if display is None or display._progress is None:
        return None
    return lambda done, total: display.cell(quarter, notebook, done, total)


def _register_engine() -> None:
    from papermill.engines import NBClientEngine, papermill_engines

    class _ProgressEngine(NBClientEngine):
        """nbclient, with each completed cell reported to ``kit_progress(done, total)``."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            report = kwargs.pop("kit_progress", None)
            if report is not None:
                original = nb_man.cell_complete
                total = len(nb_man.nb.cells)

                def cell_complete(cell, cell_index=None, **kw):
                    original(cell, cell_index=cell_index, **kw)
                    if cell_index is not None:
                        report(cell_index + 1, total)

                nb_man.cell_complete = cell_complete
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register(ENGINE_NAME, _ProgressEngine)


def engine_kwargs(quarter: str, notebook: str) -> dict:
    """Keyword arguments for ``papermill.execute_notebook``: the progress engine when a display listens."""
    report = cell_done(quarter, notebook)
    if report is None:
        return {}
    _register_engine()
    return {"engine_name": ENGINE_NAME, "kit_progress": report}
