"""The multi-line prompt: Enter sends, Shift+Enter / Ctrl+J / Alt+Enter insert a newline."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class PromptInput(TextArea):
    """Where the user writes; posts `PromptInput.Submitted` on Enter."""

    BINDINGS = [
        Binding(
            "enter", "submit", "Send", id="send-message", priority=True, tooltip="Send the message"
        ),
        Binding(
            "shift+enter,ctrl+j,alt+enter",
            "newline",
            "Newline",
            id="insert-newline",
            key_display="^J",
            priority=True,
            tooltip="Insert a new line in the message",
        ),
    ]

    @dataclass
    class Submitted(Message):
        """The user asked to send `text`."""

        prompt_input: PromptInput
        text: str

        @property
        def control(self) -> PromptInput:
            return self.prompt_input

    def __init__(self, *, newline_key: str = "Ctrl+J", id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            placeholder=f"Ask anything — Enter sends, {newline_key} adds a line",
            compact=True,
        )

    def action_submit(self) -> None:
        # The binding runs on the app's queue; keys typed just before Enter may still wait in
        # this widget's queue, so read the text only after they have been handled.
        self.call_later(self._submit)

    def _submit(self) -> None:
        text = self.text
        if text.strip():
            self.post_message(self.Submitted(self, text))

    def action_newline(self) -> None:
        self.insert("\n")
