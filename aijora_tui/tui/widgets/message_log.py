"""`MessageLog`: holds the open conversation (its entries and the selection) and shows it.

Only a window of the newest `WINDOW` messages is mounted; older ones are mounted in pages when
the reader scrolls to the top or jumps to them, so a long conversation costs the layout the same
as a short one. The log follows a streaming reply while the reader is at the bottom; scrolling up
or moving the selection releases it and a "lines below" count is posted, End follows again.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.events import Click
from textual.message import Message
from textual.timer import Timer

from aijora_tui.core.conversation import Entry
from aijora_tui.core.sanitize import sanitize
from aijora_tui.tui.messages import (
    StreamCompletedMessage,
    StreamDelta,
    StreamNotice,
    StreamReasoning,
    StreamStopped,
    StreamUsage,
)
from aijora_tui.tui.render import code_blocks
from aijora_tui.tui.streaming import ReplyStream
from aijora_tui.tui.widgets.message_view import MessageView

WINDOW = 30
"""Messages mounted at most when a conversation opens or grows."""
FLUSH_INTERVAL = 1 / 10
"""Seconds between screen updates of a streaming reply: 10 Hz reads as smooth, and each update
costs a layout and a frame, so fewer updates are the cheapest CPU saving (bench/bench_tui.py)."""
PAGE = 15
"""Messages mounted at once when the reader scrolls past the top or bottom of the window."""
COLLECT_EVERY = 4
"""Run a full garbage collection after this many removals of views (see `_release`)."""


@dataclass(frozen=True)
class CodeRef:
    """A code block of the conversation: message index, block index within it, its code."""

    entry_index: int
    block_index: int
    code: str


class MessageLog(VerticalScroll, can_focus=True):
    """The conversation: entries, selection, follow mode."""

    BINDINGS = [
        Binding(
            "up,k",
            "select_previous",
            "Prev msg",
            id="select-previous",
            tooltip="Select the previous message",
        ),
        Binding(
            "down,j", "select_next", "Next msg", id="select-next", tooltip="Select the next message"
        ),
        Binding(
            "home,g",
            "select_first",
            "First",
            id="select-first",
            show=False,
            tooltip="Select the first message",
        ),
        Binding(
            "end,G",
            "follow",
            "Latest",
            id="follow",
            tooltip="Go to the latest message and follow the stream",
        ),
        Binding(
            "left_square_bracket",
            "code_previous",
            "Prev code",
            id="code-previous",
            tooltip="Select the previous code block",
        ),
        Binding(
            "right_square_bracket",
            "code_next",
            "Next code",
            id="code-next",
            tooltip="Select the next code block",
        ),
        Binding(
            "t",
            "toggle_thinking",
            "Thinking",
            id="toggle-thinking",
            tooltip="Show or hide the model's reasoning",
        ),
        Binding(
            "e",
            "edit",
            "Edit",
            id="edit-message",
            tooltip="Edit the selected user message and resend",
        ),
        Binding(
            "less_than_sign",
            "sibling(-1)",
            "‹ Branch",
            id="branch-previous",
            tooltip="Show the previous version of the selected message",
        ),
        Binding(
            "greater_than_sign",
            "sibling(1)",
            "Branch ›",
            id="branch-next",
            tooltip="Show the next version of the selected message",
        ),
    ]

    @dataclass
    class TurnEnded(Message):
        """A reply finished, in any state; the screen saves it and sends what is queued."""

        entry: Entry

    @dataclass
    class EntriesChanged(Message):
        """Entries were added, removed or got usage; the sidebar redraws its counts."""

    @dataclass
    class LinesBelow(Message):
        """Lines that arrived below the viewport while the log was not following."""

        count: int

    @dataclass
    class EditRequested(Message):
        """The user wants to edit (and resend) the user message `entry`."""

        entry: Entry

    @dataclass
    class BranchRequested(Message):
        """The user wants the previous (-1) or next (+1) sibling of `entry`."""

        entry: Entry
        step: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[Entry] = []
        self.selected: int | None = None
        """Index of the selected entry; None means "the latest" for actions."""
        self.selected_code: CodeRef | None = None
        self._views: dict[Entry, MessageView] = {}
        self._streams: dict[Entry, ReplyStream] = {}
        """Replies still arriving; their text lands here whether or not a view is mounted."""
        self._flush_timer: Timer | None = None
        self._start = 0
        """Entries [_start, _end) are mounted."""
        self._end = 0
        self._lines_below = 0
        self._removals = 0
        self._jumping = False
        self._window_lock = asyncio.Lock()
        """Paging (from scroll events, in workers) and jumps must not interleave."""

    # -- content --------------------------------------------------------------------------

    async def load(self, entries: Sequence[Entry], *, focus: int | None = None) -> None:
        """Show a conversation: the newest window, or the window around entry `focus`."""
        self.entries = list(entries)
        self.selected = None
        self.selected_code = None
        self.anchor(False)  # re-engaged once the conversation overflows the view
        if focus is None:
            await self._mount_window(max(0, len(self.entries) - WINDOW))
            self.scroll_end(animate=False)
        else:
            await self.select(focus)
        self.post_message(self.EntriesChanged())

    async def add(self, entry: Entry) -> MessageView:
        """Append an entry and show it (bringing the window back to the end if needed)."""
        self.entries.append(entry)
        if self._end < len(self.entries) - 1:
            await self._mount_window(max(0, len(self.entries) - WINDOW))
            self.scroll_end(animate=False)
        else:
            async with self._window_lock:
                await self.mount(self._view(entry))
                self._end += 1
                await self._trim_top()
        self.post_message(self.EntriesChanged())
        return self._views[entry]

    async def replace_tail(self, length: int, entries: Sequence[Entry]) -> None:
        """Drop the entries from index `length` on and show `entries` after the rest.

        Edit-and-resend and regenerate start a new branch there; switching branches swaps
        everything below the message whose sibling is shown.
        """
        for entry in self.entries[length:]:
            view = self._views.pop(entry, None)
            if view is not None:
                await view.remove()
        del self.entries[length:]
        self._end = min(self._end, length)
        if self.selected is not None and self.selected >= length:
            self.selected = None
        self.selected_code = None
        for entry in entries:
            await self.add(entry)
        self.post_message(self.EntriesChanged())

    def view_for(self, entry: Entry) -> MessageView | None:
        return self._views.get(entry)

    def _view(self, entry: Entry) -> MessageView:
        if entry.state == "streaming" and entry.role == "assistant" and entry not in self._streams:
            self._streams[entry] = ReplyStream(entry)
            if self._flush_timer is None:
                self._flush_timer = self.set_interval(FLUSH_INTERVAL, self._flush_streams)
        view = MessageView(entry, self._streams.get(entry))
        self._views[entry] = view
        return view

    async def _mount_window(self, start: int) -> None:
        """Unmount everything and mount up to WINDOW entries from `start`."""
        async with self._window_lock:
            await self._release(list(self._views.values()))
            self._views.clear()
            self._start = start
            self._end = min(len(self.entries), start + WINDOW)
            await self.mount_all([self._view(e) for e in self.entries[self._start : self._end]])

    async def _trim_top(self) -> None:
        """Unmount the oldest views beyond WINDOW, keeping what is on screen where it is."""
        excess = self._end - self._start - WINDOW
        if excess <= 0:
            return
        old = self.entries[self._start : self._start + excess]
        self._start += excess
        keep = self._views.get(self.entries[self._start])
        moved = self._where(keep)
        await self._unmount(old)
        self.call_after_refresh(self._keep_in_place, keep, moved)

    async def _trim_bottom(self) -> None:
        """Unmount the newest views beyond WINDOW (never a reply that is still streaming)."""
        excess = self._end - self._start - WINDOW
        doomed = self.entries[self._end - excess : self._end] if excess > 0 else []
        if not doomed or any(entry.state == "streaming" for entry in doomed):
            return
        self._end -= excess
        await self._unmount(doomed)

    async def _unmount(self, entries: Sequence[Entry]) -> None:
        await self._release([self._views.pop(entry) for entry in entries if entry in self._views])

    async def _release(self, views: Sequence[MessageView]) -> None:
        """Remove views so that their memory really goes.

        A Textual 8.2.8 `lru_cache` on a `StylesCache` method keeps up to 1,024 removed widgets'
        rendered lines alive; a refresh empties each widget's cache first. And since start-up
        objects are frozen and full collections rare (app.py), collect every few removals, or the
        cycles of removed views pile up while a long conversation is paged through.
        """
        for view in views:
            for widget in view.walk_children(with_self=True):
                widget.refresh()
        await self.remove_children(views)
        self._removals += 1
        if self._removals % COLLECT_EVERY == 0:
            gc.collect()

    @staticmethod
    def _where(view: MessageView | None) -> int | None:
        return None if view is None else view.virtual_region.y

    def _keep_in_place(self, view: MessageView | None, before: int | None) -> None:
        """Scroll by however far `view` moved, so that what the reader sees does not move.

        Not a reader's scroll, so it must not release the anchor: a log that follows the stream
        keeps following. (`scroll_to` releases it whatever its `release_anchor` says, 8.2.8.)
        """
        if view is None or before is None or not view.is_attached:
            return
        y = self.scroll_y + view.virtual_region.y - before
        self.scroll_target_y = y
        self.scroll_y = y

    async def _page_earlier(self) -> None:
        """Mount the page before the window (the reader scrolled to its top)."""
        async with self._window_lock:
            if self._start == 0:
                return
            start = max(0, self._start - PAGE)
            first_view = self._views[self.entries[self._start]]
            moved = self._where(first_view)
            views = [self._view(entry) for entry in self.entries[start : self._start]]
            self._start = start
            await self.mount_all(views, before=first_view)
            await self._trim_bottom()
            self.call_after_refresh(self._keep_in_place, first_view, moved)

    async def _page_later(self) -> None:
        """Mount the page after the window (the reader scrolled to its bottom)."""
        async with self._window_lock:
            if self._end >= len(self.entries):
                return
            end = min(len(self.entries), self._end + PAGE)
            await self.mount_all([self._view(entry) for entry in self.entries[self._end : end]])
            self._end = end
            await self._trim_top()

    def _page_at_edges(self) -> None:
        """Page in more when the reader reaches (or pushes against) the window's top or bottom;
        pushing against an edge scrolls nothing, so `watch_scroll_y` alone would miss it."""
        if self._jumping:
            return  # a jump's new window is not scrolled into place yet: its position is stale
        if self.scroll_y <= 0 < self._start:
            self.run_worker(self._page_earlier(), group="window", exclusive=True)
        elif self.scroll_y >= self.max_scroll_y and self._end < len(self.entries):
            self.run_worker(self._page_later(), group="window", exclusive=True)

    def action_page_up(self) -> None:
        super().action_page_up()
        self._page_at_edges()

    def action_page_down(self) -> None:
        super().action_page_down()
        self._page_at_edges()

    def on_mouse_scroll_up(self) -> None:
        self._page_at_edges()

    def on_mouse_scroll_down(self) -> None:
        self._page_at_edges()

    # -- stream events --------------------------------------------------------------------

    @on(StreamDelta)
    def _stream_delta(self, message: StreamDelta) -> None:
        stream = self._streams.get(message.entry)
        if stream is not None:
            stream.append_text(message.text)

    @on(StreamReasoning)
    def _stream_reasoning(self, message: StreamReasoning) -> None:
        stream = self._streams.get(message.entry)
        if stream is not None:
            stream.append_reasoning(message.text)

    async def _flush_streams(self) -> None:
        """Apply what every streaming reply received since the last tick (FLUSH_INTERVAL)."""
        for entry, stream in list(self._streams.items()):
            drained = stream.drain()
            view = self._views.get(entry)
            if drained is not None and view is not None:
                height_before = self.virtual_size.height
                await view.apply(drained)
                self.call_after_refresh(self._count_new_lines, height_before)

    @on(StreamUsage)
    def _stream_usage(self, message: StreamUsage) -> None:
        message.entry.usage = message.usage

    @on(StreamNotice)
    def _stream_notice(self, message: StreamNotice) -> None:
        message.entry.notice = sanitize(message.text)
        view = self._views.get(message.entry)
        if view is not None:
            view.refresh_header()

    @on(StreamCompletedMessage)
    async def _stream_completed(self, message: StreamCompletedMessage) -> None:
        entry, completed = message.entry, message.completed
        entry.state = "completed"
        entry.finish_reason = completed.finish_reason
        entry.notice = completed.notice
        if completed.usage is not None:
            entry.usage = completed.usage
        if completed.model:
            entry.model = sanitize(completed.model)
        await self._end_turn(entry)

    @on(StreamStopped)
    async def _stream_stopped(self, message: StreamStopped) -> None:
        entry = message.entry
        entry.state = message.state
        entry.error = message.error
        await self._end_turn(entry)

    async def _end_turn(self, entry: Entry) -> None:
        stream = self._streams.pop(entry, None)
        if stream is not None:
            stream.finish()
        if not self._streams and self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        view = self._views.get(entry)
        if view is not None:
            await view.finish()
        self.post_message(self.TurnEnded(entry))
        self.post_message(self.EntriesChanged())

    # -- follow mode ----------------------------------------------------------------------

    def watch_virtual_size(self) -> None:
        height = self.virtual_size.height
        # Textual's anchor keeps the view at the bottom as content grows, but it also
        # bottom-aligns content shorter than the view: so it is on only while content overflows
        # (content can be briefly taller before its first layout, hence the way back).
        overflows = height > self.scrollable_content_region.height
        if overflows and not self.is_anchored:
            self.anchor()
        elif not overflows and self.is_anchored:
            self.anchor(False)
            self.scroll_home(animate=False)

    def _count_new_lines(self, height_before: int) -> None:
        """After a reply's text was shown: how many of its lines are below the view."""
        grown = max(0, self.virtual_size.height - height_before)
        count = 0 if self.scroll_y >= self.max_scroll_y else self._lines_below + grown
        if count != self._lines_below:
            self._lines_below = count
            self.post_message(self.LinesBelow(count))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value >= self.max_scroll_y and self._lines_below:
            self._lines_below = 0
            self.post_message(self.LinesBelow(0))
        self._page_at_edges()

    async def action_follow(self) -> None:
        """Jump to the latest message and follow the stream again."""
        if self._end < len(self.entries):
            await self._mount_window(max(0, len(self.entries) - WINDOW))
        self._set_selected(None)
        self.scroll_end(animate=False)  # also re-engages a released anchor

    # -- selection ------------------------------------------------------------------------

    def selected_entry(self) -> Entry | None:
        """The selected entry, or with nothing selected the latest assistant reply."""
        if self.selected is not None:
            return self.entries[self.selected]
        return next((e for e in reversed(self.entries) if e.role == "assistant"), None)

    def _set_selected(self, index: int | None) -> None:
        if self.selected is not None and self.selected < len(self.entries):
            old = self._views.get(self.entries[self.selected])
            if old is not None:
                old.remove_class("-selected")
        self.selected = index
        self._select_code(None)
        view = self._views.get(self.entries[index]) if index is not None else None
        if view is None:
            self._jumping = False
            return
        view.add_class("-selected")
        # After a refresh: a view just mounted for a jump has no layout yet.
        self.call_after_refresh(self._scroll_to_view, view)

    def _scroll_to_view(self, view: MessageView) -> None:
        self.scroll_to_widget(view, animate=False, top=view.size.height > self.size.height)
        self.call_after_refresh(self._end_jump)

    def _end_jump(self) -> None:
        self._jumping = False

    async def select(self, index: int) -> None:
        """Select entry `index`, mounting the messages down to it if it is outside the window."""
        if not self.entries:
            return
        index = max(0, min(index, len(self.entries) - 1))
        if not self._start <= index < self._end:
            self._jumping = True  # until `_scroll_to_view` has put the message on screen
            await self._mount_window(max(0, min(index - PAGE, len(self.entries) - WINDOW)))
        self.release_anchor()
        self._set_selected(index)

    async def action_select_previous(self) -> None:
        if self.entries:
            current = len(self.entries) if self.selected is None else self.selected
            await self.select(current - 1)

    async def action_select_next(self) -> None:
        if self.selected is None:
            return
        if self.selected >= len(self.entries) - 1:
            await self.action_follow()
        else:
            await self.select(self.selected + 1)

    async def action_select_first(self) -> None:
        await self.select(0)

    def on_click(self, event: Click) -> None:
        for entry, view in self._views.items():
            if event.widget is not None and (
                event.widget is view or view in event.widget.ancestors
            ):
                self.release_anchor()
                self._set_selected(self.entries.index(entry))
                break

    # -- code blocks ----------------------------------------------------------------------

    def all_code(self) -> list[CodeRef]:
        """Every code block of the conversation, in order."""
        return [
            CodeRef(entry_index, block_index, code)
            for entry_index, entry in enumerate(self.entries)
            if entry.role == "assistant"
            for block_index, code in enumerate(code_blocks(entry.content))
        ]

    def selected_code_or_latest(self) -> str | None:
        """The selected code block, else the last code block of the selected/latest reply."""
        if self.selected_code is not None:
            return self.selected_code.code
        entry = self.selected_entry()
        blocks = code_blocks(entry.content) if entry is not None else []
        return blocks[-1] if blocks else None

    async def action_code_previous(self) -> None:
        await self._move_code(-1)

    async def action_code_next(self) -> None:
        await self._move_code(1)

    async def _move_code(self, step: int) -> None:
        refs = self.all_code()
        if not refs:
            self.notify("No code blocks in this conversation", timeout=2)
            return
        current = self.selected_code
        if current is None:
            position = len(refs) if step < 0 else -1
        else:
            keys = [(r.entry_index, r.block_index) for r in refs]
            key = (current.entry_index, current.block_index)
            position = keys.index(key) if key in keys else len(refs)
        position = max(0, min(position + step, len(refs) - 1))
        ref = refs[position]
        await self.select(ref.entry_index)
        self._select_code(ref)

    def _select_code(self, ref: CodeRef | None) -> None:
        if self.selected_code is not None and self.selected_code.entry_index < len(self.entries):
            old = self._views.get(self.entries[self.selected_code.entry_index])
            if old is not None:
                old.select_code(None)
        self.selected_code = ref
        if ref is None:
            return
        view = self._views.get(self.entries[ref.entry_index])
        if view is not None:
            view.select_code(ref.block_index)
            self.call_after_refresh(self._scroll_to_code, view, ref.block_index)

    def _scroll_to_code(self, view: MessageView, block_index: int) -> None:
        line = view.code_line(block_index)
        if line is not None:
            self.scroll_to(y=view.virtual_region.y + line - 2, animate=False)

    # -- other actions --------------------------------------------------------------------

    def action_toggle_thinking(self) -> None:
        entry = self.selected_entry()
        view = self._views.get(entry) if entry is not None else None
        if view is None or not view.toggle_thinking():
            self.notify("No reasoning in this message", timeout=2)

    def action_edit(self) -> None:
        entry = self.selected_entry() if self.selected is not None else None
        if entry is None or entry.role != "user":
            entry = next((e for e in reversed(self.entries) if e.role == "user"), None)
        if entry is not None:
            self.post_message(self.EditRequested(entry))

    def action_sibling(self, step: int) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.post_message(self.BranchRequested(entry, step))
