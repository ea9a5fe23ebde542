"""Server-side charts: pure geometry for SVG drawn by ``templates/stats/_chart.html``.

No JavaScript and no colour that print loses: bars and lines are black/grey, heatmap cells
carry their number and one of six shade classes (``static/css/desk.css``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, BAR_AREA = 18, 6, 170, 320
SHADES = 6


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    y: int
    width: int

    @property
    def text_y(self) -> int:
        return self.y + 13

    @property
    def value_x(self) -> int:
        return LABEL_WIDTH + self.width + 4

    @property
    def value_text(self) -> str:
        """The value as the current language writes numbers (at most two decimals)."""
        from django.utils.formats import number_format

        places = 0 if float(self.value).is_integer() else 2
        return number_format(self.value, places, use_l10n=True, force_grouping=True)


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    text: str
    shade: int
    size: int = 44

    @property
    def text_x(self) -> int:
        return self.x + self.size // 2

    @property
    def text_y(self) -> int:
        return self.y + self.size // 2 + 4


@dataclass
class Chart:
    """One chart: ``kind`` is "bar", "heatmap" or "line"; the template reads the geometry."""

    kind: str
    title: str
    width: int = 0
    height: int = 0
    bars: list[Bar] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    row_labels: list[tuple[int, str]] = field(default_factory=list)
    column_labels: list[tuple[int, str]] = field(default_factory=list)
    points: str = ""
    axis: list[tuple[int, str]] = field(default_factory=list)
    label_width: int = LABEL_WIDTH
    cell_size: int = 0
    plot_height: int = 0
    maximum: str = ""

    @property
    def label_x(self) -> int:
        return self.label_width - 6


def _text(value: float) -> str:
    return f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{value:.0f}"


def bar_chart(title: str, items: list[tuple[str, float]]) -> Chart:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    top = max((v for _label, v in items), default=0) or 1
    bars = [
        Bar(
            label=str(label)[:28],
            value=value,
            text=_text(value),
            y=i * (BAR_HEIGHT + BAR_GAP),
            width=round(BAR_AREA * value / top),
        )
        for i, (label, value) in enumerate(items)
    ]
    return Chart(
        kind="bar",
        title=title,
        bars=bars,
        width=LABEL_WIDTH + BAR_AREA + 70,
        height=max(len(bars) * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT),
    )


def heatmap(
    title: str, rows: list[str], columns: list[str], values: list[list[int]], cell: int = 44
) -> Chart:
    """A matrix of numbers shaded by size (six steps), row labels left, column labels on top."""
    top = max((v for row in values for v in row), default=0) or 1
    cells = [
        Cell(
            x=LABEL_WIDTH + c * cell,
            y=24 + r * cell,
            text=str(value),
            shade=0 if not value else 1 + min(SHADES - 2, int((SHADES - 1) * value / (top + 1))),
            size=cell,
        )
        for r, row in enumerate(values)
        for c, value in enumerate(row)
    ]
    return Chart(
        kind="heatmap",
        title=title,
        cells=cells,
        cell_size=cell,
        row_labels=[(24 + r * cell + cell // 2, str(label)[:26]) for r, label in enumerate(rows)],
        column_labels=[
            (LABEL_WIDTH + c * cell + cell // 2, str(label)) for c, label in enumerate(columns)
        ],
        width=LABEL_WIDTH + len(columns) * cell + 4,
        height=24 + len(rows) * cell + 4,
    )


def line_chart(
    title: str, points: list[tuple[str, float]], width: int = 560, height: int = 160
) -> Chart:
    """A line over evenly spaced points (e.g. days); a few x labels, the maximum on the y axis."""
    top = max((v for _label, v in points), default=0) or 1
    left, plot_w = 40, width - 50
    step = plot_w / max(len(points) - 1, 1)
    coords = [
        f"{left + i * step:.1f},{10 + (height - 30) * (1 - v / top):.1f}"
        for i, (_label, v) in enumerate(points)
    ]
    every = max(1, len(points) // 6)
    axis = [
        (round(left + i * step), label) for i, (label, _v) in enumerate(points) if i % every == 0
    ]
    return Chart(
        kind="line",
        title=title,
        points=" ".join(coords),
        axis=axis,
        width=width,
        height=height,
        plot_height=height - 20,
        label_width=left,
        maximum=_text(float(top)),
    )
