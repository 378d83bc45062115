"""PDFs as companies publish them: a press kit and an annual report, laid out like real ones.

Real press kits and annual reports are set in columns with a running header and footer;
the people sit in a "Media contact" block at the end of a press kit and in a grid of
portraits-with-captions on an annual report's management page. reportlab (a maintained
PDF library) writes them, so text extraction meets compressed content streams, embedded
standard fonts and two-column flow, as on the web. ``invariant`` keeps the bytes the same
for the same input (a generated world is reproducible).

reportlab is needed only to *write* such worlds (the ``worlds`` and ``test`` extras);
reading PDFs during research uses ``lookup.web.pdf``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Contact", "annual_report", "press_kit"]


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    title: str
    email: str | None = None
    phone: str | None = None


def _library():  # noqa: ANN202 - reportlab's modules, imported when a PDF is written
    try:
        from reportlab.lib import colors, styles, units
        from reportlab.lib.pagesizes import A4
        from reportlab.platypus import (
            BaseDocTemplate,
            Frame,
            FrameBreak,
            NextPageTemplate,
            PageBreak,
            PageTemplate,
            Paragraph,
            Spacer,
            Table,
            TableStyle,
        )
    except ImportError as exc:  # pragma: no cover - the extra is part of the test install
        raise RuntimeError(
            "Writing a world with PDFs needs reportlab: install the project with the 'worlds' "
            "extra (pip install -e '.[worlds]')."
        ) from exc
    return (colors, styles, units, A4, BaseDocTemplate, Frame, FrameBreak, NextPageTemplate,
            PageTemplate, Paragraph, Spacer, Table, TableStyle, PageBreak)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _document(buffer: io.BytesIO, title: str, header: str, footer: str, *, columns: int,
              first: str = "opening"):  # noqa: ANN202
    """Page templates under a running header and footer: "full" (one frame), "columns", and
    "opening" (a full-width title band above the columns, as a press kit's first page)."""
    (colors, _, units, a4, base_doc, frame, _, _, page_template, *_) = _library()
    width, height = a4
    margin = 18 * units.mm
    gap = 8 * units.mm

    def decorate(canvas, doc) -> None:  # noqa: ANN001 - reportlab's callback signature
        canvas.saveState()
        canvas.setFillColor(colors.HexColor("#1f3a5f"))
        canvas.rect(0, height - 14 * units.mm, width, 14 * units.mm, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawString(margin, height - 9 * units.mm, header)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.setFont("Helvetica", 8)
        canvas.drawString(margin, 10 * units.mm, footer)
        canvas.drawRightString(width - margin, 10 * units.mm, f"{doc.page}")
        canvas.restoreState()

    body_top, body_height = height - 24 * units.mm, height - 44 * units.mm
    column = (width - 2 * margin - gap * (columns - 1)) / columns
    frames = [frame(margin + i * (column + gap), 20 * units.mm, column, body_height,
                    id=f"col{i}") for i in range(columns)]
    full = frame(margin, 20 * units.mm, width - 2 * margin, body_height, id="full")
    band = 45 * units.mm
    top = frame(margin, 20 * units.mm + body_height - band, width - 2 * margin, band, id="top")
    under = [frame(margin + i * (column + gap), 20 * units.mm, column, body_height - band,
                   id=f"under{i}") for i in range(columns)]
    doc = base_doc(buffer, pagesize=a4, title=title, author=header, invariant=1,
                   leftMargin=margin, rightMargin=margin, topMargin=height - body_top,
                   bottomMargin=20 * units.mm)
    templates = [page_template(id="opening", frames=[top, *under], onPage=decorate),
                 page_template(id="full", frames=[full], onPage=decorate),
                 page_template(id="columns", frames=frames, onPage=decorate)]
    doc.addPageTemplates(sorted(templates, key=lambda t: t.id != first))  # the first page's first
    return doc


def _styles():  # noqa: ANN202
    _, styles, *_ = _library()
    sheet = styles.getSampleStyleSheet()
    return {"h1": sheet["Title"], "h2": sheet["Heading2"], "body": sheet["BodyText"],
            "small": styles.ParagraphStyle("small", parent=sheet["BodyText"], fontSize=8.5,
                                           leading=11)}


def _contact_block(contacts: Sequence[Contact], inline: bool, paragraph, style) -> list:  # noqa: ANN001
    """The contacts as press kits print them: one block of lines each, or one line each."""
    label = "Media contact:" if len(contacts) == 1 else "Media contacts:"
    blocks = [paragraph(f"<b>{label}</b>", style)]
    for c in contacts:
        parts = [c.name, c.title, c.email, c.phone]
        shown = [_esc(p) for p in parts if p]
        joined = ", ".join(shown) if inline else "<br/>".join(shown)
        blocks.append(paragraph(joined, style))
    return blocks


def press_kit(company: str, *, date: str, about: Sequence[str], facts: Sequence[str],
              contacts: Sequence[Contact], inline_contacts: bool = False) -> bytes:
    """A two-column press kit: about, facts and figures, milestones, then the media contacts."""
    (*_, frame_break, next_template, _, paragraph, spacer, _, _, _) = _library()
    st = _styles()
    buffer = io.BytesIO()
    doc = _document(buffer, f"{company} press kit", f"{company}  |  Press kit",
                    f"{company} press kit, {date}. For editorial use.", columns=2)
    story = [next_template("columns"), paragraph(f"{_esc(company)}: press kit", st["h1"]),
             paragraph(f"Published {_esc(date)}", st["body"]), frame_break(),
             paragraph("About us", st["h2"])]
    story += [paragraph(_esc(text), st["body"]) for text in about]
    story += [frame_break(), paragraph("Facts and figures", st["h2"])]  # the right column
    story += [paragraph(f"&bull; {_esc(text)}", st["body"]) for text in facts]
    story += [spacer(1, 10), *_contact_block(contacts, inline_contacts, paragraph, st["body"])]
    doc.build(story)
    return buffer.getvalue()


def annual_report(company: str, *, year: int, letter: Sequence[str], team: Sequence[Contact],
                  signed_by: Contact) -> bytes:
    """An annual report: a cover, a two-column letter, and the management team in a grid."""
    (colors, _, _, _, _, _, _, next_template, _, paragraph, spacer, table,
     table_style, page_break) = _library()
    st = _styles()
    buffer = io.BytesIO()
    doc = _document(buffer, f"{company} Annual Report {year}", f"{company}  |  Annual Report {year}",
                    f"{company} Annual Report {year}", columns=2, first="full")
    story = [spacer(1, 120),
             paragraph(f"Annual Report {year}", st["h1"]), paragraph(_esc(company), st["h2"]),
             next_template("columns"), page_break(),
             paragraph("Letter to our shareholders", st["h2"])]
    story += [paragraph(_esc(text), st["body"]) for text in letter]
    story += [paragraph(f"{_esc(signed_by.name)}<br/>{_esc(signed_by.title)}", st["body"]),
              next_template("full"), page_break(), paragraph("Management team", st["h2"])]
    cells = [paragraph(f"<b>{_esc(m.name)}</b><br/>{_esc(m.title)}", st["small"]) for m in team]
    rows = [cells[i:i + 3] + [""] * (3 - len(cells[i:i + 3])) for i in range(0, len(cells), 3)]
    grid = table(rows, colWidths=[170, 170, 170])
    grid.setStyle(table_style([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 10)]))
    story += [grid]
    doc.build(story)
    return buffer.getvalue()
