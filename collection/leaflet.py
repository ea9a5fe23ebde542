"""A list as a printable leaflet (PDF, A4) made with reportlab."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer


def leaflet_pdf(*, title: str, description: str, records, availability, footer: str) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
        bottomMargin=18 * mm, title=title, author="Bibliotek utan gränser",
    )  # fmt: skip
    styles = getSampleStyleSheet()
    story = [Paragraph(escape(title), styles["Title"])]
    if description:
        story += [Paragraph(escape(description), styles["Normal"]), Spacer(1, 6 * mm)]
    for record in records:
        line = f"<b>{escape(record.title)}</b>"
        if record.authors:
            line += f" – {escape(record.authors[0])}"
        if record.year:
            line += f" ({record.year})"
        story.append(Paragraph(line, styles["Normal"]))
        where = ", ".join(
            f"{escape(lib.name)} {available}/{copies}"
            for lib, copies, available in availability.get(record.id, [])
        )
        note = getattr(record, "list_note", "")
        small = " · ".join(part for part in (escape(note), where) if part)
        if small:
            story.append(Paragraph(f"<font size=8>{small}</font>", styles["Normal"]))
        story.append(Spacer(1, 3 * mm))
    if not records:
        story.append(Paragraph(escape(_("The list is empty.")), styles["Normal"]))
    story += [
        Spacer(1, 6 * mm),
        Paragraph(f"<font size=8>{escape(footer)}</font>", styles["Normal"]),
    ]
    doc.build(story)
    return out.getvalue()
