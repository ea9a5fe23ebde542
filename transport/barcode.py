"""PURE: Code 39 barcodes as inline SVG (no JavaScript, prints sharply at any size)."""

from __future__ import annotations

from html import escape

# Each symbol: 9 elements, bar/space alternating (bar first); w = wide, n = narrow.
CODE39 = {
    "0": "nnnwwnwnn", "1": "wnnwnnnnw", "2": "nnwwnnnnw", "3": "wnwwnnnnn",
    "4": "nnnwwnnnw", "5": "wnnwwnnnn", "6": "nnwwwnnnn", "7": "nnnwnnwnw",
    "8": "wnnwnnwnn", "9": "nnwwnnwnn", "A": "wnnnnwnnw", "B": "nnwnnwnnw",
    "C": "wnwnnwnnn", "D": "nnnnwwnnw", "E": "wnnnwwnnn", "F": "nnwnwwnnn",
    "G": "nnnnnwwnw", "H": "wnnnnwwnn", "I": "nnwnnwwnn", "J": "nnnnwwwnn",
    "K": "wnnnnnnww", "L": "nnwnnnnww", "M": "wnwnnnnwn", "N": "nnnnwnnww",
    "O": "wnnnwnnwn", "P": "nnwnwnnwn", "Q": "nnnnnnwww", "R": "wnnnnnwwn",
    "S": "nnwnnnwwn", "T": "nnnnwnwwn", "U": "wwnnnnnnw", "V": "nwwnnnnnw",
    "W": "wwwnnnnnn", "X": "nwnnwnnnw", "Y": "wwnnwnnnn", "Z": "nwwnwnnnn",
    "-": "nwnnnnwnw", ".": "wwnnnnwnn", " ": "nwwnnnwnn", "$": "nwnwnwnnn",
    "/": "nwnwnnnwn", "+": "nwnnnwnwn", "%": "nnnwnwnwn", "*": "nwnnwnwnn",
}  # fmt: skip
NARROW, WIDE = 1, 3


def encodable(text: str) -> bool:
    return bool(text) and all(ch in CODE39 and ch != "*" for ch in text.upper())


def bars(text: str) -> list[tuple[int, int]]:
    """(x, width) of every black bar, in narrow-module units, for *TEXT* with start/stop."""
    x = 0
    out: list[tuple[int, int]] = []
    for ch in f"*{text.upper()}*":
        for index, element in enumerate(CODE39[ch]):
            width = WIDE if element == "w" else NARROW
            if index % 2 == 0:
                out.append((x, width))
            x += width
        x += NARROW  # gap between symbols
    return out


def svg(text: str, *, height: int = 48, module: float = 1.5) -> str:
    """An SVG picture of ``text`` in Code 39, with the text underneath; '' if not encodable."""
    if not encodable(text):
        return ""
    rects = bars(text)
    total = rects[-1][0] + rects[-1][1]
    width = total * module
    body = "".join(
        f'<rect x="{x * module:g}" y="0" width="{w * module:g}" height="{height}"/>'
        for x, w in rects
    )
    label = escape(text)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img" '
        f'aria-label="{label}" width="{width:g}" height="{height + 16}" '
        f'viewBox="0 0 {width:g} {height + 16}">{body}'
        f'<text x="{width / 2:g}" y="{height + 13}" text-anchor="middle" '
        f'font-family="monospace" font-size="12">{label}</text></svg>'
    )
