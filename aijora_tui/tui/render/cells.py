"""Cell-width aware helpers: make text displayable, word-wrap, fold and fit `Content` lines.

Every helper measures with `rich.cells` (the same tables Textual uses to draw), so a line that
fits here fits on screen, including wide CJK characters, emoji and zero-width joiners.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, split_graphemes
from textual.content import Content

TAB_SIZE = 4
"""Tabs are expanded before display: a tab has no cell width of its own, Textual expands it."""

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_REPLACEMENTS = {code: "\ufffd" for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)} | {
    ord("\t"): " ",
    ord("\n"): " ",
}
_CHUNK = re.compile(r"[^ ]+ *| +")


def clean(text: str) -> str:
    """Make one line of untrusted text safe to measure and draw.

    Tabs and newlines become spaces (callers split lines and expand tabs first when layout
    matters); other controls and line separators become U+FFFD, as the sanitizer does, so
    nothing can add a line, move the cursor or be dropped by `Content` and shift spans.
    """
    if _UNSAFE.search(text) is None:
        return text
    return text.translate(_REPLACEMENTS)


def wrap(content: Content, width: int) -> list[Content]:
    """Word-wrap at spaces into lines of at most `width` cells; longer words are folded."""
    lines: list[Content] = []
    for line in content.split("\n", allow_blank=True):
        pieces = line.divide(_wrap_offsets(line.plain, width))
        lines.extend(piece.rstrip(" ") if piece.plain.endswith(" ") else piece for piece in pieces)
    return lines


def fold(content: Content, width: int) -> list[Content]:
    """Cut a line into pieces of at most `width` cells without breaking a grapheme."""
    offsets: list[int] = []
    _fold_word(content.plain, 0, width, offsets)
    return content.divide(offsets)


def fit(content: Content, width: int) -> Content:
    """Last line of defence: crop a line that cannot fit (a 2-cell glyph in 1 cell).

    Cropped at a grapheme, each measured with `cell_len`: rich's own cropping divides by the
    width `split_graphemes` reports, which is zero for a cluster that starts with a joiner.
    """
    if content.cell_length <= width:
        return content
    text = content.plain
    used = 0
    graphemes, _ = split_graphemes(text)
    for offset, end, _ in graphemes:
        used += cell_len(text[offset:end])
        if used > width:
            return content[:offset]
    return content


def pad(content: Content, width: int) -> Content:
    """Pad a line with spaces to exactly `width` cells (cropping first if it is wider)."""
    content = fit(content, width)
    return content.pad_right(width - content.cell_length)


def _wrap_offsets(text: str, width: int) -> list[int]:
    """Offsets to break `text` at: before the word that would overflow the line."""
    if cell_len(text) <= width:
        return []
    offsets: list[int] = []
    used = 0
    for match in _CHUNK.finditer(text):
        chunk = match.group()
        word = chunk.rstrip(" ")
        cells = cell_len(word)
        if used and used + cells > width:
            offsets.append(match.start())
            used = 0
        if cells > width:
            used = _fold_word(word, match.start(), width, offsets)
        else:
            used += cells
        used += len(chunk) - len(word)
    return offsets


def _fold_word(word: str, start: int, width: int, offsets: list[int]) -> int:
    """Append fold offsets for `word` (at `start`); return the cells used by its last piece."""
    if word.isascii() and word.isprintable():
        offsets.extend(range(start + width, start + len(word), width))
        return len(word) % width or min(width, len(word))
    used = 0
    graphemes, _ = split_graphemes(word)
    for offset, end, _ in graphemes:
        # Measured again: rich 15 gives a cluster that starts with a joiner ("\u200d1") zero
        # cells in `split_graphemes`, yet draws (and `cell_len` counts) its character.
        cells = cell_len(word[offset:end])
        if used and used + cells > width:
            offsets.append(start + offset)
            used = 0
        used += cells
    return used
