"""`LogView`: shows the entries of a conversation — a window of them — and follows, selects.

The base of `MessageLog`, which owns the session (and so the entries) and calls the `show_*`
methods below after each change. Only a `Window` of the newest messages is mounted; older ones
are mounted in pages when the reader scrolls to the top or jumps to them. The view follows a
streaming reply while the reader is at the bottom; scrolling up or selecting releases it and a
"lines below" count is posted, End follows again.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from textual.containers import VerticalScroll
from textual.events import Click
from textual.message import Message

from aijora_tui.core.conversation import Entry
from aijora_tui.tui.render import code_blocks
from aijora_tui.tui.streaming import ReplyStream
from aijora_tui.tui.widgets.message_view import MessageView
from aijora_tui.tui.widgets.sizing import SizedByLayout
from aijora_tui.tui.window import Window

COLLECT_EVERY = 4
"""Run a full garbage collection after this many removals of views (see `_release`)."""


@dataclass(frozen=True)
class CodeRef:
    """A code block of the conversation: message index, block index within it, its code."""

    entry_index: int
    block_index: int
    code: str


class LogView(SizedByLayout, VerticalScroll, can_focus=True):
    """Mounted views of `entries` (a window of them), the selection and follow mode."""

    @dataclass
    class LinesBelow(Message):
        """Lines that arrived below the viewport while the log was not following."""

        count: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.selected: int | None = None
        """Index of the selected entry; None means "the latest" for actions."""
        self.selected_code: CodeRef | None = None
        self.streams: dict[Entry, ReplyStream] = {}
        """Replies still arriving; a view mounted meanwhile shows what they settled so far."""
        self._views: dict[Entry, MessageView] = {}
        self._window = Window()
        self._lines_below = 0
        self._removals = 0
        self._jumping = False
        self._paging = False
        """A page is being mounted (paging requests meanwhile are dropped, then looked at again)."""
        self._window_lock = asyncio.Lock()
        """Paging (from scroll events, in workers) and jumps must not interleave."""

    @property
    def entries(self) -> list[Entry]:
        """The entries shown (the subclass's session owns them)."""
        raise NotImplementedError

    def view_for(self, entry: Entry) -> MessageView | None:
        return self._views.get(entry)

    # -- showing changes ------------------------------------------------------------------

    async def show_all(self, focus: int | None = None) -> None:
        """Show the entries anew: the newest window, or the window around entry `focus`."""
        self.selected = None
        self.selected_code = None
        self.anchor(False)  # re-engaged once the conversation overflows the view
        if focus is None:
            await self._mount_window(self._window.show_latest(len(self.entries)))
            self.scroll_end(animate=False)
        else:
            await self.select(focus)

    async def show_appended(self, entry: Entry) -> MessageView:
        """Show `entry`, added after the entries shown (bringing the window to the end if it
        does not reach there)."""
        if self._window.end < self.entries.index(entry):
            await self._mount_window(self._window.show_latest(len(self.entries)))
            self.scroll_end(animate=False)
        elif entry not in self._views:
            async with self._window_lock:
                await self.mount(self._view(entry))
                self._window.grow()
                await self._trim_top()
        return self._views[entry]

    async def show_cut(self, length: int) -> None:
        """The entries were cut to `length` (a new branch starts there): unmount the rest."""
        shown = set(self.entries)
        gone = [view for entry, view in self._views.items() if entry not in shown]
        for entry in [entry for entry in self._views if entry not in shown]:
            del self._views[entry]
        for view in gone:
            await view.remove()
        self._window.cut(length)
        if self.selected is not None and self.selected >= length:
            self.selected = None
        self.selected_code = None

    async def load_blob(self, sha256: str) -> bytes | None:
        """An image's stored bytes (the subclass reads its store); None when there are none."""
        return None

    def _view(self, entry: Entry) -> MessageView:
        view = MessageView(entry, self.streams.get(entry), self.load_blob)
        self._views[entry] = view
        return view

    async def _mount_window(self, indexes: range) -> None:
        """Unmount everything and mount the entries at `indexes`."""
        async with self._window_lock:
            await self._release(list(self._views.values()))
            self._views.clear()
            await self.mount_all([self._view(self.entries[i]) for i in indexes])

    async def _trim_top(self) -> None:
        """Unmount the oldest views beyond the window, keeping what is on screen where it is."""
        old = [self.entries[i] for i in self._window.trim_top()]
        if not old:
            return
        keep = self._views.get(self.entries[self._window.start])
        moved = self._where(keep)
        await self._unmount(old)
        self.call_after_refresh(self._keep_in_place, keep, moved)

    async def _trim_bottom(self) -> None:
        """Unmount the newest views beyond the window (never a reply that is still streaming)."""
        doomed = [self.entries[i] for i in self._window.bottom_excess()]
        if not doomed or any(entry.state == "streaming" for entry in doomed):
            return
        self._window.trim_bottom()
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
            start = self._window.start
            first_view = self._views.get(self.entries[start]) if start < len(self.entries) else None
            if start == 0 or first_view is None:
                return
            page = self._window.earlier()
            moved = self._where(first_view)
            views = [self._view(self.entries[i]) for i in page]
            await self.mount_all(views, before=first_view)
            await self._trim_bottom()
            self.call_after_refresh(self._keep_in_place, first_view, moved)

    async def _page_later(self) -> None:
        """Mount the page after the window (the reader scrolled to its bottom)."""
        async with self._window_lock:
            page = self._window.later(len(self.entries))
            if not page:
                return
            await self.mount_all([self._view(self.entries[i]) for i in page])
            await self._trim_top()

    def _page_at_edges(self) -> None:
        """Page in more when the reader reaches (or pushes against) the window's top or bottom;
        pushing against an edge scrolls nothing, so `watch_scroll_y` alone would miss it."""
        if self._jumping:
            return  # a jump's new window is not scrolled into place yet: its position is stale
        if self._paging:
            return  # one page at a time: a page cut off halfway would leave the window wrong
        if self.scroll_y <= 0 < self._window.start:
            self._page(self._page_earlier())
        elif self.scroll_y >= self.max_scroll_y and not self._window.at_end(len(self.entries)):
            self._page(self._page_later())

    def _page(self, paging: Coroutine[Any, Any, None]) -> None:
        self._paging = True

        async def run() -> None:
            try:
                await paging
            finally:
                self._paging = False
                self.call_after_refresh(self._page_at_edges)  # still at an edge: the next page

        self.run_worker(run(), group="window")

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

    def count_new_lines(self, height_before: int) -> None:
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
        if not self._window.at_end(len(self.entries)):
            await self._mount_window(self._window.show_latest(len(self.entries)))
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
        if index not in self._window:
            self._jumping = True  # until `_scroll_to_view` has put the message on screen
            await self._mount_window(self._window.show_around(index, len(self.entries)))
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
