"""`ChatScreen`: composes the log, prompt and sidebar, and forwards keys to them.

The message log holds the conversation (a headless session) and runs the stream worker; this
screen passes it what the user sends and shows what it reports: the queue, edits, unsent text
handed back, the lines below. Drafts, export, history, settings and the model picker start here.
"""

from __future__ import annotations

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

from aijora_tui.core.context import conversation_use
from aijora_tui.core.sampling import request_params
from aijora_tui.core.session import Session
from aijora_tui.core.store import StoreError
from aijora_tui.tui.export_file import save_export
from aijora_tui.tui.widgets.image_view import ImageView
from aijora_tui.tui.widgets.message_log import MessageLog
from aijora_tui.tui.widgets.prompt_input import PromptInput
from aijora_tui.tui.widgets.sidebar import Sidebar
from aijora_tui.tui.widgets.tool_consent import ConsentCard
from aijora_tui.tui.widgets.tool_result import ToolResultView

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
DRAFT_DELAY = 0.5
"""Seconds of no typing before the prompt draft is saved."""
SIDEBAR_MIN_WIDTH = 90
"""Terminal width (columns) from which the sidebar shows by default."""


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
            "f8",
            "conversation_settings",
            "Chat settings",
            id="conversation-settings",
            show=False,
            tooltip="This conversation's system prompt, temperature, top_p, max tokens, effort",
        ),
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
        self._stashed_draft = ""
        """What was in the input when an edit began."""
        self._draft_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        settings = self.aijora.settings
        session = Session(
            model=self.aijora.model,
            system_prompt=settings.system_prompt,
            params={"temperature": settings.temperature, "max_tokens": settings.max_tokens},
        )
        session.max_tool_rounds = settings.tools.max_tool_rounds
        session.provider = self.aijora.provider
        with Horizontal(id="body"):
            with Vertical(id="main"):
                yield Static(EMPTY_HINT, id="empty-hint", markup=False)
                yield MessageLog(
                    session,
                    lambda: self.aijora.client,
                    self.aijora.tool_hub,
                    context=self.aijora.context_length,
                    images=lambda: self.aijora.clients.image_client(self.aijora.provider),
                    vision=lambda model: self.aijora.catalog.vision(model, self.aijora.provider),
                    id="log",
                )
                yield Static(id="lines-below", markup=False)
                yield PromptInput(
                    newline_key=self.aijora.newline_key,
                    id="prompt",
                    limits=self.aijora.settings.attachments,
                )
            yield Sidebar(id="sidebar")
        yield Footer()

    async def on_mount(self) -> None:
        self.query_one("#lines-below").display = False
        self.prompt_input.border_title = "Message"
        self.sidebar.show_model(self.aijora.model, None, self.aijora.provider)
        self.load_models()
        store = await self.aijora.history()
        self.message_log.recorder.store = store
        if store is not None:
            with contextlib.suppress(StoreError):
                self._set_prompt(await store.load_draft(None))

    @property
    def session(self) -> Session:
        return self.message_log.session

    # -- sending --------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def _prompt_submitted(self, event: PromptInput.Submitted) -> None:
        self.prompt_input.clear()
        await self.message_log.submit(event.text, event.attachments)
        self._end_edit_mode(cancel=False)
        self._save_draft(self.session.unsent(self.prompt_input.text))  # queued ones too

    @on(MessageLog.QueueChanged)
    def _queue_changed(self, event: MessageLog.QueueChanged) -> None:
        self.prompt_input.border_subtitle = (
            f"{event.count} queued — sends when the reply ends" if event.count else ""
        )

    @on(MessageLog.HandedBack)
    def _handed_back(self, event: MessageLog.HandedBack) -> None:
        """Queued prompts that were not sent come back into the input, before what is there."""
        parts = [event.text, self.prompt_input.text]
        self._set_prompt("\n\n".join(part for part in parts if part.strip()))
        self.notify(event.why, timeout=4)

    def _set_prompt(self, text: str) -> None:
        """Fill the input with `text`, cursor at the end, ready to go on typing."""
        self.prompt_input.load_text(text)
        self.prompt_input.move_cursor(self.prompt_input.document.end)

    async def before_exit(self) -> None:
        """The app is quitting: keep the reply (as cancelled) and everything not yet sent."""
        unsent = self.session.unsent(self.prompt_input.text)  # before stopping hands it back
        await self.message_log.stop()
        self.session.save_draft(unsent)
        await self.message_log.recorder.flush(self.session.take_writes())

    # -- actions --------------------------------------------------------------------------

    def action_escape(self) -> None:
        """Stop the stream; else leave edit mode; else return to the prompt."""
        if self.session.reply is not None:
            self.message_log.cancel()
        elif self.session.editing is not None:
            self._end_edit_mode(cancel=True)
        else:
            self.prompt_input.focus()

    async def action_copy_message(self) -> None:
        """Copy what has focus: an image (its file path), a tool result (its text), else the
        selected message (or the latest reply)."""
        focused = self.focused
        if isinstance(focused, ImageView):
            await focused.action_copy_path()
            return
        if isinstance(focused, ToolResultView):
            focused.action_copy()
            return
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
        if self.session.reply is not None:
            self.notify("Wait for the reply to end, or press Escape to stop it", timeout=3)
            return
        await self.message_log.regenerate()

    async def action_continue_reply(self) -> None:
        """Ask the model to go on from where a cancelled or cut reply stopped."""
        if not await self.message_log.continue_reply():
            self.notify("Only a stopped reply can be continued", timeout=3)

    async def action_select_previous(self) -> None:
        await self.message_log.action_select_previous()

    async def action_select_next(self) -> None:
        await self.message_log.action_select_next()

    async def action_new_conversation(self) -> None:
        await self.open_conversation(None)

    def action_history(self, query: str = "") -> None:
        """Browse (and search) saved conversations."""
        from aijora_tui.tui.screens.history import HistoryChoice, HistoryScreen

        store = self.message_log.recorder.store
        if store is None:
            self.notify("History is off: the conversation database could not be opened")
            return

        async def chosen(choice: HistoryChoice | None) -> None:
            if choice is not None:
                await self.open_conversation(choice.conversation_id, choice.message_id)
            elif self.session.conversation.id is not None:
                with contextlib.suppress(StoreError):
                    if await store.get_conversation(self.session.conversation.id) is None:
                        await self.open_conversation(None)  # it was just deleted

        self.app.push_screen(HistoryScreen(store, query=query), chosen)

    def action_search(self) -> None:
        self.action_history()
        self.call_after_refresh(lambda: self.app.screen.query_one("#history-search").focus())

    def use_preset(self, name: str) -> None:
        """Use the named preset (system prompt, sampling) for this conversation from the next
        message on."""
        preset = self.aijora.settings.presets.get(name)
        if preset is None:
            return
        self.message_log.apply_conversation_settings(preset.system_prompt, preset.settings())
        self.notify(f"Preset: {name} (from the next message on)", timeout=3, markup=False)

    def action_toggle_sidebar(self) -> None:
        self.toggle_class("-sidebar-toggled")

    def action_settings(self) -> None:
        self.aijora.open_settings()

    def action_image_prompt(self) -> None:
        """Start an image request in the prompt: `/image ` and what the image should show."""
        self._set_prompt("/image ")
        self.prompt_input.focus()

    def action_conversation_settings(self) -> None:
        """Edit this conversation's system prompt and sampling (from its next request on)."""
        from aijora_tui.tui.screens.conversation_settings import (
            ConversationChange,
            ConversationSettingsScreen,
        )

        def saved(change: ConversationChange | None) -> None:
            if change is not None:
                self.message_log.apply_conversation_settings(change.system_prompt, change.settings)

        conversation = self.session.conversation
        screen = ConversationSettingsScreen(conversation.system_prompt, conversation.settings)
        self.app.push_screen(screen, saved)

    async def action_export(self, kind: str) -> None:
        """Write the open conversation (its active path) to a file in the current directory."""
        store, conversation = self.message_log.recorder.store, self.session.conversation.id
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
        self._end_edit_mode(cancel=True)
        await self.message_log.open(conversation_id, message_id)
        self._use_conversations_provider()
        self.prompt_input.focus()

    def _use_conversations_provider(self) -> None:
        """A conversation goes on with the provider it was held with (when it still exists)."""
        app = self.aijora
        saved = self.session.conversation.settings.get("provider")
        known = {provider.name for provider in app.catalog.providers}
        model = self.session.saved_model
        if isinstance(saved, str) and saved != app.provider and saved in known and model:
            app.select_model(model, saved)

    def action_choose_model(self) -> None:
        from aijora_tui.tui.screens.model_picker import ModelPicker

        def chosen(choice: tuple[str, str] | None) -> None:
            if choice:
                self.aijora.select_model(choice[1], choice[0])

        self.aijora.push_screen(ModelPicker(), chosen)

    # -- reactions ------------------------------------------------------------------------

    @on(MessageLog.EntriesChanged)
    def _entries_changed(self) -> None:
        self.query_one("#empty-hint").display = not self.message_log.entries
        self.sidebar.show_counts(self.message_log.entries, self.aijora.prices)
        self.sidebar.show_tools(self.message_log.tools_line())
        limit = self.message_log.context_limit()
        self.sidebar.show_context(
            conversation_use(self.session.entries, self.session.system_prompt, limit)
        )
        self.sidebar.show_conversation(
            self.session.system_prompt, request_params({}, self.session.conversation.settings)
        )

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

    @on(MessageLog.EditStarted)
    def _edit_started(self, event: MessageLog.EditStarted) -> None:
        if self.prompt_input.border_title == "Message":
            self._stashed_draft = self.prompt_input.text  # given back after the edit
        self._set_prompt(event.text)
        self.prompt_input.border_title = (
            f"Editing message {event.number} — Enter resends, Esc cancels"
        )
        self.prompt_input.focus()

    def _end_edit_mode(self, *, cancel: bool) -> None:
        """Leave edit mode (`cancel`: without sending); what was typed before it comes back."""
        if self.prompt_input.border_title != "Message":
            if cancel:
                self.message_log.cancel_edit()
            self._set_prompt(self._stashed_draft)
            self._stashed_draft = ""
        self.prompt_input.border_title = "Message"

    @on(PromptInput.Changed)
    def _draft_changed(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY, self._save_current_draft)

    def _save_current_draft(self) -> None:
        self._save_draft(self.session.unsent(self.prompt_input.text))

    @work(group="draft", exit_on_error=False)
    async def _save_draft(self, text: str) -> None:
        """Keep the unsent prompt, so a crash does not lose it."""
        self.session.save_draft(text)
        await self.message_log.recorder.flush(self.session.take_writes())

    @on(ConsentCard.Decided)
    def _consent_decided(self) -> None:
        self.prompt_input.focus()  # the card took the keys only for its answer

    @on(Sidebar.MessageChosen)
    async def _message_chosen(self, event: Sidebar.MessageChosen) -> None:
        await self.message_log.select(event.index)

    def model_changed(self, model: str) -> None:
        self.session.model = model
        app = self.aijora
        if self.session.provider != app.provider:
            self.session.provider = app.provider
            if self.session.conversation.id is not None:  # it goes on with this provider
                self.message_log.apply_conversation_settings(None, {"provider": app.provider})
        self.sidebar.show_model(model, len(app.models) if app.models_loaded else None, app.provider)

    def settings_changed(self) -> None:
        """New settings apply from the next request on."""
        settings = self.aijora.settings
        self.session.params.update(temperature=settings.temperature, max_tokens=settings.max_tokens)
        self.message_log.default_system_prompt = settings.system_prompt

    @work(group="models", exit_on_error=False)
    async def load_models(self) -> None:
        await self.aijora.load_models()
        self.model_changed(self.aijora.model)
