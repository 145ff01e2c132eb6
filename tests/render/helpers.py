"""Helpers for asserting on rendered Markdown: plain lines and the styles on them."""

from __future__ import annotations

from functools import cache

from rich.cells import cell_len
from textual.app import App
from textual.content import Content
from textual.markup import parse_style
from textual.style import Style

from aijora_tui.tui.render import RenderedMarkdown, render_markdown


def plain_lines(rendered: RenderedMarkdown) -> list[str]:
    """The rendered lines as plain text ([] for an empty document)."""
    return rendered.content.plain.split("\n") if rendered.height else []


def lines_of(source: str, width: int = 40, *, selected_code: int | None = None) -> list[str]:
    """Render and return the plain lines."""
    return plain_lines(render_markdown(source, width, selected_code=selected_code))


def line_content(rendered: RenderedMarkdown, number: int) -> Content:
    """One rendered line with its spans."""
    return rendered.content.split("\n", allow_blank=True)[number]


def styles_at(line: Content, column: int) -> list[str]:
    """Style strings of the spans covering character `column` of a line, in order."""
    return [str(span.style) for span in line.spans if span.start <= column < span.end]


def styles_on(line: Content) -> list[str]:
    """Style strings of every span on a line."""
    return [str(span.style) for span in line.spans]


@cache
def theme_variables() -> dict[str, str]:
    """CSS variables of the default theme, to resolve `$primary` etc. as a widget would."""
    return App().get_css_variables()


def resolve(style: str) -> Style:
    """Parse a span style with the theme variables (raises if a variable is unknown)."""
    return parse_style(style, theme_variables())


def assert_fits(rendered: RenderedMarkdown, width: int) -> None:
    """Every line fits the width and the height is the number of lines."""
    lines = plain_lines(rendered)
    assert len(lines) == rendered.height
    too_wide = [line for line in lines if cell_len(line) > width]
    assert not too_wide, too_wide


def assert_inert(rendered: RenderedMarkdown) -> None:
    """No span is clickable: every style resolves and carries no link or action meta."""
    for span in rendered.content.spans:
        assert isinstance(span.style, str)
        style = resolve(span.style)
        assert not style.meta, span
        assert not style.link, span
        assert "@click" not in span.style and "link" not in span.style.split(), span
