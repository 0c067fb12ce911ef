"""The ``drivers`` command: validate a study, print its metrics, rank drivers, build reports.

Every command turns bad input into one clear line per problem on standard error and a
non-zero exit, never a traceback:

- 1: a problem in the data or an input file (a column missing, a value off the scale, a file
  that cannot be read, a disk that fills up while writing);
- 2: a wrong command line (an unknown option, a value out of range, an output that would
  overwrite an input or cannot be written, an ending or language the command cannot write);
- 130: interrupted (Ctrl-C), 141: standard output closed early (``drivers ... | head``), 143:
  terminated; the shell's 128 + signal number.

Outputs are checked before any work (:func:`drivers.output.check_output`) and written whole
or not at all, so no exit leaves a partial file behind and nothing the user gave is modified.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import re
import signal
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pandas as pd

from drivers import __version__
from drivers.entry import EXIT_INTERRUPTED, INTERRUPTED
from drivers.filesample import REPORT_SAMPLE
from drivers.importance import METHODS
from drivers.messages import languages
from drivers.output import (
    FIGURE_SUFFIXES,
    TABLE_SUFFIXES,
    OutputError,
    WriteError,
    check_output,
    study_inputs,
    write_table,
    write_together,
)
from drivers.parallel import quiet_resource_tracker, stop_workers, worker_processes
from drivers.study import DataWarning, StudyError
from drivers.style import CHART_TEXTS

EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
EXIT_TERMINATED = 128 + signal.SIGTERM

#: The most bootstrap resamples a command accepts: ten times the 1,000 that stable 95 %
#: percentile intervals need (Efron & Tibshirani 1993, ch. 13 and 19). More only costs time.
MAX_BOOTSTRAP = 10_000
#: Resamples run to time the bootstrap before a long run, when no progress bar can be shown.
PROBE_RESAMPLES = 20


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        with _terminate_as_exception():
            code = _run(argv)
            sys.stdout.flush()  # a closed pipe shows up here rather than at interpreter exit
        # Done or failed, the command does not wait for its idle workers to wind down
        # (loky's own exit joins them: about a second of nothing).
        stop_workers(reap=not code)
        return code
    except BrokenPipeError:
        # Python's documented recipe: point standard output at devnull so that the final
        # flush at exit does not raise again, and leave quietly.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        _say(INTERRUPTED)
        _quiet_from_here()
        return EXIT_INTERRUPTED
    except _Terminated:
        _say("drivers: terminated")
        _quiet_from_here()
        return EXIT_TERMINATED


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error already printed
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE * (stop.code is not None)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    if (getattr(args, "bootstrap", 0) and worker_processes(getattr(args, "jobs", 1)) > 1
            and not getattr(args, "scheduler", None)):
        quiet_resource_tracker()  # stopped as a group, the command still says one line
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.run(args)
    except BrokenPipeError:
        raise
    except OutputError as error:
        _error(error)
        return EXIT_USAGE
    except StudyError as error:
        _print_problems(error.problems, error.source)
        return EXIT_PROBLEMS
    except WriteError as error:
        _error(f"could not write {error.filename}: {error.strerror}; nothing was written")
        # A writer abandoned by the failure (openpyxl's, through lxml) may raise again when
        # collected at exit: the user has had the one line that matters.
        sys.unraisablehook = lambda unraisable: None
        return EXIT_PROBLEMS
    except KeyError as error:
        text = str(error.args[0]) if error.args else ""
        if " " not in text:  # a bare key is a bug, not a message for the user
            return _internal_error(error)
        _error(text)
        return EXIT_PROBLEMS
    except ValueError as error:
        _error(error)
        return EXIT_PROBLEMS
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _error(f"{where}{error.strerror or error}")
        return EXIT_PROBLEMS
    except MemoryError:
        _error("out of memory; try fewer --bootstrap resamples or a smaller file")
        return EXIT_PROBLEMS
    except Exception as error:
        return _internal_error(error)


def _internal_error(error: Exception) -> int:
    """A bug in drivers: one line asking for a report (DRIVERS_TRACEBACK=1 shows it in full)."""
    if os.environ.get("DRIVERS_TRACEBACK"):
        raise error
    _error(f"internal error ({type(error).__name__}: {error}); please report it with the "
           f"command you ran (DRIVERS_TRACEBACK=1 shows where it happened)")
    return EXIT_PROBLEMS


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (and a pointer to --help)."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Data warnings as one plain line each; other warnings as Python shows them."""
    if issubclass(category, DataWarning):
        print(f"warning: {message}", file=sys.stderr)
    else:
        print(warnings.formatwarning(message, category, filename, lineno, line),
              file=sys.stderr, end="")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="drivers",
        description="Key-driver analysis of CX surveys: what drives CSAT and NPS, and where to act.",
    )
    parser.add_argument("--version", action="version", version=f"drivers {__version__}")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")

    validate = commands.add_parser(
        "validate", help="check a study file and its data; print a data-quality summary",
        description="Check a study file and its data. Prints answers and missing answers per "
                    "column; exits 1 and lists every problem when there are any.")
    validate.add_argument("study", type=Path, help="the study file (YAML)")
    _add_engine(validate, "how the study's data is read: 'duckdb' checks a .parquet or .csv "
                          "from SQL value counts without holding its rows (the same checks "
                          "and summary)")
    validate.set_defaults(run=run_validate)

    init = commands.add_parser(
        "init", help="write a starter study file for a survey export",
        description="Read a survey export (.csv, .xlsx, .sav, .parquet) and write a starter "
                    "study file: id, weight, wave and segment columns, outcomes, scales, "
                    "missing codes and dimensions, each guess with a comment. Never overwrites "
                    "a file. Then run `drivers validate` on it.")
    init.add_argument("export", type=Path, help="the survey export")
    init.add_argument("--out", type=Path,
                      help="the study file to write (default: study.yaml beside the export)")
    _add_engine(init, "how the export is read: 'duckdb' reads a .parquet or .csv as SQL value "
                      "lists (a seeded sample of rows for columns with over 10,000 distinct "
                      "values) without holding its rows")
    init.set_defaults(run=run_init)

    metrics = commands.add_parser(
        "metrics", help="CSAT, NPS and CES with intervals, overall, by segment and by wave",
        description="Print the outcome metrics (score, interval, n) overall, by each segment "
                    "and by wave, and the attribute performance table. Scores on fewer "
                    "answers than the minimum base are flagged (small_base).")
    metrics.add_argument("study", type=Path, help="the study file (YAML)")
    metrics.add_argument("--by", help="only this segment column (or 'wave')")
    metrics.add_argument("--out", type=Path,
                         help="write the tables to .csv (outcomes) or .xlsx (a sheet per table)")
    _add_engine(metrics, STUDY_ENGINE)
    metrics.set_defaults(run=run_metrics)

    importance = commands.add_parser(
        "importance", help="rank the drivers of one outcome in a data file",
        description="Importance of each driver of OUTCOME. DATA is a .csv, .xlsx, .sav or "
                    ".parquet file. Writes the table as CSV to standard output unless --out.")
    importance.add_argument("data", type=Path, help="the survey export")
    importance.add_argument("--outcome", required=True, help="the outcome column")
    importance.add_argument("--drivers", required=True, help="driver columns, comma separated")
    importance.add_argument("--method", default="shapley", choices=list(METHODS),
                            metavar="METHOD", help=f"{', '.join(METHODS)} (shapley)")
    importance.add_argument("--weights", help="the weight column")
    importance.add_argument("--groups", type=_groups,
                            help="groups of drivers, e.g. 'BX=a,b;PX=c,d'")
    importance.add_argument("--missing-codes", type=_codes,
                            help="codes meaning 'no answer', e.g. 98,99")
    importance.add_argument("--missing", default="listwise", choices=["listwise", "pairwise"],
                            help="how to treat missing answers (default listwise)")
    importance.add_argument("--bootstrap", type=_resamples(0), default=0,
                            help=f"bootstrap resamples, 0 (none, default) to {MAX_BOOTSTRAP:,}")
    importance.add_argument("--ci", type=_level, default=0.95, help="interval level (0.95)")
    importance.add_argument("--seed", type=_seed, default=None, help="random seed")
    importance.add_argument("--out", type=Path, help="write to .csv or .xlsx")
    _add_engine(importance, "how DATA is read: 'duckdb' sums its moments in SQL without "
                            "loading the rows (files larger than memory; point estimates of "
                            "the correlation methods, no --bootstrap)")
    _add_parallel_options(importance)
    importance.set_defaults(run=run_importance)

    compare = commands.add_parser(
        "compare", help="drivers of two outcomes side by side (CSAT vs NPS), paired bootstrap",
        description="Importance of every attribute (or dimension) for two outcomes of a study "
                    "on the same respondents, the difference in share with a paired bootstrap "
                    "interval, and a label per driver: CSAT-led, NPS-led or shared.")
    compare.add_argument("study", type=Path, help="the study file (YAML)")
    compare.add_argument("--outcomes", default="csat,nps",
                         help="two outcome names of the study, first minus second (csat,nps)")
    compare.add_argument("--level", default="attribute", choices=["attribute", "dimension"])
    compare.add_argument("--dimension-mode", default="grouped", choices=["grouped", "composite"],
                         help="at dimension level: grouped Shapley or composite scores")
    compare.add_argument("--method", default="shapley", choices=list(METHODS), metavar="METHOD",
                         help="importance method, as in importance --method (shapley)")
    compare.add_argument("--missing", default=None, choices=["listwise", "pairwise"],
                         help="blank answers (default pairwise for correlation methods)")
    compare.add_argument("--base", default="driver", choices=["driver", "all"],
                         help="respondents: 'driver' (every attribute applied, every outcome "
                              "answered; the report's base) or 'all'")
    compare.add_argument("--min-difference", type=_share_difference, default=0.03,
                         help="smallest share difference labelled a lead (0.03)")
    compare.add_argument("--bootstrap", type=_resamples(0), default=1000,
                         help=f"paired resamples, 0 (none: no lead labels) to {MAX_BOOTSTRAP:,} "
                              f"(1000)")
    compare.add_argument("--ci", type=_level, default=0.95, help="interval level (0.95)")
    compare.add_argument("--seed", type=_seed, default=1, help="random seed (1)")
    compare.add_argument("--lang", default="en", choices=["en", *CHART_TEXTS],
                         help="label language of the chart (en)")
    compare.add_argument("--out", type=Path, help="write the table to .csv or .xlsx")
    compare.add_argument("--chart", type=Path,
                         help=f"write the CSAT-vs-NPS chart ({'/'.join(FIGURE_SUFFIXES)})")
    _add_parallel_options(compare)
    _add_engine(compare, STUDY_ENGINE)
    compare.set_defaults(run=run_compare)
    _add_report_parser(commands)
    return parser


#: How ``--engine`` reads a study's data (compare, metrics).
STUDY_ENGINE = ("how the study's data is read: 'duckdb' streams a .parquet or .csv through "
                "DuckDB without holding its rows (files larger than memory; intervals from a "
                "random-group bootstrap)")


def _add_engine(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument("--engine", default="auto", choices=["auto", "pandas", "duckdb"],
                         help=f"{what}, 'pandas' loads it; 'auto' (default) uses duckdb for a "
                              f".parquet or .csv holding more than 1 GiB of numbers")


def _add_parallel_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--jobs", type=_jobs, default=None,
                         help="processes sharing the resamples (default: every core; 1: none)")
    command.add_argument("--scheduler", metavar="ADDRESS",
                         help="run the resamples on a Dask cluster, e.g. tcp://10.0.0.5:8786 "
                              "(needs pip install 'drivers[dask]')")


def _add_report_parser(commands) -> None:
    report = commands.add_parser(
        "report", help="the stakeholder PDF (and the Excel workbook behind it) for a study",
        description="Build the stakeholder report of a study: title page, contents, a one-page "
                    "executive summary, the drivers of CSAT and of NPS, CSAT vs NPS, segment "
                    "views and an appendix. Progress goes to standard error.")
    report.add_argument("study", type=Path, help="the study file (YAML)")
    report.add_argument("--out", type=Path, required=True, help="the PDF to write")
    report.add_argument("--title", help="report title (default: the study's title)")
    report.add_argument("--lang", default="en", choices=languages(),
                        help="language: a message catalog of drivers/messages (en)")
    report.add_argument("--bootstrap", type=_resamples(1), default=1000,
                        help=f"resamples, 1 to {MAX_BOOTSTRAP:,} (1000)")
    report.add_argument("--seed", type=_seed, default=1, help="random seed (1)")
    report.add_argument("--date", type=_date,
                        help="report date, YYYY-MM-DD (default: none printed)")
    report.add_argument("--workbook", type=Path, help="also write the tables to this .xlsx")
    report.add_argument("--deck", type=Path, help="also write the slides to this .pptx")
    brand = report.add_argument_group(
        "brand", "override the study file's report: block (company, logo, colours, "
                 "confidentiality, template)")
    brand.add_argument("--company", help="company name on the title page and in the header")
    brand.add_argument("--logo", type=Path, help="logo image (PNG, JPG or SVG) for the title page")
    brand.add_argument("--primary-colour", type=_colour,
                       help="headings and tables colour, e.g. '#1F3A5F'")
    brand.add_argument("--confidentiality", help="line in every footer, e.g. 'Internal'")
    brand.add_argument("--template", type=Path,
                       help="your own Typst template (see drivers/report/templates/report.typ "
                            "for its inputs)")
    _add_engine(report, "how the study's data is read: 'duckdb' checks every row of a .parquet "
                        "or .csv through DuckDB and builds the report from a seeded random "
                        "sample of --sample respondents")
    report.add_argument("--sample", type=_respondents, default=REPORT_SAMPLE, metavar="N",
                        help=f"respondents in the random sample of a study read through DuckDB "
                             f"({REPORT_SAMPLE:,}; the seed is --seed)")
    _add_parallel_options(report)
    report.set_defaults(run=run_report)


#: The outputs of each command: option -> endings it can write. A new output is one entry.
OUTPUTS = {
    "metrics": {"out": TABLE_SUFFIXES},
    "importance": {"out": TABLE_SUFFIXES},
    "compare": {"out": TABLE_SUFFIXES, "chart": FIGURE_SUFFIXES},
    "report": {"out": (".pdf",), "workbook": (".xlsx",), "deck": (".pptx",)},
}


# ---- commands ------------------------------------------------------------------------------
def run_report(args: argparse.Namespace) -> int:
    from drivers.parallel import WARM_FROM, warm_workers

    given = [args.study, args.logo, args.template]
    _check_outputs(args, given)
    if args.bootstrap >= WARM_FROM and args.scheduler is None:
        warm_workers(args.jobs)  # they start while the study loads and the estimate runs here
    from drivers.analysis import compare
    from drivers.report import brand_of, build_report, report_base

    drawn = _report_sample(args)
    study = drawn.study if drawn is not None else _load_study(args.study)
    _check_outputs(args, [*given, *study_inputs(study)])

    def resampled(bootstrap: int) -> None:  # the report's two paired bootstraps
        base = report_base(study)[0]
        for level in ("dimension", "attribute"):
            compare(base, level=level, bootstrap=bootstrap, missing="pairwise", seed=args.seed)

    _announce("report (two paired bootstraps)", args.bootstrap, resampled, args.jobs)
    brand = brand_of(study, args.lang, company=args.company, logo=args.logo,
                     primary=args.primary_colour, confidentiality=args.confidentiality,
                     template=args.template)
    with _cluster(args.scheduler):
        result = build_report(drawn or study, args.out, title=args.title, lang=args.lang,
                              bootstrap=args.bootstrap, seed=args.seed, date=args.date,
                              workbook=args.workbook, deck=args.deck, brand=brand,
                              progress=True, n_jobs=args.jobs)
    print(f"wrote {result.pdf} ({result.pages} pages)", file=sys.stderr)
    for path in (result.workbook, result.deck):
        if path:
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _report_sample(args: argparse.Namespace):
    """The random sample a big study's report is built from (``--engine``), or None."""
    from drivers.filesample import load_sample, sample_seed
    from drivers.filestudy import use_duckdb

    _check_input(args.study, "study file (YAML)")
    if not use_duckdb(args.study, args.engine):
        return None
    drawn = load_sample(args.study, args.sample, sample_seed(args.seed))
    print(f"{drawn.path}: {drawn.total:,} rows checked through DuckDB (--engine {args.engine})"
          + (f"; the report describes a random sample of {drawn.n:,} of them (seed "
             f"{drawn.seed}); drivers metrics and drivers compare give the full-file figures"
             if drawn.sampled else "; the report uses every row"), file=sys.stderr)
    return drawn


def run_validate(args: argparse.Namespace) -> int:
    from drivers.io import check_study

    _check_input(args.study, "study file (YAML)")
    if _through_duckdb_study(args):
        from drivers.filestudy import check_file_study

        check, _ = check_file_study(args.study)
    else:
        check = check_study(args.study)
    quality = check.quality
    print(f"Study file: {args.study}")
    if check.notes:
        print("Read as: " + "; ".join(f"{key} {value}" for key, value in check.notes.items()))
    if not quality.empty:
        quality = quality.fillna(0)
        counts = [c for c in quality.columns if c not in ("column", "role")]
        quality[counts] = quality[counts].astype(int)
        print(f"Rows: {int(quality['rows'].max())}")
        print(quality.to_string(index=False))
    for warning in check.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if check.problems:
        print(file=sys.stderr)
        _print_problems(check.problems, check.source)
        return EXIT_PROBLEMS
    print(f"\nOK: {check.study!r}")
    return 0


def run_init(args: argparse.Namespace) -> int:
    from drivers.init import write_starter_study

    path = write_starter_study(args.export, args.out, args.engine)
    print(f"wrote {path}; check the comments in it, then run: drivers validate {path}",
          file=sys.stderr)
    return 0


def run_metrics(args: argparse.Namespace) -> int:
    from drivers.metrics import NUMBER_FORMATS, metrics_summary, outcome_table

    _check_outputs(args, [args.study])
    big = _file_study(args)
    if big is not None:
        from drivers.filestudy import file_metrics

        _check_outputs(args, study_inputs(big.study))
        tables = file_metrics(big, by=args.by)
        if args.by:
            tables = {f"outcomes_by_{args.by}": next(iter(tables.values()))}
    else:
        study = _load_study(args.study)
        _check_outputs(args, study_inputs(study))
        if args.by:
            tables = {f"outcomes_by_{args.by}": outcome_table(study, by=args.by)}
        else:
            tables = metrics_summary(study)
    for table in tables.values():
        _warn(table.attrs.get("warnings", []))
    if args.out:
        csv = args.out.suffix.lower() == ".csv"
        write_table(next(iter(tables.values())) if csv else tables, args.out,
                    formats=NUMBER_FORMATS)
        shown = f" (the {next(iter(tables))} table; .xlsx holds them all)" if csv else ""
        print(f"wrote {args.out}{shown}", file=sys.stderr)
        return 0
    with pd.option_context("display.width", 160, "display.max_columns", 30,
                           "display.float_format", "{:.2f}".format):
        for name, table in tables.items():
            print(f"\n== {name.replace('_', ' ')} ==")
            print(table.to_string(index=False))
    return 0


def run_importance(args: argparse.Namespace) -> int:
    from drivers.importance import importance
    from drivers.io import read_table

    _check_input(args.data, "survey export")
    _check_outputs(args, [args.data])
    if _through_duckdb(args):
        return _importance_from_moments(args)
    frame, _ = read_table(args.data)
    drivers = _split(args.drivers, ",")
    options = {"method": args.method, "weights": args.weights, "groups": args.groups,
               "missing": args.missing, "missing_codes": args.missing_codes, "seed": args.seed}
    options["n_jobs"] = args.jobs
    kwargs = {"bootstrap": args.bootstrap, "ci": args.ci} if args.bootstrap else {}
    with _cluster(args.scheduler):
        _announce(f"importance ({args.method})", args.bootstrap,
                  lambda bootstrap: importance(frame, args.outcome, drivers, bootstrap=bootstrap,
                                               progress=False, **options), args.jobs)
        table = importance(frame, args.outcome, drivers, progress=sys.stderr.isatty(),
                           **options, **kwargs)
    _warn(table.attrs.get("warnings", []))
    if args.missing_codes is None:
        from drivers.reasons import code_warnings

        _warn(code_warnings(frame, [args.outcome, *drivers]))
    _write_or_print(table, args.out)
    return 0


def _through_duckdb(args: argparse.Namespace) -> bool:
    """Whether ``importance`` reads its data as moments through DuckDB (``--engine``)."""
    from drivers.big import FILE_KINDS, is_big

    if args.engine == "pandas":
        return False
    if args.data.suffix.lower() not in FILE_KINDS:
        if args.engine == "duckdb":
            raise ValueError(f"{args.data}: --engine duckdb reads {', '.join(sorted(FILE_KINDS))} "
                             f"files; use --engine pandas for this one")
        return False
    return args.engine == "duckdb" or is_big(args.data)


def _importance_from_moments(args: argparse.Namespace) -> int:
    """``importance`` of a file larger than memory, from moments summed by DuckDB."""
    from drivers.big import REFUSED, SUPPORTED, file_importance

    if args.bootstrap:
        raise ValueError(f"{args.data} is read as moments through DuckDB (larger than memory, "
                         f"or --engine duckdb): --bootstrap needs the rows in memory; run "
                         f"without it, or with --engine pandas on a machine that holds the file")
    print(f"{args.data}: read as moments through DuckDB; supports {SUPPORTED}; {REFUSED}",
          file=sys.stderr)
    table = file_importance(args.data, args.outcome, _split(args.drivers, ","),
                            method=args.method, weights=args.weights, groups=args.groups,
                            missing=args.missing, missing_codes=args.missing_codes,
                            seed=args.seed)
    facts = table.attrs
    print(f"{args.data}: {facts['n_used']:,} of {facts['n_used'] + facts['n_dropped']:,} rows "
          f"used", file=sys.stderr)
    _warn(facts.get("warnings", []))
    _write_or_print(table, args.out)
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from drivers.parallel import WARM_FROM, warm_workers

    _check_outputs(args, [args.study])
    if args.bootstrap >= WARM_FROM and args.scheduler is None:
        warm_workers(args.jobs)  # they start while the study loads and the estimate runs here
    from drivers.analysis import compare

    outcomes = _split(args.outcomes, ",")
    options = {"outcomes": outcomes, "level": args.level, "method": args.method,
               "ci": args.ci, "seed": args.seed, "missing": args.missing, "base": args.base,
               "min_difference": args.min_difference, "dimension_mode": args.dimension_mode}
    big = _file_study(args)
    if big is not None:
        from drivers.filestudy import file_compare

        study = big.study
        _check_outputs(args, study_inputs(study))
        table = file_compare(big, bootstrap=args.bootstrap, n_jobs=args.jobs,
                             progress=sys.stderr.isatty(), **options)
    else:
        study = _load_study(args.study)
        _check_outputs(args, study_inputs(study))
        options["n_jobs"] = args.jobs
        with _cluster(args.scheduler), _estimated(f"compare ({args.method})", args.bootstrap):
            table = compare(study, bootstrap=args.bootstrap, progress=sys.stderr.isatty(),
                            **options)
    facts = table.attrs
    dropped = ", ".join(f"{reason} {n}" for reason, n in facts["dropped_reasons"].items())
    print(f"base: {facts['n_used']:,} of {facts['n_used'] + facts['n_dropped']:,} respondents, "
          f"{facts['base']['description']}" + (f"; left out: {dropped}" if dropped else ""),
          file=sys.stderr)
    if args.bootstrap:
        print(f"leads: Benjamini-Hochberg across the drivers at {1 - args.ci:g}, and a "
              f"difference of at least {args.min_difference:g} share points", file=sys.stderr)
    _warn(facts["warnings"])
    files = [path for path in (args.chart, args.out) if path is not None]
    # The chart and the table together or neither.
    with write_together(*files) as temps:
        if args.chart:
            _compare_chart(table, study, temps[0], args.lang)
        if args.out:
            write_table(table, temps[-1])
    for path in files:
        print(f"wrote {path}", file=sys.stderr)
    if not args.out:
        table.to_csv(sys.stdout, index=False)
    return 0


def _through_duckdb_study(args: argparse.Namespace) -> bool:
    """Whether the study's data is read through DuckDB (``--engine``)."""
    from drivers.filestudy import use_duckdb

    _check_input(args.study, "study file (YAML)")
    return use_duckdb(args.study, args.engine)


def _file_study(args: argparse.Namespace):
    """The study read through DuckDB (``--engine``), or None when it is loaded into memory."""
    from drivers.filestudy import REFUSED, load_file_study

    if not _through_duckdb_study(args):
        return None
    big = load_file_study(args.study)
    print(f"{big.path}: {big.n_rows:,} rows read through DuckDB in batches (--engine "
          f"{args.engine}); {REFUSED}", file=sys.stderr)
    _warn(big.warnings)
    return big


def _compare_chart(table: pd.DataFrame, study, path: Path, lang: str) -> None:
    import matplotlib.pyplot as plt

    from drivers.output import save_figure
    from drivers.plots import importance_scatter
    from drivers.style import use_house_style

    first, second = table.attrs["outcomes"]
    with use_house_style(lang):
        fig, ax = plt.subplots(figsize=(7, 6))
        try:
            importance_scatter(table, ax=ax, x=f"share_{first}", y=f"share_{second}",
                               labels=study, lang=lang)
            # The ending of the named file, not of the temporary one, sets the format.
            save_figure(fig, path, dpi=150, bbox_inches="tight")
        finally:
            plt.close(fig)


def _write_or_print(table: pd.DataFrame, out: Path | None) -> None:
    """Write the table to ``out`` (.csv or .xlsx), or as CSV to standard output."""
    if out:
        write_table(table, out)
        print(f"wrote {out}", file=sys.stderr)
    else:
        table.to_csv(sys.stdout, index=False)


# ---- checks before any work ----------------------------------------------------------------
def _check_outputs(args: argparse.Namespace, inputs: Sequence[Path | None]) -> None:
    """Refuse any output of the command that is unsafe or unusable (see ``OUTPUTS``)."""
    checked: list[Path] = []
    for option, suffixes in OUTPUTS[args.command].items():
        path = getattr(args, option)
        if path is not None:
            checked.append(check_output(path, inputs, suffixes, label=f"--{option}",
                                        outputs=checked))


def _check_input(path: Path, what: str) -> None:
    """One line when an input is missing, a folder, or not a file that can be read."""
    if not path.exists():
        raise ValueError(f"{path}: {what.split(' (')[0]} not found")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder; expected a {what}")
    if not path.is_file():
        raise ValueError(f"{path}: is not a regular file; expected a {what}")
    with open(path, "rb"):  # unreadable: PermissionError, one line from main
        pass


def _load_study(path: Path):
    from drivers.io import load_study

    _check_input(path, "study file (YAML)")
    return load_study(path)


# ---- progress ------------------------------------------------------------------------------
@contextlib.contextmanager
def _cluster(address: str | None) -> Iterator[None]:
    """Send the resamples to the Dask scheduler at ``address`` (nothing without one)."""
    if address is None:
        yield
        return
    from drivers.cells import dask_cluster

    with dask_cluster(address):
        yield


def _announce(what: str, resamples: int, run: Callable[[int], object],
              jobs: int | None = None) -> None:
    """Say how long the resampling will take when no progress bar can be shown.

    On a terminal the bootstrap draws a progress bar with the time left. Elsewhere (a log, a
    pipe) a bar would be a smear of carriage returns, so one line estimates the time instead:
    ``run(b)`` (the analysis with ``b`` resamples) is run once to pay for imports and caches,
    then timed with no resamples and with :data:`PROBE_RESAMPLES` (CPU time of this process),
    and the difference is scaled up. Runs shorter than ten
    probes are not worth timing.
    """
    if resamples < 10 * PROBE_RESAMPLES or sys.stderr.isatty():
        return
    from drivers.bootstrap import PROCESS_WORTH_SECONDS

    run(PROBE_RESAMPLES)  # the first call pays for imports and caches, resampling's included
    # CPU time of this process: worker processes starting beside it (warm_workers) share the
    # cores for a moment but do not lengthen it. The probe runs on one core.
    start = time.process_time()
    run(0)
    point = time.process_time() - start
    start = time.process_time()
    run(PROBE_RESAMPLES)
    each = max(time.process_time() - start - point, 0.0) / PROBE_RESAMPLES
    total = each * resamples
    if total > PROCESS_WORTH_SECONDS:  # the bootstrap then shares the work between processes
        total /= max(1, worker_processes(jobs))
    print(f"{what}: {_duration(total)} for {resamples:,} resamples (estimated; no progress bar "
          f"as standard error is not a terminal)", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _estimated(what: str, resamples: int) -> Iterator[None]:
    """Say how long the bootstrap run inside will take, where no progress bar can be shown
    (as :func:`_announce` does), from the time its first block of resamples took: no probe
    runs ahead of the work. Runs shorter than ten probes are not worth a line."""
    if resamples < 10 * PROBE_RESAMPLES or sys.stderr.isatty():
        yield
        return
    from drivers.bootstrap import estimate_to

    def say(seconds: float) -> None:
        print(f"{what}: {_duration(seconds)} for {resamples:,} resamples (estimated from the "
              f"first ones; no progress bar as standard error is not a terminal)",
              file=sys.stderr, flush=True)

    with estimate_to(say):
        yield


def _duration(seconds: float) -> str:
    """'under a second', 'about 40 s', 'about 3 min', 'about 1.5 h'."""
    if seconds < 1:
        return "under a second"
    if seconds < 90:
        return f"about {seconds:.0f} s"
    if seconds < 90 * 60:
        return f"about {seconds / 60:.0f} min"
    return f"about {seconds / 3600:.1f} h"


# ---- argument types ------------------------------------------------------------------------
def _respondents(text: str) -> int:
    """An argparse type: a whole number of respondents, at least 1."""
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of respondents >= 1, got "
                                         f"{text!r}")
    return value


def _resamples(lowest: int) -> Callable[[str], int]:
    """An argparse type: a whole number of resamples from ``lowest`` to MAX_BOOTSTRAP."""
    least = "0 (none)" if lowest == 0 else f"{lowest}"

    def resamples(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a whole number of resamples, got {text!r}") from None
        if not lowest <= value <= MAX_BOOTSTRAP:
            raise argparse.ArgumentTypeError(
                f"expected {least} to {MAX_BOOTSTRAP:,} resamples, got {value:,} (1,000 "
                f"give stable 95% intervals)")
        return value

    return resamples


def _jobs(text: str) -> int:
    """An argparse type: a number of processes, 1 or more (-1: every core)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1 and value != -1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1, 2, ...; -1 for "
                                         f"every core), got {text!r}")
    return value


def _fraction(what: str, example: str, zero: bool) -> Callable[[str], float]:
    """An argparse type: a number below 1, above 0 (or from 0 when ``zero``)."""

    def fraction(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not (0 <= value < 1 if zero else 0 < value < 1):
            raise argparse.ArgumentTypeError(
                f"expected {what} between 0 and 1 such as {example}, got {text!r}")
        return value

    return fraction


_level = _fraction("a confidence level", "0.95", zero=False)
_share_difference = _fraction("a share difference", "0.03", zero=True)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _colour(text: str) -> str:
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", text):
        raise argparse.ArgumentTypeError(f"expected a colour such as '#1F3A5F', got {text!r}")
    return text


def _date(text: str) -> str:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2026-11-23, got {text!r}"
                                         ) from None
    return text


def _codes(text: str) -> list[float]:
    try:
        return [float(code) for code in _split(text, ",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas such as 98,99, got {text!r}") from None


def _groups(text: str) -> dict[str, list[str]]:
    groups = {}
    for part in _split(text, ";"):
        name, _, columns = part.partition("=")
        if not name.strip() or not _split(columns, ","):
            raise argparse.ArgumentTypeError(f"expected NAME=col,col;NAME=col,... got {part!r}")
        groups[name.strip()] = _split(columns, ",")
    return groups


# ---- messages and signals ------------------------------------------------------------------
def _split(text: str | None, sep: str) -> list[str]:
    return [part.strip() for part in (text or "").split(sep) if part.strip()]


def _error(message) -> None:
    # One line: a library message may carry line breaks of its own.
    _say("drivers: error: " + " ".join(str(message).split()))


def _warn(messages: Sequence[str]) -> None:
    for warning in messages:
        _say(f"warning: {warning}")


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # standard error itself may be closed
        print(line, file=sys.stderr, flush=True)


def _print_problems(problems: list[str], source: str | Path | None) -> None:
    where = f" in {source}" if source else ""
    print(f"drivers: {len(problems)} problem{'s' if len(problems) != 1 else ''}{where}:",
          file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)


def _quiet_from_here() -> None:
    """After the one line of an interruption: the worker pool is stopped at once (workers
    started ahead ignore Ctrl-C), and joblib's warnings about folders its killed workers held
    are not shown."""
    warnings.simplefilter("ignore")
    stop_workers()


class _Terminated(BaseException):
    """SIGTERM, raised like Ctrl-C so that temporary files are removed on the way out."""


@contextlib.contextmanager
def _terminate_as_exception() -> Iterator[None]:
    def terminate(signum, frame):
        raise _Terminated

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
