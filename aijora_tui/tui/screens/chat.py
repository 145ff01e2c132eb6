"""`ChatScreen`: composes the log, prompt and sidebar, and runs the stream worker.

The worker (`stream_reply`) turns `ChatClient` events into messages posted to the message log;
it never touches a widget. Everything the user wrote goes into the log (and the store) before
the request is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Click
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from aijora_tui.core.conversation import Entry, EntryState, request_messages
from aijora_tui.core.errors import AijoraError, StreamInterrupted
from aijora_tui.core.events import (
    ReasoningDelta,
    RetryScheduled,
    StreamCompleted,
    TextDelta,
    ToolCallDelta,
    UsageReported,
)
from aijora_tui.core.keeper import ConversationKeeper
from aijora_tui.core.models import ChatMessage
from aijora_tui.core.store import StoreError
from aijora_tui.tui.export_file import save_export
from aijora_tui.tui.messages import (
    StreamCompletedMessage,
    StreamDelta,
    StreamNotice,
    StreamReasoning,
    StreamStopped,
    StreamUsage,
)
from aijora_tui.tui.widgets.message_log import MessageLog
from aijora_tui.tui.widgets.prompt_input import PromptInput
from aijora_tui.tui.widgets.sidebar import Sidebar

if TYPE_CHECKING:
    from aijora_tui.tui.app import AijoraApp

EMPTY_HINT = Content.assemble(
    ("Start a conversation below.", "bold"),
    "\n\n",
    (
        "F1 all keys · Ctrl+L history · Ctrl+F search · F2 model · F3 settings · Ctrl+P commands",
        "$text-muted",
    ),
)
AUTOSAVE_INTERVAL = 0.5
"""Seconds between saves of a streaming reply (a crash loses at most this much)."""
DRAFT_DELAY = 0.5
"""Seconds of no typing before the prompt draft is saved."""
SIDEBAR_MIN_WIDTH = 90
"""Terminal width (columns) from which the sidebar shows by default."""
STOP_TIMEOUT = 2.0
"""Seconds to wait for a cancelled reply to be saved (when quitting or switching)."""
CONTINUE_PROMPT = "Continue exactly where your previous answer stopped. Do not repeat anything."


class ChatScreen(Screen[None]):
    """The conversation screen."""

    CSS_PATH = "chat.tcss"
    AUTO_FOCUS = "#prompt"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (SIDEBAR_MIN_WIDTH, "-wide")]
    """Below SIDEBAR_MIN_WIDTH columns the sidebar hides (F4 shows it) so the chat keeps room."""
    BINDINGS = [
        Binding("escape", "escape", "Stop", id="cancel-stream", tooltip="Stop the streaming reply"),
        Binding(
            "ctrl+y",
            "copy_message",
            "Copy",
            id="copy-message",
            priority=True,
            tooltip="Copy the selected message (or the latest reply) as Markdown",
        ),
        Binding(
            "ctrl+o",
            "copy_code",
            "Copy code",
            id="copy-code",
            priority=True,
            show=False,
            tooltip="Copy the selected code block (or the latest reply's last one)",
        ),
        Binding(
            "ctrl+r",
            "regenerate",
            "Retry",
            id="regenerate",
            priority=True,
            tooltip="Regenerate the last reply, or retry a failed one",
        ),
        Binding(
            "ctrl+g",
            "continue_reply",
            "Continue",
            id="continue-reply",
            show=False,
            tooltip="Continue a stopped or cut reply",
        ),
        Binding("f2", "choose_model", "Model", id="choose-model", tooltip="Choose the model"),
        Binding(
            "alt+up",
            "select_previous",
            "Prev msg",
            id="select-previous-global",
            show=False,
            tooltip="Select the previous message (from anywhere)",
        ),
        Binding(
            "alt+down",
            "select_next",
            "Next msg",
            id="select-next-global",
            show=False,
            tooltip="Select the next message (from anywhere)",
        ),
        Binding(
            "ctrl+n",
            "new_conversation",
            "New chat",
            id="new-conversation",
            show=False,
            tooltip="Start a new conversation",
        ),
        Binding(
            "ctrl+l",
            "history",
            "History",
            id="history",
            priority=True,
            tooltip="Browse saved conversations",
        ),
        Binding(
            "ctrl+f",
            "search",
            "Search",
            id="search-history",
            priority=True,
            show=False,
            tooltip="Search every message of every conversation",
        ),
        Binding("f3", "settings", "Settings", id="settings", show=False, tooltip="Settings"),
        Binding(
            "f4",
            "toggle_sidebar",
            "Sidebar",
            id="toggle-sidebar",
            show=False,
            tooltip="Show or hide the sidebar (model and tokens)",
        ),
    ]

    message_log = getters.query_one("#log", MessageLog)
    prompt_input = getters.query_one("#prompt", PromptInput)
    sidebar = getters.query_one(Sidebar)

    @property
    def aijora(self) -> AijoraApp:
        """The app, typed (the app module imports this one, so no `getters.app` here)."""
        return cast("AijoraApp", self.app)

    def __init__(self) -> None:
        super().__init__()
        self.streaming: Entry | None = None
        """The reply being streamed, if any."""
        self.queued: list[str] = []
        """Prompts sent while a reply streamed; they go out one by one as replies end."""
        self.editing: Entry | None = None
        """The user message being edited in the prompt, if any."""
        self.system_prompt: str | None = None
        """The system prompt of this conversation (the default, a preset, or the saved one)."""
        self.keeper = ConversationKeeper(None, self._store_failed)
        """Saves the conversation; replaced on mount once the store is open."""
        self._store_warned = False
        self._autosave: Timer | None = None
        self._stream_ended = asyncio.Event()
        """Set when the streaming reply has ended and been saved."""
        self._stashed_draft = ""
        """What was in the input when an edit began."""
        self._draft_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="main"):
                yield Static(EMPTY_HINT, id="empty-hint", markup=False)
                yield MessageLog(id="log")
                yield Static(id="lines-below", markup=False)
                yield PromptInput(
                    newline_key=self.aijora.newline_key,
                    id="prompt",
                    limits=self.aijora.settings.attachments,
                )
            yield Sidebar(id="sidebar")
        yield Footer()

    async def on_mount(self) -> None:
        self.system_prompt = self.aijora.settings.system_prompt
        self.query_one("#lines-below").display = False
        self.prompt_input.border_title = "Message"
        self.sidebar.show_model(self.aijora.model, None)
        self.load_models()
        store = await self.aijora.history()
        self.keeper = ConversationKeeper(store, self._store_failed)
        if store is not None:
            with contextlib.suppress(StoreError):
                self._set_prompt(await store.load_draft(None))

    def _store_failed(self, message: str) -> None:
        if not self._store_warned:
            self._store_warned = True
            self.notify(message, title="History", severity="error", timeout=8, markup=False)

    # -- sending --------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def _prompt_submitted(self, event: PromptInput.Submitted) -> None:
        self.prompt_input.clear()
        if self.streaming is not None:
            self.queued.append(event.text)
            self._show_queue()
            self._save_draft(self._unsent())  # a queued prompt survives a crash too
            return
        await self.send(event.text)

    async def send(self, text: str) -> None:
        """Add the user's message and stream a reply to it."""
        log = self.message_log
        if self.editing is not None and self.editing in log.entries:
            await log.replace_tail(log.entries.index(self.editing), [])
        self._stop_editing()
        entry = Entry("user", text)
        view = await log.add(entry)
        await log.action_follow()  # your own message is always brought into view
        await self.keeper.save_new(log.entries, entry, self.system_prompt)
        view.refresh_header()  # an edit makes a new version: show its "2/2" badge
        self._save_draft(self._unsent())
        await self.start_reply()

    async def start_reply(self, extra: list[ChatMessage] | None = None) -> None:
        """Stream a new reply to the conversation as it stands."""
        messages = request_messages(self.message_log.entries, self.system_prompt)
        reply = Entry("assistant", "", model=self.aijora.model, state="streaming")
        view = await self.message_log.add(reply)
        await self.keeper.save_new(self.message_log.entries, reply, None)
        view.refresh_header()
        self.streaming = reply
        self._stream_ended.clear()
        self._autosave = self.set_interval(AUTOSAVE_INTERVAL, self._save_progress)
        self.stream_reply(reply, messages + (extra or []), self.aijora.model)

    async def _save_progress(self) -> None:
        if self.streaming is not None:
            await self.keeper.save_progress(self.streaming)

    @work(exclusive=True, group="stream", exit_on_error=False)
    async def stream_reply(self, entry: Entry, messages: list[ChatMessage], model: str) -> None:
        """Run one request; every event becomes a message to the log."""
        log = self.message_log
        post = log.post_message
        settings = self.aijora.settings
        tools_seen: set[int] = set()
        try:
            async for event in self.aijora.client.stream_chat(
                messages, model, temperature=settings.temperature, max_tokens=settings.max_tokens
            ):
                if isinstance(event, TextDelta):
                    post(StreamDelta(entry, event.text))
                elif isinstance(event, ReasoningDelta):
                    post(StreamReasoning(entry, event.text))
                elif isinstance(event, UsageReported):
                    post(StreamUsage(entry, event.usage))
                elif isinstance(event, StreamCompleted):
                    post(StreamCompletedMessage(entry, event))
                elif isinstance(event, RetryScheduled):
                    text = f"{event.reason}; retrying in {event.delay:.1f} s ({event.attempt}/"
                    post(StreamNotice(entry, f"{text}{event.max_attempts})"))
                elif isinstance(event, ToolCallDelta) and event.index not in tools_seen:
                    tools_seen.add(event.index)
                    name = event.name or "a tool"
                    post(StreamNotice(entry, f"the model asked to call {name}; tools are not run"))
        except AijoraError as error:
            stopped: EntryState = (
                "interrupted" if isinstance(error, StreamInterrupted) else "failed"
            )
            post(StreamStopped(entry, stopped, error.message))
        except asyncio.CancelledError:
            post(StreamStopped(entry, "cancelled", None))
            raise
        except Exception as error:  # never a traceback on screen: the reply says what broke
            post(StreamStopped(entry, "failed", f"unexpected error: {type(error).__name__}"))

    @on(MessageLog.TurnEnded)
    async def _turn_ended(self, event: MessageLog.TurnEnded) -> None:
        await self.keeper.save_final(event.entry)
        if event.entry is not self.streaming:
            return
        self.streaming = None
        self._stream_ended.set()
        if self._autosave is not None:
            self._autosave.stop()
            self._autosave = None
        if self.queued and event.entry.state == "completed":
            text = self.queued.pop(0)
            self._show_queue()
            await self.send(text)
        elif self.queued:  # rather than send into a failure, hand the prompts back
            self._hand_back_queue("The reply stopped; your queued message is back in the input")

    def _hand_back_queue(self, why: str) -> None:
        """Put prompts still waiting to be sent back into the input, before what is there."""
        if not self.queued:
            return
        parts = [*self.queued, self.prompt_input.text]
        self.queued.clear()
        self._show_queue()
        self._set_prompt("\n\n".join(part for part in parts if part.strip()))
        self.notify(why, timeout=4)

    def _set_prompt(self, text: str) -> None:
        """Fill the input with `text`, cursor at the end, ready to go on typing."""
        self.prompt_input.load_text(text)
        self.prompt_input.move_cursor(self.prompt_input.document.end)

    async def stop_stream(self) -> None:
        """Cancel the streaming reply and wait until it is saved as cancelled."""
        if self.streaming is None:
            return
        self.workers.cancel_group(self, "stream")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stream_ended.wait(), STOP_TIMEOUT)

    async def before_exit(self) -> None:
        """The app is quitting: keep the reply (as cancelled) and everything not yet sent."""
        await self.stop_stream()
        store = self.keeper.store
        if store is not None:
            with contextlib.suppress(StoreError):
                await store.save_draft(None, self._unsent())

    def _unsent(self) -> str:
        """Everything written and not yet sent: queued prompts, then the input."""
        return "\n\n".join(part for part in [*self.queued, self.prompt_input.text] if part.strip())

    def _show_queue(self) -> None:
        count = len(self.queued)
        self.prompt_input.border_subtitle = (
            f"{count} queued — sends when the reply ends" if count else ""
        )

    # -- actions --------------------------------------------------------------------------

    def action_escape(self) -> None:
        """Stop the stream; else leave edit mode; else return to the prompt."""
        if self.streaming is not None:
            self.workers.cancel_group(self, "stream")
        elif self.editing is not None:
            self._stop_editing()
        else:
            self.prompt_input.focus()

    def action_copy_message(self) -> None:
        entry = self.message_log.selected_entry()
        if entry is None or not entry.content:
            self.notify("Nothing to copy yet", timeout=2)
            return
        self.aijora.copy_to_clipboard(entry.content)

    def action_copy_code(self) -> None:
        code = self.message_log.selected_code_or_latest()
        if code is None:
            self.notify("No code block to copy", timeout=2)
            return
        self.aijora.copy_to_clipboard(code)

    async def action_regenerate(self) -> None:
        """Replace the last reply with a new one (its earlier version stays as a branch)."""
        if self.streaming is not None:
            self.notify("Wait for the reply to end, or press Escape to stop it", timeout=3)
            return
        log = self.message_log
        if not log.entries:
            return
        last = log.entries[-1]
        if last.role == "assistant":
            await log.replace_tail(len(log.entries) - 1, [])
        await self.start_reply()

    async def action_continue_reply(self) -> None:
        """Ask the model to go on from where a cancelled or cut reply stopped."""
        log = self.message_log
        last = log.entries[-1] if log.entries else None
        if self.streaming is not None or last is None or not last.is_unfinished:
            self.notify("Only a stopped reply can be continued", timeout=3)
            return
        await self.start_reply(extra=[ChatMessage("user", CONTINUE_PROMPT)])

    async def action_select_previous(self) -> None:
        await self.message_log.action_select_previous()

    async def action_select_next(self) -> None:
        await self.message_log.action_select_next()

    async def action_new_conversation(self) -> None:
        await self.open_conversation(None)

    def action_history(self, query: str = "") -> None:
        """Browse (and search) saved conversations."""
        from aijora_tui.tui.screens.history import HistoryChoice, HistoryScreen

        store = self.keeper.store
        if store is None:
            self.notify("History is off: the conversation database could not be opened")
            return

        async def chosen(choice: HistoryChoice | None) -> None:
            if choice is not None:
                await self.open_conversation(choice.conversation_id, choice.message_id)
            elif self.keeper.conversation_id is not None:
                with contextlib.suppress(StoreError):
                    if await store.get_conversation(self.keeper.conversation_id) is None:
                        await self.open_conversation(None)  # it was just deleted

        self.app.push_screen(HistoryScreen(store, query=query), chosen)

    def action_search(self) -> None:
        self.action_history()
        self.call_after_refresh(lambda: self.app.screen.query_one("#history-search").focus())

    def use_preset(self, name: str) -> None:
        """Use the named system prompt for this conversation from the next message on."""
        self.system_prompt = self.aijora.settings.presets.get(name, self.system_prompt)
        self.notify(f"System prompt: {name} (from the next message on)", timeout=3, markup=False)

    def action_toggle_sidebar(self) -> None:
        self.toggle_class("-sidebar-toggled")

    def action_settings(self) -> None:
        self.aijora.open_settings()

    async def action_export(self, kind: str) -> None:
        """Write the open conversation (its active path) to a file in the current directory."""
        store, conversation = self.keeper.store, self.keeper.conversation_id
        if store is None or conversation is None:
            self.notify("Nothing to export yet: send a message first", timeout=3)
            return
        try:
            if kind == "json":
                text = json.dumps(
                    await store.export_json(conversation), ensure_ascii=False, indent=2
                )
            else:
                text = await store.export_markdown(conversation)
        except StoreError as error:
            self.notify(f"Export failed: {error}", severity="error", markup=False)
            return
        path = Path.cwd() / f"aijora-conversation-{conversation}.{kind}"
        save_export(self.app, path, text + "\n")

    async def open_conversation(
        self, conversation_id: int | None, message_id: int | None = None
    ) -> None:
        """Show a saved conversation (at `message_id` if given), or a new empty one."""
        await self.stop_stream()
        self._stop_editing()
        self._hand_back_queue("Your queued message is back in the input")
        if conversation_id is None:
            self.keeper.new_conversation()
            self.system_prompt = self.aijora.settings.system_prompt
            await self.message_log.load([])
        else:
            entries, focus = await self.keeper.open(conversation_id, message_id)
            self.system_prompt = self.keeper.system_prompt
            await self.message_log.load(entries, focus=focus)
        self.prompt_input.focus()

    def action_choose_model(self) -> None:
        from aijora_tui.tui.screens.model_picker import ModelPicker

        def chosen(model: str | None) -> None:
            if model:
                self.aijora.select_model(model)

        self.aijora.push_screen(ModelPicker(self.aijora.models, self.aijora.model), chosen)

    # -- reactions ------------------------------------------------------------------------

    @on(MessageLog.EntriesChanged)
    def _entries_changed(self) -> None:
        self.query_one("#empty-hint").display = not self.message_log.entries
        self.sidebar.show_counts(self.message_log.entries, self.aijora.settings.prices)

    @on(MessageLog.LinesBelow)
    def _lines_below(self, event: MessageLog.LinesBelow) -> None:
        marker = self.query_one("#lines-below", Static)
        marker.display = event.count > 0
        if event.count:
            plural = "s" if event.count != 1 else ""
            marker.update(Content(f"↓ {event.count} new line{plural} below — End to follow"))

    async def on_click(self, event: Click) -> None:
        if event.widget is not None and event.widget.id == "lines-below":
            await self.message_log.action_follow()

    @on(MessageLog.EditRequested)
    def _edit_requested(self, event: MessageLog.EditRequested) -> None:
        if self.streaming is not None:
            self.notify("Wait for the reply to end, or press Escape to stop it", timeout=3)
            return
        if self.editing is None:
            self._stashed_draft = self.prompt_input.text  # given back after the edit
        self.editing = event.entry
        number = self.message_log.entries.index(event.entry) + 1
        self._set_prompt(event.entry.content)
        self.prompt_input.border_title = f"Editing message {number} — Enter resends, Esc cancels"
        self.prompt_input.focus()

    def _stop_editing(self) -> None:
        """Leave edit mode; what was typed before it comes back into the input."""
        if self.editing is not None:
            self.editing = None
            self._set_prompt(self._stashed_draft)
            self._stashed_draft = ""
        self.prompt_input.border_title = "Message"

    @on(MessageLog.BranchRequested)
    async def _branch_requested(self, event: MessageLog.BranchRequested) -> None:
        if self.streaming is not None:
            self.notify("Wait for the reply to end, or press Escape to stop it", timeout=3)
            return
        entries = await self.keeper.switch_sibling(event.entry, event.step)
        if entries is None:
            where = "first" if event.step < 0 else "last"
            self.notify(f"This is the {where} version of the message", timeout=2)
            return
        log = self.message_log
        index = log.entries.index(event.entry)
        await log.replace_tail(index, entries)
        await log.select(index)

    @on(PromptInput.Changed)
    def _draft_changed(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY, self._save_current_draft)

    def _save_current_draft(self) -> None:
        self._save_draft(self.prompt_input.text)

    @work(group="draft", exit_on_error=False)
    async def _save_draft(self, text: str) -> None:
        """Keep the unsent prompt, so a crash does not lose it."""
        store = self.keeper.store
        if store is not None:
            with contextlib.suppress(StoreError):
                await store.save_draft(None, text)

    @on(Sidebar.MessageChosen)
    async def _message_chosen(self, event: Sidebar.MessageChosen) -> None:
        await self.message_log.select(event.index)

    def model_changed(self, model: str) -> None:
        self.sidebar.show_model(
            model, len(self.aijora.models) if self.aijora.models_loaded else None
        )

    @work(group="models", exit_on_error=False)
    async def load_models(self) -> None:
        await self.aijora.load_models()
        self.model_changed(self.aijora.model)
