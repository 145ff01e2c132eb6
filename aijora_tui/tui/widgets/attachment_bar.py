"""Attachment chips above the prompt: name, kind and size of each file that goes with the next
message. A chip takes focus (Shift+Tab from the prompt, Left/Right between chips) and Delete or
Backspace removes it; `PromptInput` also removes the last one on Backspace at its very start.
The bar shows whatever its prompt holds and is hidden when that is nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual.binding import Binding
from textual.containers import HorizontalGroup
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from aijora_tui.core.attachments import Attachment, describe
from aijora_tui.core.sanitize import sanitize


class Chip(Static, can_focus=True):
    """One attachment."""

    BINDINGS = [
        Binding("delete,backspace", "remove", "Remove", id="remove-attachment"),
        Binding("left", "step(-1)", show=False),
        Binding("right", "step(1)", show=False),
    ]

    @dataclass
    class RemoveRequested(Message):
        index: int

    def __init__(self, index: int, attachment: Attachment) -> None:
        label = Content.assemble(
            sanitize(attachment.name or "image"), (f"  {describe(attachment)}", "$text-muted")
        )
        super().__init__(label, classes="chip", markup=False)
        self.index = index
        self.tooltip = "Delete removes it"

    def action_remove(self) -> None:
        self.post_message(self.RemoveRequested(self.index))

    def action_step(self, step: int) -> None:
        chips = list(self.parent.query(Chip)) if self.parent else []
        if chips:
            chips[(chips.index(self) + step) % len(chips)].focus()


class AttachmentBar(HorizontalGroup):
    """The chips of one prompt's attachments; `remove(index)` is called for a removed chip."""

    def __init__(self, remove: Callable[[int], None]) -> None:
        super().__init__()
        self._remove = remove

    def on_chip_remove_requested(self, event: Chip.RemoveRequested) -> None:
        event.stop()
        self._remove(event.index)

    def show(self, attachments: Sequence[Attachment]) -> None:
        """Redraw the chips for `attachments`; a removed chip hands focus to a neighbour."""
        focused = self.screen.focused if self.is_attached else None
        had_focus = isinstance(focused, Chip) and focused.parent is self
        index = focused.index if isinstance(focused, Chip) else 0
        self.remove_children()
        self.set_class(bool(attachments), "-has-attachments")
        chips = [Chip(number, attachment) for number, attachment in enumerate(attachments)]
        if chips:
            self.mount_all(chips)
            if had_focus:
                self.call_after_refresh(chips[min(index, len(chips) - 1)].focus)
