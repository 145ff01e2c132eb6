"""`ContextCard`: the next request would not fit the model's context window — how to send it.

Shown under the question that would overflow it. Keys (while it has focus): `s` send anyway,
`l` send only the latest turns that fit (the history stays whole), `c` compact: the model first
summarizes the older turns, and the summary is sent instead of them from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from aijora_tui.core.context import ContextUse
from aijora_tui.tui.model_rows import tokens_short
from aijora_tui.tui.widgets.answer_card import AnswerCard

Choice = Literal["send", "latest", "compact"]
_ANSWERS: dict[Choice, str] = {
    "send": "✓ sent whole",
    "latest": "✓ sent with the latest turns only",
    "compact": "… summarizing the older turns",
}


class ContextCard(AnswerCard):
    """One question waiting for how to send it."""

    BINDINGS = [
        Binding("s", "choose('send')", "Send anyway", id="context-send"),
        Binding("l", "choose('latest')", "Latest turns", id="context-latest"),
        Binding("c", "choose('compact')", "Compact", id="context-compact"),
    ]

    @dataclass
    class Chosen(Message):
        card: ContextCard
        choice: Choice

        @property
        def control(self) -> ContextCard:
            return self.card

    def __init__(self, use: ContextUse, latest: int, total: int) -> None:
        super().__init__(classes="context-card")
        self.use = use
        self.latest = latest
        """Messages the latest turns that fit hold."""
        self.total = total
        self.choice: Choice | None = None

    def compose(self) -> ComposeResult:
        about = "about " if self.use.estimated else ""
        limit = tokens_short(self.use.limit or 0)
        yield Static(
            Content.assemble(
                ("Too long for the model: ", "bold"),
                f"this request is {about}{tokens_short(self.use.tokens)} tokens; "
                f"its context window is {limit}.",
            ),
            markup=False,
        )
        self.answer_line.update(
            Content(
                f"s send anyway · l send the latest {self.latest} of {self.total} messages · "
                "c compact the older turns into a summary"
            )
        )
        yield self.answer_line

    def action_choose(self, choice: Choice) -> None:
        if self.choice is not None:
            return
        self.choice = choice
        self.settle(_ANSWERS[choice])
        self.post_message(self.Chosen(self, choice))
