"""The report a notebook is writing: :func:`begin` and the :class:`Report` it returns.

A notebook starts with one call, and uses the report object for everything else::

    import kit

    report = kit.report.begin(globals(), title="notebook.10_satisfaction_drivers", intro="nb.intro_10")
    drivers = report.drivers()                       # computed once per run, saved, shared
    report.save_table(drivers, "sat_drivers")        # CSV in the run's results + shown

There is no module-level "current report": each helper of :mod:`kit.report.tables` and
:mod:`kit.report.privacy` takes its settings as arguments, and the report passes its own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kit import i18n
from kit import params as P
from kit.report.cache import load_key
from kit.report.layout import CORE_INPUTS
from kit.report.privacy import Pseudonyms, Suppressed, redact, suppress_small
from kit.report.saved import call_key, load_result, save_result
from kit.report.snapshot import load_data
from kit.report.tables import (
    _display,
    _in_ipython,
    save_next_quarter_params,
    save_table,
    show_data_covered,
    show_parameters,
)

if TYPE_CHECKING:  # pragma: no cover
    from kit.io import Dataset

log = logging.getLogger("kit.report")


@dataclass
class Report:
    """The report a notebook is writing: its quarter, language, parameters, data and results folder.

    Made by :func:`begin`. Its methods apply the report's own settings (language, ``min_n``,
    pseudonyms, results folder) to the helpers of :mod:`kit.report`.

    Attributes
    ----------
    quarter, lang : str
    params : dict
        The validated parameters in force (``settings`` has them typed).
    source : str
    results_dir : Path or None
        Where the tables shown are saved as CSV (a run's ``results/``).
    data_snapshot : str or None
        The data the run validated once.
    saved_dir : Path or None
        Where the analyses of a run are saved once and shared between its notebooks.
    """

    quarter: str
    lang: str
    params: dict[str, Any]
    source: str
    results_dir: Path | None = None
    data_snapshot: str | None = None
    saved_dir: Path | None = None
    _data: Any = field(default=None, repr=False)
    _loaded_with: dict = field(default_factory=dict, repr=False)
    _pseudonyms: Any = field(default=None, repr=False)

    @property
    def data(self) -> Dataset:
        """The validated data set (loaded on first use)."""
        if self._data is None:
            self._data = load_data(str(self.params["source"]), self.params, snapshot=self.data_snapshot)
            self._loaded_with = dict(self.params)
        return self._data

    @property
    def settings(self) -> P.Settings:
        """The parameters in force, typed (:class:`kit.params.Settings`)."""
        return P.Settings.from_params(self.params)

    @property
    def min_n(self) -> int:
        return int(self.params["min_n"])

    @property
    def weights(self) -> dict[str, float] | None:
        return self.params.get("weights")

    @property
    def period(self):
        """The quarter as a :class:`kit.periods.Quarter`."""
        from kit.periods import Quarter

        return Quarter.parse(self.quarter, int(self.params["fiscal_start_month"]))

    @property
    def pseudonyms(self) -> Pseudonyms:
        """The report's pseudonym policy (its ``pseudonymize`` and ``pseudonym_salt`` parameters)."""
        if self._pseudonyms is None:
            on = bool(self.params.get("pseudonymize"))
            self._pseudonyms = Pseudonyms(on, str(self.params.get("pseudonym_salt") or ""),
                                          self.data.reps[["rep_id", "rep_name"]] if on else None)
        return self._pseudonyms

    def t(self, key: str, **values: Any) -> str:
        """A label or sentence in the report's language (see :func:`kit.i18n.t`)."""
        return i18n.t(key, self.lang, **values)

    # --- the helpers, with this report's settings ---------------------------------------------------

    def save_table(self, df: Any, name: str, **kw: Any) -> None:
        """:func:`kit.report.save_table` into this run's results, in its language, with its pseudonyms."""
        kw.setdefault("results_dir", self.results_dir)
        kw.setdefault("lang", self.lang)
        kw.setdefault("pseudonyms", self.pseudonyms)
        return save_table(df, name, **kw)

    def pseudonymize(self, obj: Any, **kw: Any) -> Any:
        """Rep ids and names as pseudonyms when the report's ``pseudonymize`` is on (else ``obj``)."""
        return self.pseudonyms(obj, **kw)

    def suppress_small(self, df: Any, n_col: Any, cols: Sequence[str] | None = None, **kw: Any) -> Suppressed:
        """:func:`kit.report.suppress_small` with the report's ``min_n``."""
        return suppress_small(df, n_col, self.min_n, cols, **kw)

    def redact(self, text: Any) -> Any:
        return redact(text, lang=self.lang)

    def show_parameters(self) -> None:
        """Display the parameters in force (returns nothing, so a cell shows them once)."""
        show_parameters(self.params, lang=self.lang, quarter=self.quarter)

    def show_data_covered(self) -> None:
        """Display the data covered (returns nothing, so a cell shows it once)."""
        show_data_covered(self.data, self.quarter, lang=self.lang)

    def save_next_quarter_params(self, weights: Mapping[str, float], **kw: Any) -> Path | None:
        """:func:`kit.report.save_next_quarter_params` for this report's quarter and results."""
        kw.setdefault("results_dir", self.results_dir)
        kw.setdefault("quarter", self.quarter)
        kw.setdefault("fiscal_start_month", int(self.params["fiscal_start_month"]))
        kw.setdefault("lang", self.lang)
        kw.setdefault("pseudonyms", self.pseudonyms)
        return save_next_quarter_params(weights, **kw)

    def heading(self, key: str, level: int = 2, **values: Any) -> None:
        """Display a section heading in the report's language (``i18n`` key)."""
        from IPython.display import Markdown

        _display(Markdown("#" * level + " " + self.t(key, **values)), "heading")

    def say(self, text_or_key: str | Sequence[str], **values: Any) -> None:
        """Display sentences (Markdown): an ``i18n`` key with its values, ready text, or a list
        of ready sentences (as :mod:`kit.narrative` returns them), as one paragraph.

        Text is redacted (no e-mail addresses or phone numbers) and, when pseudonyms are on,
        rep ids and names in it become their pseudonyms.
        """
        from IPython.display import Markdown

        if isinstance(text_or_key, (list, tuple)):
            text = ("" if self.lang == "zh" else " ").join(str(x) for x in text_or_key)
        elif i18n.has(text_or_key, self.lang):
            text = self.t(text_or_key, **values)
        else:
            text = str(text_or_key)
        if text:
            _display(Markdown(self.pseudonyms.text(self.redact(text))), "text")

    def show(self, fig: Any) -> None:
        """Display a matplotlib figure once (and close it, so that it is not drawn twice).

        Every text of the figure gets the report's pseudonyms and has its personal data
        redacted and its ``$`` escaped before it is drawn (:func:`kit.plots.safe_figure`).
        """
        import matplotlib.pyplot as plt

        from kit.plots import safe_figure

        safe_figure(fig, self.lang, transform=self.pseudonyms.text, layout=False)

        if _in_ipython():
            from IPython.display import display

            display(fig, metadata={"kit": {"role": "figure"}})
        plt.close(fig)

    # --- analyses computed once per run ---------------------------------------------------------------

    def result(self, name: str, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``, computed once per run and shared by the run's notebooks.

        In a run, the result is saved in the run's folder (:mod:`kit.report.saved`) under
        ``name`` with a key of the call (function, arguments, data fingerprints); a notebook of
        the same run making the same call reads it back. Alone in JupyterLab (no run folder),
        it is computed.
        """
        if self.saved_dir is None:
            return fn(*args, **kwargs)
        key = call_key(name, fn, args, kwargs)
        found = load_result(self.saved_dir, name, key)
        if found is not None:
            log.debug("%s: read the saved result", name)
            return found
        value = fn(*args, **kwargs)
        if save_result(value, self.saved_dir, name, key) is None:
            log.debug("%s: not saved (a value the format does not hold)", name)
        return value

    def drivers(self) -> Any:
        """The key-driver analysis of the quarter (:func:`kit.analysis.drivers`), with the
        ``analysis`` settings in force; once per run."""
        import kit.analysis

        a = self.settings.analysis
        return self.result("drivers", kit.analysis.drivers, self.data, self.quarter, n_boot=a.n_boot, seed=a.seed)

    def validity(self) -> Any:
        """KPI validity of the quarter (:func:`kit.analysis.kpi_validity`); once per run."""
        import kit.analysis

        s = self.settings
        return self.result("validity", kit.analysis.kpi_validity, self.data, self.quarter, settings=s.kpi,
                           window=s.analysis.window, thresholds=s.analysis.validity or None, lang=self.lang)

    def comment_themes(self) -> Any:
        """What customers say in the quarter (:func:`kit.analysis.comment_themes`), in the
        report's language, quoting only reps with ``min_n`` responses; once per run."""
        import kit.analysis

        return self.result("comment_themes", kit.analysis.comment_themes, self.data, self.quarter, lang=self.lang,
                           min_n=self.min_n)

    def trends(self) -> Any:
        """Every quarter's mean per satisfaction dimension (:func:`kit.analysis.dimension_trends`);
        once per run."""
        import kit.analysis

        return self.result("trends", kit.analysis.dimension_trends, self.data, "all")

    def scorecard(self) -> Any:
        """The rep scorecard of the quarter (:func:`kit.analysis.scorecard`); once per run.

        The report's ``min_n`` is the scorecard's floor: a figure the report blanks never enters
        a composite score it could be worked back from.
        """
        import kit.analysis

        s = self.settings
        return self.result("scorecard", kit.analysis.scorecard, self.data, self.quarter, weights=s.weights,
                           settings=s.kpi, case_mix=s.analysis.case_mix, min_n=self.min_n)


def begin(
    namespace: Mapping[str, Any] | None = None,
    /,
    *,
    title: str | None = None,
    intro: str | None = None,
    show: bool = True,
    load: bool = True,
    **values: Any,
) -> Report:
    """Start a report in a notebook: parameters, data, fonts, and the parameters in force shown.

    Parameters
    ----------
    namespace : mapping, optional
        The notebook's ``globals()``: ``quarter, source, lang, params_file, results_dir,
        data_snapshot`` and any parameter (``min_n``, ``weights``, ...) are taken from it, so
        that the parameters cell (and papermill's injected parameters) decide.
    title, intro : str, optional
        ``i18n`` keys (or ready text) of the report's title (a level-1 heading) and its
        opening paragraph, shown first.
    show : bool
        Display the parameters in force and the data covered.
    load : bool
        Load the data now (else on first use of ``report.data``).
    **values
        The same names as keywords; they win over ``namespace``. ``None`` means "not set".

    Returns
    -------
    Report
        ``quarter`` (the latest quarter of the data when not set), ``lang``, ``params`` (the
        validated parameters in force), ``data``, ``results_dir``.

    Parameters come from ``params_file`` when set (``kit run`` passes the merged parameters it
    validated), else from ``parameters/default.yaml`` and ``parameters/<quarter>.yaml``; the
    values of the parameters cell win over both. The pseudonym salt may come from the
    environment variable ``KIT_PSEUDONYM_SALT`` (which is how ``kit run`` passes it).
    """
    given: dict[str, Any] = {}
    if namespace is not None:
        for k in (*CORE_INPUTS, *P.KNOWN_KEYS):
            if k in namespace and namespace[k] is not None and not callable(namespace[k]):
                given[k] = namespace[k]
    given.update({k: v for k, v in values.items() if v is not None})
    unknown = set(given) - set(CORE_INPUTS) - set(P.KNOWN_KEYS)
    if unknown:
        raise P.ParamsError(f"begin(): unknown argument(s) {sorted(unknown)}; allowed: "
                            f"{', '.join((*CORE_INPUTS, *P.KNOWN_KEYS))}.")
    overrides = {k: v for k, v in given.items() if k in P.KNOWN_KEYS and k != "quarter"}
    quarter = given.get("quarter")
    if given.get("params_file"):
        merged = P.merge(P.read(given["params_file"]), overrides)
        salt = os.environ.get("KIT_PSEUDONYM_SALT")
        if salt and "pseudonym_salt" not in overrides:
            merged["pseudonym_salt"] = salt
        merged.pop("quarter", None)
        params = P.validate(merged, origins={k: str(given["params_file"]) for k in merged})
        params.pop("quarter", None)
    else:
        params = P.load(None if quarter in (None, "", "latest") else str(quarter), overrides=overrides)
        params.pop("quarter", None)
    lang = i18n.check_lang(params["lang"])
    source = str(params["source"])
    results_dir = Path(given["results_dir"]) if given.get("results_dir") else None
    if results_dir is not None:
        results_dir.mkdir(parents=True, exist_ok=True)
    saved_dir = Path(given["saved_dir"]) if given.get("saved_dir") else None
    report = Report(quarter=str(quarter) if quarter and quarter != "latest" else "", lang=lang, params=params,
                    source=source, results_dir=results_dir, data_snapshot=given.get("data_snapshot"),
                    saved_dir=saved_dir)
    try:
        from kit.plots import setup_fonts

        setup_fonts()
    except ImportError:  # pragma: no cover - matplotlib missing
        pass
    if load or not report.quarter:
        data = report.data
        if not report.quarter:
            report.quarter = str(data.latest_quarter())
            if not given.get("params_file"):
                # now that the quarter is known, its parameter file applies too
                params = P.load(report.quarter, overrides=overrides)
                params.pop("quarter", None)
                report.params, report.lang = params, i18n.check_lang(params["lang"])
                if load_key(params) != load_key(report._loaded_with):
                    report._data = None
        else:
            from kit.periods import Quarter

            report.quarter = str(Quarter.parse(report.quarter, data.fiscal_start_month))
    if title:
        if i18n.has(title, report.lang):
            report.heading(title, level=1)
        elif _in_ipython():
            from IPython.display import Markdown

            _display(Markdown(f"# {title}"), "heading")
    if intro:
        report.say(intro)
    if show:
        report.show_parameters()
        if load:
            report.show_data_covered()
    return report
