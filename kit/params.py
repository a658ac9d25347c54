"""Parameters: merged from the parameter files and the command line, validated before any run.

Layers, later ones winning:

1. ``parameters/default.yaml`` (the parameters in force for every quarter);
2. ``parameters/<quarter>.yaml`` when it exists (e.g. ``parameters/2026Q3.yaml``), or instead
   the file given with ``--params FILE``;
3. command-line overrides (``--lang en``, ``--set min_n=10``, ``--set kpi.callback_hours=12``).

Mappings (``kpi``, ``analysis``) are merged key by key; ``weights`` is replaced as a whole
(a quarter's weights are one decision, not a patch of the default ones). Files are read with
safe YAML loading. :func:`validate` checks every key before any notebook starts and lists
every problem in one :class:`ParamsError`, naming the key, the file and the allowed values.

Example
-------
>>> p = load("2026Q3", overrides={"lang": "en"})      # doctest: +SKIP
>>> p["weights"]["revenue_won"]                      # doctest: +SKIP
20.0
"""

from __future__ import annotations

import copy
import difflib
import math
import numbers
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kit.errors import EXIT_USAGE, KitError
from kit.safeyaml import YamlError, show
from kit.safeyaml import load as _load_yaml
from kit.timestamps import parameter_problems as _time_problems

__all__ = [
    "ParamsError",
    "Parameters",
    "KNOWN_KEYS",
    "SECRET_KEYS",
    "WEIGHTS_TOTAL",
    "parameters_dir",
    "read",
    "merge",
    "parse_set",
    "validate",
    "validate_weights",
    "combine",
    "resolve",
    "load",
    "dump",
    "public",
    "Settings",
    "AnalysisSettings",
]

WEIGHTS_TOTAL = 100.0
_WEIGHTS_TOLERANCE = 0.01

#: every parameter a file or the command line may set
KNOWN_KEYS: tuple[str, ...] = (
    "quarter", "source", "lang", "pseudonymize", "pseudonym_salt", "min_n", "max_quarantine_share",
    "fiscal_start_month", "timezone", "date_format", "data_window", "column_map", "instrument", "kpi", "weights",
    "analysis", "teams", "team",
)
#: parameters never written into a report, a manifest or an executed notebook
SECRET_KEYS: tuple[str, ...] = ("pseudonym_salt",)


def _builtin() -> dict[str, Any]:
    """The values of the keys a parameter file leaves out: the kit's shipped ``default.yaml``
    (:func:`kit.config.defaults`, where every default is written once)."""
    from kit.config import defaults

    shipped = defaults()
    return {k: shipped.get(k) for k in KNOWN_KEYS if k != "quarter"}


_REPLACED_WHOLE = {"weights", "teams"}


class ParamsError(KitError, ValueError, exit_code=EXIT_USAGE):
    """Parameters that cannot be used; ``problems`` lists every one, ``str()`` shows them all."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return f"Parameters are not valid: {self.problems[0]}"
        return "Parameters are not valid:\n  - " + "\n  - ".join(self.problems)


@dataclass
class Parameters:
    """Merged, validated parameters and where they came from.

    Attributes
    ----------
    values : dict
        The parameters in force (every key of :data:`KNOWN_KEYS` except ``quarter``, which is
        present when a quarter was given).
    files : list of Path
        The parameter files read, in order.
    origins : dict
        Top-level key -> the file (or ``"command line"``) that set it.
    """

    values: dict[str, Any]
    files: list[Path] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        """The values, typed (:class:`Settings`): what ``kit run`` and ``kit validate`` read."""
        return Settings.from_params(self.values)


def parameters_dir() -> Path:
    """The project's parameters folder (:func:`kit.config.project`): ``./parameters`` when it has a
    ``default.yaml``, else the source checkout's, else the one shipped with the kit."""
    from kit.config import project

    return project().parameters


def read(path: str | Path) -> dict[str, Any]:
    """Read one parameter file (strict YAML, see :mod:`kit.safeyaml`): a mapping, or an empty file.

    Aliases, duplicate keys, NaN and inf are refused with the file and line.
    """
    p = Path(path)
    if not p.is_file():
        raise ParamsError(f"parameter file not found: {p}")
    try:
        spec = _load_yaml(p.read_text(encoding="utf-8-sig"), source=str(p))
    except YamlError as exc:
        raise ParamsError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise ParamsError(f"{p}: cannot be read ({exc.__class__.__name__}: {why})") from None
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise ParamsError(f"{p}: expected a mapping of parameter names to values; got {type(spec).__name__}.")
    return spec


def _merge_into(base: dict, layer: Mapping, top: bool) -> dict:
    for k, v in layer.items():
        if top and k in _REPLACED_WHOLE:
            base[k] = copy.deepcopy(v)
        elif isinstance(v, Mapping) and isinstance(base.get(k), Mapping):
            base[k] = _merge_into(dict(base[k]), v, False)
        else:
            base[k] = copy.deepcopy(v)
    return base


def merge(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge parameter layers, later ones winning; mappings merged key by key, ``weights`` replaced."""
    out: dict[str, Any] = {}
    for layer in layers:
        if layer:
            out = _merge_into(out, layer, True)
    return out


def parse_set(items: Iterable[str]) -> dict[str, Any]:
    """Read ``KEY=VALUE`` overrides (``--set``): values are YAML scalars, dotted keys nest.

    ``["min_n=10", "kpi.callback_hours=12", "lang=en"]`` ->
    ``{"min_n": 10, "kpi": {"callback_hours": 12}, "lang": "en"}``. An empty value
    (``--set min_n=``) is an error, as are aliases, NaN and inf (see :mod:`kit.safeyaml`).
    """
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ParamsError(f"--set {item!r}: write KEY=VALUE, e.g. --set min_n=10")
        key, _, text = item.partition("=")
        key = key.strip()
        if not text.strip():
            raise ParamsError(f"--set {item!r}: the value is empty; write KEY=VALUE, e.g. --set {key or 'min_n'}=10 "
                              f"(to use the value of the parameter files, leave the --set out).")
        try:
            value = _load_yaml(text, source=f"--set {item!r}")
        except YamlError as exc:
            raise ParamsError(str(exc)) from None
        if value is None:
            raise ParamsError(f"--set {item!r}: null is not a value; --set cannot unset a parameter "
                              f"(give the value, or a --params file that sets it).")
        parts = key.split(".")
        if not all(parts):
            raise ParamsError(f"--set {item!r}: empty key")
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ParamsError(f"--set {item!r}: {p} is set twice")
        node[parts[-1]] = value
    return out


# --- validation -------------------------------------------------------------------------------


def _close(key: Any, known: Iterable[str]) -> str | None:
    """The known name closest to ``key`` (only for keys short enough to be typos)."""
    text = str(key) if isinstance(key, (str, int, float)) else ""
    if not text or len(text) > 64:
        return None
    close = difflib.get_close_matches(text, list(known), n=1)
    return close[0] if close else None


def _where(origins: Mapping[str, str], key: str) -> str:
    src = origins.get(key)
    return f"{src}: " if src else ""


def _non_finite(value: Any, path: str = "") -> list[str]:
    """Every NaN or infinite number inside ``value``, as a dotted key path."""
    if isinstance(value, float) and not math.isfinite(value):
        return [path or "value"]
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _non_finite(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value) for p in _non_finite(v, f"{path}[{i}]")]
    return []


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v))


def _whole(v: Any) -> int | None:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        return None
    if isinstance(v, numbers.Integral):
        return int(v)
    if float(v).is_integer():
        return int(v)
    return None


def validate_weights(weights: Any, *, where: str = "") -> dict[str, float]:
    """Check KPI weights: a mapping of known KPI ids to non-negative numbers summing to 100.

    KPIs left out weigh 0. Returns the weights as floats, in catalogue order; raises
    :class:`ParamsError` listing every problem.
    """
    import kit.kpis

    known = kit.kpis.ids()
    if not isinstance(weights, Mapping) and hasattr(weights, "items") and hasattr(weights, "index"):
        weights = dict(weights.items())  # a pandas Series of KPI id -> weight
    if not isinstance(weights, Mapping):
        raise ParamsError(f"{where}weights must be a mapping of KPI id to weight, like "
                          f"{{revenue_won: 20, csat_mean: 10, ...}}; got {show(weights)}.")
    problems = []
    out: dict[str, float] = {}
    for k, v in weights.items():
        if k not in known:
            close = difflib.get_close_matches(str(k), known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            problems.append(f"{where}weights: unknown KPI id {show(k)}.{hint} Known ids: {', '.join(known)}.")
            continue
        if not _is_number(v):
            problems.append(f"{where}weights.{k} must be a number (0 to 100); got {show(v)}.")
            continue
        if v < 0:
            problems.append(f"{where}weights.{k} must not be negative; got {show(v)}.")
            continue
        out[k] = float(v)
    if not problems:
        total = sum(out.values())
        if abs(total - WEIGHTS_TOTAL) > _WEIGHTS_TOLERANCE:
            problems.append(f"{where}weights must sum to {WEIGHTS_TOTAL:g}; they sum to {total:g}. "
                            f"Adjust them so that the total is {WEIGHTS_TOTAL:g}.")
    if problems:
        raise ParamsError(problems)
    return {k: out[k] for k in known if k in out}


ANALYSIS_KEYS = {
    "n_boot": "bootstrap resamples of the key-driver analysis (whole number 100-100000; default 1000)",
    "seed": "seed of the bootstrap (whole number; default 0)",
    "window": "quarters pooled per rep for KPI validity (whole number 1-12; default 4)",
    "cap": "largest weight change per KPI and quarter, in points (0-100; default 10)",
    "case_mix": "adjust reps' CSAT for customer segment and channel (true/false; default false)",
    "validity": "thresholds of the KPI verdicts (see kit.analysis.ValidityThresholds)",
}


def _analysis_problems(spec: Mapping[str, Any]) -> list[str]:
    out = []
    for k, v in spec.items():
        if k not in ANALYSIS_KEYS:
            close = _close(k, list(ANALYSIS_KEYS))
            hint = f" Did you mean '{close}'?" if close else ""
            out.append(f"analysis.{str(k)[:60]} is not a known setting.{hint} Known: {', '.join(ANALYSIS_KEYS)}.")
        elif k in {"n_boot", "seed", "window"}:
            # fewer than 100 resamples give no usable 95% interval (2.5% of 40 is one draw)
            lo, hi = {"n_boot": (100, 100_000), "seed": (0, 2**32 - 1), "window": (1, 12)}[k]
            if _whole(v) is None or not lo <= int(v) <= hi:
                out.append(f"analysis.{k} must be a whole number from {lo} to {hi}; got {show(v)}.")
        elif k == "cap":
            if not _is_number(v) or not 0 <= float(v) <= 100:
                out.append(f"analysis.cap must be a number of points from 0 to 100; got {show(v)}.")
        elif k == "case_mix":
            if not isinstance(v, bool):
                out.append(f"analysis.case_mix must be true or false; got {show(v)}.")
        elif k == "validity":
            from kit.analysis.validity import ValidityThresholds

            try:
                ValidityThresholds.from_dict(v if isinstance(v, Mapping) else {"": v})
            except ValueError as exc:
                out.append(f"analysis.{exc}")
    return out


def validate(params: Mapping[str, Any], *, origins: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Check merged parameters and return a normalized copy.

    Parameters
    ----------
    params : mapping
        Merged parameters (see :func:`merge`).
    origins : mapping, optional
        Key -> the file that set it, for the messages.

    Returns
    -------
    dict
        The parameters with the kit's shipped defaults (:func:`kit.config.defaults`) for keys
        left out, ``weights`` as floats in catalogue order, ``kpi`` as given (checked with
        :meth:`kit.kpis.KPISettings.from_dict`).

    Raises
    ------
    ParamsError
        Every problem found: unknown keys (with the closest known key), wrong types, values
        out of range, unknown KPI ids, weights not summing to 100.
    """
    from kit.i18n import LANGS

    origins = origins or {}
    problems: list[str] = []
    if not isinstance(params, Mapping):
        raise ParamsError(f"expected a mapping of parameter names to values; got {type(params).__name__}.")
    out = {**_builtin(), **{k: copy.deepcopy(v) for k, v in params.items()}}
    for k in params:
        if k not in KNOWN_KEYS:
            close = _close(k, KNOWN_KEYS)
            hint = f" Did you mean {close!r}?" if close else ""
            problems.append(f"{_where(origins, k)}unknown parameter {show(k)}.{hint} "
                            f"Known parameters: {', '.join(KNOWN_KEYS)}.")
    for path in _non_finite(dict(params)):
        problems.append(f"{_where(origins, path.split('.')[0].split('[')[0])}{path} is not a finite number "
                        f"(NaN or infinity); give a number.")
    def w(k: str) -> str:
        return _where(origins, k)

    if "quarter" in out and out["quarter"] is not None:
        from kit.periods import PeriodError, Quarter

        try:
            out["quarter"] = str(Quarter.parse(str(out["quarter"])))
        except PeriodError as exc:
            problems.append(f"{w('quarter')}quarter: {exc}")
    if not isinstance(out["source"], str) or not out["source"].strip():
        problems.append(f"{w('source')}source must be a folder, a DuckDB file or a database URL (text); "
                        f"got {show(out['source'])}.")
    if out["lang"] not in LANGS:
        problems.append(f"{w('lang')}lang must be one of {', '.join(LANGS)}; got {show(out['lang'])}.")
    if out["teams"] is None:
        out["teams"] = []
    if not isinstance(out["teams"], list) or not all(isinstance(t, str) and t.strip() for t in out["teams"]):
        problems.append(f"{w('teams')}teams must be a list of team names (the team column of the reps table), "
                        f"e.g. [华东1组, 华北1组]; got {show(out['teams'])}.")
    if out["team"] is not None and (not isinstance(out["team"], str) or not out["team"].strip()):
        problems.append(f"{w('team')}team must be one team's name (text) or empty; got {show(out['team'])}.")
    for key in ("pseudonymize",):
        if not isinstance(out[key], bool):
            problems.append(f"{w(key)}{key} must be true or false; got {show(out[key])}.")
    if not isinstance(out["pseudonym_salt"], (str, int)) or isinstance(out["pseudonym_salt"], bool):
        got = type(out["pseudonym_salt"]).__name__
        problems.append(f"{w('pseudonym_salt')}pseudonym_salt must be text; got {got}.")
    else:
        out["pseudonym_salt"] = str(out["pseudonym_salt"])
    n = _whole(out["min_n"])
    if n is None or n < 1:
        problems.append(f"{w('min_n')}min_n must be a whole number >= 1; got {show(out['min_n'])}.")
    else:
        out["min_n"] = n
    share = out["max_quarantine_share"]
    if not _is_number(share) or not 0 <= share <= 1:
        problems.append(f"{w('max_quarantine_share')}max_quarantine_share must be a share between 0 and 1 "
                        f"(0.05 = 5%); got {show(share)}.")
    else:
        out["max_quarantine_share"] = float(share)
    m = _whole(out["fiscal_start_month"])
    if m is None or not 1 <= m <= 12:
        problems.append(f"{w('fiscal_start_month')}fiscal_start_month must be a whole number from 1 (January) "
                        f"to 12 (December); got {show(out['fiscal_start_month'])}.")
    else:
        out["fiscal_start_month"] = m
    problems += _time_problems(out, w)  # timezone, date_format, data_window (normalized in place)
    for key in ("column_map", "instrument"):
        if out[key] is not None and not isinstance(out[key], str):
            problems.append(f"{w(key)}{key} must be a file path or empty; got {show(out[key])}.")
    if out["kpi"] is None:
        out["kpi"] = {}
    if not isinstance(out["kpi"], Mapping):
        problems.append(f"{w('kpi')}kpi must be a mapping (sla_hours, callback_hours, business_hours); "
                        f"got {show(out['kpi'])}.")
    else:
        from kit.kpis import KPISettings

        try:
            KPISettings.from_dict(out["kpi"])
        except ValueError as exc:
            problems.append(f"{w('kpi')}{exc}")
    if out["analysis"] is None:
        out["analysis"] = {}
    if not isinstance(out["analysis"], Mapping):
        problems.append(f"{w('analysis')}analysis must be a mapping of analysis settings; got {show(out['analysis'])}.")
    else:
        problems += [f"{w('analysis')}{p}" for p in _analysis_problems(out["analysis"])]
    if out["weights"] is not None:
        try:
            out["weights"] = validate_weights(out["weights"], where=w("weights"))
        except ParamsError as exc:
            problems += exc.problems
    if problems:
        raise ParamsError(problems)
    return out


# --- loading ----------------------------------------------------------------------------------


def combine(
    quarter: str | Any | None = None,
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    directory: str | Path | None = None,
) -> Parameters:
    """Merge the parameter layers for a quarter, without validating them (see :func:`resolve`).

    ``values`` holds only what the files and overrides set (plus ``quarter``); a file that
    names another quarter raises :class:`ParamsError`.
    """
    folder = Path(directory) if directory is not None else parameters_dir()
    layers: list[tuple[str, Mapping[str, Any]]] = []
    files: list[Path] = []
    default = folder / "default.yaml"
    if default.is_file():
        layers.append((str(default), read(default)))
        files.append(default)
    qtext = None if quarter is None else str(quarter)
    if params_file is not None:
        layers.append((str(params_file), read(params_file)))
        files.append(Path(params_file))
    elif qtext is not None and (folder / f"{qtext}.yaml").is_file():
        qfile = folder / f"{qtext}.yaml"
        layers.append((str(qfile), read(qfile)))
        files.append(qfile)
    cli = {k: v for k, v in (overrides or {}).items() if v is not None}
    if cli:
        layers.append(("command line", cli))
    origins: dict[str, str] = {}
    problems = []
    for label, layer in layers:
        for k in layer:
            origins[k] = label
        stated = layer.get("quarter")
        if qtext is not None and stated is not None and str(stated).strip() != qtext:
            problems.append(f"{label}: quarter is {show(stated)} but the run is for {qtext}; remove the key "
                            f"or use the file of {stated}.")
    if problems:
        raise ParamsError(problems)
    merged = merge(*(layer for _, layer in layers))
    if qtext is not None:
        merged["quarter"] = qtext
    else:
        merged.pop("quarter", None)
    env_salt = os.environ.get("KIT_PSEUDONYM_SALT")
    if env_salt and "pseudonym_salt" not in cli:
        merged["pseudonym_salt"] = env_salt
        origins["pseudonym_salt"] = "KIT_PSEUDONYM_SALT"
    return Parameters(values=merged, files=files, origins=origins)


def resolve(
    quarter: str | Any | None = None,
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    directory: str | Path | None = None,
) -> Parameters:
    """Merge and validate the parameters for a quarter.

    Parameters
    ----------
    quarter : str or Quarter, optional
        The quarter of the run; its file ``<directory>/<quarter>.yaml`` is used when it exists
        (unless ``params_file`` is given). Becomes ``values["quarter"]``.
    params_file : path, optional
        A parameter file used instead of the quarter's file (``--params``).
    overrides : mapping, optional
        Command-line values (already parsed, see :func:`parse_set`); ``None`` values are ignored.
    directory : path, optional
        The parameters folder (default :func:`parameters_dir`); its ``default.yaml`` is read
        when it exists.

    Returns
    -------
    Parameters
        ``values`` (validated), ``files`` read and the ``origins`` of each key.
    """
    raw = combine(quarter, params_file=params_file, overrides=overrides, directory=directory)
    values = validate(raw.values, origins=raw.origins)
    if quarter is None:
        values.pop("quarter", None)
    return Parameters(values=values, files=raw.files, origins=raw.origins)


def load(quarter: str | Any | None = None, *, params_file: str | Path | None = None,
         overrides: Mapping[str, Any] | None = None, directory: str | Path | None = None) -> dict[str, Any]:
    """The parameters in force for a quarter (see :func:`resolve`): a validated dict."""
    return resolve(quarter, params_file=params_file, overrides=overrides, directory=directory).values


def public(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters without secrets: what reports, manifests and executed notebooks show.

    ``pseudonym_salt`` is left out and a password in ``source`` (a database URL) is masked
    (see :func:`kit.credentials.mask_secrets`).
    """
    from kit.credentials import mask_secrets

    out = {k: copy.deepcopy(v) for k, v in params.items() if k not in SECRET_KEYS}
    if isinstance(out.get("source"), str):
        out["source"] = mask_secrets(out["source"])
    return out


def dump(params: Mapping[str, Any], path: str | Path | None = None, *, header: str | None = None) -> str:
    """Write parameters as YAML (UTF-8, Chinese kept readable); return the text.

    ``header`` is written first as ``#`` comment lines.
    """
    text = yaml.safe_dump(dict(params), allow_unicode=True, sort_keys=False, default_flow_style=False)
    if header:
        text = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines()) + text
    if path is not None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.tmp-{os.getpid()}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, p)
    return text


# --- typed settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnalysisSettings:
    """The ``analysis`` parameters, typed (defaults in ``parameters/default.yaml``).

    Attributes
    ----------
    n_boot, seed : int
        Bootstrap resamples of the key-driver analysis and their seed.
    window : int
        Quarters pooled per rep for KPI validity.
    cap : float
        Largest weight change per KPI and quarter, in points.
    case_mix : bool
        Reps' CSAT adjusted for customer segment and channel.
    validity : dict
        Thresholds of the KPI verdicts (empty: :class:`kit.analysis.ValidityThresholds` defaults).
    """

    n_boot: int
    seed: int
    window: int
    cap: float
    case_mix: bool
    validity: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """Validated parameters, typed: what a report reads (``report.settings``).

    Built by :meth:`from_params` from the output of :func:`validate`; every value comes from
    the parameter files (``parameters/default.yaml`` writes each default once), none from
    code. ``kpi`` and ``weights`` stay mappings (KPI settings and KPI id -> weight).

    Examples
    --------
    >>> s = Settings.from_params(validate(read(parameters_dir() / "default.yaml")))
    >>> s.analysis.n_boot, s.min_n, s.lang
    (1000, 5, 'zh')
    """

    source: str
    lang: str
    pseudonymize: bool
    min_n: int
    max_quarantine_share: float
    fiscal_start_month: int
    timezone: str
    date_format: str | dict | None
    data_window: dict  # {start, end}: ISO dates, end None = a year after today
    column_map: str | None
    instrument: str | None
    kpi: dict
    weights: dict | None
    analysis: AnalysisSettings

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Settings:
        """Typed settings from validated parameters; a missing ``analysis`` key is a ParamsError."""
        spec = dict(params.get("analysis") or {})
        missing = [f"analysis.{k} is not set: parameters/default.yaml sets every default ({ANALYSIS_KEYS[k]})."
                   for k in ANALYSIS_KEYS if k not in spec and k != "validity"]
        if missing:
            raise ParamsError(missing)
        analysis = AnalysisSettings(n_boot=int(spec["n_boot"]), seed=int(spec["seed"]), window=int(spec["window"]),
                                    cap=float(spec["cap"]), case_mix=bool(spec["case_mix"]),
                                    validity=dict(spec.get("validity") or {}))
        return cls(source=str(params["source"]), lang=str(params["lang"]), pseudonymize=bool(params["pseudonymize"]),
                   min_n=int(params["min_n"]), max_quarantine_share=float(params["max_quarantine_share"]),
                   fiscal_start_month=int(params["fiscal_start_month"]), timezone=str(params["timezone"]),
                   date_format=params.get("date_format"), data_window=dict(params["data_window"]),
                   column_map=params.get("column_map"),
                   instrument=params.get("instrument"), kpi=dict(params.get("kpi") or {}),
                   weights=dict(params["weights"]) if params.get("weights") else None, analysis=analysis)
