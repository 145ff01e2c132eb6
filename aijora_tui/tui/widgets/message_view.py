"""`MessageView`: one message of the conversation, finished or still streaming.

While a reply streams, the message log hands this view what its `ReplyStream` drained (at most
`FLUSH_INTERVAL` apart): Markdown blocks that became complete are shown by a few `MarkdownView`s
of about `GROUP_CHARS` each (a block that settles re-renders only the last of them) and only the
growing tail is re-rendered, so the cost of a delta does not depend on the length of the reply.
Every widget costs every layout, so settled blocks are not one widget each. When the reply ends
the groups are folded into one `MarkdownView` of the whole text, so a finished message costs the
layout one widget.
"""

from __future__ import annotations

import asyncio

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from aijora_tui.core.conversation import Entry
from aijora_tui.core.sanitize import sanitize
from aijora_tui.tui.render import render_markdown
from aijora_tui.tui.streaming import Drained, ReplyStream
from aijora_tui.tui.widgets.image_view import BlobLoader
from aijora_tui.tui.widgets.markdown_view import MarkdownView
from aijora_tui.tui.widgets.part_widgets import (
    attachment_widgets,
    has_tool_activity,
    segment_widgets,
)
from aijora_tui.tui.widgets.sizing import SizedByLayout
from aijora_tui.tui.widgets.thinking import ThinkingView

GROUP_CHARS = 2_000
"""Settled blocks share a `MarkdownView` until it holds about this many characters..."""
MAX_GROUP_CHARS = 32_000
"""...or, in a long reply, a sixteenth of what settled, up to this: every widget costs every
layout, and a 4 MB reply in groups of 2,000 made 2,000 widgets (~100 ms a layout); the last
group is rendered again as blocks join it, so groups stay small enough for that to be quick."""
THREADED_RENDER = 2_000
"""Replies longer than this (characters) are rendered for the final view on a thread: meanwhile
the loop draws the reply's last text (rendering 20,000 characters whole takes 0.1-0.3 s, which
kept the last token off the screen that long) and typing goes on."""
_STATE_LABELS = {
    "streaming": ("● streaming", "$accent"),
    "cancelled": ("■ cancelled", "$warning"),
    "interrupted": ("▲ interrupted", "$warning"),
    "failed": ("✗ failed", "$error"),
}
_FINISH_LABELS = {"length": "truncated (length)", "content_filter": "filtered (content_filter)"}


class MessageView(SizedByLayout, Vertical):
    """Shows one `Entry`; the message log owns the entry and calls the methods below."""

    def __init__(
        self, entry: Entry, stream: ReplyStream | None = None, load: BlobLoader | None = None
    ) -> None:
        super().__init__(classes=f"-{entry.role}")
        self.entry = entry
        self._load = load
        """Reads an image's stored bytes (for the images of the message)."""
        self._stream = stream
        """Set while the reply streams; the view shows its settled blocks and tail."""
        self._header = Static(classes="message-header", markup=False)
        self._status = Static(classes="message-status", markup=False)
        self._thinking: ThinkingView | None = None
        self._body: MarkdownView | Static | None = None
        self._tail: MarkdownView | None = None
        self._groups: list[MarkdownView] = []
        """The views of the settled blocks while the reply streams, the last one still open."""

    def compose(self) -> ComposeResult:
        entry = self.entry
        yield self._header
        if entry.reasoning:
            self._thinking = ThinkingView(entry.reasoning, expanded=self._stream is not None)
            yield self._thinking
        if entry.role == "user":
            # Text from `ask` or a pipe can hold escape sequences too.
            body = Content(sanitize(entry.content))
            self._body = Static(body, classes="message-body", markup=False)
            yield self._body
            yield from attachment_widgets(entry.parts, self._load)
        elif has_tool_activity(entry.parts):
            yield from segment_widgets(entry.parts, streaming=self._stream is not None)
            if self._stream is not None:
                yield from self._streaming_widgets(self._stream)
        elif self._stream is not None:
            yield from self._streaming_widgets(self._stream)
        else:
            self._body = MarkdownView(entry.content, classes="message-body")
            yield self._body
        if entry.role == "assistant":  # generated images
            yield from attachment_widgets(entry.parts, self._load)
        yield self._status

    def _streaming_widgets(self, stream: ReplyStream) -> list[MarkdownView]:
        _, *groups = pack(0, stream.settled, group_size(sum(map(len, stream.settled))))
        self._groups = [MarkdownView(text, classes="message-block") for text in groups]
        self._tail = MarkdownView(stream.tail, classes="message-tail")
        return [*self._groups, self._tail]

    def on_mount(self) -> None:
        self.refresh_header()

    # -- streaming ------------------------------------------------------------------------

    async def apply(self, drained: Drained) -> None:
        """Show what the reply's stream drained: new settled blocks, the tail, reasoning."""
        if drained.reasoning:
            if self._thinking is None:
                self._thinking = ThinkingView("", expanded=True)
                await self.mount(self._thinking, after=self._header)
            self._thinking.append(drained.reasoning)
        if self._tail is None:
            return
        if drained.blocks:
            await self._settle(drained.blocks, self._tail)
        if drained.tail is not None:
            self._tail.update(drained.tail)
            if self._thinking is not None and not self._thinking.user_toggled:
                self._thinking.expanded = False

    async def _settle(self, blocks: list[str], tail: MarkdownView) -> None:
        """Add blocks to the open group while it has room, the rest to new groups."""
        last = self._groups[-1] if self._groups else None
        size = group_size(sum(len(group.source) for group in self._groups))
        grown, *groups = pack(0 if last is None else size - len(last.source), blocks, size)
        if last is not None and grown:
            last.update(last.source + grown)
        if groups:
            views = [MarkdownView(text, classes="message-block") for text in groups]
            self._groups += views
            await self.mount_all(views, before=tail)

    async def end_round(self) -> None:
        """A round of the reply ended in tool calls: fold what it wrote; tools come next."""
        await self._fold()
        self._stream = None

    async def begin_round(self, stream: ReplyStream) -> None:
        """The next round of the reply streams (after its tools ran), below them."""
        self._stream = stream
        self._tail = MarkdownView("", classes="message-tail")
        await self.mount(self._tail, before=self._status)

    async def add_activity(self, widget: Widget) -> None:
        """A tool's consent card or result, in the order things happen."""
        await self.mount(widget, before=self._status)

    async def _fold(self) -> None:
        """Fold the streamed blocks and tail into one view of their text."""
        if self._tail is None or self._stream is None:
            return
        text = self.entry.content
        if has_tool_activity(self.entry.parts):  # only this round's text
            text = self._stream.text
        body = MarkdownView(text, classes="message-body")
        width = self._tail.content_size.width
        if len(text) > THREADED_RENDER and width:
            # Rendering a long reply whole takes long enough to stall typing: not on the loop.
            rendered = await asyncio.to_thread(render_markdown, text, max(width, 10))
            if not self.is_attached:
                return  # removed meanwhile (the app quit, the conversation closed)
            body.prime(width, rendered)
        # Mount before removing: if the log's height dipped in between, a reader scrolled
        # up could be clamped to the bottom, which re-engages follow mode.
        parts = self.query(".message-block, .message-tail")
        with self.app.batch_update():
            await self.mount(body, before=self._status)
            await parts.remove()
        self._body, self._tail, self._groups = body, None, []

    async def finish(self) -> None:
        """The reply ended (in any state): fold the blocks into one view of the whole text."""
        await self._fold()
        self.refresh_header()
        self._stream = None
        if self._thinking is not None:
            self._thinking.finish(self.entry.reasoning)
        elif self.entry.reasoning:  # it all arrived between two screen updates
            self._thinking = ThinkingView(self.entry.reasoning, expanded=False)
            await self.mount(self._thinking, after=self._header)

    # -- presentation ---------------------------------------------------------------------

    def refresh_header(self) -> None:
        """Redraw the header and status lines from the entry."""
        entry = self.entry
        self.set_class(entry.state in ("failed", "interrupted", "cancelled"), "-unfinished")
        self.set_class(entry.state == "streaming", "-streaming")
        parts: list[Content | tuple[str, str] | str] = []
        if entry.role == "user":
            parts.append(("You", "bold $user-message-color"))
        else:
            parts.append(("Assistant", "bold $assistant-message-color"))
            if entry.model:
                parts += [" · ", (sanitize(entry.model), "$text-muted")]
        if entry.sibling_count > 1:
            parts += ["  ", (f"‹{entry.sibling_index + 1}/{entry.sibling_count}›", "$accent")]
        if entry.state in _STATE_LABELS:
            label, style = _STATE_LABELS[entry.state]
            parts += ["  ", (label, style)]
        if entry.finish_reason in _FINISH_LABELS:
            parts += ["  ", (_FINISH_LABELS[entry.finish_reason], "$warning")]
        self._header.update(Content.assemble(*parts))
        status = entry.error or entry.notice
        if entry.is_unfinished:
            hint = "Ctrl+R retry · Ctrl+G continue" if entry.content else "Ctrl+R retry"
            status = f"{status} — {hint}" if status else hint
        self._status.update(Content(status or ""))
        self._status.display = bool(status)

    def select_code(self, index: int | None) -> None:
        if isinstance(self._body, MarkdownView):
            self._body.select_code(index)

    def toggle_thinking(self) -> bool:
        """Expand or collapse the reasoning; False when there is none."""
        if self._thinking is None:
            return False
        self._thinking.toggle()
        return True

    def code_line(self, index: int) -> int | None:
        """The line (within this view) where code block `index` starts, for scrolling."""
        if not isinstance(self._body, MarkdownView):
            return None
        rendered = self._body.rendered(self._body.content_size.width)
        for block in rendered.code_blocks:
            if block.index == index:
                return self._body.region.y - self.region.y + block.line
        return None


def group_size(settled: int) -> int:
    """Characters a group of settled blocks takes, `settled` characters into a reply."""
    return min(max(GROUP_CHARS, settled // 16), MAX_GROUP_CHARS)


def pack(room: int, blocks: list[str], size: int = GROUP_CHARS) -> list[str]:
    """`blocks` joined into the texts of groups: the first goes to an open group with `room`
    characters left ("" when none fit), each next one is a new group of about `size`."""
    groups = [""]
    for block in blocks:
        if room <= 0:
            groups.append("")
            room = size
        groups[-1] += block
        room -= len(block)
    return groups
