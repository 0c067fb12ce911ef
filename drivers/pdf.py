"""PDF documents for stakeholder reports: title page, contents, sections, figures and tables.

:class:`ReportDocument` is the page layer the report builders write into. It knows about
A4 pages, fonts, headers and footers, a table of contents and keeping things whole across
page breaks; it knows nothing about driver analysis. Output is deterministic: the same
content and ``date`` give a byte-identical file, so reports can be diffed and cached.

Figures are embedded as vector graphics. A matplotlib figure is saved to SVG with its text
kept as text, and each text is drawn with the font file matplotlib itself would pick, so
chart labels stay selectable and searchable in the PDF. A figure whose text no available font
covers is embedded with its glyphs drawn as outlines instead (still vector, not selectable).

Chinese needs a font with CJK glyphs: :func:`find_cjk_font` looks in the ``mplfonts``
package (the ``cjk`` extra) and in the fonts matplotlib knows about.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import io
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from fpdf import FPDF, FontFace
from fpdf.enums import (
    MethodReturnValue,
    TableBordersLayout,
    TableCellFillMode,
    TextEmphasis,
    XPos,
    YPos,
)
from PIL import Image

from drivers.output import atomic_write

__all__ = ["ReportDocument", "find_cjk_font", "find_latin_font"]

# Colours (RGB) shared by every report, so documents from different studies look alike.
INK = (33, 37, 41)
ACCENT = (31, 58, 95)
MUTED = (108, 117, 125)
RULE = (206, 212, 218)
ZEBRA = (242, 244, 247)
BOX = (234, 240, 247)

PAGE_MARGIN = 20.0  # mm, left/right/bottom
TOP_MARGIN = 22.0  # mm, leaves room for the running header
BODY_PT = 10.0
LINE_MM = 5.0

#: Dates in the file metadata when a document has no date: fixed, so output stays reproducible.
UNDATED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

_WORDS = {
    "en": {"contents": "Contents", "page": "Page {n} of {m}", "figure": "Figure {n}.",
           "table": "Table {n}.", "pdf_lang": "en"},
    "zh": {"contents": "目录", "page": "第 {n} 页，共 {m} 页", "figure": "图 {n}",
           "table": "表 {n}", "pdf_lang": "zh-CN"},
}
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]

# Fonts tried for Chinese, best first. Noto Sans CJK also has Latin, Greek and symbols such as
# "²" and "±"; SimHei lacks some of them (fpdf2 then falls back to DejaVu Sans per glyph).
_CJK_FILES = ("NotoSansCJKsc-Regular.otf", "SourceHanSansSC-Regular.otf", "SimHei.ttf")
_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "SimHei", "Microsoft YaHei",
                 "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "PingFang SC", "Heiti SC")
# fpdf2 embeds TrueType and OpenType files; collections (.ttc) and Type 1 fonts it cannot.
_EMBEDDABLE = (".ttf", ".otf")
_SVG_NS = "http://www.w3.org/2000/svg"


def find_latin_font() -> dict[str, Path]:
    """The DejaVu Sans files matplotlib ships: regular, bold ("B") and oblique ("I").

    DejaVu Sans covers Latin, Greek, Cyrillic and the symbols reports use (R², ±, –, “ ”).

    Examples
    --------
    >>> sorted(find_latin_font())
    ['', 'B', 'I']
    >>> find_latin_font()[""].name
    'DejaVuSans.ttf'
    """
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    files = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
    return {style: folder / name for style, name in files.items()}


def find_cjk_font() -> Path | None:
    """A TrueType/OpenType font file with Chinese glyphs, or None if there is none.

    Looks first in the ``mplfonts`` package (installed with the ``cjk`` extra), then among the
    system fonts matplotlib has found. Only files fpdf2 can embed (.ttf, .otf) are returned.

    Examples
    --------
    >>> font = find_cjk_font()
    >>> font is None or _covers(font, "中文")
    True
    """
    candidates: list[Path] = []
    try:
        import mplfonts
    except ImportError:
        pass
    else:
        folder = Path(mplfonts.__file__).parent / "fonts"
        candidates += [folder / name for name in _CJK_FILES]
    from matplotlib import font_manager

    by_name = {entry.name: Path(entry.fname) for entry in font_manager.fontManager.ttflist
               if entry.fname.lower().endswith(_EMBEDDABLE)}
    candidates += [by_name[name] for name in _CJK_FAMILIES if name in by_name]
    for path in candidates:
        if path.is_file() and _covers(path, "中文报告"):
            return path
    return None


@lru_cache(maxsize=64)
def _charmap(path: Path) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(str(path)).get_charmap())


def _covers(path: Path, text: str) -> bool:
    chars = _charmap(Path(path))
    return all(ord(ch) in chars for ch in text if not ch.isspace())


def _as_date(date) -> dt.date | None:
    if date is None:
        return None
    if isinstance(date, dt.datetime):
        return date.date()
    if isinstance(date, dt.date):
        return date
    if isinstance(date, str):
        try:
            return dt.date.fromisoformat(date)
        except ValueError:
            raise ValueError(f"date {date!r} is not an ISO date such as '2025-03-31'") from None
    raise TypeError(f"date must be a date, a datetime or an ISO string, not {type(date).__name__}")


class _Pages(FPDF):
    """FPDF with the running header and the footer of a report (both skip the title page)."""

    def __init__(self, doc: ReportDocument):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc = doc

    def header(self):
        if self.page_no() == 1:
            return
        doc = self.doc
        self.set_y(10)
        doc._font("", 8)
        self.set_text_color(*MUTED)
        date_w = self.get_string_width(doc.date_text) + 2 if doc.date_text else 0
        self.cell(self.epw - date_w, 4, doc.running_head, align="L")
        if date_w:
            self.cell(date_w, 4, doc.date_text, align="R")
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, 15, self.w - self.r_margin, 15)
        self.set_text_color(*INK)
        self.set_y(TOP_MARGIN)

    def footer(self):
        if self.page_no() == 1:
            return
        doc = self.doc
        self.set_y(-13)
        doc._font("", 8)
        self.set_text_color(*MUTED)
        # fpdf2 writes the page count over its alias when the file is written, in room kept
        # for three digits: the page label goes on the left so that room trails unseen.
        page = doc.words["page"].format(n=self.page_no(), m=self.str_alias_nb_pages)
        width = self.get_string_width(page) + 4
        self.cell(width, 4, page, align="L")
        self.cell(self.epw - width, 4, doc.title, align="R")
        self.set_text_color(*INK)


class ReportDocument:
    """An A4 report: title page, contents, sections, text, key figures, figures and tables.

    Parameters
    ----------
    title : str
        Report title, on the title page, in every footer and in the file's metadata.
    subtitle : str, optional
        Shown under the title on the title page.
    lang : {"en", "zh"}
        Language of the fixed words ("Contents", "Page 1 of 9") and of the fonts: "zh" sets
        text in a CJK font (see :func:`find_cjk_font`), or in DejaVu Sans with a warning when
        there is none. Chinese text in an "en" report is drawn with the CJK font too.
    date : datetime.date, datetime or ISO string, optional
        Report date: printed on the title page and in the header, and used as the file's
        creation date. Never taken from the clock, so a rebuild gives the same bytes.

    Attributes
    ----------
    pdf : fpdf.FPDF
        The underlying fpdf2 document, for layouts this class does not offer.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> doc = ReportDocument("Loan CX 2025", subtitle="Key drivers", date="2025-03-31")
    >>> doc.title_page(lines=["Base: 1,204 customers", "Fieldwork: W1-W2"])
    >>> doc.table_of_contents()
    >>> doc.section("Executive summary")
    >>> doc.key_figures([("CSAT", "68%", "65-71"), ("NPS", "+12", "8 to 16")])
    >>> doc.paragraph("Trust and speed drive satisfaction.")
    >>> doc.table(pd.DataFrame({"driver": ["Trust", "Speed"], "share": [0.31, 0.22]}),
    ...           formats={"share": "{:.0%}"}, title="Relative importance")
    >>> path = doc.save(pathlib.Path(tempfile.mkdtemp()) / "report.pdf")
    >>> path.read_bytes()[:5]
    b'%PDF-'
    >>> doc.page_count
    3
    """

    def __init__(self, title: str, subtitle: str | None = None, lang: str = "en",
                 date: dt.date | dt.datetime | str | None = None):
        if lang not in _WORDS:
            raise ValueError(f"lang must be one of {sorted(_WORDS)}, not {lang!r}")
        if not str(title).strip():
            raise ValueError("a report needs a non-empty title")
        self.title = str(title)
        self.subtitle = subtitle
        self.lang = lang
        self.words = _WORDS[lang]
        self.date = _as_date(date)
        self.date_text = self._format_date(self.date)
        self.running_head = self.title
        self._figures = 0
        self._sections = 0
        self._tables = 0
        self._toc_pages = 0  # pages asked for; the contents go in before the next content
        self._toc_done = False
        self._bytes: bytes | None = None

        pdf = self.pdf = _Pages(self)
        pdf.set_margins(PAGE_MARGIN, TOP_MARGIN, PAGE_MARGIN)
        pdf.set_auto_page_break(True, margin=PAGE_MARGIN)
        pdf.alias_nb_pages("{nb}", align="L" if lang == "en" else "C")
        # No clock and no random ids anywhere: the file id is fpdf2's hash of the content.
        created = (dt.datetime.combine(self.date, dt.time(), dt.UTC)
                   if self.date else UNDATED)
        pdf.set_creation_date(created)
        pdf.set_producer("drivers")
        pdf.set_creator("drivers")
        pdf.set_title(self.title)
        pdf.set_lang(self.words["pdf_lang"])
        self._load_fonts()
        self._use_fonts_for(self.title, subtitle or "")
        self._font("", BODY_PT)
        pdf.set_text_color(*INK)

    # ------------------------------------------------------------------ set-up
    def _load_fonts(self) -> None:
        pdf = self.pdf
        latin = find_latin_font()
        for style, path in latin.items():
            pdf.add_font("dejavu", style, str(path))
        self.font, self._styles = "dejavu", {"", "B", "I"}
        # SVG text is pointed at these families; other font files get a family of their own.
        self._svg_fonts: dict[Path, tuple[str, str]] = {
            path: ("dejavu", style) for style, path in latin.items()}
        self._cjk: Path | None = None
        if self.lang == "zh":
            if self._add_cjk_font():
                self.font, self._styles = "cjk", {""}
                pdf.set_fallback_fonts(["dejavu"], exact_match=False)
            else:
                warnings.warn("no font with Chinese glyphs found (install the 'cjk' extra, "
                              "mplfonts); Chinese text will show as empty boxes",
                              stacklevel=3)

    def _add_cjk_font(self) -> bool:
        if self._cjk is None:
            path = find_cjk_font()
            if path is None:
                return False
            # One weight only: bold text in Chinese stands out by size and colour instead.
            self.pdf.add_font("cjk", "", str(path))
            self._cjk = path
            self._svg_fonts[path] = ("cjk", "")
        return True

    def _use_fonts_for(self, *texts: str) -> None:
        """Load the CJK font as a fallback the first time an English report needs it.

        Loading parses a 16 MB font file, so reports without Chinese never pay for it.
        """
        if self.font != "dejavu" or self._cjk is not None:
            return
        text = "".join(texts)
        if not _covers(find_latin_font()[""], text) and self._add_cjk_font():
            self.pdf.set_fallback_fonts(["cjk"], exact_match=False)

    def _font(self, style: str, size: float) -> None:
        self.pdf.set_font(self.font, style if style in self._styles else "", size)

    def _format_date(self, date: dt.date | None) -> str:
        if date is None:
            return ""
        if self.lang == "zh":
            return f"{date.year}年{date.month}月{date.day}日"
        return f"{date.day} {_MONTHS[date.month - 1]} {date.year}"

    def _begin(self, *texts: str, head: str | None = None, new_page: bool = False) -> None:
        """Common start of every content method: open page, reserve the contents pages, fonts.

        The pages reserved for the table of contents (fpdf2 fills them in when the document
        is saved) go in just before the first content after :meth:`table_of_contents`, so
        the page after them is the first page of that content (with its own running head)
        rather than a blank one.
        """
        if self._bytes is not None:
            raise RuntimeError("this document has been saved; build a new ReportDocument "
                               "to change it")
        self._use_fonts_for(*texts)
        pdf = self.pdf
        if head is not None:
            self.running_head = head
        if self._toc_pages and not self._toc_done:
            self._toc_done = True
            next_head, self.running_head = self.running_head, self.words["contents"]
            pdf.add_page()
            self.running_head = next_head
            # Its page breaks open the page the next content starts on.
            pdf.insert_toc_placeholder(self._render_toc, pages=self._toc_pages)
        elif new_page or pdf.page == 0:
            pdf.add_page()
        pdf.set_fill_color(0)  # fpdf2 tables fill every cell when a fill colour is left set

    def _need(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one."""
        if height > self.pdf.page_break_trigger - self.pdf.get_y():
            self.pdf.add_page()

    def _text_height(self, text: str, width: float, line: float, style: str = "",
                     size: float = BODY_PT) -> float:
        self._font(style, size)
        return self.pdf.multi_cell(width, line, text, dry_run=True,
                                   output=MethodReturnValue.HEIGHT)

    @property
    def page_count(self) -> int:
        """Number of pages so far (all of them once saved)."""
        return self.pdf.pages_count

    # ------------------------------------------------------------------ structure
    def title_page(self, title: str | None = None, lines: Sequence[str] = ()) -> None:
        """The first page: title, subtitle, then one line each for study, base, waves, date.

        ``title`` defaults to the document title. The document date is printed last when set.
        """
        if self.pdf.page != 0:
            raise RuntimeError("the title page must come first")
        lines = [str(line) for line in lines] + ([self.date_text] if self.date_text else [])
        self._begin(title or "", *lines)
        pdf = self.pdf
        pdf.set_fill_color(*ACCENT)
        pdf.rect(0, 0, pdf.w, 10, style="F")
        pdf.set_fill_color(0)
        pdf.set_y(80)
        self._font("B", 26)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, 12, title or self.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if self.subtitle:
            pdf.ln(2)
            self._font("", 15)
            pdf.set_text_color(*MUTED)
            pdf.multi_cell(0, 8, self.subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(6)
        pdf.set_draw_color(*ACCENT)
        pdf.set_line_width(0.6)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + 40, pdf.get_y())
        pdf.ln(8)
        self._font("", 11)
        pdf.set_text_color(*INK)
        for line in lines:
            pdf.multi_cell(0, 6.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._font("", BODY_PT)

    def table_of_contents(self, pages: int = 1) -> None:
        """Keep ``pages`` pages here for the contents, filled in when the file is saved.

        Lists every :meth:`section` (and :meth:`subsection`, indented) with its page number
        and a link to it. Saving fails with a clear message if the entries need more pages.
        """
        if self._bytes is not None or self._toc_pages:
            raise RuntimeError("table_of_contents() can be called once, before save()")
        if pages < 1:
            raise ValueError(f"pages must be at least 1, not {pages}")
        self._toc_pages = int(pages)

    def _render_toc(self, pdf: FPDF, outline) -> None:
        pdf.set_x(pdf.l_margin)
        self._font("B", 16)
        pdf.set_text_color(*ACCENT)
        pdf.cell(0, 10, self.words["contents"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        for entry in outline:
            indent = 0 if entry.level == 0 else 7
            style, size, gap = ("B", 11, 2.5) if entry.level == 0 else ("", 10, 0.5)
            if pdf.get_y() + 6 + gap > pdf.page_break_trigger:
                raise RuntimeError(
                    f"the table of contents needs more than {self._toc_pages} page(s): "
                    f"call table_of_contents(pages={self._toc_pages + 1})")
            pdf.ln(gap)
            self._font(style, size)
            pdf.set_text_color(*(INK if entry.level == 0 else MUTED))
            link = pdf.add_link(page=entry.page_number)
            num_w = pdf.get_string_width("0000")
            name_w = pdf.epw - indent - num_w - 2
            name = entry.name
            while pdf.get_string_width(name) > name_w and len(name) > 1:
                name = name[:-2] + "…"
            pdf.set_x(pdf.l_margin + indent)
            pdf.cell(name_w, 6, name, link=link)
            pdf.cell(num_w + 2, 6, str(entry.page_number), align="R", link=link,
                     new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)

    def section(self, title: str) -> None:
        """Start a section on a new page: a contents entry, a bookmark and a heading."""
        self._begin(title, head=title, new_page=True)
        pdf = self.pdf
        pdf.start_section(title, level=0)
        self._sections += 1
        self._font("B", 17)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(*ACCENT)
        pdf.set_line_width(0.4)
        pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.w - pdf.r_margin, pdf.get_y() + 1)
        pdf.ln(6)
        pdf.set_text_color(*INK)
        self._font("", BODY_PT)

    def subsection(self, title: str) -> None:
        """A subheading (contents entry and bookmark), kept on a page with what follows it."""
        if not self._sections:
            raise RuntimeError("a subsection needs a section() before it")
        self._begin(title)
        pdf = self.pdf
        heading = self._text_height(title, pdf.epw, 6.5, "B", 12.5)
        # A heading alone at the foot of a page reads as a mistake: need room for 3 lines too.
        self._need(3 + heading + 3 * LINE_MM)
        pdf.ln(3)
        pdf.start_section(title, level=1)
        self._font("B", 12.5)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, 6.5, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)
        pdf.set_text_color(*INK)
        self._font("", BODY_PT)

    def page_break(self) -> None:
        """Continue on a new page."""
        self._begin(new_page=True)

    # ------------------------------------------------------------------ text
    def paragraph(self, text: str, *, muted: bool = False, size: float = BODY_PT) -> None:
        """A paragraph of running text, wrapped to the text width."""
        text = str(text)
        self._begin(text)
        pdf = self.pdf
        self._font("", size)
        pdf.set_text_color(*(MUTED if muted else INK))
        pdf.multi_cell(0, LINE_MM * size / BODY_PT, text, align="L",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        pdf.set_text_color(*INK)
        self._font("", BODY_PT)

    def bullets(self, items: Sequence[str]) -> None:
        """A bulleted list; long items wrap with a hanging indent."""
        items = [str(item) for item in items]
        self._begin(*items)
        pdf = self.pdf
        indent = 6
        for item in items:
            height = self._text_height(item, pdf.epw - indent, LINE_MM)
            self._need(min(height, 2 * LINE_MM))
            pdf.set_x(pdf.l_margin + 1.5)
            pdf.cell(indent - 1.5, LINE_MM, "•")
            pdf.multi_cell(pdf.epw - indent, LINE_MM, item, align="L",
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)
        pdf.ln(1.5)

    def key_figures(self, items: Sequence[tuple[str, str, str | None]], per_row: int = 4) -> None:
        """A row of boxes with one big number each: ``(label, value, note)`` per box.

        For an executive summary, e.g. ``("CSAT (top-2 box)", "68%", "95% CI 65-71")``; the
        note may be None. More than ``per_row`` items continue on a second row. A row of
        boxes is never split by a page break.
        """
        boxes = []
        for item in items:
            if not 2 <= len(item) <= 3:
                raise ValueError(f"key_figures takes (label, value, note) tuples, got {item!r}")
            label, value, note = (*item, None)[:3]
            boxes.append((str(label), str(value), "" if note is None else str(note)))
        self._begin(*(text for box in boxes for text in box))
        pdf = self.pdf
        gap, pad = 4.0, 3.0
        for start in range(0, len(boxes), per_row):
            row = boxes[start:start + per_row]
            box_w = (pdf.epw - gap * (len(row) - 1)) / len(row)
            inner = box_w - 2 * pad - 1.2
            heights = [self._text_height(label, inner, 4.2, "B", 8.5)
                       + self._text_height(value, inner, 10, "B", 20)
                       + (self._text_height(note, inner, 3.8, "", 8) if note else 0.0)
                       for label, value, note in row]
            box_h = max(heights) + 2 * pad
            self._need(box_h + 4)
            top = pdf.get_y()
            for i, (label, value, note) in enumerate(row):
                x = pdf.l_margin + i * (box_w + gap)
                pdf.set_fill_color(*BOX)
                pdf.rect(x, top, box_w, box_h, style="F")
                pdf.set_fill_color(*ACCENT)
                pdf.rect(x, top, 1.2, box_h, style="F")
                pdf.set_xy(x + 1.2 + pad, top + pad)
                self._font("B", 8.5)
                pdf.set_text_color(*MUTED)
                pdf.multi_cell(inner, 4.2, label, new_x=XPos.LEFT, new_y=YPos.NEXT)
                self._font("B", 20)
                pdf.set_text_color(*ACCENT)
                pdf.multi_cell(inner, 10, value, new_x=XPos.LEFT, new_y=YPos.NEXT)
                if note:
                    self._font("", 8)
                    pdf.set_text_color(*MUTED)
                    pdf.multi_cell(inner, 3.8, note, new_x=XPos.LEFT, new_y=YPos.NEXT)
            pdf.set_xy(pdf.l_margin, top + box_h + 4)
        pdf.set_fill_color(0)
        pdf.set_text_color(*INK)
        self._font("", BODY_PT)

    # ------------------------------------------------------------------ figures
    def figure(self, fig, width: float | None = None, caption: str | None = None) -> None:
        """Embed a matplotlib Figure as vector graphics, with a numbered caption below it.

        ``width`` is in mm (default: the text width); the height follows the figure's aspect
        ratio, shrunk if needed so figure and caption fit on one page. Figure and caption
        move to a new page together when they do not fit on this one. The figure is saved
        with ``bbox_inches="tight"``, so labels outside the axes are not cut off.
        """
        self._begin(caption or "")
        pdf = self.pdf
        converted = self._svg_with_pdf_fonts(_figure_svg(fig, fonttype="none"))
        if converted is None:
            # Some text has no embeddable font covering it: draw glyphs as outlines instead.
            converted = _outlined_svg(_figure_svg(fig, fonttype="path"))
        svg_w, svg_h = _svg_size(converted)
        width = min(float(width or pdf.epw), pdf.epw)
        self._figures += 1
        cap = f"{self.words['figure'].format(n=self._figures)} {caption}" if caption else ""
        cap_h = self._text_height(cap, pdf.epw, 4.5, "I", 9) + 1 if cap else 0.0
        height = width * svg_h / svg_w
        room = pdf.eph - cap_h - 4
        if height > room:
            width, height = width * room / height, room
        self._need(height + cap_h + 4)
        top = pdf.get_y() + 1
        # SVG text without a fill colour is drawn in the page's current one: make it black.
        pdf.set_fill_color(0)
        pdf.set_draw_color(0)
        pdf.image(io.BytesIO(converted), x=pdf.l_margin + (pdf.epw - width) / 2, y=top,
                  w=width, h=height)
        pdf.set_y(top + height + 1)
        if cap:
            self._font("I", 9)
            pdf.set_text_color(*MUTED)
            pdf.multi_cell(0, 4.5, cap, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_text_color(*INK)
        pdf.ln(4)
        self._font("", BODY_PT)

    def _svg_with_pdf_fonts(self, svg: bytes) -> bytes | None:
        """Point every SVG text at a font registered in the PDF; None if one has no font.

        matplotlib lists font families the CSS way and sizes text in px that mean SVG user
        units; fpdf2 would turn those into its 14 core fonts (no "²", no Chinese) at 3/4 size.
        Mathematical text comes as one <tspan> per glyph, which fpdf2 cannot place, so each
        becomes a <text> of its own.
        """
        root = ET.fromstring(svg)
        _tidy_svg(root)
        parent_of = {child: parent for parent in root.iter() for child in parent}
        for text in list(root.iter(f"{{{_SVG_NS}}}text")):
            spans = text.findall(f"{{{_SVG_NS}}}tspan")
            if not spans:
                continue
            parent = parent_of[text]
            at = list(parent).index(text)
            parent.remove(text)
            base = _css(text.get("style", ""))
            for offset, span in enumerate(spans):
                glyph = ET.Element(f"{{{_SVG_NS}}}text", {
                    "x": span.get("x", "0"), "y": span.get("y", "0"),
                    "style": _css_text({**base, **_css(span.get("style", ""))})})
                glyph.text = span.text
                parent.insert(at + offset, glyph)
        texts = list(root.iter(f"{{{_SVG_NS}}}text"))
        self._use_fonts_for(*("".join(text.itertext()) for text in texts))
        fallbacks = (find_latin_font()[""],) + ((self._cjk,) if self._cjk else ())
        for text in texts:
            style = _css(text.get("style", ""))
            path = _font_for(style.get("font-family", "sans-serif"),
                             style.get("font-weight", "normal"),
                             style.get("font-style", "normal"),
                             "".join(text.itertext()), fallbacks)
            if path is None:
                return None
            family, emphasis = self._svg_family(path)
            for key in ("font-weight", "font-style", "font-variant", "font-stretch"):
                style.pop(key, None)
            style["font-family"] = family
            if "B" in emphasis:
                style["font-weight"] = "bold"
            if "I" in emphasis:
                style["font-style"] = "italic"
            size = style.get("font-size", "")
            if size.endswith("px"):
                style["font-size"] = size[:-2]
            text.set("style", _css_text(style))
        return _svg_bytes(root)

    def _svg_family(self, path: Path) -> tuple[str, str]:
        if path not in self._svg_fonts:
            family = f"svgfont{len(self._svg_fonts) + 1}"
            self.pdf.add_font(family, "", str(path))
            self._svg_fonts[path] = (family, "")
        return self._svg_fonts[path]

    # ------------------------------------------------------------------ tables
    def table(self, frame: pd.DataFrame, columns: Sequence[str] | Mapping[str, str] | None = None,
              formats: Mapping[str, str | Callable[[object], str]] | None = None,
              col_widths: Sequence[float] | None = None, title: str | None = None,
              font_size: float = 8.5) -> None:
        """Render a DataFrame as a table that may run over several pages.

        Parameters
        ----------
        frame : DataFrame
            The rows to show, in order (the index is not shown: reset it to show it).
        columns : list of names, or mapping of name -> header text, optional
            Which columns to show, in this order (default: all), and optionally their headers.
        formats : mapping of column -> format, optional
            A format string (``"{:.1%}"`` or just ``".1%"``) or a function value -> str.
            Defaults: integers with thousands separators, other numbers with 2 decimals.
            Missing values show as "–".
        col_widths : list of numbers, optional
            Relative column widths (default: from the content). The table spans the text width.
        title : str, optional
            A numbered title above the table ("Table 3. ...").
        font_size : float
            Text size in points.

        Numbers are right-aligned, text wraps inside its cell, rows are striped, the header
        row repeats at the top of every page and no row is ever split between pages.
        """
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"table() takes a pandas DataFrame, not {type(frame).__name__}")
        if columns is None:
            columns = {c: str(c) for c in frame.columns}
        elif not isinstance(columns, Mapping):
            columns = {c: str(c) for c in columns}
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise KeyError(f"table(): no column(s) {missing} in the frame; it has "
                           f"{[str(c) for c in frame.columns]}")
        formats = dict(formats or {})
        unknown = [c for c in formats if c not in columns]
        if unknown:
            raise KeyError(f"table(): formats given for column(s) {unknown} that are not shown")
        names = list(columns)
        numeric = [pd.api.types.is_numeric_dtype(frame[c])
                   and not pd.api.types.is_bool_dtype(frame[c]) for c in names]
        body = [[_format_cell(value, formats.get(name), frame[name].dtype)
                 for name, value in zip(names, row, strict=True)]
                for row in frame[names].itertuples(index=False, name=None)]
        header = [str(columns[c]) for c in names]
        if col_widths is not None and len(col_widths) != len(names):
            raise ValueError(f"col_widths has {len(col_widths)} values for {len(names)} columns")
        label = (f"{self.words['table'].format(n=self._tables + 1)} {title}" if title else "")
        self._begin(label, *header, *(cell for row in body for cell in row))
        pdf = self.pdf
        self._font("", font_size)
        widths = tuple(col_widths) if col_widths is not None else self._natural_widths(header, body)

        # Keep the title with the header row and the first row (about 2 lines each).
        first_rows = 2 * (2 * font_size * 0.42 + 2.4)
        if title:
            self._tables += 1
            self._need(self._text_height(label, pdf.epw, 5, "B", 9.5) + 1.5 + first_rows)
            self._font("B", 9.5)
            pdf.set_text_color(*ACCENT)
            pdf.multi_cell(0, 5, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1.5)
            pdf.set_text_color(*INK)
        else:
            self._need(first_rows)
        self._font("", font_size)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        bold = TextEmphasis.B if "B" in self._styles else TextEmphasis.NONE
        headings = FontFace(family=self.font, emphasis=bold, color=(255, 255, 255),
                            fill_color=ACCENT, size_pt=font_size)
        with pdf.table(width=pdf.epw, col_widths=widths,
                       text_align=tuple("RIGHT" if n else "LEFT" for n in numeric),
                       v_align="TOP", borders_layout=TableBordersLayout.HORIZONTAL_LINES,
                       cell_fill_mode=TableCellFillMode.EVEN_ROWS, cell_fill_color=ZEBRA,
                       headings_style=headings, line_height=font_size * 0.42,
                       padding=(1.2, 1.5, 1.2, 1.5), repeat_headings=1) as table:
            table.row(header)
            for values in body:
                table.row(values)
        pdf.ln(4)
        self._font("", BODY_PT)

    def _natural_widths(self, header: list[str], body: list[list[str]]) -> tuple[float, ...]:
        """Relative column widths from the content: wide enough for the longest header word
        and for the usual cell, with long text capped so one column cannot take the page."""
        pdf = self.pdf
        widths = []
        for j, head in enumerate(header):
            words = max((pdf.get_string_width(w) for w in head.split()), default=0)
            cells = sorted(pdf.get_string_width(row[j]) for row in body[:400])
            typical = cells[int(0.9 * (len(cells) - 1))] if cells else 0
            widths.append(max(words * 1.1, min(typical, 70.0), 8.0) + 3)
        return tuple(widths)

    # ------------------------------------------------------------------ output
    def save(self, path: str | Path) -> Path:
        """Write the PDF to ``path`` atomically; the same content always gives the same bytes.

        The contents are filled in here, so overfull contents fail at this step and leave no
        file behind (an older file at ``path`` is kept as it was). A document can be saved
        again, to other paths, but not changed after saving.
        """
        if self._bytes is None:
            if self._toc_pages and not self._toc_done:
                raise RuntimeError("table_of_contents() needs at least one section after it")
            if self.pdf.page == 0:
                raise RuntimeError("nothing to save: the document has no pages")
            self._bytes = bytes(self.pdf.output())
        data = self._bytes
        return atomic_write(path, lambda tmp: tmp.write_bytes(data))


# ---------------------------------------------------------------------- helpers
def _format_cell(value, fmt, dtype) -> str:
    if value is None or (not isinstance(value, (str, bytes)) and _is_missing(value)):
        return "–"
    if callable(fmt):
        return str(fmt(value))
    if isinstance(fmt, str):
        return fmt.format(value) if "{" in fmt else format(value, fmt)
    if isinstance(value, bool):
        return str(value)
    if pd.api.types.is_integer_dtype(dtype) or isinstance(value, int):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _figure_svg(fig, fonttype: str) -> bytes:
    # A fixed hash salt and no date make matplotlib's SVG ids and metadata the same every run.
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "drivers-report", "svg.fonttype": fonttype,
                                "svg.image_inline": True}), _hatches_as_lines(fig):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight",
                    pad_inches=0.04)
    return buffer.getvalue()


@contextlib.contextmanager
def _hatches_as_lines(fig):
    """Draw every hatch as plain lines inside its patch while the figure is saved.

    matplotlib writes a hatch to SVG as a ``<pattern>`` fill, which fpdf2 cannot paint (the
    patch would come out white, and a black-and-white print would lose the hatch that tells
    dimensions apart), and fpdf2 does not apply SVG clip paths either. So each hatched
    rectangle (bars, legend boxes) gets the hatch path matplotlib would tile (one-inch cells,
    as its backends use), cut to the rectangle here, as a line artist just above it; other
    hatched shapes keep their colour without the hatch. The figure is restored afterwards.
    """
    from matplotlib.legend import Legend
    from matplotlib.patches import Patch, PathPatch, Rectangle

    fig.canvas.draw()
    legend_of = {id(part): legend for legend in fig.findobj(Legend)
                 for part in legend.findobj(Patch)}
    to_figure = fig.transFigure.inverted()
    changed, added = [], []
    for patch in fig.findobj(Patch):
        pattern = patch.get_hatch()
        if not pattern or not patch.get_visible():
            continue
        changed.append((patch, pattern))
        patch.set_hatch(None)
        box = patch.get_window_extent()
        if not isinstance(patch, Rectangle) or box.width <= 0 or box.height <= 0:
            continue
        path = _hatch_in_box(pattern, box.x0, box.y0, box.x1, box.y1, cell=fig.dpi)
        if path is None:
            continue
        lines = PathPatch(to_figure.transform_path(path), transform=fig.transFigure,
                          fill=False, edgecolor=patch.get_hatchcolor(),
                          linewidth=patch.get_hatch_linewidth(), capstyle="butt")
        legend = legend_of.get(id(patch))
        lines.set_zorder((legend or patch).get_zorder() + 0.01)
        # A legend's box lives in its axes (or the figure, for a figure legend).
        ((legend.axes if legend is not None else patch.axes) or fig).add_artist(lines)
        lines.set_clip_on(False)  # already cut to the patch; a legend lies outside the axes
        added.append(lines)
    try:
        yield
    finally:
        for lines in added:
            lines.remove()
        for patch, pattern in changed:
            patch.set_hatch(pattern)


def _hatch_in_box(pattern: str, x0: float, y0: float, x1: float, y1: float, cell: float):
    """matplotlib's hatch ``pattern`` tiled over a box (display units) and cut to it.

    Straight strokes are clipped to the box (Liang-Barsky); small closed marks (dots,
    circles) are kept when they lie inside. Returns a Path, or None when nothing is left.
    """
    from matplotlib.path import Path as MplPath

    unit = MplPath.hatch(pattern, 6)
    vertices, codes = [], []
    for left in np.arange(np.floor(x0 / cell) * cell, x1, cell):
        for bottom in np.arange(np.floor(y0 / cell) * cell, y1, cell):
            tile = MplPath(unit.vertices * cell + (left, bottom), unit.codes)
            for piece in _subpaths(tile):
                if len(piece.vertices) == 2:
                    cut = _clip_segment(piece.vertices, x0, y0, x1, y1)
                    if cut is not None:
                        vertices += list(cut)
                        codes += [MplPath.MOVETO, MplPath.LINETO]
                elif ((piece.vertices[:, 0] >= x0) & (piece.vertices[:, 0] <= x1)
                      & (piece.vertices[:, 1] >= y0) & (piece.vertices[:, 1] <= y1)).all():
                    vertices += list(piece.vertices)
                    codes += list(piece.codes)
    return MplPath(np.array(vertices), np.array(codes, dtype=MplPath.code_type)) \
        if vertices else None


def _subpaths(path):
    """Split a path at each MOVETO."""
    from matplotlib.path import Path as MplPath

    starts = np.flatnonzero(path.codes == MplPath.MOVETO).tolist() + [len(path.codes)]
    for start, stop in zip(starts[:-1], starts[1:], strict=True):
        yield MplPath(path.vertices[start:stop], path.codes[start:stop])


def _clip_segment(ends: np.ndarray, x0: float, y0: float, x1: float, y1: float):
    """The part of segment ``ends`` (2 x 2) inside the box, or None (Liang-Barsky)."""
    (ax, ay), (bx, by) = ends
    dx, dy = bx - ax, by - ay
    low, high = 0.0, 1.0
    for p, q in ((-dx, ax - x0), (dx, x1 - ax), (-dy, ay - y0), (dy, y1 - ay)):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
    if low >= high:
        return None
    return np.array([[ax + low * dx, ay + low * dy], [ax + high * dx, ay + high * dy]])


def _tidy_svg(root: ET.Element) -> None:
    """Make matplotlib's SVG drawable by fpdf2: no <metadata>, no transformed <image>.

    fpdf2 logs a warning for <metadata> (nothing in it matters for a PDF) and ignores the
    ``transform`` on <image>. matplotlib stores images (colour bars, imshow) upside down
    under ``scale(1 -1) translate(0 -H)``; flipping the pixels and moving the box instead
    draws them in place.
    """
    for meta in root.findall(f"{{{_SVG_NS}}}metadata"):
        root.remove(meta)
    for image in root.iter(f"{{{_SVG_NS}}}image"):
        transform = image.get("transform")
        if not transform:
            continue
        flip = re.fullmatch(r"\s*scale\(1 -1\)\s*translate\(0 (-?[\d.]+)\)\s*", transform)
        href_key = next((k for k in image.attrib if k.endswith("href")), None)
        data = image.get(href_key, "") if href_key else ""
        if flip is None or not data.startswith("data:image/png;base64,"):
            warnings.warn(f"a figure image has a transform fpdf2 cannot draw ({transform!r}); "
                          "it may be misplaced in the PDF", stacklevel=4)
            continue
        top = float(image.get("y", "0"))
        height = float(image.get("height", "0"))
        with Image.open(io.BytesIO(base64.b64decode(data.split(",", 1)[1]))) as picture:
            flipped = io.BytesIO()
            picture.transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(flipped, format="PNG")
        image.set(href_key, "data:image/png;base64," + base64.b64encode(flipped.getvalue()).decode())
        image.set("y", repr(-float(flip.group(1)) - top - height))
        del image.attrib["transform"]


def _outlined_svg(svg: bytes) -> bytes:
    root = ET.fromstring(svg)
    _tidy_svg(root)
    return _svg_bytes(root)


def _svg_bytes(root: ET.Element) -> bytes:
    # fpdf2 recognises SVG data by its opening "<?xml ", which ElementTree leaves out by
    # default for UTF-8.
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _svg_size(svg: bytes) -> tuple[float, float]:
    root = ET.fromstring(svg)
    box = root.get("viewBox")
    if box:
        _, _, w, h = (float(v) for v in box.replace(",", " ").split())
        return w, h
    width, height = (float(re.sub(r"[a-z%]+$", "", root.get(k, "0"))) for k in ("width", "height"))
    return width, height


def _css(style: str) -> dict[str, str]:
    pairs = (item.split(":", 1) for item in style.split(";") if ":" in item)
    return {key.strip(): value.strip() for key, value in pairs}


def _css_text(style: Mapping[str, str]) -> str:
    return "; ".join(f"{key}: {value}" for key, value in style.items())


@lru_cache(maxsize=256)
def _font_file(family: str, weight: str, style: str) -> Path | None:
    """The file matplotlib uses for one family name, or None if it has none that fpdf2 embeds."""
    from matplotlib import font_manager

    weight_value = int(weight) if weight.isdigit() else weight
    props = font_manager.FontProperties(family=family, weight=weight_value, style=style)
    try:
        found = Path(font_manager.findfont(props, fallback_to_default=False))
    except ValueError:
        return None
    return found if found.suffix.lower() in _EMBEDDABLE else None


def _font_for(families: str, weight: str, style: str, text: str,
              fallbacks: tuple[Path, ...]) -> Path | None:
    """First font of a CSS family list that has every glyph of ``text``, then the fallbacks."""
    names = [name.strip().strip("'\"") for name in families.split(",") if name.strip()]
    for name in names:
        path = _font_file(name, weight, style)
        if path is not None and _covers(path, text):
            return path
    for path in fallbacks:
        if _covers(path, text):
            return path
    return None

