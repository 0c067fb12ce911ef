"""The stakeholder report: a PDF, a workbook and a deck from one study, numbers computed once.

The report is a pipeline; each step is a module, so a reader finds where a number is
computed, where its sentence is written and where it is placed without reading the rest:

1. :mod:`drivers.report.numbers` computes every number once (:func:`compute_report`): the
   tables and headline facts behind all three outputs.
2. :mod:`drivers.report.pages` puts them into words from the message catalogs
   (:mod:`drivers.messages`, one YAML file per language) as a document of blocks: sections,
   paragraphs, tables, and charts (:mod:`drivers.report.charts`) each with one sentence that
   says what it means for the business.
3. Renderers place the blocks: :mod:`drivers.report.typst` typesets the PDF with Typst and a
   template (``templates/report.typ``, or a team's own), :mod:`drivers.report.workbook`
   writes the tables with a README sheet, :mod:`drivers.report.deck` the slides.

Reproducible: the same data, study, seed, bootstrap size and ``date`` give the same numbers
and byte-identical files (the date is a parameter, never the clock). Written atomically: a
failure leaves no partial file behind.

Examples
--------
>>> import tempfile, pathlib
>>> import drivers
>>> study = drivers.load_study(drivers.bank_loan_study_file())
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> result = build_report(study, out / "report.pdf", bootstrap=5, seed=1, date="2026-11-23",
...                       workbook=out / "tables.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from drivers.filesample import REPORT_SAMPLE, FileSample, load_sample, sample_seed
from drivers.report.numbers import (
    ReportNumbers,
    Steps,
    compute_report,
    first_actions,
    report_base,
)
from drivers.report.pages import Brand, Document, document
from drivers.study import Study

__all__ = ["Brand", "ReportResult", "brand_of", "build_report", "compute_report", "document",
           "first_actions", "report_base"]


@dataclass
class ReportResult:
    """What :func:`build_report` wrote and the numbers behind it.

    Attributes
    ----------
    pdf : Path
        The PDF.
    workbook : Path or None
        The Excel workbook (a README sheet, then a sheet per table), when asked for.
    deck : Path or None
        The PowerPoint deck, when asked for.
    pages : int
        Pages of the PDF.
    summary_pages : (int, int)
        First and last page of the executive summary (equal: it fits one page).
    tables : dict of str -> DataFrame
        Every table behind the report, by sheet name (the workbook's sheets).
    facts : dict
        Headline facts: outcomes, base sizes, scores, top drivers, the first actions.
    warnings : list of str
        The analysis' own warnings (English), for the command line.
    document : Document
        The blocks the PDF and the deck were made from (headlines, tables as printed).
    """

    pdf: Path
    workbook: Path | None
    pages: int
    summary_pages: tuple[int, int]
    tables: dict[str, pd.DataFrame]
    facts: dict
    warnings: list[str] = field(default_factory=list)
    deck: Path | None = None
    document: Document | None = None


def build_report(study: Study | str | Path, out_pdf: str | Path, title: str | None = None,
                 lang: str = "en", bootstrap: int = 1000, seed: int | None = 1,
                 date: dt.date | str | None = None, workbook: str | Path | None = None,
                 deck: str | Path | None = None, brand: Brand | None = None,
                 progress: bool = False, n_jobs: int = 2, engine: str = "auto",
                 sample: int | None = None) -> ReportResult:
    """Write the stakeholder PDF (and the workbook and deck behind it) for a study.

    Parameters
    ----------
    study : Study, path or FileSample
        The survey, or its study file (YAML), or a sample of a big study's file
        (:func:`drivers.filesample.load_sample`).
    out_pdf : path
        The PDF to write (atomically: a failure leaves no partial file, and an older file
        stays as it was).
    title : str, optional
        Report title; default the study's title in ``lang``.
    lang : str
        Language of the text, the labels (the study's ``label_zh``) and the charts: a
        language with a message catalog (``en``, ``zh``).
    bootstrap : int
        Respondent resamples for every interval (1000 for reporting; 50 is enough to test).
    seed : int, optional
        Seed of the resampling: the same seed gives the same numbers.
    date : date or ISO string, optional
        Report date on the title page, in the header and in the file's metadata; never taken
        from the clock, so a rebuild gives the same bytes.
    workbook : path, optional
        An .xlsx file to write: a README sheet, then a sheet per table behind the report.
    deck : path, optional
        A .pptx file to write: the key slides with their charts and the numbers in the
        speaker notes.
    brand : Brand, optional
        Company name, logo, colours, confidentiality line and template.
    progress : bool
        Print one line per step on standard error (and bootstrap progress bars on a
        terminal).
    n_jobs : int
        Processes for the bootstrap and the charts (the numbers and bytes do not depend
        on it).
    engine : {"auto", "pandas", "duckdb"}
        How a study file's data is read (:func:`drivers.filestudy.use_duckdb`): "auto" reads
        a Parquet or CSV export above the size threshold of :mod:`drivers.big` through
        DuckDB, and the report is then built from a seeded simple random sample of its
        respondents (``sample``); "pandas" loads every row.
    sample : int, optional
        Respondents of the random sample of a study read through DuckDB (default
        :data:`drivers.filesample.REPORT_SAMPLE`), chosen by ``seed``
        (:func:`drivers.filesample.sample_rows`). Every figure and interval then describes
        that sample, and the title page, executive summary, method section and workbook
        README say so ("a random sample of N of the T respondents in FILE (seed S)");
        ``drivers metrics`` and ``drivers compare`` give the full-file figures. A sample at
        least as large as the file uses every row and says nothing about sampling.

    Returns
    -------
    ReportResult
        The files written, the page count, the tables and the headline facts.

    Examples
    --------
    A tiny study: satisfaction (1-7) driven by dimension A, recommendation by B.

    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from drivers.io import study_from_frame
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 4))
    >>> frame = pd.DataFrame({f"q{j}": np.clip(np.round(3 + x[:, j]), 1, 5) for j in range(4)})
    >>> frame["sat"] = np.clip(np.round(4 + x[:, 0] + x[:, 1] + rng.normal(size=300)), 1, 7)
    >>> frame["rec"] = np.clip(np.round(7 + x[:, 2] + x[:, 3] + rng.normal(size=300)), 0, 10)
    >>> spec = {"title": "Tiny study",
    ...         "outcomes": {"csat": {"column": "sat", "kind": "csat", "scale": [1, 7]},
    ...                      "nps": {"column": "rec", "kind": "nps"}},
    ...         "dimensions": {"A": {"attributes": ["q0", "q1"]},
    ...                        "B": {"attributes": ["q2", "q3"]}}}
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> result = build_report(study_from_frame(frame, spec), out / "report.pdf", bootstrap=20,
    ...                       seed=1, date="2026-11-23", workbook=out / "tables.xlsx")
    >>> result.pdf.read_bytes()[:5], result.summary_pages[0] == result.summary_pages[1]
    (b'%PDF-', True)
    >>> result.facts["top_dimension"]
    {'csat': 'A', 'nps': 'B'}
    >>> "drivers_attribute" in result.tables and result.workbook.exists()
    True

    A study whose data file is read through DuckDB (forced here; "auto" does it for a big
    Parquet or CSV file) is reported from a random sample of its respondents:

    >>> from drivers.filestudy import as_parquet
    >>> from drivers.paths import bank_loan_study_file
    >>> study_file = as_parquet(bank_loan_study_file(), tempfile.mkdtemp())
    >>> result = build_report(study_file, out / "sample.pdf", bootstrap=20, seed=1,
    ...                       engine="duckdb", sample=800)
    >>> result.facts["sample"]
    {'n': 800, 'total': 2000, 'file': 'survey.parquet', 'seed': 1}
    >>> result.facts["n"]
    800
    """
    from drivers.io import load_study
    from drivers.messages import languages, words
    from drivers.output import check_output, study_inputs, write_together
    from drivers.parallel import WARM_FROM, inside_worker, warm_workers

    if lang not in languages():
        raise ValueError(f"lang must be one of {', '.join(languages())}, not {lang!r}")
    if int(bootstrap) != bootstrap or bootstrap < 1:
        raise ValueError(f"bootstrap must be a whole number of resamples >= 1, got {bootstrap!r}")
    if date is not None:
        date = dt.date.fromisoformat(str(date))
    drawn = None
    if isinstance(study, FileSample):
        drawn, study = study, study.study
    elif not isinstance(study, Study):
        from drivers.filestudy import use_duckdb

        if use_duckdb(study, engine):
            drawn = load_sample(study, REPORT_SAMPLE if sample is None else sample,
                                sample_seed(seed))
            study = drawn.study
        else:
            study = load_study(study)
    elif engine not in ("auto", "pandas"):
        raise ValueError(f"engine {engine!r}: only a study file's data is read through "
                         f"DuckDB; pass the study file, not a Study already in memory")
    brand = brand or brand_of(study, lang)
    # Every output checked before any work: never an input (the study file, its data, the
    # logo, the template), a folder, another output or a wrong ending.
    inputs = [*study_inputs(study), brand.logo, brand.template]
    outputs = [check_output(out_pdf, inputs, (".pdf",))]
    for path, suffix in ((workbook, ".xlsx"), (deck, ".pptx")):
        if path is not None:
            outputs.append(check_output(path, inputs, (suffix,), outputs=outputs))
    if bootstrap >= WARM_FROM and not inside_worker():
        warm_workers(n_jobs)  # started while the base and the point estimates are computed
    step = Steps(words(lang).raw("steps"), progress)
    numbers = compute_report(study, bootstrap=bootstrap, seed=seed, lang=lang,
                             progress=progress, n_jobs=n_jobs, step=step, sample=drawn)
    step()
    doc = document(numbers, lang=lang, title=title, date=date, brand=brand)
    from drivers.report import deck as slides
    from drivers.report import typst
    from drivers.report.charts import render_charts
    from drivers.report.workbook import workbook_sheets, write_workbook

    # Each chart drawn once for the PDF and the deck, the charts spread over the cores.
    formats = typst.chart_formats(doc)
    if deck is not None:
        for key, wanted in slides.chart_formats(doc, numbers).items():
            formats[key] = [*formats.get(key, []), *wanted]
    render_charts([chart for _, chart in doc.charts()], formats, n_jobs=n_jobs)
    pdf, marks = typst.render_pdf(doc, template=brand.template)
    sheets = workbook_sheets(numbers, lang)
    # All the files or none: each goes to a temporary file, renamed only when all succeed.
    with write_together(*outputs) as temps:
        temps[0].write_bytes(pdf)
        later = iter(temps[1:])
        if workbook is not None:
            write_workbook(numbers, lang, next(later))
        if deck is not None:
            slides.write_deck(doc, numbers, lang, next(later))
    return ReportResult(pdf=Path(out_pdf), workbook=None if workbook is None else Path(workbook),
                        deck=None if deck is None else Path(deck), pages=marks["report-end"],
                        summary_pages=(marks["summary-start"], marks["summary-end"]),
                        tables=sheets, facts=numbers.facts, warnings=numbers.warnings,
                        document=doc)


def brand_of(study: Study, lang: str = "en", **overrides) -> Brand:
    """The brand of a report: the study file's ``report:`` block, then ``overrides``.

    Parameters
    ----------
    study : Study
        Its ``report`` block (company, company_zh, logo, colours, confidentiality,
        confidentiality_zh, template), when the study file has one.
    lang : str
        Picks the ``_zh`` twins for Chinese.
    **overrides
        ``company``, ``logo``, ``primary``, ``accent``, ``confidentiality``, ``template``
        (the command line's options); None keeps the study file's value.

    Examples
    --------
    >>> brand_of(None, company="Bank", primary="#003366").company
    'Bank'
    """
    block = getattr(study, "report", None)
    colours = dict(getattr(block, "colours", None) or {})

    def field_of(name):
        twin = getattr(block, f"{name}_{lang}", None) if lang != "en" else None
        return twin or getattr(block, name, None)

    found = {"company": field_of("company"), "logo": getattr(block, "logo", None),
             "primary": colours.get("primary"), "accent": colours.get("accent"),
             "confidentiality": field_of("confidentiality"),
             "template": getattr(block, "template", None)}
    found.update({k: v for k, v in overrides.items() if v is not None})
    defaults = Brand()
    for key in ("primary", "accent"):
        if found[key] and not re.fullmatch(r"#[0-9A-Fa-f]{6}", str(found[key])):
            raise ValueError(f"{key} colour {found[key]!r} is not a colour such as '#1F3A5F'")
    return Brand(company=str(found["company"] or ""),
                 logo=str(found["logo"]) if found["logo"] else None,
                 primary=str(found["primary"] or defaults.primary),
                 accent=str(found["accent"] or defaults.accent),
                 confidentiality=str(found["confidentiality"] or ""),
                 template=str(found["template"]) if found["template"] else None)


__all__ += ["ReportNumbers"]
