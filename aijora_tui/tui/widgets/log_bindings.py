"""Keys of the message log (focus it with Tab): move through messages and code, act on one."""

from __future__ import annotations

from textual.binding import Binding, BindingType

LOG_BINDINGS: list[BindingType] = [
    Binding(
        "up,k",
        "select_previous",
        "Prev msg",
        id="select-previous",
        tooltip="Select the previous message",
    ),
    Binding(
        "down,j", "select_next", "Next msg", id="select-next", tooltip="Select the next message"
    ),
    Binding(
        "home,g",
        "select_first",
        "First",
        id="select-first",
        show=False,
        tooltip="Select the first message",
    ),
    Binding(
        "end,G",
        "follow",
        "Latest",
        id="follow",
        tooltip="Go to the latest message and follow the stream",
    ),
    Binding(
        "left_square_bracket",
        "code_previous",
        "Prev code",
        id="code-previous",
        tooltip="Select the previous code block",
    ),
    Binding(
        "right_square_bracket",
        "code_next",
        "Next code",
        id="code-next",
        tooltip="Select the next code block",
    ),
    Binding(
        "t",
        "toggle_thinking",
        "Thinking",
        id="toggle-thinking",
        tooltip="Show or hide the model's reasoning",
    ),
    Binding(
        "e",
        "edit",
        "Edit",
        id="edit-message",
        tooltip="Edit the selected user message and resend",
    ),
    Binding(
        "less_than_sign",
        "sibling(-1)",
        "‹ Branch",
        id="branch-previous",
        tooltip="Show the previous version of the selected message",
    ),
    Binding(
        "greater_than_sign",
        "sibling(1)",
        "Branch ›",
        id="branch-next",
        tooltip="Show the next version of the selected message",
    ),
]
