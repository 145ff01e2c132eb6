"""When a question would overflow the model's context window: ask how to send it, then do.

A base of `MessageLog`, beside the tool rounds. The check runs after the question is saved and
before anything is sent; with no known context length (`context_limit` returns None) nothing is
checked. Compacting asks the model (a streamed request of its own) for a summary of the older
turns, keeps it with the question (`Session.add_summary`), then sends as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.message import Message

from aijora_tui.core.context import conversation_use, latest_start
from aijora_tui.core.errors import AijoraError
from aijora_tui.core.events import TextDelta
from aijora_tui.core.sanitize import sanitize
from aijora_tui.core.session import Session
from aijora_tui.tui.widgets.context_card import ContextCard
from aijora_tui.tui.widgets.log_view import LogView
from aijora_tui.tui.widgets.message_view import MessageView

if TYPE_CHECKING:
    from aijora_tui.core.client import ChatClient


class ContextChoice(LogView):
    """Asks how to send a question too long for the model, and sends it that way."""

    session: Session
    context_card: ContextCard | None = None
    """The card waiting for the user's choice, if any."""

    @dataclass
    class Compacted(Message, bubble=False):
        summary: str | None
        """The model's summary; None when the request failed (`error` says why)."""
        error: str | None = None

    def context_limit(self) -> int | None:
        """The context length of the model of the next request (the screen provides it)."""
        return None

    def client(self) -> ChatClient:
        raise NotImplementedError

    async def send_turn(self, start: int = 0) -> None:
        """Start the reply to the latest question, sending the entries from `start` on."""
        raise NotImplementedError

    async def ask_how_to_send(self, view: MessageView) -> bool:
        """True when the question just added would not fit and a card now asks the user."""
        session = self.session
        use = conversation_use(session.entries, session.system_prompt, self.context_limit())
        if not use.over or use.limit is None:
            return False
        start = latest_start(session.entries, session.system_prompt, use.limit)
        card = ContextCard(use, len(session.entries) - start, len(session.entries))
        self.context_card = card
        await view.add_activity(card)
        card.focus()
        self.call_after_refresh(self.scroll_to_widget, card, animate=False)
        return True

    @on(ContextCard.Chosen)
    async def _context_chosen(self, message: ContextCard.Chosen) -> None:
        if message.card is not self.context_card:
            return
        if message.choice == "compact":
            self.run_worker(self._compact(), group="stream", exclusive=True, exit_on_error=False)
            return
        self.context_card = None
        start = 0
        if message.choice == "latest" and message.card.use.limit is not None:
            session = self.session
            start = latest_start(session.entries, session.system_prompt, message.card.use.limit)
        await self.send_turn(start)

    async def _compact(self) -> None:
        """The worker: the model's summary of the older turns, streamed and collected."""
        pieces: list[str] = []
        try:
            async for event in self.client().stream_chat(
                self.session.compaction(), self.session.model
            ):
                if isinstance(event, TextDelta):
                    pieces.append(event.text)
        except AijoraError as error:
            self.post_message(self.Compacted(None, error.message))
            return
        summary = sanitize("".join(pieces)).strip()
        self.post_message(self.Compacted(summary or None, None if summary else "empty summary"))

    @on(Compacted)
    async def _compacted(self, message: Compacted) -> None:
        card = self.context_card
        self.context_card = None
        if message.summary is None:
            self.notify(
                f"Could not compact: {message.error}; the question is kept, Ctrl+R sends it",
                severity="error",
                markup=False,
            )
            if card is not None:
                await card.remove()
            return
        self.session.add_summary(message.summary)
        await self.send_turn()
