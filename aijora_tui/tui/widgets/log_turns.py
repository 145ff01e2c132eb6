"""The streaming of a reply in the app: its worker, its events, its rounds, its end.

A base of `MessageLog` (which takes the user's requests): `_start()` shows the new reply and runs
the stream worker, which queues every event and tells the log when the queue was empty;
`Session.apply()` takes each, the `Cadence` shows and saves what arrived, a round that ends in tool
calls goes to `ToolRounds`, and `_end()` folds the reply, saves it and sends what was queued
meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.message import Message

from aijora_tui.core import notices
from aijora_tui.core.conversation import Entry
from aijora_tui.core.errors import AijoraError, StreamInterrupted
from aijora_tui.core.events import ReasoningDelta, TextDelta
from aijora_tui.core.parts import FilePart, ImagePart
from aijora_tui.core.request import needs_blobs
from aijora_tui.core.session import Session
from aijora_tui.core.tools.results import ToolOutcome
from aijora_tui.core.turns import Ended, Turn
from aijora_tui.tui.cadence import Cadence
from aijora_tui.tui.messages import EventQueue, StreamEvents, StreamStopped
from aijora_tui.tui.recorder import AsyncRecorder
from aijora_tui.tui.streaming import ReplyStream
from aijora_tui.tui.widgets.log_context import ContextChoice
from aijora_tui.tui.widgets.log_images import ImageTurns
from aijora_tui.tui.widgets.log_tools import TOOLS_OFF, ToolRounds

if TYPE_CHECKING:
    from aijora_tui.core.client import ChatClient

STOP_TIMEOUT = 2.0
"""Seconds to wait for a cancelled reply to be saved (when quitting or switching)."""
FIRST_DRAW_WAIT = 0.1
"""Seconds the stream worker waits at most for a round's first text to be drawn."""


class StreamingTurns(ContextChoice, ImageTurns, ToolRounds):
    """Streams replies into the session and shows them; the base of `MessageLog`."""

    @dataclass
    class QueueChanged(Message):
        """Prompts waiting for the streaming reply to end."""

        count: int

    @dataclass
    class HandedBack(Message):
        """Unsent text the prompt should take back (queued prompts of a reply that stopped)."""

        text: str
        why: str

    session: Session
    recorder: AsyncRecorder
    _client: Callable[[], ChatClient]
    _cadence: Cadence
    _ended: asyncio.Event
    _first_drawn: asyncio.Event | None = None
    """Set once the streaming round's first text is on screen (the worker waits for it)."""

    def _changed(self) -> None:
        raise NotImplementedError

    async def submit(self, text: str, attachments: Sequence[FilePart | ImagePart] = ()) -> None:
        raise NotImplementedError

    async def flush_writes(self) -> None:
        """Hand the session's pending writes to the store."""
        await self.recorder.flush(self.session.take_writes())

    async def stop(self) -> None:
        """Cancel the streaming reply and wait until it is saved as cancelled."""
        if self.session.reply is None:
            return
        self.workers.cancel_group(self, "stream")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ended.wait(), STOP_TIMEOUT)

    def cancel(self) -> None:
        """Stop the streaming reply (Escape); it ends as cancelled, its text kept."""
        self.workers.cancel_group(self, "stream")

    # -- a turn ---------------------------------------------------------------------------

    @property
    def tools_on(self) -> bool:
        """Tools are offered in this conversation (servers configured, not turned off)."""
        settings = self.session.conversation.settings
        return self.tool_hub() is not None and settings.get("tools") != TOOLS_OFF

    def action_toggle_tools(self) -> None:
        """Turn tools off (or on again) for this conversation, from the next request on."""
        if self.tool_hub() is None:
            self.notify("No MCP servers are configured ([mcp.servers.NAME] in config.toml)")
            return
        on = not self.tools_on
        self.session.set_setting("tools", None if on else TOOLS_OFF)
        self.run_worker(self.recorder.flush(self.session.take_writes()), exit_on_error=False)
        self.notify(f"Tools {'on' if on else 'off'} for this conversation", timeout=3)
        self._changed()

    async def _offer_tools(self) -> None:
        """The tools of the next request (starting their servers the first time)."""
        hub = self.tool_hub()
        self.session.tools = await hub.openai_tools() if hub is not None and self.tools_on else []

    async def _start(self, turn: Turn) -> None:
        self.streams[turn.entry] = ReplyStream()
        view = await self.show_appended(turn.entry)
        view.refresh_header()
        self._ended.clear()
        await self._stream_round(turn)

    async def _stream_round(self, turn: Turn) -> None:
        await self.recorder.flush(self.session.take_writes())  # saved before it is sent
        self._changed()
        self.run_worker(self._stream(turn), group="stream", exclusive=True, exit_on_error=False)

    async def _stream(self, turn: Turn) -> None:
        """The worker: every event of the request becomes a message to this log."""
        entry, post = turn.entry, self.post_message
        try:
            store = self.recorder.store
            if store is not None and needs_blobs(turn.history):
                messages = await store.run(lambda s: self.session.request(turn, s.blob))
            elif turn.sends_attachments:  # base64 of a large image: not on the event loop
                messages = await asyncio.to_thread(self.session.request, turn)
            else:
                messages = self.session.request(turn)
            client = self._client()
            queue = EventQueue()
            first_drawn = self._first_drawn = asyncio.Event()
            async for event in client.stream_chat(messages, turn.model, **turn.params):
                if queue.put(event):
                    post(StreamEvents(entry, queue))
                if not first_drawn.is_set() and isinstance(event, TextDelta | ReasoningDelta):
                    await self._wait_for_first_draw(first_drawn)
        except AijoraError as error:
            cut = isinstance(error, StreamInterrupted)
            why = notices.failure(
                error, offered_tools=turn.offers_tools, sent_attachments=turn.sends_attachments
            )
            post(StreamStopped(entry, "interrupted" if cut else "failed", why))
        except asyncio.CancelledError:
            post(StreamStopped(entry, "cancelled", None))
            raise
        except Exception as error:  # never a traceback on screen: the reply says what broke
            post(StreamStopped(entry, "failed", f"unexpected error: {type(error).__name__}"))

    @staticmethod
    async def _wait_for_first_draw(first_drawn: asyncio.Event) -> None:
        """Deltas already in the socket's buffer keep the worker busy: it would read on, up to
        hundreds of them, before the app's loop draws the screen once. So the first text is
        drawn first (a frame, ~10 ms), then the rest is read."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(first_drawn.wait(), FIRST_DRAW_WAIT)
        first_drawn.set()

    async def _frame_drawn(self) -> None:
        """Until the screen was drawn (at most `FIRST_DRAW_WAIT`)."""
        drawn = asyncio.Event()
        self.call_after_refresh(drawn.set)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(drawn.wait(), FIRST_DRAW_WAIT)

    def _settled(self, text: str, reasoning: str) -> None:
        """The session settled arrived text into the streaming reply."""
        streaming = self.session.streaming
        stream = self.streams.get(streaming) if streaming is not None else None
        if stream is not None:
            stream.add(text, reasoning)

    @on(StreamEvents)
    async def _stream_events(self, message: StreamEvents) -> None:
        entry = message.entry
        for event in message.queue.take():
            if entry is not self.session.streaming:
                return  # a late event of a reply that already ended
            change = self.session.apply(event)
            if change.header:
                view = self.view_for(entry)
                if view is not None:
                    view.refresh_header()
                self._changed()
            if change.done:
                await self._round_done(entry)
                return
        self._cadence.poke()

    async def _round_done(self, entry: Entry) -> None:
        """The stream completed: answer its tool calls, or end the reply."""
        self._cadence.poke()
        calls = self.session.tool_calls()
        if calls:
            await self._round_ended(entry)
            await self.answer_tools(entry, calls)
        else:
            await self._end(self.session.end_reply())

    @on(StreamStopped)
    async def _stream_stopped(self, message: StreamStopped) -> None:
        if message.entry is self.session.streaming:
            await self._end(self.session.end_reply(message.state, message.error))

    async def _refresh_stream(self) -> None:
        """Show what the streaming reply received since the last update (`Cadence`), and
        save it when it is due."""
        self.session.settle()
        for entry, stream in list(self.streams.items()):
            drained = stream.drain()
            if drained is None:
                continue
            view = self.view_for(entry)
            if view is not None:
                height_before = self.virtual_size.height
                await view.apply(drained)
                self.call_after_refresh(self.count_new_lines, height_before)
            if self._first_drawn is not None:  # drawn (or out of the window) after this refresh
                self.call_after_refresh(self._first_drawn.set)
                self._first_drawn = None
        if self.session.progress_due():
            self.session.save_progress()
            await self.recorder.flush(self.session.take_writes())

    async def _round_ended(self, entry: Entry) -> None:
        """A round ended in tool calls: show all it wrote; the calls are answered next."""
        await self._refresh_stream()
        self.streams.pop(entry, None)
        view = self.view_for(entry)
        if view is not None:
            await view.end_round()
        await self.recorder.flush(self.session.take_writes())

    def tool_result_added(self, entry: Entry, outcome: ToolOutcome) -> None:
        if entry is self.session.streaming:
            self.session.add_tool_result(outcome.part)

    @on(ToolRounds.ToolsAnswered)
    async def _tools_answered(self, message: ToolRounds.ToolsAnswered) -> None:
        if message.entry is not self.session.streaming:
            return
        turn = self.session.next_round()
        if turn is None:
            await self._end(self.session.end_reply())
            return
        stream = self.streams[turn.entry] = ReplyStream()
        view = self.view_for(turn.entry)
        if view is not None:
            await view.begin_round(stream)
            view.refresh_header()
        await self._stream_round(turn)

    async def _end(self, ended: Ended) -> None:
        view = self.view_for(ended.entry)
        if view is not None:
            view.refresh_header()  # the state shows at once; the last text follows
        await self._refresh_stream()
        self.streams.pop(ended.entry, None)
        self.cancel_consent()
        self._cadence.stop()
        await self.recorder.flush(self.session.take_writes())  # saved before it is redrawn
        self._ended.set()
        view = self.view_for(ended.entry)
        if view is not None:
            await self._frame_drawn()  # the last text on screen before the reply is folded
            if view.is_attached:  # not quitting meanwhile
                await view.finish()
        self._changed()
        self.post_message(self.QueueChanged(len(self.session.queued)))
        if ended.next_prompt is not None:
            await self.submit(ended.next_prompt.text, ended.next_prompt.attachments)
        elif ended.handed_back:
            why = "The reply stopped; your queued message is back in the input"
            self.post_message(self.HandedBack(ended.handed_back, why))
