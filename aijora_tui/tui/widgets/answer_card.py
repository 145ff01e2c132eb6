"""`AnswerCard`: a card in the conversation that waits for one key, then shows the answer.

The base of the tool consent card and the context-window card: once answered it says what was
chosen and stops taking focus, so a second key press cannot answer the next card by mistake.
"""

from __future__ import annotations

from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static


class AnswerCard(Vertical, can_focus=True):
    """A question with keys for its answers; `settle()` once it is answered."""

    def __init__(self, *, classes: str) -> None:
        super().__init__(classes=classes)
        self.answer_line = Static(classes=f"{classes}-keys", markup=False)
        """The keys while waiting; the answer after."""

    def settle(self, label: str, state: str | None = None) -> None:
        """Show the answer (and mark the card with `state`); the card takes no more keys."""
        self.answer_line.update(Content(label))
        if state:
            self.add_class(state)
        self.can_focus = False
