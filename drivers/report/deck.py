"""The slides for the meeting: the report's key charts, one per slide, with python-pptx.

Each slide's title is the headline sentence of its chart (the same sentence as in the PDF),
its body the chart (the same :class:`drivers.report.charts.Chart` as in the PDF, as PNG), and
the numbers behind it go in the speaker notes, so the presenter can quote them. Slides: the
title, the key numbers, the drivers of CSAT and of NPS, both priority matrices, CSAT against
NPS, and the segments.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from drivers.messages import words
from drivers.report.numbers import ReportNumbers, label, per_outcome
from drivers.report.pages import Document

#: Slide size: 16:9 in inches.
SLIDE = (13.333, 7.5)


def write_deck(doc: Document, numbers: ReportNumbers, lang: str, path: str | Path) -> Path:
    """Write the deck atomically; returns its path."""
    from drivers.output import atomic_write

    return atomic_write(Path(path), lambda tmp: _deck(doc, numbers, lang).save(str(tmp)))


def slide_plan(doc: Document, numbers: ReportNumbers) -> list[tuple[dict, str]]:
    """The figure blocks that become slides, in order, with the table their notes quote."""
    wanted = [(f"{numbers.csat}-attributes", "csat"), (f"{numbers.nps}-attributes", "nps"),
              (f"{numbers.csat}-matrix", "csat_matrix"), (f"{numbers.nps}-matrix", "nps_matrix"),
              ("compare-scatter", "compare")]
    charts = {block["chart"].key.split("-", 1)[1]: block for block, _ in doc.charts()}
    plan = [(charts[key], kind) for key, kind in wanted if key in charts]
    plan += [(block, "segment") for key, block in charts.items() if key.startswith("mix-")]
    return plan


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

    if kind in ("csat", "nps"):
        name = numbers.csat if kind == "csat" else numbers.nps
        table = per_outcome(numbers.tables["drivers_attribute"], name)
        table = table.sort_values("share", ascending=False, kind="mergesort")
        return [share_line(row, name) for _, row in table.iterrows()]
    if kind.endswith("_matrix"):
        name = numbers.csat if kind.startswith("csat") else numbers.nps
        actions = numbers.tables[f"actions_{name}"]
        return [f"{int(r['priority'])}. {label(study, r['attribute'], lang)}: "
                f"{w(f'chart.quadrant_{_key(r.quadrant)}')}, {w.pct(r['importance'], 1)}, "
                f"{w.number(r['performance'], 2)}" for _, r in actions.iterrows()]
    if kind == "compare":
        attr = numbers.tables["drivers_attribute"]
        return [f"{label(study, r['driver'], lang)}: CSAT {w.pct(r[f'share_{numbers.csat}'], 1)}"
                f", NPS {w.pct(r[f'share_{numbers.nps}'], 1)}, "
                f"{w.points(100 * r['diff'], signed=True, digits=1)}"
                for _, r in attr.iterrows()]
    return []


def _deck(doc: Document, numbers: ReportNumbers, lang: str):
    import io

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
    import datetime as dt

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

    for block, kind in slide_plan(doc, numbers):
        slide = deck.slides.add_slide(deck.slide_layouts[5])
        slide.shapes.title.text = block["headline"]
        _fit_title(slide, Pt)
        png = block["chart"].render("png", dpi=150)
        picture = slide.shapes.add_picture(io.BytesIO(png), Inches(0.5), Inches(1.5),
                                           height=Inches(5.7))
        if picture.width > Inches(12.3):  # wide charts: fit the width instead
            ratio = Inches(12.3) / picture.width
            picture.width, picture.height = Inches(12.3), int(picture.height * ratio)
        picture.left = int((deck.slide_width - picture.width) / 2)
        _notes(slide, [block["caption"], *notes(kind, numbers, lang)])
    return deck


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


def _key(quadrant: str) -> str:
    return quadrant.lower().replace(" ", "_")
