"""`ChatScreen`: composes the log, prompt and sidebar, and forwards keys to them.

The message log holds the conversation (a headless session) and runs the stream worker; this
screen passes it what the user sends and shows what it reports: the queue, edits, unsent text
handed back, the lines below. Drafts and the history browser start here; presets, the settings
forms, the model picker and export are `ChatActions`' (chat_actions.py).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from textual import getters, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Click
from textual.timer import Timer
from textual.widgets import Footer, Static

from aijora_tui.core.context import conversation_use
from aijora_tui.core.sampling import request_params
from aijora_tui.core.session import Session
from aijora_tui.core.store import StoreError
from aijora_tui.tui.commands import ConversationCommands, ModelCommands, PresetCommands
from aijora_tui.tui.screens.chat_actions import ChatActions
from aijora_tui.tui.screens.chat_bindings import CHAT_BINDINGS
from aijora_tui.tui.widgets.image_view import ImageView
from aijora_tui.tui.widgets.message_log import MessageLog
from aijora_tui.tui.widgets.prompt_input import PromptInput
from aijora_tui.tui.widgets.sidebar import Sidebar
from aijora_tui.tui.widgets.tool_consent import ConsentCard
from aijora_tui.tui.widgets.tool_result import ToolResultView

if TYPE_CHECKING:
    from aijora_tui.config import Settings
    from aijora_tui.tui.model_rows import Choice
    from aijora_tui.tui.services import ChatServices

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


class ChatScreen(ChatActions):
    """The conversation screen."""

    AUTO_FOCUS = "#prompt"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (SIDEBAR_MIN_WIDTH, "-wide")]
    """Below SIDEBAR_MIN_WIDTH columns the sidebar hides (F4 shows it) so the chat keeps room."""
    BINDINGS = CHAT_BINDINGS
    COMMANDS = {ModelCommands, PresetCommands, ConversationCommands}

    prompt_input = getters.query_one("#prompt", PromptInput)
    sidebar = getters.query_one(Sidebar)

    def __init__(self, services: ChatServices) -> None:
        super().__init__(services)
        self._stashed_draft = ""
        """What was in the input when an edit began."""
        self._draft_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        services, choice = self.services, self.services.choice
        settings = services.settings()
        session = Session(
            model=choice.model,
            system_prompt=settings.system_prompt,
            params={"temperature": settings.temperature, "max_tokens": settings.max_tokens},
        )
        session.max_tool_rounds = settings.tools.max_tool_rounds
        session.provider = choice.provider
        with Horizontal(id="body"):
            with Vertical(id="main"):
                yield Static(EMPTY_HINT, id="empty-hint", markup=False)
                yield MessageLog(
                    session,
                    lambda: choice.client,
                    services.tool_hub,
                    context=choice.context_length,
                    images=lambda: choice.clients.image_client(choice.provider),
                    vision=lambda model: choice.catalog.vision(model, choice.provider),
                    id="log",
                )
                yield Static(id="lines-below", markup=False)
                yield PromptInput(
                    newline_key=services.newline_key, id="prompt", limits=settings.attachments
                )
            yield Sidebar(id="sidebar")
        yield Footer()

    async def on_mount(self) -> None:
        self.query_one("#lines-below").display = False
        self.prompt_input.border_title = "Message"
        choice = self.services.choice
        self.sidebar.show_model(choice.model, None, choice.provider)
        choice.changed.subscribe(self, self._model_changed, immediate=True)
        self.services.settings_changed.subscribe(self, self._settings_changed, immediate=True)
        self.load_models()
        store = await self.services.history()
        self.message_log.recorder.store = store
        if store is not None:
            with contextlib.suppress(StoreError):
                self._set_prompt(await store.load_draft(None))

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
        self.app.copy_to_clipboard(entry.content)

    def action_copy_code(self) -> None:
        code = self.message_log.selected_code_or_latest()
        if code is None:
            self.notify("No code block to copy", timeout=2)
            return
        self.app.copy_to_clipboard(code)

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

    def action_toggle_sidebar(self) -> None:
        self.toggle_class("-sidebar-toggled")

    def action_image_prompt(self) -> None:
        """Start an image request in the prompt: `/image ` and what the image should show."""
        self._set_prompt("/image ")
        self.prompt_input.focus()

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
        choice = self.services.choice
        saved = self.session.conversation.settings.get("provider")
        known = {provider.name for provider in choice.catalog.providers}
        model = self.session.saved_model
        if isinstance(saved, str) and saved != choice.provider and saved in known and model:
            choice.select_model(model, saved)

    # -- reactions ------------------------------------------------------------------------

    @on(MessageLog.EntriesChanged)
    def _entries_changed(self) -> None:
        self.query_one("#empty-hint").display = not self.message_log.entries
        self.sidebar.show_counts(self.message_log.entries, self.services.choice.catalog)
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

    def _model_changed(self, chosen: Choice | None = None) -> None:
        """The next request goes to the chosen model (and a conversation under way goes on with
        its provider); the sidebar says which (and how many the provider lists, once fetched)."""
        choice = self.services.choice
        self.session.model = choice.model
        if self.session.provider != choice.provider:
            self.session.provider = choice.provider
            if self.session.conversation.id is not None:  # it goes on with this provider
                self.message_log.apply_conversation_settings(None, {"provider": choice.provider})
        count = len(choice.models) if choice.models_loaded else None
        self.sidebar.show_model(choice.model, count, choice.provider)

    def _settings_changed(self, settings: Settings) -> None:
        """New settings apply from the next request on."""
        self.session.params.update(temperature=settings.temperature, max_tokens=settings.max_tokens)
        self.message_log.default_system_prompt = settings.system_prompt

    @work(group="models", exit_on_error=False)
    async def load_models(self) -> None:
        await self.services.choice.load_models()
        self._model_changed()
