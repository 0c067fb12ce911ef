"""Typesetting the report with Typst: the document's blocks, its charts as SVG, a template.

:func:`render_pdf` writes the blocks of a :class:`drivers.report.pages.Document` as
``report.json`` into a fresh build folder, each chart as an SVG file (text kept as text), the
logo, and the template (``templates/report.typ`` or a team's own), and compiles it with the
``typst`` package. Typst lays out the pages, the contents, the running headers and the tables
(whose headers repeat on every page they continue on); nothing is placed by hand.

Fonts: Typst sees only the fonts given here (``ignore_system_fonts``), the same files
matplotlib draws the charts with (DejaVu Sans from matplotlib, and Noto Sans CJK SC from the
``mplfonts`` package for Chinese), so a chart's words look like the page's and the same input
gives the same bytes on any machine. The PDF's date is the report date given, never the clock.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from drivers.report.pages import Document

TEMPLATE = Path(__file__).resolve().parent / "templates" / "report.typ"
#: Stroke (in points) that gives headings a bold weight in a font without a bold face.
HEADING_STROKE = {"en": 0.0, "zh": 0.35}
#: How the PDF embeds a chart: SVG (text stays text), at the resolution of its raster parts.
FIGURE_FORMAT = ("svg", 200)


def font_files(lang: str) -> list[Path]:
    """The font files of the report: matplotlib's DejaVu Sans, and a CJK font for Chinese.

    The CJK file is the one :func:`drivers.style.cjk_font` registered with matplotlib, so
    charts and pages use the same font.
    """
    import matplotlib
    from matplotlib import font_manager

    from drivers.style import cjk_font

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    files = [folder / name for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf",
                                        "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf")]
    family = cjk_font()
    if family is not None:
        path = font_manager.findfont(font_manager.FontProperties(family=family),
                                     fallback_to_default=False)
        files.append(Path(path))
    return files


def font_families(lang: str) -> list[str]:
    """Font families in the order Typst should try them (Latin first, then CJK)."""
    from drivers.style import cjk_font

    family = cjk_font()
    return ["DejaVu Sans"] + ([family] if family else [])


def chart_formats(doc: Document) -> dict[str, list[tuple[str, int]]]:
    """The format of every chart the PDF shows (``{key: [FIGURE_FORMAT]}``)."""
    return {chart.key: [FIGURE_FORMAT] for _, chart in doc.charts()}


def render_pdf(doc: Document, template: str | Path | None = None) -> tuple[bytes, dict]:
    """Compile the document to PDF bytes (charts not rendered yet are drawn here, one by
    one; :func:`drivers.report.charts.render_charts` draws them on every core first).

    Returns
    -------
    (bytes, dict)
        The PDF, and the pages the template reported for each ``mark`` block (e.g.
        ``{"summary-start": 3, "summary-end": 3, "report-end": 30}``; the last block of a
        document is the ``report-end`` mark, so its page is the page count.
    """
    import typst

    template = Path(template) if template else TEMPLATE
    if not template.is_file():
        raise ValueError(f"{template}: no such Typst template")
    with tempfile.TemporaryDirectory(prefix="drivers-report-") as folder:
        root = Path(folder)
        fonts = root / "fonts"
        fonts.mkdir()
        for path in font_files(doc.meta["lang"]):
            shutil.copyfile(path, fonts / path.name)
        (root / "figures").mkdir()
        blocks = []
        for block in doc.blocks:
            if block["kind"] == "figure":
                chart = block["chart"]
                name = f"figures/{chart.key}.svg"
                (root / name).write_bytes(chart.render(*FIGURE_FORMAT))
                block = {k: v for k, v in block.items() if k != "chart"} | {"file": name}
            blocks.append(block)
        meta = dict(doc.meta)
        meta["fonts"] = font_families(meta["lang"])
        meta["heading_stroke"] = HEADING_STROKE.get(meta["lang"], 0.35)
        if meta.get("logo"):
            logo = Path(meta["logo"])
            if not logo.is_file():
                raise ValueError(f"{logo}: the logo file does not exist")
            shutil.copyfile(logo, root / f"logo{logo.suffix.lower()}")
            meta["logo"] = f"logo{logo.suffix.lower()}"
        (root / "report.json").write_text(json.dumps({"meta": meta, "blocks": blocks},
                                                     ensure_ascii=False, indent=1),
                                          encoding="utf-8")
        main = root / "report.typ"
        shutil.copyfile(template, main)
        options = {"root": str(root), "font_paths": [str(fonts)], "ignore_system_fonts": True}
        pdf = typst.compile(str(main), **options)
        marks = {}
        for name in [b["name"] for b in doc.blocks if b["kind"] == "mark"]:
            found = json.loads(typst.query(str(main), f"<{name}>", field="value", **options))
            if found:
                marks[name] = int(found[0])
    return pdf, marks
