"""Server-rendered horizontal bar charts (SVG): geometry computed here, drawn by a template.

Colours go in SVG fill attributes (allowed by the CSP, unlike style attributes).
"""

from dataclasses import dataclass

ROW_HEIGHT = 26
BAR_HEIGHT = 18
LABEL_WIDTH = 150
BAR_AREA = 260
VALUE_GAP = 6
WIDTH = LABEL_WIDTH + BAR_AREA + 50
TOP = 4


@dataclass
class Bar:
    label: str
    value: int
    fill: str
    y: int
    text_y: int
    width: int
    value_x: int
    href: str = ""


@dataclass
class Chart:
    id: str
    title: str
    bars: list
    width: int
    height: int
    label_width: int


def bar_chart(chart_id, title, rows, measure, short_label=None):
    """A Chart of `rows` (dashboard Rows) for one measure; bars scaled to the largest value."""
    largest = max((row.value(measure) for row in rows), default=0) or 1
    bars = []
    for index, row in enumerate(rows):
        value = row.value(measure)
        width = round(BAR_AREA * value / largest) if value else 0
        y = TOP + index * ROW_HEIGHT
        bars.append(
            Bar(
                label=short_label(row) if short_label else row.label,
                value=value,
                fill=row.fill,
                y=y,
                text_y=y + BAR_HEIGHT - 4,
                width=max(width, 2 if value else 0),
                value_x=LABEL_WIDTH + width + VALUE_GAP,
                href=row.href,
            )
        )
    return Chart(
        id=chart_id,
        title=title,
        bars=bars,
        width=WIDTH,
        height=TOP * 2 + len(rows) * ROW_HEIGHT,
        label_width=LABEL_WIDTH,
    )
