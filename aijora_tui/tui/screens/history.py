"""`HistoryScreen`: browse, search, open, rename and delete saved conversations.

With an empty search box it lists conversations newest first (a page at a time); typing
searches every message of every conversation (FTS5) and lists the matching messages with the
matched words highlighted. Enter opens the conversation at that message. Titles and snippets
are user and model text: shown as `Content`, never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from aijora_tui.core.async_store import AsyncStore
from aijora_tui.core.records import ConversationSummary, SearchHit
from aijora_tui.core.sanitize import sanitize
from aijora_tui.core.search import split_highlights
from aijora_tui.core.store import StoreError

PAGE = 200
"""Conversations listed at a time; a last "more" row loads the next page."""
SEARCH_DELAY = 0.12
"""Seconds of no typing before a search runs."""
_MORE = "more"


@dataclass(frozen=True)
class HistoryChoice:
    """What the user picked: a conversation (at a message), or None for a new one."""

    conversation_id: int | None
    message_id: int | None = None


class HistoryScreen(ModalScreen[HistoryChoice | None]):
    """Conversations and search; dismisses with the choice, or None when closed."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="close-history"),
        Binding("f2", "rename", "Rename", id="rename-conversation"),
        Binding("delete", "delete", "Delete", id="delete-conversation"),
        Binding("ctrl+n", "new", "New chat", id="history-new-conversation"),
        Binding("down", "focus_list", show=False),
    ]

    def __init__(self, store: AsyncStore, *, query: str = "") -> None:
        super().__init__()
        self.store = store
        self.initial_query = query
        self._summaries: dict[str, ConversationSummary] = {}
        self._hits: dict[str, SearchHit] = {}
        self._loaded = 0
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="history", classes="dialog"):
            yield Static("Conversations", classes="dialog-title", markup=False)
            yield Input(
                self.initial_query, placeholder="Search every message…", id="history-search"
            )
            yield OptionList(id="history-list", markup=False)
            yield Static(
                "Enter open · F2 rename · Del delete · Ctrl+N new · Esc close",
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.refresh_list()

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#history-list", OptionList)

    @property
    def query_text(self) -> str:
        return self.query_one("#history-search", Input).value

    # -- listing and searching -------------------------------------------------------------

    def refresh_list(self) -> None:
        """List conversations (empty query) or search results."""
        if self.query_text.strip():
            self.search(self.query_text)
        else:
            self.list_conversations(reset=True)

    @work(group="history", exclusive=True, exit_on_error=False)
    async def list_conversations(self, reset: bool) -> None:
        offset = 0 if reset else self._loaded
        try:
            summaries = await self.store.list_conversations(limit=PAGE, offset=offset)
        except StoreError as error:
            self._show_error(error)
            return
        option_list = self.option_list
        if reset:
            option_list.clear_options()
            self._summaries.clear()
            self._hits.clear()
        elif option_list.option_count and option_list.get_option_at_index(-1).id == _MORE:
            option_list.remove_option(_MORE)
        self._loaded = offset + len(summaries)
        options = [self._summary_option(summary) for summary in summaries]
        if len(summaries) == PAGE:
            options.append(Option(Content.styled("… more conversations", "$text-muted"), _MORE))
        if reset and not options:
            options.append(Option(Content.styled("No conversations yet", "$text-muted"), None))
        option_list.add_options(options)
        if reset and self._summaries:
            option_list.highlighted = 0

    def _summary_option(self, summary: ConversationSummary) -> Option:
        key = f"c{summary.id}"
        self._summaries[key] = summary
        title = sanitize(summary.title) or "(untitled)"
        when = summary.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        details = f"{when} · {summary.model or 'no model'} · {summary.total_tokens:,} tokens"
        label = Content.assemble(
            (title, "bold"), "\n", (f"#{summary.id} · {details}", "$text-muted")
        )
        return Option(label, key)

    @work(group="history", exclusive=True, exit_on_error=False)
    async def search(self, query: str) -> None:
        try:
            hits = await self.store.search(query, limit=100)
        except StoreError as error:
            self._show_error(error)
            return
        option_list = self.option_list
        option_list.clear_options()
        self._summaries.clear()
        self._hits.clear()
        options = [self._hit_option(index, hit) for index, hit in enumerate(hits)]
        if not options:
            options.append(Option(Content.styled("No messages match", "$text-muted"), None))
        option_list.add_options(options)
        if hits:
            option_list.highlighted = 0

    def _hit_option(self, index: int, hit: SearchHit) -> Option:
        key = f"h{index}"
        self._hits[key] = hit
        who = "You" if hit.role == "user" else "AI"
        snippet = Content.assemble(
            *(
                (sanitize(text), "bold $accent underline") if matched else sanitize(text)
                for text, matched in split_highlights(hit.snippet)
            )
        )
        title = sanitize(hit.title) or "(untitled)"
        header = Content.assemble(
            (title, "bold"), (f"  #{hit.conversation_id} · {who}", "$text-muted")
        )
        return Option(header + "\n" + snippet, key)

    def _show_error(self, error: StoreError) -> None:
        self.notify(str(error), title="History", severity="error", markup=False)

    @on(Input.Changed, "#history-search")
    def _query_changed(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self.refresh_list)

    @on(Input.Submitted, "#history-search")
    def _query_submitted(self) -> None:
        highlighted = self.option_list.highlighted
        if highlighted is not None:
            self._choose(self.option_list.get_option_at_index(highlighted).id)

    @on(OptionList.OptionSelected, "#history-list")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, key: str | None) -> None:
        if key == _MORE:
            self.list_conversations(reset=False)
        elif key in self._summaries:
            self.dismiss(HistoryChoice(self._summaries[key].id))
        elif key in self._hits:
            hit = self._hits[key]
            self.dismiss(HistoryChoice(hit.conversation_id, hit.message_id))

    def _highlighted_conversation(self) -> ConversationSummary | None:
        highlighted = self.option_list.highlighted
        if highlighted is None:
            return None
        return self._summaries.get(self.option_list.get_option_at_index(highlighted).id or "")

    # -- actions --------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_new(self) -> None:
        self.dismiss(HistoryChoice(None))

    def action_focus_list(self) -> None:
        self.option_list.focus()

    def action_rename(self) -> None:
        summary = self._highlighted_conversation()
        if summary is None:
            self.notify("Choose a conversation in the list first", timeout=2)
            return

        async def renamed(title: str | None) -> None:
            if title:
                try:
                    await self.store.rename_conversation(summary.id, title)
                except StoreError as error:
                    self._show_error(error)
                self.refresh_list()

        self.app.push_screen(RenameDialog(summary.title), renamed)

    def action_delete(self) -> None:
        summary = self._highlighted_conversation()
        if summary is None:
            self.notify("Choose a conversation in the list first", timeout=2)
            return

        async def confirmed(yes: bool | None) -> None:
            if yes:
                try:
                    await self.store.delete_conversation(summary.id)
                except StoreError as error:
                    self._show_error(error)
                self.refresh_list()

        title = sanitize(summary.title) or "(untitled)"
        self.app.push_screen(ConfirmDialog(f"Delete “{title}” and all its messages?"), confirmed)


class RenameDialog(ModalScreen[str | None]):
    """Asks for a new title."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel-rename")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.current = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Rename conversation", classes="dialog-title", markup=False)
            yield Input(sanitize(self.current), id="rename-title")
            yield Static("Enter saves · Esc cancels", classes="dialog-hint", markup=False)

    @on(Input.Submitted, "#rename-title")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; y/Enter confirms, n/Esc declines."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
    ]

    def __init__(self, question: str, yes: str = "Delete", no: str = "Keep") -> None:
        super().__init__()
        self.question = question
        self.labels = (yes, no)

    def compose(self) -> ComposeResult:
        yes, no = self.labels
        with Vertical(classes="dialog"):
            yield Static(Content(self.question), classes="dialog-title", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(f"{yes} (y)"), id="confirm-yes", variant="error")
                yield Button(Content(f"{no} (n)"), id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
