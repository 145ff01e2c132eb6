"""`MarkdownView`: one widget showing a Markdown document rendered to `Content` for its width.

One widget per document (not Textual's ~7 widgets per block) keeps the conversation's widget
count — the cost of every reflow — small, and `Content` keeps the text mouse-selectable. The
rendering is cached per width, so scrolling and unrelated reflows cost nothing.
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

from aijora_tui.tui.render import RenderedMarkdown, render_markdown
from aijora_tui.tui.widgets.sizing import SizedByLayout


class MarkdownView(SizedByLayout, Widget):
    """Renders `source` as Markdown; `selected_code` marks one code block."""

    DEFAULT_CSS = """
    MarkdownView {
        height: auto;
    }
    """

    def __init__(self, source: str = "", *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._source = source
        self._selected_code: int | None = None
        self._rendered: RenderedMarkdown | None = None
        self._rendered_width = -1

    @property
    def source(self) -> str:
        return self._source

    def update(self, source: str) -> None:
        """Show a new document (a growing tail, say)."""
        if source != self._source:
            self._source = source
            self._rendered = None
            self.refresh(layout=True)

    def select_code(self, index: int | None) -> None:
        """Mark code block `index` (None: no mark)."""
        if index != self._selected_code:
            self._selected_code = index
            self._rendered = None
            self.refresh(layout=True)

    def prime(self, width: int, rendered: RenderedMarkdown) -> None:
        """Use a rendering made elsewhere (on a thread, for a long reply) for `width`."""
        self._rendered, self._rendered_width = rendered, max(width, 10)

    def rendered(self, width: int) -> RenderedMarkdown:
        """The rendering for `width` cells, from the cache when possible."""
        width = max(width, 10)
        if self._rendered is None or self._rendered_width != width:
            self._rendered = render_markdown(self._source, width, selected_code=self._selected_code)
            self._rendered_width = width
        return self._rendered

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.rendered(width).height if self._source else 0

    def render(self) -> Content:
        if not self._source:
            return Content("")
        return self.rendered(self.content_size.width).content
