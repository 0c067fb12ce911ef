"""The ``drivers`` command: validate a study, print its metrics, rank drivers, build reports.

Every command turns bad input into one clear line per problem on standard error and a
non-zero exit (1 for problems in the data, 2 for a wrong command line), never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from drivers import __version__
from drivers.study import StudyError

EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.run(args)
    except StudyError as error:
        _print_problems(error.problems, error.source)
        return EXIT_PROBLEMS
    except (ValueError, KeyError, FileNotFoundError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"drivers: error: {message}", file=sys.stderr)
        return EXIT_PROBLEMS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    validate.set_defaults(run=run_validate)

    metrics = commands.add_parser(
        "metrics", help="CSAT, NPS and CES with intervals, overall, by segment and by wave",
        description="Print the outcome metrics (score, interval, n) overall, by each segment "
                    "and by wave, and the attribute performance table.")
    metrics.add_argument("study", type=Path, help="the study file (YAML)")
    metrics.add_argument("--by", help="only this segment column (or 'wave')")
    metrics.add_argument("--out", type=Path,
                         help="write the tables to .csv (outcomes) or .xlsx (a sheet per table)")
    metrics.set_defaults(run=run_metrics)

    importance = commands.add_parser(
        "importance", help="rank the drivers of one outcome in a data file",
        description="Importance of each driver of OUTCOME. DATA is a .csv, .xlsx, .sav or "
                    ".parquet file. Writes the table as CSV to standard output unless --out.")
    importance.add_argument("data", type=Path, help="the survey export")
    importance.add_argument("--outcome", required=True, help="the outcome column")
    importance.add_argument("--drivers", required=True, help="driver columns, comma separated")
    importance.add_argument("--method", default="shapley",
                            help="shapley (default), relative_weights, beta, pratt, correlation, "
                                 "random_forest, shapley_sampled")
    importance.add_argument("--weights", help="the weight column")
    importance.add_argument("--groups", help="groups of drivers, e.g. 'BX=a,b;PX=c,d'")
    importance.add_argument("--missing-codes", help="codes meaning 'no answer', e.g. 98,99")
    importance.add_argument("--missing", default="listwise", choices=["listwise", "pairwise"],
                            help="how to treat missing answers (default listwise)")
    importance.add_argument("--bootstrap", type=int, default=0, help="bootstrap resamples")
    importance.add_argument("--ci", type=float, default=0.95, help="interval level")
    importance.add_argument("--seed", type=int, default=None, help="random seed")
    importance.add_argument("--out", type=Path, help="write to .csv or .xlsx")
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
    compare.add_argument("--method", default="shapley", help="importance method (shapley)")
    compare.add_argument("--missing", default="listwise", choices=["listwise", "pairwise"])
    compare.add_argument("--bootstrap", type=int, default=1000, help="paired resamples (1000)")
    compare.add_argument("--ci", type=float, default=0.95, help="interval level")
    compare.add_argument("--seed", type=int, default=1, help="random seed (1)")
    compare.add_argument("--lang", default="en", help="label language of the chart (en, zh)")
    compare.add_argument("--out", type=Path, help="write the table to .csv or .xlsx")
    compare.add_argument("--chart", type=Path, help="write the CSAT-vs-NPS chart (.png/.pdf/.svg)")
    compare.set_defaults(run=run_compare)
    _add_report_parser(commands)
    return parser


def _add_report_parser(commands) -> None:
    report = commands.add_parser(
        "report", help="the stakeholder PDF (and the Excel workbook behind it) for a study",
        description="Build the stakeholder report of a study: title page, contents, a one-page "
                    "executive summary, the drivers of CSAT and of NPS, CSAT vs NPS, segment "
                    "views and an appendix. Progress goes to standard error.")
    report.add_argument("study", type=Path, help="the study file (YAML)")
    report.add_argument("--out", type=Path, required=True, help="the PDF to write")
    report.add_argument("--title", help="report title (default: the study's title)")
    report.add_argument("--lang", default="en",
                        help="language: a message catalog of drivers/messages (en, zh)")
    report.add_argument("--bootstrap", type=int, default=1000, help="resamples (1000)")
    report.add_argument("--seed", type=int, default=1, help="random seed (1)")
    report.add_argument("--date", help="report date, YYYY-MM-DD (default: none printed)")
    report.add_argument("--workbook", type=Path, help="also write the tables to this .xlsx")
    report.add_argument("--deck", type=Path, help="also write the slides to this .pptx")
    brand = report.add_argument_group(
        "brand", "override the study file's report: block (company, logo, colours, "
                 "confidentiality, template)")
    brand.add_argument("--company", help="company name on the title page and in the header")
    brand.add_argument("--logo", type=Path, help="logo image (PNG, JPG or SVG) for the title page")
    brand.add_argument("--primary-colour", help="headings and tables colour, e.g. '#1F3A5F'")
    brand.add_argument("--confidentiality", help="line in every footer, e.g. 'Internal'")
    brand.add_argument("--template", type=Path,
                       help="your own Typst template (see drivers/report/templates/report.typ "
                            "for its inputs)")
    report.set_defaults(run=run_report)


def run_report(args: argparse.Namespace) -> int:
    from drivers.io import load_study
    from drivers.report import brand_of, build_report

    if args.date:
        import datetime as dt

        try:
            dt.date.fromisoformat(args.date)
        except ValueError:
            raise ValueError(f"--date {args.date!r} is not a date such as 2026-11-23") from None
    study = load_study(args.study)
    brand = brand_of(study, args.lang, company=args.company, logo=args.logo,
                     primary=args.primary_colour, confidentiality=args.confidentiality,
                     template=args.template)
    result = build_report(study, args.out, title=args.title, lang=args.lang,
                          bootstrap=args.bootstrap, seed=args.seed, date=args.date,
                          workbook=args.workbook, deck=args.deck, brand=brand, progress=True)
    print(f"wrote {result.pdf} ({result.pages} pages)", file=sys.stderr)
    for path in (result.workbook, result.deck):
        if path:
            print(f"wrote {path}", file=sys.stderr)
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from drivers.io import check_study

    check = check_study(args.study)
    quality = check.quality
    if not quality.empty:
        quality = quality.fillna(0)
        counts = [c for c in quality.columns if c not in ("column", "role")]
        quality[counts] = quality[counts].astype(int)
        print(f"Study file: {args.study}")
        print(f"Rows: {int(quality['rows'].max())}")
        print(quality.to_string(index=False))
    if check.problems:
        print(file=sys.stderr)
        _print_problems(check.problems, check.source)
        return EXIT_PROBLEMS
    print(f"\nOK: {check.study!r}")
    return 0


def run_metrics(args: argparse.Namespace) -> int:
    from drivers.io import load_study
    from drivers.metrics import metrics_summary, outcome_table
    from drivers.output import write_table

    study = load_study(args.study)
    if args.by:
        tables = {f"outcomes_by_{args.by}": outcome_table(study, by=args.by)}
    else:
        tables = metrics_summary(study)
    if args.out:
        if args.out.suffix.lower() == ".csv":
            write_table(next(iter(tables.values())), args.out)
        else:
            write_table(tables, args.out)
        print(f"wrote {args.out}", file=sys.stderr)
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

    frame, _ = read_table(args.data)
    drivers = _split(args.drivers, ",")
    groups = None
    if args.groups:
        groups = {}
        for part in _split(args.groups, ";"):
            name, _, columns = part.partition("=")
            if not columns:
                raise ValueError(f"--groups: expected NAME=col,col;NAME=col,... got {part!r}")
            groups[name.strip()] = _split(columns, ",")
    codes = [float(c) for c in _split(args.missing_codes, ",")] if args.missing_codes else None
    kwargs = {}
    if args.bootstrap:
        kwargs.update(bootstrap=args.bootstrap, ci=args.ci)
    table = importance(frame, args.outcome, drivers, method=args.method, weights=args.weights,
                       groups=groups, missing=args.missing, missing_codes=codes,
                       seed=args.seed, **kwargs)
    for warning in table.attrs.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    _write_or_print(table, args.out)
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from drivers.analysis import compare
    from drivers.io import load_study

    study = load_study(args.study)
    outcomes = _split(args.outcomes, ",")
    table = compare(study, outcomes=outcomes, level=args.level, method=args.method,
                    bootstrap=args.bootstrap, ci=args.ci, seed=args.seed, missing=args.missing,
                    dimension_mode=args.dimension_mode, progress=sys.stderr.isatty())
    facts = table.attrs
    dropped = ", ".join(f"{reason} {n}" for reason, n in facts["dropped_reasons"].items())
    print(f"base: {facts['n_used']:,} respondents answering both outcomes and every driver"
          + (f"; left out: {dropped}" if dropped else ""), file=sys.stderr)
    for warning in facts["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    if args.chart:
        _compare_chart(table, study, args.chart, args.lang)
        print(f"wrote {args.chart}", file=sys.stderr)
    _write_or_print(table, args.out)
    return 0


def _compare_chart(table: pd.DataFrame, study, path: Path, lang: str) -> None:
    import matplotlib.pyplot as plt

    from drivers.output import save_figure
    from drivers.plots import importance_scatter
    from drivers.style import use_house_style

    first, second = table.attrs["outcomes"]
    with use_house_style(lang):
        fig, ax = plt.subplots(figsize=(7, 6))
        importance_scatter(table, ax=ax, x=f"share_{first}", y=f"share_{second}",
                           labels=study, lang=lang)
        save_figure(fig, path, dpi=150, bbox_inches="tight")
        plt.close(fig)


def _write_or_print(table: pd.DataFrame, out: Path | None) -> None:
    """Write the table to ``out`` (.csv or .xlsx), or as CSV to standard output."""
    from drivers.output import write_table

    if out:
        write_table(table, out)
        print(f"wrote {out}", file=sys.stderr)
    else:
        table.to_csv(sys.stdout, index=False)


def _split(text: str | None, sep: str) -> list[str]:
    return [part.strip() for part in (text or "").split(sep) if part.strip()]


def _print_problems(problems: list[str], source: str | Path | None) -> None:
    where = f" in {source}" if source else ""
    print(f"drivers: {len(problems)} problem{'s' if len(problems) != 1 else ''}{where}:",
          file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
