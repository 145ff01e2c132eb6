"""`MessageLog`: holds the open conversation — a headless `Session` — and renders it.

Turn logic (queueing, edits, branches, regenerate, continue, what is saved when) is the
session's (`core/session.py`, shared with `ask`); this widget forwards the user's requests to it,
runs the stream worker, applies each event the worker posts, and shows the result through
`LogView`. Store writes the session decides go through an `AsyncRecorder`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

from aijora_tui.core import notices
from aijora_tui.core.conversation import Entry
from aijora_tui.core.errors import AijoraError
from aijora_tui.core.loading import load_conversation, load_sibling
from aijora_tui.core.parts import FilePart, ImagePart
from aijora_tui.core.session import Session
from aijora_tui.core.store import Store, StoreError
from aijora_tui.core.turns import Queued
from aijora_tui.tui.cadence import Cadence
from aijora_tui.tui.recorder import AsyncRecorder
from aijora_tui.tui.widgets.log_bindings import LOG_BINDINGS
from aijora_tui.tui.widgets.log_images import IMAGE_COMMAND
from aijora_tui.tui.widgets.log_turns import StreamingTurns

if TYPE_CHECKING:
    from aijora_tui.core.client import ChatClient
    from aijora_tui.core.images import SyncImageClient
    from aijora_tui.core.tools.hub import ToolHub

FLUSH_INTERVAL = 1 / 10
"""Seconds between screen updates of a streaming reply: 10 Hz reads as smooth, and each update
costs a layout and a frame, so fewer updates are the cheapest CPU saving (bench/bench_tui.py).
The first text of a reply is shown at once; see `Cadence`."""


class MessageLog(StreamingTurns):
    """The conversation: its session, the stream and tool workers, and the views."""

    BINDINGS = LOG_BINDINGS

    @dataclass
    class EntriesChanged(Message):
        """Entries were added, removed or got usage; the sidebar redraws its counts."""

    @dataclass
    class EditStarted(Message):
        """The user is editing message number `number`; its text goes into the prompt."""

        text: str
        number: int

    def __init__(
        self,
        session: Session,
        client: Callable[[], ChatClient],
        tools: Callable[[], ToolHub | None] = lambda: None,
        *,
        context: Callable[[str], int | None] = lambda model: None,
        images: Callable[[], SyncImageClient] | None = None,
        vision: Callable[[str], bool | None] = lambda model: None,
        id: str | None = None,
    ) -> None:
        super().__init__(tools, id=id)
        self._context_length = context
        self._images = images
        self._vision = vision
        self.session = session
        self.default_system_prompt = session.system_prompt
        """The system prompt a new conversation starts with."""
        session.listener = self._settled
        self.recorder = AsyncRecorder(None, self._store_warning)
        self._client = client
        self._cadence = Cadence(self, self._refresh_stream, FLUSH_INTERVAL)
        self._ended = asyncio.Event()
        self._ended.set()

    @property
    def entries(self) -> list[Entry]:
        return self.session.entries

    def _store_warning(self, text: str) -> None:
        self.notify(text[:1].upper() + text[1:], title="History", severity="warning", markup=False)

    def _changed(self) -> None:
        self.post_message(self.EntriesChanged())

    # -- the user's requests --------------------------------------------------------------

    async def submit(self, text: str, attachments: Sequence[FilePart | ImagePart] = ()) -> None:
        """Send a prompt, or queue it while a reply streams."""
        if text.startswith(IMAGE_COMMAND) and text[len(IMAGE_COMMAND) :].strip():
            self.generate_image(text[len(IMAGE_COMMAND) :].strip())
            return
        if self.context_card is not None:
            why = "Choose how to send the question above first (s, l or c)"
            self.post_message(self.HandedBack(text, why))
            return
        if any(isinstance(part, ImagePart) for part in attachments):
            self._warn_without_vision()
        outcome = self.session.submit(text, attachments)
        if isinstance(outcome, Queued):
            self.post_message(self.QueueChanged(outcome.count))
            return
        if outcome.cut is not None:
            await self.show_cut(outcome.cut)
        view = await self.show_appended(outcome.entry)
        await self.action_follow()  # your own message is always brought into view
        await self.recorder.flush(self.session.take_writes())
        view.refresh_header()  # an edit makes a new version: show its "2/2" badge
        if not await self.ask_how_to_send(view):
            await self.send_turn()

    async def send_turn(self, start: int = 0) -> None:
        await self._offer_tools()
        await self._start(self.session.begin_reply(start=start))

    def client(self) -> ChatClient:
        return self._client()

    def _warn_without_vision(self) -> None:
        model = self.session.model
        if self._vision(model) is False:
            self.notify(notices.no_vision(model), severity="warning", timeout=8, markup=False)

    def image_client(self) -> SyncImageClient:
        if self._images is None:
            raise AijoraError("image generation is not available here")
        return self._images()

    async def load_blob(self, sha256: str) -> bytes | None:
        store = self.recorder.store
        if store is None:
            return None
        try:
            return await store.run(Store.blob, sha256)
        except StoreError:
            return None

    def context_limit(self) -> int | None:
        return self._context_length(self.session.model)

    async def regenerate(self) -> bool:
        """A new version of the last reply; False when there is nothing to regenerate."""
        if not self.session.can_regenerate():
            return False
        await self._offer_tools()
        turn = self.session.regenerate()
        await self.show_cut(len(self.entries) - 1)  # the old reply goes (it stays a version)
        await self._start(turn)
        return True

    async def action_resend_without_attachments(self) -> None:
        """The last reply again, without the conversation's files and images."""
        if self._busy() or not self.session.can_regenerate():
            return
        await self._offer_tools()
        turn = self.session.resend_without_attachments()
        await self.show_cut(len(self.entries) - 1)
        await self._start(turn)

    async def action_resend_without_tools(self) -> None:
        """Tools off for this conversation, and the last reply again."""
        if self._busy() or not self.session.can_regenerate():
            return
        if self.tools_on:
            self.action_toggle_tools()
        await self.regenerate()

    async def continue_reply(self) -> bool:
        """Have the model go on from a stopped reply; False when the last one did not stop."""
        if not self.session.can_continue():
            return False
        await self._offer_tools()
        await self._start(self.session.continue_reply())
        return True

    def cancel_edit(self) -> None:
        self.session.editing = None

    def _busy(self) -> bool:
        """A reply is streaming: say how to act on the conversation."""
        if self.session.reply is not None:
            self.notify("Wait for the reply to end, or press Escape to stop it", timeout=3)
        return self.session.reply is not None

    def action_edit(self) -> None:
        """Edit the selected user message (else the latest one) and resend it as a new version."""
        entry = self.selected_entry() if self.selected is not None else None
        if entry is None or entry.role != "user":
            entry = next((e for e in reversed(self.entries) if e.role == "user"), None)
        if entry is not None and not self._busy():
            text = self.session.edit(entry)
            self.post_message(self.EditStarted(text, self.entries.index(entry) + 1))

    async def action_sibling(self, step: int) -> None:
        entry = self.selected_entry()
        if entry is None or self._busy():
            return
        if not await self.switch_branch(entry, step):
            where = "first" if step < 0 else "last"
            self.notify(f"This is the {where} version of the message", timeout=2)

    def action_toggle_thinking(self) -> None:
        entry = self.selected_entry()
        view = self.view_for(entry) if entry is not None else None
        if view is None or not view.toggle_thinking():
            self.notify("No reasoning in this message", timeout=2)

    async def switch_branch(self, entry: Entry, step: int) -> bool:
        """Show the previous (-1) or next (+1) version of `entry`; False if there is none."""
        branch = await self.recorder.read(load_sibling, entry, step)
        if branch is None:
            return False
        index = self.entries.index(entry)
        self.session.replace_from(index, branch)
        await self.show_cut(index)
        for replacement in branch:
            await self.show_appended(replacement)
        await self.select(index)
        self._changed()
        return True

    async def open(self, conversation_id: int | None, message_id: int | None = None) -> None:
        """Show a saved conversation (at `message_id`), or a new one; queued prompts are
        handed back and a streaming reply is stopped (and saved) first."""
        await self.stop()
        handed_back = self.session.take_queue()
        if handed_back:
            why = "Your queued message is back in the input"
            self.post_message(self.HandedBack(handed_back, why))
        self.post_message(self.QueueChanged(0))
        loaded = None
        if conversation_id is not None:
            loaded = await self.recorder.read(load_conversation, conversation_id, message_id)
        self.session.open(loaded, self.default_system_prompt)
        await self.show_all(loaded.focus if loaded is not None else None)
        self._changed()

    async def load(self, entries: Sequence[Entry], *, focus: int | None = None) -> None:
        """Show `entries` as the conversation, unsaved (for a conversation built in memory)."""
        self.session.open(None, self.default_system_prompt)
        self.session.entries = list(entries)
        await self.show_all(focus)
        self._changed()

    def apply_conversation_settings(
        self, system_prompt: str | None, settings: Mapping[str, Any]
    ) -> None:
        """Use a system prompt (None: keep it) and sampling settings (a None value: the app's)
        in this conversation from its next request; saved with it."""
        if system_prompt is not None:
            self.session.set_system_prompt(system_prompt)
        for key, value in settings.items():
            self.session.set_setting(key, value)
        self.run_worker(self.recorder.flush(self.session.take_writes()), exit_on_error=False)
        self._changed()
