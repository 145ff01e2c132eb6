"""Render untrusted Markdown to one pre-wrapped `Content` (no widgets, no markup parsing).

A reply is drawn by one cheap widget instead of a `Markdown` widget tree (whose cost grows with
the reply): the
text is parsed by markdown-it (CommonMark + tables + strikethrough) and laid out here into hard
lines of at most `width` cells, so the widget needs no wrapping and its height is the line
count. Text only ever becomes `Content` through plain strings and spans with our own style
strings: "[@click=app.quit]" in a reply stays literal text and links are not
clickable (a reply must not open URLs without asking).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from textual.content import Content

from aijora_tui.tui.render import styles
from aijora_tui.tui.render.cells import TAB_SIZE, clean, fit, wrap
from aijora_tui.tui.render.code import render_code
from aijora_tui.tui.render.inline import render_inline
from aijora_tui.tui.render.table import render_table

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

MIN_INNER_WIDTH = 8
"""Below this many cells for nested content, indentation is dropped rather than overflowing."""
BULLETS = ("•", "◦", "▪")
_BLANK = Content()


@dataclass(frozen=True)
class CodeBlock:
    """A code block of a rendered document, for copy and scroll-to actions."""

    index: int
    """Position among the document's code blocks (0-based, document order)."""
    language: str
    """First word of the fence info string ("" when none, and for indented code)."""
    code: str
    """The code exactly as inside the fence, without the final line break (markdown-it turns
    CRLF into LF and removes the indentation of indented code and of enclosing list items)."""
    line: int
    """Line of `RenderedMarkdown.content` where the block (its label row) starts."""
    height: int
    """Number of lines the block occupies (label row + code rows)."""


@dataclass(frozen=True)
class RenderedMarkdown:
    """A document laid out for one width."""

    content: Content
    """Hard-wrapped lines joined by newlines; every line is at most `width` cells."""
    height: int
    """Number of lines in `content` (0 for an empty document)."""
    code_blocks: list[CodeBlock]
    """Code blocks in document order."""


def render_markdown(
    source: str, width: int, *, selected_code: int | None = None
) -> RenderedMarkdown:
    """Render Markdown for a `width`-cell column; `selected_code` marks that code block."""
    width = max(width, 1)
    tokens = _parse(source)
    if tokens is None:
        # markdown-it silently drops what is nested deeper than maxNesting: show it all as text
        return RenderedMarkdown(*_joined(_literal_lines(source, width, style=""), width), [])
    renderer = _Renderer(tokens, selected_code)
    out = renderer.blocks(0, len(tokens), width)
    code_blocks = [renderer.code_block(index, line) for line, index in out.marks]
    return RenderedMarkdown(*_joined(out.lines, width), code_blocks)


@cache
def parser() -> MarkdownIt:
    """CommonMark + tables + strikethrough, built on first use: importing markdown-it is a good
    part of the app's start-up, and the first screen shows no Markdown (the app warms it up
    after the first frame)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _parse(source: str) -> list[Token] | None:
    """The tokens of `source`; None when it nests deeper than markdown-it keeps."""
    markdown = parser()
    tokens = markdown.parse(source)
    deepest: int = markdown.options["maxNesting"] - 1
    return None if any(token.level >= deepest for token in tokens) else tokens


def _joined(lines: list[Content], width: int) -> tuple[Content, int]:
    """The lines (each cropped to `width` if it still does not fit) as one `Content`."""
    return Content("\n").join([fit(line, width) for line in lines]), len(lines)


@dataclass
class _Out:
    """Rendered lines of a block plus where code blocks start in them."""

    lines: list[Content] = field(default_factory=list)
    marks: list[tuple[int, int]] = field(default_factory=list)
    """(line, code block index) pairs."""

    def add(self, other: _Out) -> None:
        """Append another block's lines, shifting its code block positions."""
        offset = len(self.lines)
        self.lines.extend(other.lines)
        self.marks.extend((line + offset, index) for line, index in other.marks)


def _closers(tokens: list[Token]) -> list[int]:
    """For each token the index of its closing token (itself if it does not open)."""
    closers = list(range(len(tokens)))
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.nesting == 1:
            stack.append(index)
        elif token.nesting == -1 and stack:
            closers[stack.pop()] = index
    return closers


class _Renderer:
    """Walks markdown-it's flat token stream (ranges found via `_closers`, no tree built)."""

    def __init__(self, tokens: list[Token], selected_code: int | None) -> None:
        self.tokens = tokens
        self.closers = _closers(tokens)
        self.selected_code = selected_code
        self.codes: list[tuple[str, str, int]] = []
        """language, code and height of each code block, by index."""
        self.list_depth = 0

    def code_block(self, index: int, line: int) -> CodeBlock:
        """The public record of code block `index`, which starts at `line`."""
        language, code, height = self.codes[index]
        return CodeBlock(index, language, code, line, height)

    def blocks(self, start: int, end: int, width: int, *, loose: bool = True) -> _Out:
        """Render the blocks in tokens[start:end], a blank line apart when `loose`."""
        out = _Out()
        index = start
        while index < end:
            close = self.closers[index]
            part = self.block(index, close, width)
            index = close + 1
            if part.lines:
                if out.lines and loose:
                    out.lines.append(_BLANK)
                out.add(part)
        return out

    def block(self, start: int, close: int, width: int) -> _Out:
        """Render the block opened at tokens[start] and closed at tokens[close]."""
        token = self.tokens[start]
        kind = token.type
        if kind in ("paragraph_open", "heading_open"):
            return self.text_block(token, self.tokens[start + 1], width)
        if kind == "blockquote_open":
            return self.quote(start, close, width)
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self.list_(start, close, width)
        if kind == "table_open":
            return _Out(render_table(*self.table_cells(start, close), width))
        if kind in ("fence", "code_block"):
            return self.code(token, width)
        if kind == "hr":
            return _Out([Content.styled("─" * width, styles.RULE)])
        if kind == "html_block":
            return _Out(_literal_lines(token.content, width))
        if token.nesting == 1:
            return self.blocks(start + 1, close, width)
        return _Out(_literal_lines(token.content, width))

    def text_block(self, token: Token, inline: Token, width: int) -> _Out:
        """A paragraph or heading: wrapped inline content."""
        content = render_inline(inline)
        lines = wrap(content, width) if content else []
        if token.type == "paragraph_open":
            return _Out(lines)
        level = int(token.tag[1])  # markdown-it tags are "h1" to "h6"
        lines = [line.stylize_before(styles.HEADINGS[level]) for line in lines]
        if level == 1:
            lines.append(Content.styled("━" * width, styles.H1_RULE))
        return _Out(lines)

    def code(self, token: Token, width: int) -> _Out:
        """A fenced or indented code block, recorded for `RenderedMarkdown.code_blocks`."""
        index = len(self.codes)
        info = token.info.split()
        language = info[0] if info else ""
        code = token.content.removesuffix("\n")
        lines = render_code(code, language, width, selected=index == self.selected_code)
        self.codes.append((language, code, len(lines)))
        return _Out(lines, [(0, index)])

    def quote(self, start: int, close: int, width: int) -> _Out:
        """A block quote: muted text behind a gutter on every line."""

        def body(inner: int) -> _Out:
            out = self.blocks(start + 1, close, inner)
            out.lines = [line.stylize_before(styles.QUOTE_TEXT) for line in out.lines]
            return out

        gutter = Content.styled("▌ ", styles.QUOTE_GUTTER)
        return _nest(body, gutter, gutter, width, keep_marker=False)

    def list_(self, start: int, close: int, width: int) -> _Out:
        """A bullet or ordered list with hanging indents; loose lists get blank lines."""
        items = self.children(start, close)
        markers = self.markers(self.tokens[start], len(items))
        loose = not self.is_tight(items)
        out = _Out()
        self.list_depth += 1
        try:
            for (item_start, item_close), marker in zip(items, markers, strict=True):
                part = self.list_item(item_start, item_close, marker, width, loose=loose)
                if out.lines and loose:
                    out.lines.append(_BLANK)
                out.add(part)
        finally:
            self.list_depth -= 1
        return out

    def list_item(self, start: int, close: int, marker: str, width: int, *, loose: bool) -> _Out:
        """One list item: the marker, then its blocks indented under the item text."""

        def body(inner: int) -> _Out:
            out = self.blocks(start + 1, close, inner, loose=loose)
            return out if out.lines else _Out([_BLANK])

        first = Content.styled(marker, styles.LIST_MARKER)
        rest = Content(" " * first.cell_length)
        return _nest(body, first, rest, width, keep_marker=True)

    def markers(self, token: Token, count: int) -> list[str]:
        """Item markers of one list, all the same width: "• " or right-aligned " 9. "."""
        if token.type == "bullet_list_open":
            return [BULLETS[self.list_depth % len(BULLETS)] + " "] * count
        first = token.attrs.get("start", 1)
        start = first if isinstance(first, int) else 1
        numbers = [f"{start + offset}{token.markup or '.'}" for offset in range(count)]
        widest = max((len(number) for number in numbers), default=0)
        return [number.rjust(widest) + " " for number in numbers]

    def children(self, start: int, close: int) -> list[tuple[int, int]]:
        """(open, close) token indices of the direct children of a container."""
        children: list[tuple[int, int]] = []
        index = start + 1
        while index < close:
            children.append((index, self.closers[index]))
            index = self.closers[index] + 1
        return children

    def is_tight(self, items: list[tuple[int, int]]) -> bool:
        """markdown-it hides the paragraphs of tight lists; look at the first one."""
        for start, close in items:
            for child, _ in self.children(start, close):
                if self.tokens[child].type == "paragraph_open":
                    return self.tokens[child].hidden
        return True

    def table_cells(
        self, start: int, close: int
    ) -> tuple[list[Content], list[list[Content]], list[str]]:
        """Header cells, body rows and column alignments of a table."""
        rows: list[list[Content]] = []
        aligns: list[str] = []
        for index in range(start, close):
            token = self.tokens[index]
            if token.type == "tr_open":
                rows.append([])
            elif token.type in ("th_open", "td_open") and rows:
                rows[-1].append(render_inline(self.tokens[index + 1]))
                if token.type == "th_open":
                    aligns.append(str(token.attrs.get("style", "")).removeprefix("text-align:"))
        header = rows[0] if rows else []
        return header, rows[1:], aligns


def _nest(
    body: Callable[[int], _Out],
    first: Content,
    rest: Content,
    width: int,
    *,
    keep_marker: bool,
) -> _Out:
    """Indent a container's body: `first` before its first line, `rest` before the others.

    Blank lines get the prefix without its trailing spaces. When nesting is so deep that less than
    MIN_INNER_WIDTH cells would remain, the indent is dropped (a list marker then gets its own
    line) so that no line ever exceeds the width.
    """
    indent = first.cell_length
    if width - indent < MIN_INNER_WIDTH:
        out = body(width)
        if not keep_marker:
            return out
        head = _Out([first.rstrip(" ")])
        head.add(out)
        return head
    out = body(width - indent)
    out.lines = [
        Content.assemble(_prefix(first if number == 0 else rest, line), line)
        for number, line in enumerate(out.lines)
    ]
    return out


def _prefix(prefix: Content, line: Content) -> Content:
    """The prefix for `line`, without trailing spaces before an empty line."""
    return prefix if line else prefix.rstrip(" ")


def _literal_lines(text: str, width: int, style: str = styles.HTML) -> list[Content]:
    """Raw HTML (and anything unknown) shown as literal, wrapped lines."""
    lines: list[Content] = []
    for line in text.splitlines():
        lines.extend(wrap(Content.styled(clean(line.expandtabs(TAB_SIZE)), style), width))
    return lines if text.strip() else []


def code_blocks(source: str) -> list[str]:
    """The code of each code block of `source`, in the order `render_markdown` numbers them.

    Cheaper than rendering (no layout), for copy and navigation over messages not on screen.
    """
    tokens = _parse(source)
    if tokens is None:
        return []  # rendered as literal text, without code blocks
    return [
        token.content.removesuffix("\n")
        for token in tokens
        if token.type in ("fence", "code_block")
    ]
