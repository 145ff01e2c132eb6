"""Incremental splitting of a streamed reply into settled top-level blocks and a live tail.

"Settled blocks + live tail": a block that can no longer change is rendered
once; only the growing tail is redrawn per delta. A block ends at a blank line outside a fenced
code block, or at the closing line of a top-level fence.

Representation: a block keeps its trailing blank lines, so `"".join(blocks)` is exactly the
input. Because of that, a finished block settles only when the first non-blank character of
the next block arrives (or at `flush()`): until then more blank lines may still belong to it.

Splitting too little is always safe (a bigger chunk is still parsed as Markdown); splitting
inside a construct is not. So list items continue across blank lines when the next line is
indented (indented code when it is indented 4+), and fences are recognised liberally (any
indent, after list markers).

A block that grows past `TAIL_LIMIT` characters without ending (one long paragraph, list or code
block; a hostile server's endless line) is cut, so that re-rendering the tail never costs more
than that: at the last complete line, else at the last space of the line (else anywhere). A
block cut inside a fence is shown with the fence's opening line in front of its continuation,
so its code stays code in the same language, and a table's continuation with the table's header
rows; these are the cases where the shown blocks are not exactly the input (`ReplyStream`
keeps the exact text).

Known limits (they only affect how a block looks while it is rendered on its own): blank
lines inside an HTML block split it; reference links defined in a later block do not resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE_OPEN = re.compile(
    r"(?P<prefix>[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)*)(?P<fence>`{3,}|~{3,})(?P<info>.*)"
)
_FENCE_CLOSE = re.compile(r"(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*")
_LIST_ITEM = re.compile(r"[ \t]{0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_TABLE_DELIMITER = re.compile(r"[ \t]{0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_SPACE = " \t\r"
TAIL_LIMIT = 4_000
"""Characters a growing block may reach before it is cut (its render costs ~2 ms a 1,000)."""


@dataclass(frozen=True)
class _Fence:
    """An open code fence."""

    char: str
    length: int
    max_close_indent: int
    """A closing fence indented more than this is code (CommonMark allows 3 in its container)."""
    container: int
    """For a fence after a list marker ("- ```"): a non-blank line indented less than this
    ends the list item and so the fence (0: no such rule)."""
    top_level: bool
    """Closing it ends the block (it is not inside a list item)."""


class BlockSplitter:
    """Feed deltas; get back the blocks that became complete. Work per delta is O(delta + line).

    State is a scan position in the current line plus fence/list flags, so the text already
    seen is never scanned again.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        """Start a new document."""
        self._lines: list[str] = []
        """Complete lines of the current block."""
        self._line: list[str] = []
        """Pieces of the current, incomplete line."""
        self._fence: _Fence | None = None
        self._has_content = False
        self._in_list = False
        self._indented_code = False
        """The last non-blank line was indented 4+ (an indented code block may go on)."""
        self._ended = False
        """The block is complete; it settles when the next block's first character arrives."""
        self._tail: str | None = ""
        self._lines_size = 0
        """Characters in `_lines`."""
        self._line_size = 0
        """Characters in `_line`."""
        self._fence_line = ""
        """The line that opened the open fence."""
        self._continues = ""
        """Shown before the current block: the opening line of the fence it was cut inside."""

    @property
    def tail(self) -> str:
        """The text of the block that is still growing (everything not yet settled)."""
        if self._tail is None:
            self._tail = self._continues + "".join(self._lines) + "".join(self._line)
        return self._tail

    def feed(self, text: str) -> list[str]:
        """Append a delta; return the sources of blocks that became settled, in order."""
        settled: list[str] = []
        position = 0
        while position < len(text):
            newline = text.find("\n", position) + 1 or len(text)
            self._add_piece(text[position:newline], settled)
            position = newline
        self._tail = None
        return settled

    def flush(self) -> list[str]:
        """End of the stream: return the remaining block (if any) and start afresh."""
        rest = self.tail
        self._reset()
        return [rest] if rest else []

    def _add_piece(self, piece: str, settled: list[str]) -> None:
        """Add text that contains at most one newline, at its end."""
        if self._ended:
            self._watch_next_block(piece, settled)
        self._line.append(piece)
        self._line_size += len(piece)
        while self._line_size > TAIL_LIMIT:
            self._cut_line(settled)
        if piece.endswith("\n"):
            line = "".join(self._line)
            self._line.clear()
            self._line_size = 0
            self._lines.append(line)
            self._lines_size += len(line)
            self._classify(line.rstrip("\r\n"))
            if self._lines_size > TAIL_LIMIT:
                self._cut_lines(settled)

    def _cut_lines(self, settled: list[str]) -> None:
        """The block grew past the limit: its complete lines settle."""
        if self._ended:  # a complete block, and blank lines after it
            self._settle_block(settled)
            return
        shown = self._continues + "".join(self._lines)
        settled.append(shown)
        self._lines.clear()
        self._lines_size = 0
        self._continues = self._fence_line if self._fence is not None else _table_head(shown)

    def _cut_line(self, settled: list[str]) -> None:
        """A line grew past the limit: the block's complete lines settle, then the line up to
        its last space before the limit (the limit itself if it has none)."""
        if self._lines:
            self._cut_lines(settled)
        line = "".join(self._line)
        cut = line.rfind(" ", 1, TAIL_LIMIT) + 1 or TAIL_LIMIT
        settled.append(self._continues + line[:cut])
        self._line[:] = [line[cut:]]
        self._line_size = len(line) - cut
        self._continues = self._fence_line if self._fence is not None else ""  # mid-line

    def _watch_next_block(self, piece: str, settled: list[str]) -> None:
        """After a complete block: settle it at the next line's first non-blank character."""
        if not piece.strip(_SPACE + "\n"):
            return
        indent = _indent("".join(self._line) + piece)  # the line is blank up to this piece
        if (self._in_list and indent > 0) or (self._indented_code and indent >= 4):
            self._ended = False  # an indented line continues the list item or code block
            return
        self._settle_block(settled)

    def _settle_block(self, settled: list[str]) -> None:
        """The block's complete lines settle; what follows starts the next block."""
        settled.append(self._continues + "".join(self._lines))
        self._lines.clear()
        self._lines_size = 0
        self._continues = ""
        self._has_content = self._in_list = self._indented_code = self._ended = False

    def _classify(self, line: str) -> None:
        """Update fence/list/end state with a complete line (without its line break)."""
        fence = self._fence
        if fence is not None:
            if line.strip(_SPACE) and _indent(line) < fence.container:
                self._fence = None  # its list item ended, and so did the fence
            elif _closes(fence, line):
                self._fence = None
                self._ended = fence.top_level and not self._in_list
                return
            else:
                return
        if not line.strip(_SPACE):
            self._ended = self._has_content
            return
        self._has_content = True
        self._indented_code = _indent(line) >= 4
        if _LIST_ITEM.match(line):
            self._in_list = True
        self._fence = self._opens(line)
        if self._fence is not None:
            self._fence_line = line + "\n"
            if line[0] in "`~":
                self._in_list = False  # a fence in column 0 cannot continue a list item

    def _opens(self, line: str) -> _Fence | None:
        """The fence that `line` opens, if it is an opening fence."""
        match = _FENCE_OPEN.match(line)
        if match is None:
            return None
        marker = match["fence"]
        if marker[0] == "`" and "`" in match["info"]:
            return None  # an inline code span, not a fence
        prefix = match["prefix"]
        indent = len(prefix.expandtabs(4))
        after_marker = bool(prefix.strip(_SPACE))
        in_item = after_marker or (self._in_list and indent > 0)
        return _Fence(
            char=marker[0],
            length=len(marker),
            max_close_indent=indent + 3 if in_item or indent > 3 else 3,
            container=indent if after_marker else 0,
            top_level=not in_item and indent <= 3,
        )


def _table_head(block: str) -> str:
    """The header and delimiter rows `block` starts with, if it is a table (else "")."""
    head = block.split("\n", 2)
    if len(head) < 3 or "|" not in head[0] or "|" not in head[1]:
        return ""
    if _TABLE_DELIMITER.fullmatch(head[1].rstrip("\r")):
        return f"{head[0]}\n{head[1]}\n"
    return ""


def _indent(line: str) -> int:
    """Columns of leading white space (tabs to multiples of 4)."""
    stripped = line.lstrip(" \t")
    return len(line[: len(line) - len(stripped)].expandtabs(4))


def _closes(fence: _Fence, line: str) -> bool:
    """Whether `line` is a closing fence for `fence`."""
    match = _FENCE_CLOSE.fullmatch(line)
    return (
        match is not None
        and match["fence"][0] == fence.char
        and len(match["fence"]) >= fence.length
        and _indent(line) <= fence.max_close_indent
    )
