"""`ChatServices`: what the chat screen uses of the app, handed to it when it is made.

The app builds one (`AijoraApp.services`) and the chat mode's screen factory passes it to
`ChatScreen`, so the screen, its palette commands and the model picker never reach up for the
app's type: nothing under `tui/` imports `tui/app.py` back (tests/core/test_import_cycles.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aijora_tui.config import Settings
from aijora_tui.tui.model_choice import ModelChoice

if TYPE_CHECKING:
    from textual.signal import Signal

    from aijora_tui.core.async_store import AsyncStore
    from aijora_tui.core.tools.hub import ToolHub


@dataclass(frozen=True)
class ChatServices:
    """The app's parts a conversation needs."""

    settings: Callable[[], Settings]
    """The settings as they are now (they change when the settings form is saved)."""
    settings_changed: Signal[Settings]
    """Published with the new settings when the form (or the setup screen) applies them."""
    choice: ModelChoice
    """The provider and model of the next request, the model lists, the clients."""
    tool_hub: Callable[[], ToolHub | None]
    """The MCP servers' hub, made on first use; None when none is configured."""
    history: Callable[[], Awaitable[AsyncStore | None]]
    """The conversation store, opened on first use; None (said once) when it cannot be."""
    open_settings: Callable[[], None]
    """Show the settings form (F3)."""
    newline_key: str
    """What the footer and prompt advertise for a new line: "Shift+Enter" or "Ctrl+J"."""
