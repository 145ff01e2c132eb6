"""`MessageView`: one message of the conversation, finished or still streaming.

While a reply streams, text is buffered and applied at most `FLUSH_INTERVAL` apart; each
Markdown block that is complete is mounted once as its own `MarkdownView` and only the growing
tail is re-rendered, so the cost of a delta does not depend on the length of the reply. When the
reply ends the blocks are folded into one `MarkdownView` of the whole text, so a finished
message costs the layout one widget, not one per block.
"""

from __future__ import annotations

import asyncio

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from aijora_tui.core.conversation import Entry
from aijora_tui.core.sanitize import StreamSanitizer
from aijora_tui.render import BlockSplitter
from aijora_tui.widgets.markdown_view import MarkdownView
from aijora_tui.widgets.thinking import ThinkingView

FLUSH_INTERVAL = 1 / 15
"""Seconds between screen updates of a streaming reply (15 Hz: smooth, and cheap)."""

_STATE_LABELS = {
    "streaming": ("● streaming", "$accent"),
    "cancelled": ("■ cancelled", "$warning"),
    "interrupted": ("▲ interrupted", "$warning"),
    "failed": ("✗ failed", "$error"),
}
_FINISH_LABELS = {"length": "truncated (length)", "content_filter": "filtered (content_filter)"}


class MessageView(Vertical):
    """Shows one `Entry`; the message log owns the entry and calls the methods below."""

    def __init__(self, entry: Entry) -> None:
        super().__init__(classes=f"-{entry.role}")
        self.entry = entry
        self._header = Static(classes="message-header", markup=False)
        self._status = Static(classes="message-status", markup=False)
        self._thinking: ThinkingView | None = None
        self._body: MarkdownView | Static | None = None
        self._tail: MarkdownView | None = None
        self._pending: list[str] = []
        self._pending_reasoning: list[str] = []
        self._flush_scheduled = False
        self._sanitizer = StreamSanitizer()
        self._reasoning_sanitizer = StreamSanitizer()
        self._splitter: BlockSplitter | None = None
        self._lock = asyncio.Lock()
        """Flushes come from this widget's timer and from the log's `finish()`: one at a time."""

    def compose(self) -> ComposeResult:
        entry = self.entry
        yield self._header
        if entry.reasoning:
            self._thinking = ThinkingView(entry.reasoning, expanded=False)
            yield self._thinking
        if entry.role == "user":
            self._body = Static(Content(entry.content), classes="message-body", markup=False)
            yield self._body
        elif entry.state == "streaming":
            self._splitter = BlockSplitter()
            self._tail = MarkdownView(classes="message-tail")
            yield self._tail
        else:
            self._body = MarkdownView(entry.content, classes="message-body")
            yield self._body
        yield self._status

    def on_mount(self) -> None:
        self.refresh_header()

    # -- streaming ------------------------------------------------------------------------

    def append_text(self, text: str) -> None:
        """Queue answer text; it reaches the screen at the next flush."""
        self._pending.append(text)
        self._schedule_flush()

    def append_reasoning(self, text: str) -> None:
        self._pending_reasoning.append(text)
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.set_timer(FLUSH_INTERVAL, self.flush)

    async def flush(self) -> None:
        """Apply buffered text: mount newly settled blocks, re-render the tail."""
        async with self._lock:
            await self._flush()

    async def _flush(self) -> None:
        self._flush_scheduled = False
        if self._pending_reasoning:
            text = self._reasoning_sanitizer.feed("".join(self._pending_reasoning))
            self._pending_reasoning.clear()
            await self._add_reasoning(text)
        if self._pending and self._splitter is not None and self._tail is not None:
            text = self._sanitizer.feed("".join(self._pending))
            self._pending.clear()
            self.entry.content += text
            settled = self._splitter.feed(text)
            if settled:
                await self.mount_all(
                    [MarkdownView(block, classes="message-block") for block in settled],
                    before=self._tail,
                )
            self._tail.update(self._splitter.tail)
            if self._thinking is not None and not self._thinking.user_toggled:
                self._thinking.expanded = False

    async def _add_reasoning(self, text: str) -> None:
        self.entry.reasoning += text
        if self._thinking is None:
            self._thinking = ThinkingView("", expanded=True)
            await self.mount(self._thinking, after=self._header)
        self._thinking.append(text)

    async def finish(self) -> None:
        """The reply ended (in any state): flush, then fold the blocks into one view."""
        async with self._lock:
            await self._finish()

    async def _finish(self) -> None:
        await self._flush()
        rest = self._sanitizer.flush()
        self.entry.content += rest
        self.entry.reasoning += self._reasoning_sanitizer.flush()
        if self._splitter is not None:
            self._splitter = None
            body = MarkdownView(self.entry.content, classes="message-body")
            # Mount before removing: if the log's height dipped in between, a reader scrolled
            # up could be clamped to the bottom, which re-engages follow mode.
            parts = self.query(".message-block, .message-tail")
            with self.app.batch_update():
                await self.mount(body, before=self._status)
                await parts.remove()
            self._body, self._tail = body, None
        if self._thinking is not None:
            self._thinking.finish(self.entry.reasoning)
        self.refresh_header()

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
                parts += [" · ", (entry.model, "$text-muted")]
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
