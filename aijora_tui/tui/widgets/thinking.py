"""`ThinkingView`: the model's reasoning, kept apart from the answer and collapsible.

While reasoning streams, only its last `LIVE_TAIL` characters are drawn, so a long chain of
thought costs the same per update as a short one.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

LIVE_TAIL = 1500
"""Characters of reasoning shown while it streams."""


class ThinkingView(Static, can_focus=False):
    """A collapsible block of reasoning text; click (or `t` on the message) toggles it."""

    def __init__(self, text: str, *, expanded: bool) -> None:
        super().__init__(markup=False, classes="thinking")
        self._text = text
        self._expanded = expanded
        self._streaming = not text
        self.user_toggled = False
        """True once the user chose a state; automatic collapsing then leaves it alone."""

    def on_mount(self) -> None:
        self._redraw()

    @property
    def expanded(self) -> bool:
        return self._expanded

    @expanded.setter
    def expanded(self, value: bool) -> None:
        if value != self._expanded:
            self._expanded = value
            self._redraw()

    def append(self, text: str) -> None:
        self._text += text
        if self._expanded:
            self._redraw()

    def finish(self, text: str) -> None:
        self._text = text
        self._streaming = False
        self._redraw()

    def toggle(self) -> None:
        self.user_toggled = True
        self.expanded = not self._expanded

    def on_click(self) -> None:
        self.toggle()

    def _redraw(self) -> None:
        size = f"{len(self._text):,} chars"
        if not self._expanded:
            self.update(Content.styled(f"▸ Thinking · {size} (t to expand)", "$text-muted"))
            return
        body = self._text
        if self._streaming and len(body) > LIVE_TAIL:
            body = "…" + body[-LIVE_TAIL:]
        header = Content.styled(f"▾ Thinking · {size}\n", "bold $reasoning-message-color")
        self.update(header + Content(body.strip("\n")))
