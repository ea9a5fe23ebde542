"""Printed letters: one PDF per batch, one A4 page (or more) per letter, for window envelopes.

The recipient's address sits where a Swedish C5/E65 window envelope shows it (the address
field of SS 014 10: about 20 mm from the left edge and 45–90 mm from the top); the sending
library's name and address above it, the date on the right, then subject and text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

LEFT = 25 * mm
ADDRESS_TOP = 52 * mm  # from the top edge of the sheet
TEXT_TOP = 105 * mm
LINE = 5 * mm
BOTTOM = 20 * mm
WIDTH_CHARS = 90


@dataclass(frozen=True)
class Letter:
    sender: tuple[str, ...]  # the library's name and address lines
    recipient: tuple[str, ...]  # name, street, postal code and city
    day: date
    day_text: str  # the date as the patron's language writes it
    subject: str
    body: str


def _wrap(text: str) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines():
        words, current = paragraph.split(" "), ""
        for word in words:
            if current and len(current) + 1 + len(word) > WIDTH_CHARS:
                lines.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        lines.append(current)
    return lines


def render_batch(letters: list[Letter], *, title: str) -> bytes:
    """The PDF of a batch of letters."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    _width, height = A4
    for letter in letters:
        canvas.setFont("Helvetica", 9)
        y = height - 20 * mm
        for line in letter.sender:
            canvas.drawString(LEFT, y, line)
            y -= 4 * mm
        canvas.drawRightString(A4[0] - 20 * mm, height - 20 * mm, letter.day_text)
        canvas.setFont("Helvetica", 11)
        y = height - ADDRESS_TOP
        for line in letter.recipient:
            canvas.drawString(LEFT, y, line)
            y -= LINE
        canvas.setFont("Helvetica-Bold", 12)
        canvas.drawString(LEFT, height - TEXT_TOP, letter.subject)
        canvas.setFont("Helvetica", 11)
        y = height - TEXT_TOP - 2 * LINE
        for line in _wrap(letter.body):
            if y < BOTTOM:
                canvas.showPage()
                canvas.setFont("Helvetica", 11)
                y = height - 25 * mm
            canvas.drawString(LEFT, y, line)
            y -= LINE
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
