"""`MarkdownView`: one widget showing a Markdown document rendered to `Content` for its width.

One widget per document (not Textual's ~7 widgets per block) keeps the conversation's widget
count — the cost of every reflow — small, and `Content` keeps the text mouse-selectable. The
rendering is cached per width, so scrolling and unrelated reflows cost nothing. A document that
changes without changing height (a streamed tail whose last line grows) repaints only the lines
that changed and needs no layout. A document longer than `OFF_LOOP_CHARS` (a reply of
megabytes, opened from the history) is rendered on a thread: rendering it on the event loop
would freeze the app for seconds.
"""

from __future__ import annotations

import asyncio

from textual.content import Content
from textual.geometry import Region, Size
from textual.widget import Widget

from aijora_tui.tui.render import RenderedMarkdown, render_markdown
from aijora_tui.tui.widgets.sizing import SizedByLayout

OFF_LOOP_CHARS = 50_000
"""Documents longer than this (about 0.1 s to render) are rendered on a thread."""


class MarkdownView(SizedByLayout, Widget):
    """Renders `source` as Markdown; `selected_code` marks one code block."""

    def __init__(self, source: str = "", *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._source = source
        self._selected_code: int | None = None
        self._rendered: RenderedMarkdown | None = None
        self._rendered_width = -1
        self._rendered_code: int | None = None
        self._rendering: tuple[str, int, int | None] | None = None
        """What is being rendered on a thread: source, width, selected code block."""

    @property
    def source(self) -> str:
        return self._source

    def update(self, source: str) -> None:
        """Show a new document (a growing tail, say)."""
        if source == self._source:
            return
        before = self._rendered if self._rendered_width == self.content_size.width else None
        self._source = source
        self._rendered = None
        if before is None or not source:
            self.refresh(layout=True)
            return
        after = self.rendered(self.content_size.width)
        if after.height != before.height:
            self.refresh(layout=True)
        elif (first := _first_difference(before.content, after.content)) is not None:
            self.refresh(Region(0, first, self.content_size.width, after.height - first))

    def select_code(self, index: int | None) -> None:
        """Mark code block `index` (None: no mark)."""
        if index != self._selected_code:
            self._selected_code = index
            self.refresh(layout=True)

    def prime(self, width: int, rendered: RenderedMarkdown) -> None:
        """Use a rendering made elsewhere (on a thread, for a long reply) for `width`."""
        self._rendered, self._rendered_width = rendered, max(width, 10)
        self._rendered_code = self._selected_code

    def rendered(self, width: int) -> RenderedMarkdown:
        """The rendering for `width` cells, from the cache when possible."""
        width = max(width, 10)
        rendered = self._rendered
        if (
            rendered is not None
            and self._rendered_width == width
            and self._rendered_code == self._selected_code
        ):
            return rendered
        if len(self._source) > OFF_LOOP_CHARS and self.is_attached:
            self._render_on_thread(width)
            if rendered is not None and self._rendered_width == width:
                return rendered  # the other code block stays marked until then
            lines = self._source.count("\n") + 1  # about as tall, so the layout hardly moves
            return RenderedMarkdown(Content("\n" * (lines - 1)), lines, [])
        self._rendered = render_markdown(self._source, width, selected_code=self._selected_code)
        self._rendered_width, self._rendered_code = width, self._selected_code
        return self._rendered

    def _render_on_thread(self, width: int) -> None:
        job = (self._source, width, self._selected_code)
        if self._rendering == job:
            return
        self._rendering = job

        async def render() -> None:
            source, width, code = job
            rendered = await asyncio.to_thread(render_markdown, source, width, selected_code=code)
            if self._rendering == job:
                self._rendering = None
                self._rendered, self._rendered_width, self._rendered_code = rendered, width, code
                self.refresh(layout=True)

        self.run_worker(render(), group="render", exclusive=True, exit_on_error=False)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.rendered(width).height if self._source else 0

    def render(self) -> Content:
        if not self._source:
            return Content("")
        return self.rendered(self.content_size.width).content


def _first_difference(before: Content, after: Content) -> int | None:
    """The first line whose text or styles differ (None: the same lines, styles included)."""
    old = before.split("\n", allow_blank=True)
    new = after.split("\n", allow_blank=True)
    for number, (line, other) in enumerate(zip(old, new, strict=False)):
        if line.plain != other.plain or line.spans != other.spans:
            return number
    return None if len(old) == len(new) else min(len(old), len(new))
