"""Inline Markdown (one markdown-it `inline` token) to `Content` built from plain text + spans.

Like `MarkdownBlock._token_to_content` in Textual, but links get no `link`/`@click` style:
the link text is underlined and the URL follows in parentheses, so the user sees where a link
points and nothing opens on a click.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content, Span

from aijora_tui.tui.render import styles
from aijora_tui.tui.render.cells import clean

if TYPE_CHECKING:
    from markdown_it.token import Token


def render_inline(token: Token) -> Content:
    """Render the children of an `inline` token (one paragraph, heading or cell)."""
    builder = _InlineBuilder()
    for child in token.children or ():
        builder.add(child)
    return builder.content()


class _InlineBuilder:
    """Accumulates text pieces and style spans; open styles wait on a stack for their close."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[Span] = []
        self.position = 0
        self.open: list[tuple[str, int, int, int, str | None]] = []
        """Open styles: (style, text position, part index, span index, link href or None)."""

    def add(self, token: Token) -> None:
        """Handle one inline token."""
        kind = token.type
        if kind in styles.INLINE_STYLES:
            self.push(styles.INLINE_STYLES[kind])
        elif kind == "link_open":
            self.push(styles.LINK_TEXT, str(token.attrs.get("href", "")))
        elif kind.endswith("_close"):
            self.pop()
        elif kind == "softbreak":
            self.text(" ")
        elif kind == "hardbreak":
            self.text("\n")
        elif kind == "code_inline":
            self.text(clean(token.content), styles.CODE_INLINE)
        elif kind == "image":
            alt = clean("".join(child.content for child in token.children or ()))
            self.text(f"[image: {alt}]" if alt else "[image]", styles.IMAGE)
        elif kind == "html_inline":
            self.text(clean(token.content), styles.HTML)
        else:
            self.text(clean(token.content))

    def text(self, text: str, style: str = "") -> None:
        """Append text, optionally styled."""
        if not text:
            return
        if style:
            self.spans.append(Span(self.position, self.position + len(text), style))
        self.parts.append(text)
        self.position += len(text)

    def push(self, style: str, href: str | None = None) -> None:
        """Open a style span (and remember a link's target)."""
        self.open.append((style, self.position, len(self.parts), len(self.spans), href))

    def pop(self) -> None:
        """Close the innermost open span; after a link, show its URL unless it is the text."""
        if not self.open:
            return
        style, start, part, span_index, href = self.open.pop()
        if self.position > start:  # before the spans it encloses, so inner styles win
            self.spans.insert(span_index, Span(start, self.position, style))
        if href is None:
            return
        label = "".join(self.parts[part:])
        if href not in (label, f"mailto:{label}"):
            url = clean(href)
            self.text(f" ({url})" if label else f"({url})", styles.LINK_URL)

    def content(self) -> Content:
        """The finished line(s); hard breaks are the only newlines."""
        return Content("".join(self.parts), self.spans)
