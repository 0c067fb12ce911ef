"""The PDF document layer: deterministic files, contents, page numbers, whole rows, Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pypdfium2 as pdfium
import pytest

from drivers import pdf as pdfmod
from drivers.pdf import ReportDocument, find_cjk_font

CHINESE = "客户满意度的主要驱动因素是信任"
SECTIONS = ["Executive summary", "CSAT drivers", "Appendix"]
N_ROWS = 90


def page_texts(path: Path) -> list[str]:
    """Text of each page, read back with PDFium (the pypdfium2 dev dependency)."""
    document = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def render_page(path: Path, dpi: int, page_number: int = 0):
    """One page of the PDF as a PIL image at ``dpi``."""
    document = pdfium.PdfDocument(str(path))
    try:
        return document[page_number].render(scale=dpi / 72).to_pil()
    finally:
        document.close()


def font_names(path: Path) -> list[str]:
    """The base font names the PDF refers to (from its font dictionaries)."""
    found = re.findall(rb"/BaseFont\s*/([^\s/<>\[\]()]+)", path.read_bytes())
    return sorted({name.decode("latin-1") for name in found})


def driver_table() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    # Every 5th label is long enough to wrap; its first and last words name the row.
    labels = [f"row{i:03d} " + ("rate promise kept at contract signing and at first payment "
                                if i % 5 == 0 else "") + f"end{i:03d}" for i in range(N_ROWS)]
    return pd.DataFrame({"attribute": labels,
                         "dimension": rng.choice(["BX", "PX", "SX", "EX"], N_ROWS),
                         "share": rng.uniform(0, 0.2, N_ROWS),
                         "base": rng.integers(100, 5000, N_ROWS),
                         "code": [f"v{i:03d}" for i in range(N_ROWS)]})


def chart():
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.barh(["Trust in the bank", "Rate kept", "App speed"], [0.31, 0.22, 0.12])
    ax.set_xlabel("Share of R² (± 95% CI)")
    ax.set_title("CSAT drivers $R^2 = 0.41$")
    fig.tight_layout()
    return fig


def build(path: Path, lang: str = "en", date: str = "2025-03-31") -> Path:
    doc = ReportDocument("Loan CX 2025", subtitle="Key drivers of satisfaction", lang=lang,
                         date=date)
    doc.title_page(lines=["Study: mobile loan survey", "Base: 1,204 customers"])
    doc.table_of_contents()
    doc.section(SECTIONS[0])
    doc.key_figures([("CSAT top-2 box", "68%", "95% CI 65–71"), ("NPS", "+12", None)])
    doc.paragraph("Trust drives satisfaction more than speed. " + CHINESE)
    doc.bullets(["Keep the promised rate.", "Answer within a day."])
    doc.subsection("Importance chart")
    fig = chart()
    doc.figure(fig, caption="Relative importance, CSAT model.")
    plt.close(fig)
    doc.section(SECTIONS[1])
    doc.table(driver_table(), columns={"attribute": "Attribute", "dimension": "Dim.",
                                       "share": "Share", "base": "Base", "code": "Code"},
              formats={"share": "{:.1%}"}, title="All drivers")
    doc.section(SECTIONS[2])
    doc.paragraph("Method: Shapley decomposition of R².")
    return doc.save(path)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("pdf") / "report.pdf")


def test_writes_a_pdf(report):
    assert report.read_bytes().startswith(b"%PDF-")


def test_same_content_gives_the_same_bytes(report, tmp_path):
    again = build(tmp_path / "again.pdf")
    assert again.read_bytes() == report.read_bytes()


def test_the_date_parameter_not_the_clock_dates_the_file(report, tmp_path):
    assert b"/CreationDate (D:20250331000000Z" in report.read_bytes()
    later = build(tmp_path / "later.pdf", date="2025-04-30")
    assert b"/CreationDate (D:20250430000000Z" in later.read_bytes()


def test_contents_list_each_section_with_the_page_it_starts_on(report):
    pages = page_texts(report)
    contents = pages[1]
    assert "Contents" in contents
    for title in SECTIONS:
        starts = [i + 1 for i, text in enumerate(pages)
                  if i > 1 and re.search(rf"^\s*{title}\s*$", text, re.M)]
        assert starts, f"section heading {title!r} not found"
        assert re.search(rf"{title}\s+{starts[0]}\s*$", contents, re.M), contents
    assert re.search(r"Importance chart\s+3\s*$", contents, re.M)


def test_every_page_after_the_title_page_is_numbered(report):
    pages = page_texts(report)
    assert "Page" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {len(pages)}" in text
        assert "Loan CX 2025" in text


def test_table_rows_are_never_split_and_the_header_repeats(report):
    pages = page_texts(report)
    spanned = {i for i, text in enumerate(pages) if re.search(r"row\d{3}", text)}
    assert len(spanned) >= 2, "the test table should run over more than one page"
    for row in range(N_ROWS):
        found = {i for i, text in enumerate(pages)
                 if f"row{row:03d}" in text or f"end{row:03d}" in text or f"v{row:03d}" in text}
        assert len(found) == 1, f"row {row} is spread over pages {sorted(found)}"
    for i in spanned:
        assert re.search(r"Attribute\s+Dim\.\s+Share\s+Base\s+Code", pages[i]), pages[i]


def word_boxes(path: Path) -> dict[str, tuple[float, float]]:
    """(left, right) in points of each word on the first page, from PDFium's character boxes."""
    document = pdfium.PdfDocument(str(path))
    try:
        text_page = document[0].get_textpage()
        count = text_page.count_chars()
        chars = [text_page.get_text_range(i, 1) for i in range(count)]
        boxes, word, lefts, rights = {}, "", [], []
        for i, char in enumerate([*chars, " "]):
            if char.strip():
                left, _, right, _ = text_page.get_charbox(i)
                word, lefts, rights = word + char, [*lefts, left], [*rights, right]
            elif word:
                boxes.setdefault(word, (min(lefts), max(rights)))
                word, lefts, rights = "", [], []
        return boxes
    finally:
        document.close()


def test_numbers_are_right_aligned_and_text_left_aligned(tmp_path):
    doc = ReportDocument("Alignment")
    doc.section("Numbers")
    doc.table(pd.DataFrame({"name": ["a", "bbbbbb"], "value": [1.5, 1234.25]}))
    boxes = word_boxes(doc.save(tmp_path / "a.pdf"))
    assert boxes["1.50"][1] == pytest.approx(boxes["1,234.25"][1], abs=0.5)
    assert boxes["1.50"][0] > boxes["1,234.25"][0] + 5
    assert boxes["a"][0] == pytest.approx(boxes["bbbbbb"][0], abs=0.5)


def test_chart_text_is_vector_text_not_a_picture(report):
    data = report.read_bytes()
    assert b"/Subtype /Image" not in data
    pages = page_texts(report)
    assert any("Share of R² (± 95% CI)" in text for text in pages)
    assert any("Trust in the bank" in text for text in pages)


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_a_figure_whose_text_no_font_covers_is_drawn_in_outlines(tmp_path):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_title("\U00013000")  # an Egyptian hieroglyph: no font here has it
    doc = ReportDocument("Fallback")
    doc.section("Chart")
    doc.figure(fig, caption="Outlined text")
    plt.close(fig)
    path = doc.save(tmp_path / "f.pdf")
    assert b"/Subtype /Image" not in path.read_bytes()
    text = page_texts(path)[0]
    assert "Figure 1. Outlined text" in text
    assert "0.0" not in text  # tick labels are outlines, not text


@pytest.mark.skipif(find_cjk_font() is None, reason="no CJK font (install the cjk extra)")
def test_chinese_text_renders_in_english_and_chinese_reports(report, tmp_path):
    assert any(CHINESE in text for text in page_texts(report))
    zh = build(tmp_path / "zh.pdf", lang="zh")
    pages = page_texts(zh)
    assert "目录" in pages[1]
    assert "第 2 页，共" in pages[1]
    assert any(CHINESE in text for text in pages)
    fonts = " ".join(font_names(zh))
    assert re.search(r"CJK|SimHei|Han|Hei", fonts), fonts


def test_chinese_without_a_cjk_font_warns(monkeypatch):
    monkeypatch.setattr(pdfmod, "find_cjk_font", lambda: None)
    with pytest.warns(UserWarning, match="no font with Chinese glyphs"):
        doc = ReportDocument("报告", lang="zh")
    assert doc.font == "dejavu"


def test_a_failed_save_leaves_no_file_and_keeps_the_old_one(tmp_path):
    def crowded():
        doc = ReportDocument("Crowded")
        doc.table_of_contents(pages=1)
        for i in range(60):
            doc.section(f"Section {i}")
        return doc

    target = tmp_path / "out.pdf"
    with pytest.raises(RuntimeError, match=r"table_of_contents\(pages=2\)"):
        crowded().save(target)
    assert list(tmp_path.iterdir()) == []

    target.write_bytes(b"old report")
    with pytest.raises(RuntimeError, match="more than 1 page"):
        crowded().save(target)
    assert target.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def test_a_build_that_raises_writes_nothing(tmp_path):
    target = tmp_path / "report.pdf"

    def broken_build():
        doc = ReportDocument("Broken")
        doc.section("One")
        doc.table(pd.DataFrame({"a": [1]}), columns=["b"])
        doc.save(target)

    with pytest.raises(KeyError, match="no column"):
        broken_build()
    assert not target.exists()


def test_misuse_gives_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="lang must be one of"):
        ReportDocument("T", lang="fr")
    with pytest.raises(ValueError, match="ISO date"):
        ReportDocument("T", date="31/03/2025")
    doc = ReportDocument("T")
    with pytest.raises(RuntimeError, match="needs a section"):
        doc.subsection("Orphan")
    doc.section("S")
    with pytest.raises(RuntimeError, match="title page must come first"):
        doc.title_page()
    with pytest.raises(ValueError, match="col_widths has 1 values for 2 columns"):
        doc.table(pd.DataFrame({"a": [1], "b": [2]}), col_widths=[1])
    with pytest.raises(KeyError, match="formats given"):
        doc.table(pd.DataFrame({"a": [1], "b": [2]}), columns=["a"], formats={"b": ".1f"})
    doc.save(tmp_path / "t.pdf")
    with pytest.raises(RuntimeError, match="has been saved"):
        doc.paragraph("late")
    toc_only = ReportDocument("T")
    toc_only.table_of_contents()
    with pytest.raises(RuntimeError, match="needs at least one section"):
        toc_only.save(tmp_path / "u.pdf")


def test_cell_formats(tmp_path):
    frame = pd.DataFrame({"n": [1200, 3], "x": [0.5, np.nan], "p": [0.123, 0.5],
                          "s": ["a", None]})
    doc = ReportDocument("Formats")
    doc.section("Table")
    doc.table(frame, formats={"p": ".0%", "x": lambda v: f"<{v}>"})
    text = page_texts(doc.save(tmp_path / "f.pdf"))[0]
    assert re.search(r"1,200\s+<0\.5>\s+12%\s+a", text), text
    assert re.search(r"3\s+–\s+50%\s+–", text), text


def test_images_in_figures_keep_their_place_and_orientation(tmp_path):
    from matplotlib.colors import ListedColormap

    # imshow and colour bars are stored upside down in matplotlib's SVG
    fig = plt.figure(figsize=(2, 2))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.imshow([[1.0], [0.0]], cmap=ListedColormap(["#0000ff", "#ff0000"]), aspect="auto",
              interpolation="nearest")  # red above blue
    doc = ReportDocument("Image")
    doc.section("S")
    doc.figure(fig, width=40)
    plt.close(fig)
    pdf_path = doc.save(tmp_path / "im.pdf")
    page = render_page(pdf_path, dpi=50).convert("RGB")
    column = [page.getpixel((page.width // 2, y)) for y in range(page.height)]
    red = [y for y, (r, g, b) in enumerate(column) if r > 200 and g < 60 and b < 60]
    blue = [y for y, (r, g, b) in enumerate(column) if b > 200 and r < 60 and g < 60]
    assert red and blue
    assert max(red) < min(blue)
    mm_per_px = 25.4 / 50
    assert (max(blue) - min(red)) * mm_per_px == pytest.approx(40, abs=2)


def test_hatched_bars_keep_their_hatch_in_the_pdf(tmp_path):
    """fpdf2 cannot paint SVG pattern fills: hatches must arrive as lines inside the bar."""
    fig = plt.figure(figsize=(3, 3))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.bar([0], [1], width=1, color="#ff0000", hatch="///", edgecolor="black")
    ax.set_xlim(-0.5, 0.5)
    ax.set_ylim(0, 1)
    doc = ReportDocument("Hatch")
    doc.section("S")
    doc.figure(fig, width=60)
    assert ax.patches[0].get_hatch() == "///"  # the caller's figure is left as it was
    plt.close(fig)
    page = render_page(doc.save(tmp_path / "h.pdf"), dpi=100).convert("RGB")
    pixels = np.asarray(page)
    red = (pixels[..., 0] > 200) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
    rows, columns = np.nonzero(red)
    inside = pixels[rows.min() + 5:rows.max() - 5, columns.min() + 5:columns.max() - 5]
    dark = (inside.max(axis=-1) < 90).mean()
    assert 0.03 < dark < 0.6, dark  # hatch lines, not a white or a black box
