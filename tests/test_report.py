"""The stakeholder report read back as a reader gets it: PDF text and fonts, pages, workbook, deck.

Every report is built once per test worker (module fixtures) at a small bootstrap; the tests
then read the files: text extracted with PDFium, font sizes of the printed characters, page
fill from the rendered pages, the workbook with pandas, the deck with python-pptx.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

import drivers
from drivers import report as report_module
from drivers.cli import main
from drivers.io import study_from_frame
from drivers.messages import catalog, flat_ids, words
from drivers.report import build_report, report_base

BOOTSTRAP = 20
DATE = "2026-11-23"
#: Smallest font a printed page may carry, in points (chart text included).
MIN_FONT = 7.0
#: Least share of the text block a page must fill, unless it ends a section.
MIN_FILL = 0.45


def page_texts(path) -> list[str]:
    document = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def running_text(text: str) -> str:
    """Page text as a sentence reads: line breaks and hyphenation points taken out."""
    return re.sub(r"\s+", " ", text.replace("\ufffe", "").replace("\xad", ""))


def font_sizes(path) -> list[list[float]]:
    """Per page, the font size of every printed (non-space) character, in points."""
    document = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for page in document:
            text = page.get_textpage()
            sizes = [pdfium_c.FPDFText_GetFontSize(text, k) for k in range(text.count_chars())
                     if not chr(pdfium_c.FPDFText_GetUnicode(text, k)).isspace()]
            pages.append(sizes)
        return pages
    finally:
        document.close()


def page_fill(path, dpi: int = 30) -> list[float]:
    """Per page, the share of the text block's height between its first and last ink."""
    document = pdfium.PdfDocument(str(path))
    try:
        fills = []
        for page in document:
            image = np.asarray(page.render(scale=dpi / 72).to_pil().convert("L"))
            mm = image.shape[0] / 297
            body = image[int(24 * mm):int(279 * mm)]  # between the header and the footer
            ink = np.flatnonzero((body < 235).any(axis=1))
            fills.append(0.0 if not len(ink) else (ink[-1] - ink[0] + 1) / len(body))
        return fills
    finally:
        document.close()


def section_ends(path) -> set[int]:
    """0-based indices of the pages that end a section (or the document)."""
    document = pdfium.PdfDocument(str(path))
    try:
        starts = sorted({item.get_dest().get_index() for item in document.get_toc()
                         if item.level == 0})
        return {s - 1 for s in starts} | {len(document) - 1}
    finally:
        document.close()


def second_study(n: int = 400, seed: int = 3):
    """Not the bank loan: other dimensions and outcome names, CSAT on 1-7, no CES, no waves,
    no segments, no weights, no "not applicable" codes (98 = don't know only), three
    dimensions.

    Truth: Digital drives satisfaction, Staff drives recommendation."""
    rng = np.random.default_rng(seed)
    latent = rng.multivariate_normal([0, 0, 0], [[1, .3, .3], [.3, 1, .3], [.3, .3, 1]], n)
    frame = pd.DataFrame({"case": np.arange(1, n + 1)})
    items = {"Digital": ["web_speed", "web_clarity", "app_login"],
             "Staff": ["staff_care", "staff_skill", "staff_time"],
             "Price": ["price_fair", "price_clear"]}
    for d, columns in enumerate(items.values()):
        for column in columns:
            answer = np.clip(np.round(3 + 0.8 * latent[:, d] + 0.6 * rng.normal(size=n)), 1, 5)
            answer[rng.random(n) < 0.02] = 98
            frame[column] = answer.astype(int)
    sat = 0.8 * latent[:, 0] + 0.2 * latent[:, 1] + 0.2 * latent[:, 2] + 0.6 * rng.normal(size=n)
    ltr = 0.2 * latent[:, 0] + 0.8 * latent[:, 1] + 0.2 * latent[:, 2] + 0.6 * rng.normal(size=n)
    frame["sat7"] = np.clip(np.round(5 + 1.2 * sat), 1, 7).astype(int)
    frame["ltr"] = np.clip(np.round(7 + 1.8 * ltr), 0, 10).astype(int)
    spec = {
        "title": "Utility customer survey",
        "id": "case",
        "missing_codes": {98: "dont_know"},
        "outcomes": {
            "satisfaction": {"column": "sat7", "kind": "csat", "scale": [1, 7],
                             "label": "Overall satisfaction"},
            "advocacy": {"column": "ltr", "kind": "nps", "label": "Would recommend"},
        },
        "attribute_scale": [1, 5],
        "dimensions": {dim: {"label": f"{dim} experience", "attributes": columns}
                       for dim, columns in items.items()},
    }
    return study_from_frame(frame, spec)


@pytest.fixture(scope="module")
def second():
    return second_study()


@pytest.fixture(scope="module")
def second_built(second, tmp_path_factory):
    out = tmp_path_factory.mktemp("second")
    return build_report(second, out / "report.pdf", bootstrap=BOOTSTRAP, seed=1, date=DATE,
                        workbook=out / "tables.xlsx", deck=out / "deck.pptx", n_jobs=1)


@pytest.fixture(scope="module")
def bank_zh(tmp_path_factory):
    out = tmp_path_factory.mktemp("bank_zh")
    study = drivers.load_study(drivers.bank_loan_study_file())
    return build_report(study, out / "zh.pdf", lang="zh", bootstrap=8, seed=1, n_jobs=1,
                        date=DATE, workbook=out / "zh.xlsx")


def test_second_study_builds_reproducibly(second, second_built, tmp_path):
    built = second_built
    texts = page_texts(built.pdf)
    assert built.pages == len(texts) >= 10
    assert built.facts["top_dimension"] == {"satisfaction": "Digital", "advocacy": "Staff"}
    everything = "\n".join(texts)
    for needed in ("Executive summary", "Drivers of CSAT", "Drivers of NPS", "CSAT vs NPS",
                   "Segment views", "Appendix A. Method", "Appendix C. Model diagnostics",
                   "Digital experience", "top-3 box", "one fieldwork period (no waves)"):
        assert needed in everything, needed
    assert "CES" not in everything and "Not applicable" not in everything
    assert "no segment columns" in everything
    assert "Contents" in texts[1] and re.search(r"Page 3 of \d+", texts[2])
    # the same data, seed and date: the same bytes (with the bootstrap in two processes)
    again = build_report(second, tmp_path / "again.pdf", bootstrap=BOOTSTRAP, seed=1,
                         date=DATE, n_jobs=2, deck=tmp_path / "again.pptx")
    assert again.pdf.read_bytes() == built.pdf.read_bytes()
    assert again.deck.read_bytes() == built.deck.read_bytes()
    # metadata: the title in the report's language, the date given, no clock
    document = pdfium.PdfDocument(str(built.pdf))
    meta = document.get_metadata_dict()
    document.close()
    assert meta["Title"] == "Utility customer survey"
    assert meta["CreationDate"].startswith("D:20261123")


def test_summary_is_one_page_with_the_workbooks_numbers(second_built):
    """Every number the executive summary prints is read back and found in the workbook."""
    built = second_built
    first, last = built.summary_pages
    assert first == last == 3
    summary = running_text(page_texts(built.pdf)[first - 1])
    sheets = pd.read_excel(built.workbook, sheet_name=None)
    assert list(sheets)[0] == "README"
    outcomes = sheets["outcomes"].set_index("outcome")
    en = words("en")
    csat, nps = outcomes.loc["satisfaction"], outcomes.loc["advocacy"]
    assert f"{csat['score']:.0f}%" in summary
    assert en.interval(f"{csat['ci_low']:.0f}%", f"{csat['ci_high']:.0f}%") in summary
    assert en.points(nps["score"], signed=True) in summary
    # the sentence naming the top dimensions quotes each outcome's own share
    dims = sheets["drivers_dimension"].set_index("driver")
    match = re.search(r"Digital experience explains most of satisfaction \((\d+)% of what "
                      r"explains it\), while Staff experience explains most of "
                      r"recommendation \((\d+)%\)", summary)
    assert match, summary
    assert int(match.group(1)) == round(100 * dims.loc["Digital", "share_satisfaction"])
    assert int(match.group(2)) == round(100 * dims.loc["Staff", "share_advocacy"])
    actions = sheets["first_actions"]
    assert "The three actions to take first" in summary
    # drivers.actions.first_actions: Fix first, confidence not low, a gain above 0 at the
    # lower end of its interval; never more than three, fewer when fewer qualify.
    assert 1 <= len(actions) <= 3
    assert (actions["quadrant"] == "Fix first").all() and (actions["gain_ci_low"] > 0).all()
    assert actions["confidence"].isin(["high", "moderate"]).all()
    for _, row in actions.iterrows():  # no labels in this study: column names show
        assert row["attribute"] in summary
        # each action's quadrant with its probability from the joint bootstrap, and its gain
        assert f"{row['confidence']} ({100 * row['quadrant_probability']:.0f}%)" in summary
        gain = en.points(row["gain"], signed=True, digits=1) + en.bracket(en.interval(
            en.points(row["gain_ci_low"], signed=True, digits=1),
            en.points(row["gain_ci_high"], signed=True, digits=1)))
        assert gain in summary
    # the rule re-applied to the workbook's matrices and gains: as many qualify as it says
    qualifying = set()
    for outcome in ("satisfaction", "advocacy"):
        matrix = sheets[f"priority_{outcome}"].merge(sheets[f"gains_{outcome}"], on="driver")
        ok = ((matrix["quadrant"] == "Fix first") & matrix["confidence"].isin(["high", "moderate"])
              & (matrix["gain_ci_low"] > 0))
        qualifying |= set(matrix.loc[ok, "driver"])
    assert set(actions["attribute"]) <= qualifying
    assert f"{len(qualifying)} attributes qualify" in summary
    gains = sheets["gains_satisfaction"]
    assert set(gains["unit"]) == {"top-box points"} and len(gains) == 8
    assert (gains["gain_ci_low"] <= gains["gain"]).all()
    matrix = sheets["priority_satisfaction"]
    assert matrix["confidence"].notna().all()
    np.testing.assert_allclose(matrix["quadrant_probability"],
                               built.tables["priority_satisfaction"]["quadrant_probability"])
    shares = sheets["drivers_attribute"]["share_satisfaction"]
    assert shares.sum() == pytest.approx(1.0)
    # ties at the top, as the workbook's paired-difference tie groups say
    for outcome, short in (("satisfaction", "CSAT"), ("advocacy", "NPS")):
        ranked = sheets["drivers_attribute"].sort_values(f"share_{outcome}", ascending=False)
        tied = ranked.loc[ranked[f"tied_with_top_{outcome}"].astype(bool), "driver"].tolist()
        assert tied and tied[0] == ranked["driver"].iloc[0]
        if len(tied) > 1:
            assert f"{short}: {en.join(tied)}" in summary


def test_workbook_readme_names_every_sheet_and_column(second_built):
    sheets = pd.read_excel(second_built.workbook, sheet_name=None)
    readme = sheets["README"]
    for name, frame in sheets.items():
        if name == "README":
            continue
        listed = set(readme.loc[readme["Sheet"] == name, "Column"].dropna())
        assert set(map(str, frame.columns)) <= listed, name
    # numbers stay numbers
    assert pd.api.types.is_float_dtype(sheets["drivers_attribute"]["share_satisfaction"])


def test_pages_are_full_and_fonts_readable(second_built):
    fills = page_fill(second_built.pdf)
    ends = section_ends(second_built.pdf)
    thin = [i + 1 for i, fill in enumerate(fills) if i > 1 and i not in ends and fill < MIN_FILL]
    assert not thin, f"near-empty pages inside a section: {thin} ({fills})"
    smallest = min(min(sizes) for sizes in font_sizes(second_built.pdf) if sizes)
    assert smallest >= MIN_FONT


def test_contents_lists_every_section(second_built):
    document = pdfium.PdfDocument(str(second_built.pdf))
    titles = [item.get_title() for item in document.get_toc()]
    document.close()
    headings = [b["title"] for b in second_built.document.blocks
                if b["kind"] in ("section", "subsection")]
    assert titles == headings


def test_deck_reads_back(second_built):
    from pptx import Presentation

    deck = Presentation(str(second_built.deck))
    slides = list(deck.slides)
    headlines = {b["headline"] for b, _ in second_built.document.charts()}
    titles = [s.shapes.title.text for s in slides]
    assert titles[0] == "Utility customer survey" and titles[1] == "Executive summary"
    assert titles[2] == "The three actions to take first"
    assert len(slides) >= 8 and all(t in headlines for t in titles[3:])
    # the actions slide: the executive summary's table, cell for cell
    printed = next(b for b in second_built.document.blocks if b.get("role") == "first_actions")
    grid = next(s for s in slides[2].shapes if s.has_table).table
    cells = [[grid.cell(i, j).text for j in range(len(grid.columns))]
             for i in range(len(grid.rows))]
    assert cells == [printed["columns"], *printed["rows"]]
    # the CSAT drivers slide: its notes list every attribute's share of the workbook
    attr = second_built.tables["drivers_attribute"].sort_values("share_satisfaction",
                                                                 ascending=False)
    notes = slides[3].notes_slide.notes_text_frame.text.splitlines()
    for line, (_, row) in zip(notes[1:], attr.iterrows(), strict=True):
        assert line.startswith(f"{row['driver']}: {100 * row['share_satisfaction']:.1f}%")
    assert any(shape.shape_type == 13 for shape in slides[3].shapes)  # a picture


def test_bank_loan_in_chinese(bank_zh):
    result = bank_zh
    texts = page_texts(result.pdf)
    assert result.summary_pages[0] == result.summary_pages[1]
    assert result.facts["top_dimension"] == {"csat": "BX", "nps": "SX"}
    base = result.facts["base"]
    assert (base["n"], base["total"], base["not_applicable"], base["dimensions"]) == (
        1339, 2000, 650, ["SX"])
    assert base["outcome_missing"] == {"csat": 3, "nps": 7, "ces": 1}
    everything = "\n".join(texts)
    for needed in ("执行摘要", "品牌体验", "服务体验", "目录", "2026年11月23日", "附录 A. 方法",
                   "第 3 页"):
        # Typst sets a quarter-em between Chinese and Latin characters (cjk-latin-spacing),
        # which the extracted text shows as a space.
        assert needed.replace(" ", "") in everything.replace(" ", ""), needed
    summary = running_text(texts[result.summary_pages[0] - 1])
    assert "实际利率与承诺一致" in summary  # the top CSAT attribute, in Chinese
    # The trend notes carry the test of each move, as in the workbook's wave_changes.
    moves = result.tables["wave_changes"].set_index("outcome")
    assert moves.loc["csat", "p_value"] == pytest.approx(0.103, abs=5e-4)
    assert f"p = {moves.loc['csat', 'p_value']:.2f}，不显著" in summary
    assert f"p = {moves.loc['nps', 'p_value']:.2f}）" in summary


def test_chinese_pdf_has_no_english_words_but_names(bank_zh):
    """Every Latin word of the Chinese PDF is a name the catalogs or the user chose."""
    study = drivers.load_study(drivers.bank_loan_study_file())
    allowed = set()

    def add(text):
        allowed.update(re.findall(r"[A-Za-z][A-Za-z']+", str(text)))

    for value in flat_ids(catalog("zh")).values():
        add(value)
    # What the user chose and the study has no Chinese twin for: the title, column names,
    # segment and wave codes, dimension codes.
    add(study.title_for("zh"))
    for column in [*study.segment_columns, study.wave_column]:
        add(column)
        for value in study.data[column].dropna().unique():
            add(study.value_label(column, value, "zh"))
    for name in study.dimensions:
        add(name)
    words_found = set(re.findall(r"[A-Za-z][A-Za-z']+", "\n".join(page_texts(bank_zh.pdf))))
    assert words_found - allowed == set()


def test_catalogs_have_the_same_ids_and_parameters():
    from drivers.messages import languages, parameters

    english = flat_ids(catalog("en"))
    for lang in languages():
        other = flat_ids(catalog(lang))
        assert set(other) == set(english), lang
        for key, text in other.items():
            if key != "format.date":
                assert parameters(text) <= parameters(english[key]), (lang, key)


def test_a_failure_leaves_no_partial_files(second, tmp_path, monkeypatch):
    def broken(self, *args):
        raise RuntimeError("appendix broke")

    monkeypatch.setattr(report_module.pages._Pages, "appendix", broken)
    fresh = tmp_path / "fresh.pdf"
    with pytest.raises(RuntimeError, match="appendix broke"):
        build_report(second, fresh, bootstrap=5, seed=1, n_jobs=1)
    assert not fresh.exists()
    old = tmp_path / "old.pdf"
    old.write_bytes(b"%PDF- the previous report")
    with pytest.raises(RuntimeError):
        build_report(second, old, bootstrap=5, seed=1, n_jobs=1)
    assert old.read_bytes() == b"%PDF- the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.pdf"]


def test_bad_arguments_fail_before_any_work(second, tmp_path):
    with pytest.raises(ValueError, match="lang"):
        build_report(second, tmp_path / "r.pdf", lang="fr")
    with pytest.raises(ValueError, match=r"\.pdf"):
        build_report(second, tmp_path / "r.docx")
    with pytest.raises(ValueError, match="bootstrap"):
        build_report(second, tmp_path / "r.pdf", bootstrap=0)
    with pytest.raises(ValueError, match=r"\.pptx"):
        build_report(second, tmp_path / "r.pdf", deck=tmp_path / "d.ppt")
    assert list(tmp_path.iterdir()) == []


def test_report_base_keeps_everyone_without_not_applicable(second):
    base, facts = report_base(second)
    assert base is second
    assert (facts["n"], facts["total"], facts["not_applicable"], facts["dimensions"]) == (
        400, 400, 0, [])


def test_cli_report_with_brand(write_study, tmp_path, capsys):
    out, book = tmp_path / "cli.pdf", tmp_path / "cli.xlsx"
    code = main(["report", str(write_study()), "--out", str(out), "--bootstrap", "5",
                 "--seed", "2", "--date", DATE, "--workbook", str(book), "--title", "Small",
                 "--company", "Example Bank", "--confidentiality", "Internal use only",
                 "--primary-colour", "#003366"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert out.read_bytes()[:5] == b"%PDF-" and book.exists()
    assert "drivers report [1/8]" in err and "[8/8]" in err and "wrote" in err
    texts = page_texts(out)
    assert texts[0].startswith("Small") and "Example Bank" in texts[0]
    assert all("Internal use only" in t for t in texts)


def test_cli_report_bad_colour_and_date_are_one_line(write_study, tmp_path, capsys):
    code = main(["report", str(write_study()), "--out", str(tmp_path / "x.pdf"),
                 "--date", "23/11/2026"])
    err = capsys.readouterr().err
    # usage errors (exit 2), one line each, before any work
    assert code == 2 and "expected a date" in err and "Traceback" not in err
    code = main(["report", str(write_study()), "--out", str(tmp_path / "x.pdf"),
                 "--primary-colour", "blue"])
    err = capsys.readouterr().err
    assert code == 2 and "expected a colour" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2  # argparse: usage line and the error
    assert not (tmp_path / "x.pdf").exists()


def test_report_notebook_runs_with_papermill_parameters(tmp_path):
    """The notebook behind `make report`, executed as make does, at a small bootstrap."""
    import papermill

    notebook = drivers.paths.project_root() / "notebooks" / "report.ipynb"
    executed = tmp_path / "report.ipynb"
    papermill.execute_notebook(str(notebook), str(executed), cwd=str(notebook.parent),
                               parameters={"out_dir": str(tmp_path), "bootstrap": 5,
                                           "date": DATE, "pdf_name": "r.pdf",
                                           "workbook_name": "r.xlsx", "deck_name": "r.pptx"},
                               progress_bar=False, kernel_name="python3")
    assert (tmp_path / "r.pdf").stat().st_size > 50_000
    assert pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)
    assert (tmp_path / "r.pptx").stat().st_size > 50_000
    assert "Executive summary" in "".join(page_texts(tmp_path / "r.pdf")[:3])


def _line(ax, slope: float) -> None:
    ax.plot([0, 1], [0, slope])
    ax.set_title(f"slope {slope}")


def test_charts_drawn_in_processes_are_those_drawn_here_each_in_its_place():
    # The processes take the tallest charts first; each result must come back to its chart.
    from functools import partial

    from drivers.report.charts import PARALLEL_FROM, Chart, render_charts

    def charts():
        return [Chart(f"c{i}", partial(_line, slope=i), height=1.0 + (i * 7 % 5) / 2)
                for i in range(PARALLEL_FROM + 2)]

    formats = {f"c{i}": [("png", 40)] for i in range(PARALLEL_FROM + 2)}
    here, shared = charts(), charts()
    render_charts(here, formats, n_jobs=1)
    render_charts(shared, formats, n_jobs=2)
    assert len({chart.rendered["png", 40] for chart in here}) == len(here)
    for alone, parallel in zip(here, shared, strict=True):
        assert parallel.rendered == alone.rendered, alone.key


def test_workbook_labels_outcome_columns_as_their_outcomes(bank_zh):
    # The data-quality sheet lists data columns; an outcome's column ("recommend") is labelled
    # with the outcome's label in the report's language, as the PDF's table labels it.
    from drivers.style import label_for

    study = drivers.load_study(drivers.bank_loan_study_file())
    sheet = pd.read_excel(bank_zh.workbook, sheet_name="data_quality")
    labels = dict(zip(sheet["column"], sheet["label"], strict=True))
    for name, outcome in study.outcomes.items():
        assert labels[outcome.column] == label_for(study, name, "zh") != outcome.column
    assert labels["bx_trust"] == label_for(study, "bx_trust", "zh")
