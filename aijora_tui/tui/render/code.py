"""Code blocks: a label row plus syntax-highlighted rows, padded into a full-width box.

Code is never word-wrapped (that would change its meaning). A line wider than the box is
*folded* at the box edge and each continuation row is marked with "↪" in the gutter, so
nothing is hidden and the marker tells a fold from a real line break. Copying goes through
`CodeBlock.code` (the exact source), so the gutter, folds and padding never reach the clipboard.
"""

from __future__ import annotations

from textual.content import Content

from aijora_tui.tui.render import styles
from aijora_tui.tui.render.cells import TAB_SIZE, clean, fold, pad

GUTTER = 2
"""Cells before the code: a selection bar and a fold marker."""


def render_code(code: str, language: str, width: int, *, selected: bool) -> list[Content]:
    """Render one code block as rows of exactly `width` cells (label row first)."""
    bar = ("▌", styles.CODE_SELECTED_BAR) if selected else (" ", "")
    rows = [_label(language, width, selected=selected)]
    for line in _highlighted_lines(code, language):
        for number, piece in enumerate(fold(line, max(width - GUTTER, 1))):
            marker = ("↪", styles.CODE_FOLD_MARKER) if number else (" ", "")
            rows.append(_row(Content.assemble(bar, marker, piece), width))
    return rows


def _label(language: str, width: int, *, selected: bool) -> Content:
    """The row above the code naming its language; marked when the block is selected."""
    name = clean(language) or "code"
    if selected:
        return _row(Content.styled(f"▶ {name} · selected", styles.CODE_LABEL_SELECTED), width)
    return _row(Content.assemble("  ", (name, styles.CODE_LABEL)), width)


def _row(content: Content, width: int) -> Content:
    """Pad a row to the full width under the box background."""
    return pad(content, width).stylize_before(styles.CODE_BACKGROUND)


def _highlighted_lines(code: str, language: str) -> list[Content]:
    """One highlighted `Content` per source line (tabs expanded, controls made visible)."""
    from textual.highlight import highlight  # Pygments: not needed until the first code block

    lines = [clean(line.expandtabs(TAB_SIZE)) for line in code.split("\n")]
    text = "\n".join(lines).rstrip("\n")
    trailing = len(lines) - text.count("\n") - 1
    highlighted = highlight(text, language=language or "text")
    if highlighted.plain != text:
        return [Content(line) for line in lines]
    return [*highlighted.split("\n", allow_blank=True), *[Content()] * trailing]
