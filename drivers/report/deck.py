"""The slides for the meeting: the report's key charts, one per slide, with python-pptx.

Each slide's title is the headline sentence of its chart (the same sentence as in the PDF),
its body the chart (the same :class:`drivers.report.charts.Chart` as in the PDF, as PNG), and
the numbers behind it go in the speaker notes, so the presenter can quote them. Slides: the
title, the key numbers, the drivers of CSAT and of NPS, both priority matrices, CSAT against
NPS, and the segments.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd

from drivers.messages import words
from drivers.report.numbers import ReportNumbers, label
from drivers.report.pages import Document

#: Slide size: 16:9 in inches.
SLIDE = (13.333, 7.5)
#: Resolution of the chart pictures on the slides.
SLIDE_DPI = 150


def write_deck(doc: Document, numbers: ReportNumbers, lang: str, path: str | Path) -> Path:
    """Write the deck atomically; returns its path. The same report gives the same bytes."""
    from drivers.output import atomic_write

    def write(tmp):
        buffer = io.BytesIO()
        _deck(doc, numbers, lang).save(buffer)
        Path(tmp).write_bytes(fixed_zip(buffer.getvalue(), doc.meta.get("date")))

    return atomic_write(Path(path), write)


def fixed_zip(data: bytes, date: str | None) -> bytes:
    """A zip archive (a .pptx) rewritten with every entry stamped at ``date`` (or 2000-01-01).

    python-pptx stamps each part with the current time, so two runs differ in their bytes;
    the parts themselves are the same. Order, names, contents and compression are kept.
    """
    import zipfile

    day = dt.date.fromisoformat(date) if date else dt.date(2000, 1, 1)
    stamp = (day.year, day.month, day.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(item.filename))
    return out.getvalue()


def slide_plan(doc: Document, numbers: ReportNumbers) -> list[tuple[dict, str]]:
    """The figure blocks that become slides, in order, with the table their notes quote."""
    wanted = [(f"{name}-attributes", f"drivers:{name}") for name in numbers.outcomes]
    wanted += [(f"{name}-matrix", f"matrix:{name}") for name in numbers.outcomes]
    wanted.append(("compare-scatter", "compare"))
    charts = {block["chart"].key.split("-", 1)[1]: block for block, _ in doc.charts()}
    plan = [(charts[key], kind) for key, kind in wanted if key in charts]
    plan += [(block, "segment") for key, block in charts.items() if key.startswith("mix-")]
    return plan


def chart_formats(doc: Document, numbers: ReportNumbers) -> dict[str, list[tuple[str, int]]]:
    """The picture format of each chart the deck shows (``{key: [("png", SLIDE_DPI)]}``)."""
    return {block["chart"].key: [("png", SLIDE_DPI)] for block, _ in slide_plan(doc, numbers)}


def notes(kind: str, numbers: ReportNumbers, lang: str) -> list[str]:
    """The numbers behind a slide, one line each."""
    w = words(lang)
    study = numbers.study

    def share_line(row, name):
        text = f"{label(study, row['driver'], lang)}: {w.pct(row['share'], 1)}"
        if pd.notna(row.get("share_ci_low")):
            text += w.bracket(w.interval(w.pct(row["share_ci_low"], 1),
                                         w.pct(row["share_ci_high"], 1)))
        return text

    if kind.startswith("drivers:"):
        name = kind.split(":", 1)[1]
        table = numbers.importance(name).sort_values("share", ascending=False, kind="mergesort")
        return [share_line(row, name) for _, row in table.iterrows()]
    if kind.startswith("matrix:"):
        name = kind.split(":", 1)[1]
        actions = numbers.tables[f"actions_{name}"]
        return [f"{int(r['priority'])}. {label(study, r['attribute'], lang)}: "
                f"{w(f'chart.quadrant_{_key(r.quadrant)}')}{w.bracket(_confidence(w, r))}, "
                f"{w.pct(r['importance'], 1)}, {w.number(r['performance'], 2)}"
                for _, r in actions.iterrows()]
    if kind == "compare":
        attr = numbers.tables["drivers_attribute"]
        return [f"{label(study, r['driver'], lang)}: CSAT {w.pct(r[f'share_{numbers.csat}'], 1)}"
                f", NPS {w.pct(r[f'share_{numbers.nps}'], 1)}, "
                f"{w.points(100 * r['diff'], signed=True, digits=1)}"
                for _, r in attr.iterrows()]
    return []


def _deck(doc: Document, numbers: ReportNumbers, lang: str):
    from pptx import Presentation
    from pptx.util import Inches, Pt

    w = words(lang)
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(SLIDE[0]), Inches(SLIDE[1])
    # The core properties carry a creation time of their own: fix them for the same bytes.
    props = deck.core_properties
    props.title = doc.meta["title"]
    props.author = doc.meta.get("company") or "drivers"
    props.last_modified_by = "drivers"
    props.revision = 1
    stamp = dt.datetime.fromisoformat(doc.meta["date"]) if doc.meta.get("date") else \
        dt.datetime(2000, 1, 1)
    props.created = props.modified = stamp
    props.last_printed = stamp

    title = deck.slides.add_slide(deck.slide_layouts[0])
    title.shapes.title.text = doc.meta["title"]
    title.placeholders[1].text = "\n".join(
        part for part in (doc.meta["subtitle"], doc.meta.get("company"),
                          doc.meta.get("date_text"), doc.meta.get("confidentiality")) if part)

    facts = numbers.facts
    keys = next(b for b in doc.blocks if b["kind"] == "key_figures")
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    summary = next(b for b in doc.blocks if b["kind"] == "paragraph"
                   and b is not None and doc.blocks.index(b) > doc.blocks.index(keys))
    slide.shapes.title.text = w("summary.title")
    _fit_title(slide, Pt)
    box = slide.shapes.add_textbox(Inches(0.7), Inches(1.6), Inches(11.9), Inches(2.2))
    frame = box.text_frame
    frame.word_wrap = True
    for k, item in enumerate(keys["items"]):
        para = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = f"{item['label']}: {item['value']}"
        run.font.size = Pt(28)
        run.font.bold = True
        note = para.add_run()
        note.text = "   " + item["note"].replace("\n", "; ")
        note.font.size = Pt(16)
    text = slide.shapes.add_textbox(Inches(0.7), Inches(4.2), Inches(11.9), Inches(2.8))
    text.text_frame.word_wrap = True
    text.text_frame.text = summary["text"]
    for para in text.text_frame.paragraphs:
        for run in para.runs:
            run.font.size = Pt(18)
    _notes(slide, [f"{item['label']}: {item['value']} ({item['note']})"
                   for item in keys["items"]]
           + [f"n = {facts['n']:,}; {w('summary.base_box')} = {facts['n_used']:,}"])

    _actions_slide(deck, doc, Inches, Pt)

    for block, kind in slide_plan(doc, numbers):
        slide = deck.slides.add_slide(deck.slide_layouts[5])
        slide.shapes.title.text = block["headline"]
        _fit_title(slide, Pt)
        png = block["chart"].render("png", dpi=SLIDE_DPI)
        picture = slide.shapes.add_picture(io.BytesIO(png), Inches(0.5), Inches(1.5),
                                           height=Inches(5.7))
        if picture.width > Inches(12.3):  # wide charts: fit the width instead
            ratio = Inches(12.3) / picture.width
            picture.width, picture.height = Inches(12.3), int(picture.height * ratio)
        picture.left = int((deck.slide_width - picture.width) / 2)
        _notes(slide, [block["caption"], *notes(kind, numbers, lang)])
    return deck


def _actions_slide(deck, doc: Document, inches, pt) -> None:
    """The first actions as the executive summary prints them: its table and its rule."""
    found = [k for k, b in enumerate(doc.blocks) if b["kind"] == "table"
             and b.get("role") == "first_actions"]
    if not found:
        return
    table = doc.blocks[found[0]]
    rule = doc.blocks[found[0] + 1]
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = table["title"]
    _fit_title(slide, pt)
    rows, columns = len(table["rows"]) + 1, len(table["columns"])
    total = sum(table["widths"])
    shape = slide.shapes.add_table(rows, columns, inches(0.5), inches(1.6), inches(12.3),
                                   inches(0.5 * rows))
    grid = shape.table
    for j, width in enumerate(table["widths"]):
        grid.columns[j].width = int(inches(12.3) * width / total)
    for i, values in enumerate([table["columns"], *table["rows"]]):
        for j, value in enumerate(values):
            cell = grid.cell(i, j)
            cell.text = str(value)
            for para in cell.text_frame.paragraphs:
                for run in para.runs:
                    run.font.size = pt(14 if i else 13)
                    run.font.bold = i == 0
    note = slide.shapes.add_textbox(inches(0.5), inches(1.9 + 0.55 * rows), inches(12.3),
                                    inches(1.8))
    note.text_frame.word_wrap = True
    note.text_frame.text = rule["text"]
    for para in note.text_frame.paragraphs:
        for run in para.runs:
            run.font.size = pt(12)
    _notes(slide, [rule["text"]])


def _fit_title(slide, pt) -> None:
    from pptx.util import Inches

    title = slide.shapes.title
    title.left, title.top, title.width, title.height = (Inches(0.5), Inches(0.3),
                                                        Inches(12.3), Inches(1.1))
    for para in title.text_frame.paragraphs:
        for run in para.runs:
            run.font.size = pt(24)
    title.text_frame.word_wrap = True


def _notes(slide, lines: list[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


def _confidence(w, row) -> str:
    level = row.get("confidence")
    if not isinstance(level, str) or not level:
        return w("values.confidence_none")
    return w("values.confidence_in_text", level=w(f"values.confidence_{level}"),
             p=f"{100 * row['quadrant_probability']:.0f}")


def _key(quadrant: str) -> str:
    return quadrant.lower().replace(" ", "_")
