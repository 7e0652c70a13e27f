"""Bar charts drawn on the server as SVG: no script, readable without JavaScript.

Colours and fonts come from classes in the site's style sheet, never from ``style``
attributes, so the Content-Security-Policy (``style-src 'self'``) holds; geometry uses SVG
presentation attributes, which the policy does not restrict. Each bar carries its label and
count (``data-label``, ``data-count``) and a ``<title>`` that screen readers and hovering
show; the page puts the same numbers in a table beside the chart.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from app.stats import Table

ROW_HEIGHT = 22
BAR_GAP = 2
LABEL_WIDTH = 170
BAR_AREA = 360
VALUE_WIDTH = 60


def bar_chart(table: Table) -> Markup:
    """Horizontal bars, one per row and column, scaled to the largest count; a key names
    the columns when there are several."""
    columns = len(table.columns)
    bar_height = max(6, (ROW_HEIGHT - 6) // columns)
    row_height = max(ROW_HEIGHT, columns * (bar_height + BAR_GAP) + 6)
    legend = 20 if columns > 1 else 0
    height = max(1, len(table.rows)) * row_height + 8 + legend
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    largest = table.largest or 1
    title_id = f"chart-{table.key}-title"
    parts = [
        f'<svg class="chart" id="chart-{table.key}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{title_id}">',
        f'<title id="{title_id}">{escape(table.title)}</title>',
    ]
    for j, column in enumerate(table.columns if legend else ()):
        x = LABEL_WIDTH + j * 120
        parts.append(f'<rect class="key bar-{j}" x="{x}" y="4" width="12" height="12"></rect>'
                     f'<text class="chart-label" x="{x + 16}" y="14">{escape(column)}</text>')
    if not table.rows:
        parts.append('<text class="chart-label" x="0" y="16">nothing to show yet</text>')
    for i, (label, values) in enumerate(table.rows):
        top = 4 + legend + i * row_height
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{top + row_height / 2 + 4:g}" '
            f'text-anchor="end">{escape(_short(label))}</text>'
        )
        for j, (column, value) in enumerate(zip(table.columns, values, strict=True)):
            y = top + 3 + j * (bar_height + BAR_GAP)
            length = round(BAR_AREA * value / largest, 1)
            parts.append(
                f'<rect class="bar bar-{j}" x="{LABEL_WIDTH}" y="{y}" width="{length:g}" '
                f'height="{bar_height}" data-label="{escape(label)}" '
                f'data-column="{escape(column)}" data-count="{value}">'
                f'<title>{escape(label)}, {escape(column)}: {value}</title></rect>'
            )
            if value or columns == 1:
                parts.append(
                    f'<text class="chart-value" x="{LABEL_WIDTH + length + 4:g}" '
                    f'y="{y + bar_height - 1}">{value}</text>'
                )
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
