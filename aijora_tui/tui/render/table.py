"""Tables fitted to the available width.

Columns keep their natural width when the table fits. Otherwise the widest columns are
shrunk evenly ("water-filling": the largest cap on column width such that the row fits) and
their cells word-wrap, so narrow columns such as numbers are never squeezed. When even three
cells per column cannot fit, each row is shown as "Header: value" lines instead.
"""

from __future__ import annotations

from textual.content import Content

from aijora_tui.tui.render import styles
from aijora_tui.tui.render.cells import fit, wrap

MIN_COLUMN = 3
_SEPARATOR = " │ "
_CROSSING = "─┼─"


def render_table(
    header: list[Content], rows: list[list[Content]], aligns: list[str], width: int
) -> list[Content]:
    """Render a table (header, body rows, per-column alignment) as lines of <= `width` cells."""
    columns = len(header)
    rows = [_normalize(row, columns) for row in rows]
    available = width - len(_SEPARATOR) * (columns - 1)
    if columns == 0 or available < columns * MIN_COLUMN:
        return _stacked(header, rows, width)
    natural = [
        max(1, *(row[index].cell_length for row in [header, *rows])) for index in range(columns)
    ]
    widths = _fit_widths(natural, available)
    bold_header = [cell.stylize_before(styles.TABLE_HEADER) for cell in header]
    lines = _row_lines(bold_header, widths, aligns)
    rule = _CROSSING.join("─" * column for column in widths)
    lines.append(Content.styled(rule, styles.TABLE_BORDER))
    for row in rows:
        lines.extend(_row_lines(row, widths, aligns))
    return lines


def _normalize(row: list[Content], columns: int) -> list[Content]:
    """Pad a short row with empty cells and drop extra cells, as GFM does."""
    return [*row[:columns], *[Content()] * (columns - len(row))]


def _fit_widths(natural: list[int], available: int) -> list[int]:
    """Shrink the widest columns evenly until the row fits `available` cells."""
    if sum(natural) <= available:
        return natural
    low, high = 1, max(natural)
    while low < high:
        cap = (low + high + 1) // 2
        if sum(min(width, cap) for width in natural) <= available:
            low = cap
        else:
            high = cap - 1
    widths = [min(width, low) for width in natural]
    spare = available - sum(widths)
    for index, width in enumerate(natural):
        if spare and width > widths[index]:
            widths[index] += 1
            spare -= 1
    return widths


def _row_lines(cells: list[Content], widths: list[int], aligns: list[str]) -> list[Content]:
    """Wrap each cell to its column and lay the cells side by side."""
    wrapped = [wrap(cell, width) for cell, width in zip(cells, widths, strict=True)]
    separator = Content.styled(_SEPARATOR, styles.TABLE_BORDER)
    lines: list[Content] = []
    for y in range(max(len(cell_lines) for cell_lines in wrapped)):
        parts = [
            _align(cell_lines[y] if y < len(cell_lines) else Content(), width, align)
            for cell_lines, width, align in zip(wrapped, widths, aligns, strict=True)
        ]
        lines.append(separator.join(parts).rstrip(" "))
    return lines


def _align(content: Content, width: int, align: str) -> Content:
    """Pad one cell line to its column width according to the column alignment."""
    content = fit(content, width)
    spare = width - content.cell_length
    if align == "right":
        return content.pad_left(spare)
    if align == "center":
        return content.pad(spare // 2, spare - spare // 2)
    return content.pad_right(spare)


def _stacked(header: list[Content], rows: list[list[Content]], width: int) -> list[Content]:
    """Fallback for tables too wide for the screen: one "Header: value" line group per row."""
    rule = Content.styled("─" * width, styles.TABLE_BORDER)
    groups: list[list[Content]] = []
    for row in rows or [[Content()] * len(header)]:
        group: list[Content] = []
        for name, cell in zip(header, row, strict=True):
            label = name.stylize_before(styles.TABLE_HEADER)
            group.extend(wrap(Content.assemble(label, ": ", cell), width))
        groups.append(group)
    lines: list[Content] = []
    for group in groups:
        if lines:
            lines.append(rule)
        lines.extend(group)
    return lines
