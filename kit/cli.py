"""The ``kit`` command: ``kit init DIR``, ``kit validate SOURCE``, ``kit kpis``, ``kit run``, ``kit sample``.

Errors a user can act on (:class:`kit.errors.KitError`) are caught in one place,
:func:`main`, and printed as a message in the report language with the error's exit status,
never as a traceback (``--debug`` shows one). Progress is logged to ``logging.getLogger("kit")``
and printed by the command.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path

import click

from kit.credentials import mask_secrets

__all__ = ["main"]

from kit.errors import EXIT_INTERRUPTED, EXIT_REPORT, EXIT_USAGE, KitError


def _defaults() -> dict:
    """The parameters in force for every quarter (the project's ``parameters/default.yaml`` over
    the kit's shipped one), not validated (``kit run`` validates; ``kit validate`` and
    ``kit kpis`` read the keys of loading, which :func:`kit.load` checks)."""
    from kit import params as P
    from kit.config import defaults

    return {**defaults(), **P.combine(None).values}


def _fail(message: str, code: int) -> None:
    click.echo(mask_secrets(message), err=True)
    sys.exit(code)


def _load(source: str, column_map: str | None, instrument: str | None, max_share: float | None,
          fiscal_start_month: int | None, timezone: str | None = None):
    import kit

    d = _defaults()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return kit.load(
            source, column_map=column_map, instrument=instrument,
            max_quarantine_share=d["max_quarantine_share"] if max_share is None else max_share,
            fiscal_start_month=d["fiscal_start_month"] if fiscal_start_month is None else fiscal_start_month,
            timezone=d.get("timezone") if timezone is None else timezone,
            date_format=d.get("date_format"), data_window=d.get("data_window"),
        )


_source_options = [
    click.option("--column-map", type=click.Path(exists=True, dir_okay=False), default=None,
                 help="YAML file mapping your export's headers to the kit's columns."),
    click.option("--instrument", type=click.Path(exists=True, dir_okay=False), default=None,
                 help="Survey instrument YAML (default: the source's instrument.yaml, "
                      "else parameters/instrument.yaml)."),
    click.option("--max-quarantine-share", type=click.FloatRange(0, 1), default=None,
                 help="Stop when more than this share of a table's rows is set aside "
                      "(default: the max_quarantine_share parameter)."),
    click.option("--fiscal-start-month", type=click.IntRange(1, 12), default=None,
                 help="First month of the fiscal year (default 1: calendar quarters)."),
    click.option("--timezone", default=None,
                 help="IANA time zone of every timestamp, e.g. Asia/Shanghai or UTC: times with an offset are "
                      "converted to it, times without one taken as local (default: the timezone parameter)."),
]


def _with_source_options(f):
    for opt in reversed(_source_options):
        f = opt(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show Python tracebacks.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Sales KPIs x customer satisfaction: validate data, compute KPIs, write reports."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("source")
@_with_source_options
@click.option("--quarantine-out", type=click.Path(dir_okay=False), default=None,
              help="Write the rows set aside, with the reason per row, to this CSV file.")
def validate(source: str, column_map, instrument, max_quarantine_share, fiscal_start_month, timezone,
             quarantine_out) -> None:
    """Check SOURCE (a folder, DuckDB file or database URL) against the data contract.

    Exit status 0 when it can be used (rows set aside are listed), 2 for schema problems,
    3 when too many rows are bad.
    """
    data = _load(source, column_map, instrument, max_quarantine_share, fiscal_start_month, timezone)
    quarters = data.quarters()
    source = mask_secrets(source)
    click.echo(f"{source}: usable. Quarters {quarters[0]} to {quarters[-1]}." if quarters else f"{source}: usable.")
    click.echo(data.summary().to_string(formatters={"share_quarantined": "{:.1%}".format}))
    q = data.quarantine
    if len(q):
        click.echo(f"\n{len(q):,} row(s) set aside (the rest load):")
        counts = q.groupby(["table", "reason"]).size().sort_values(ascending=False).head(20)
        for (table, reason), n in counts.items():
            example = q[(q["table"] == table) & (q["reason"] == reason)].iloc[0]
            click.echo(f"  - {table}: {reason} ({n:,} rows, e.g. row {example['row']}, id {example['id']})")
    else:
        click.echo("No row set aside.")
    if quarantine_out:  # written even when empty (the header only), so that a script finds the file
        from kit.cells import inert_frame

        inert_frame(q, index=False).to_csv(quarantine_out, index=False, encoding="utf-8-sig")
        click.echo(f"Written to {quarantine_out}.")
        click.echo(f"Written to {quarantine_out} ({len(q):,} row(s)).")


@cli.command()
@click.option("--source", default=None, help="Data source (default: parameters/default.yaml's source).")
@click.option("--quarter", default="latest", show_default=True,
              help="A quarter (2026Q3), a range, 'latest' or 'last-complete'.")
@_with_source_options
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False), default=None, help="Also write the table to CSV.")
def kpis(source, quarter, column_map, instrument, max_quarantine_share, fiscal_start_month, timezone, csv_out) -> None:
    """Print every KPI per rep for a quarter, with the count behind each value."""
    import kit

    d = _defaults()
    source = source or d["source"]
    data = _load(source, column_map, instrument, max_quarantine_share, fiscal_start_month, timezone)
    table = kit.kpis.compute(data, quarter=quarter, settings=d.get("kpi"))
    import pandas as pd

    names = [c for c in table.columns if not c.startswith("n_")]
    shown = table[names].copy()
    with pd.option_context("display.width", 200, "display.max_columns", None, "display.float_format", "{:,.2f}".format):
        shown_q = ", ".join(str(q) for q in data.quarters_for(quarter))
        click.echo(f"KPIs for {shown_q} from {mask_secrets(source)} "
                   f"({len(table)} rows; counts in the n_ columns of --csv):")
        click.echo(shown.T.to_string())
    if csv_out:
        from kit.cells import inert_frame

        inert_frame(table).to_csv(csv_out, encoding="utf-8-sig")
        click.echo(f"Written to {csv_out}.")


@cli.command()
@click.option("--out", default="data/samples", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write the sample data into.")
@click.option("--seed", default=2026, show_default=True, type=int)
def sample(out: str, seed: int) -> None:
    """Regenerate the bundled synthetic sample data (deterministic)."""
    from kit import sample as s

    s.write_sample(out, seed=seed)
    click.echo(f"Sample data written to {out}.")


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--no-sample", is_flag=True, help="Do not write the synthetic sample data into data/samples.")
@click.option("--overwrite", is_flag=True, help="Replace notebooks and parameter files that already exist.")
def init(folder: str, no_sample: bool, overwrite: bool) -> None:
    """Write a working project folder: notebooks/, parameters/, data/samples/ and outputs/.

    Then, in FOLDER, ``kit run`` writes the sample's reports to outputs/; point the
    ``source`` parameter (parameters/default.yaml) at your own data to report on it.
    """
    from kit.config import init_project

    proj = init_project(folder, overwrite=overwrite)
    if not no_sample and not any(proj.samples.glob("reps.*")):
        from kit import sample as s

        s.write_sample(proj.samples)
    click.echo(f"Project written to {proj.root}: notebooks/, parameters/, data/samples/, outputs/.\n"
               f"Next: cd {folder} && kit run")


@cli.command()
@click.option("--quarter", default=None,
              help="One quarter (2026Q3), 'latest' (the default: the latest with data) or 'last-complete' "
                   "(the last quarter that has ended and has data: for scheduled runs).")
@click.option("--quarters", default=None, help="Several quarters: a range 2025Q4:2026Q3, a list, or 'all'.")
@click.option("--source", default=None,
              help="Data source: folder, DuckDB file or SQL URL (default: the source parameter).")
@click.option("--params", "params_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Parameter file used instead of parameters/<quarter>.yaml (on top of parameters/default.yaml).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Override a parameter, e.g. --set min_n=10 --set kpi.callback_hours=12 (repeatable).")
@click.option("--out", default="outputs", show_default=True, type=click.Path(file_okay=False),
              help="Folder of the reports; each quarter goes to OUT/<quarter>/.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Report language (default: the lang parameter).")
@click.option("--force", is_flag=True, help="Run quarters whose notebooks, parameters and data are unchanged.")
@click.option("--notebooks", "notebooks", multiple=True,
              help="Run only these notebooks (names or prefixes, comma-separated or repeated).")
@click.option("--notebook-dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="Folder of the report notebooks (default: notebooks/).")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Quarters run at the same time.")
@click.option("--notebook-jobs", type=click.IntRange(1, 64), default=None,
              help="Notebooks of a quarter run at the same time (default: CPUs per quarter, at most 4); "
                   "notebooks numbered 90+ run after the others.")
@click.option("--pseudonymize/--no-pseudonymize", default=None,
              help="Replace rep names by stable pseudonyms in every output (default: the pseudonymize parameter).")
@click.option("--wait", "wait", type=click.FloatRange(min=0), default=0, show_default=True,
              help="Seconds to wait when another run is writing to --out (then stop, naming that run).")
@click.option("--strict", is_flag=True,
              help="Exit non-zero (5) when a quarter is written with warnings, e.g. a min_n that blanks "
                   "every rep figure.")
@click.option("--allow-unsalted", is_flag=True,
              help="Pseudonymize with an empty or placeholder pseudonym_salt (pseudonyms can then be recomputed "
                   "from the rep ids); refused otherwise.")
@click.option("--timeout", type=click.FloatRange(min=1), default=None,
              help="Seconds a notebook cell may run (default: no limit).")
@click.option("--team", "teams", multiple=True,
              help="Write one team's pages (its reps and dimensions against the company) into OUT/teams/<team>/ "
                   "instead of the company's; repeatable. The teams parameter adds team pages to every run.")
@click.option("--pdf/--no-pdf", default=None,
              help="PDFs of the management pages (default: when Chromium is installed; --pdf requires them).")
def run(quarter, quarters, source, params_file, sets, out, lang, force, notebooks, notebook_dir, jobs, notebook_jobs,
        pseudonymize, wait, strict, allow_unsalted, timeout, teams, pdf) -> None:
    """Execute the report notebooks for a quarter (or several) and write HTML reports.

    Writes OUT/<quarter>/: index.html, a management HTML (no code) and an analyst HTML per
    notebook, the executed notebooks, results/*.csv, the parameters in force, the recommended
    parameters for the next quarter and manifest.json. A quarter is replaced only when all its
    notebooks succeed; unchanged quarters are skipped. Exit status: 0 all good, 2 schema
    problems, 3 too many bad rows, 4 usage: bad options or parameters, 5 a quarter failed (or, with
    --strict, was written with warnings).
    """
    from kit import params as P
    from kit import report as R

    if quarter and quarters:
        _fail("kit run: give --quarter or --quarters, not both.", EXIT_USAGE)
    from kit.config import project
    from kit.report.progress import Display, cli_lang, reporting

    spec = quarters or quarter or "latest"
    overrides = P.parse_set(sets)
    # the command line speaks the report language given with --lang, else the locale's
    display = Display(cli_lang(lang))
    kw = dict(source=source, params_file=params_file, lang=lang, force=force, notebooks=notebooks or None,
              jobs=jobs, notebook_jobs=notebook_jobs, pseudonymize=pseudonymize, timeout=timeout, pdf=pdf,
              allow_unsalted=allow_unsalted, wait=wait, echo=display)
    # the teams parameter, read without loading anything heavy (an unchanged re-run decides from
    # hashes alone); the run validates it with every other parameter
    listed = P.combine(None, params_file=params_file, overrides=overrides).values.get("teams")
    team_list = list(teams) or [str(t) for t in (listed if isinstance(listed, list) else [])]
    kit_log = logging.getLogger("kit")
    plain = [h for h in kit_log.handlers if isinstance(h, _Lines)]
    try:
        for h in plain:  # the display prints the progress (bars in a terminal, timestamps in a log)
            kit_log.removeHandler(h)
        with reporting(display):
            results = []
            if not teams:
                results.append(R.run(spec, overrides=overrides, out=out, notebook_dir=notebook_dir, **kw))
            for team in team_list:
                team_dir = notebook_dir or str(project().notebooks / "team")
                results.append(R.run(spec, overrides={**overrides, "team": team}, out=Path(out) / "teams" / _slug(team),
                                     notebook_dir=team_dir, **kw))
        result = results[0] if len(results) == 1 else R.engine.RunResult(
            [q for r in results for q in r.quarters], out, duration_s=sum(r.duration_s for r in results))
    except KeyboardInterrupt:
        click.echo("kit run: interrupted; the reports already in place are unchanged.", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)  # do not wait for running kernels: they stop with this process
    finally:
        for h in plain:
            kit_log.addHandler(h)
    display(result.summary())
    if not result.ok:
        failed = ", ".join(q.quarter for q in result.failed)
        _fail(f"kit run: FAILED for {failed}; see the summary above.", EXIT_REPORT)
    if strict and result.warnings:
        _fail(f"kit run: {len(result.warnings)} warning(s) and --strict: exit status {EXIT_REPORT}.", EXIT_REPORT)


def _slug(team: str) -> str:
    """A team's folder name: its name, with characters that paths cannot hold replaced."""
    import re

    return re.sub(r'[\\/:*?"<>|\s]+', "_", team.strip()) or "team"


class _Lines(logging.Handler):
    """The ``kit`` logger's progress, printed as plain lines (warnings and errors to stderr)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(mask_secrets(record.getMessage()), err=record.levelno >= logging.WARNING)


def _report_lang(argv: list[str]) -> str:
    """The language of messages: ``--lang`` when given, else the ``lang`` default parameter."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    try:
        lang = _defaults().get("lang")
    except Exception:  # a parameter file that cannot be read: the error itself says so
        lang = None
    return lang if lang in ("zh", "en") else "en"


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``kit`` command: every :class:`~kit.errors.KitError` ends here."""
    args = list(argv if argv is not None else sys.argv[1:])
    debug = "--debug" in args
    log = logging.getLogger("kit")
    if not any(isinstance(h, _Lines) for h in log.handlers):
        log.addHandler(_Lines())
    log.setLevel(logging.DEBUG if debug else logging.INFO)
    log.propagate = False
    try:
        code = cli.main(args=args, prog_name="kit", standalone_mode=False)
    except SystemExit:
        raise
    except click.UsageError as exc:  # an unknown option, a missing argument, a bad option value
        exc.show()
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except KitError as exc:
        if debug:
            raise
        lang = _report_lang(args)
        try:
            text = exc.message(lang)
        except Exception:  # an unknown --lang: the message as raised
            text = str(exc)
        text = mask_secrets(text)
        click.echo(text if text.startswith("kit") else f"kit: {text}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:  # the file system refused: say which path
        if debug:
            raise
        where = " -> ".join(str(p) for p in (exc.filename, exc.filename2) if p) or "(the system named no path)"
        click.echo(f"kit: cannot use {mask_secrets(where)}: {exc.strerror or exc}. Check that the folder exists, "
                   f"is writable and has free space.", err=True)
        sys.exit(1)
    except Exception as exc:  # an unexpected failure: one line, unless --debug
        if debug:
            raise
        click.echo(f"kit: unexpected error: {type(exc).__name__}: {mask_secrets(str(exc))}\n"
                   f"Run again with --debug for details.", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
