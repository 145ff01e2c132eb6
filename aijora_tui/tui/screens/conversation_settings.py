"""`ConversationSettingsScreen`: this conversation's system prompt and sampling, from a key.

What it saves applies from the conversation's next request and is stored with it (a cleared
field goes back to the app's setting); values are checked by `core/sampling.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from aijora_tui.core.sampling import REASONING_EFFORTS, BadSetting, checked

_NUMBERS = {"temperature": float, "top_p": float, "max_tokens": int}


@dataclass(frozen=True)
class ConversationChange:
    """The saved form: the system prompt ("" for none) and each setting (None: the app's)."""

    system_prompt: str
    settings: dict[str, Any]


class ConversationSettingsScreen(ModalScreen[ConversationChange | None]):
    """The form; dismisses with the change, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save-conversation-settings", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel-conversation-settings"),
    ]

    def __init__(self, system_prompt: str | None, settings: Mapping[str, Any]) -> None:
        super().__init__()
        self.system_prompt = system_prompt or ""
        self.settings = dict(settings)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="conversation-settings"):
            yield Static(
                Content.styled("This conversation — from its next message on", "bold"),
                markup=False,
            )
            yield Label("System prompt")
            yield TextArea(self.system_prompt, id="conv-system_prompt", soft_wrap=True)
            for name in _NUMBERS:
                yield Label(f"{name.replace('_', ' ').capitalize()} (empty: the app's setting)")
                value = self.settings.get(name)
                yield Input("" if value is None else f"{value:g}", id=f"conv-{name}")
            yield Label("Reasoning effort (sent only when set)")
            efforts = [(effort, effort) for effort in REASONING_EFFORTS]
            yield Select(
                efforts,
                value=self.settings.get("reasoning_effort") or Select.NULL,
                id="conv-reasoning_effort",
                prompt="not sent",
            )
            yield Static(id="conversation-settings-error", markup=False)
            yield Button("Save (Ctrl+S)", id="conversation-settings-save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#conv-system_prompt", TextArea).focus()

    def _collect(self) -> ConversationChange:
        values: dict[str, Any] = {}
        for name, kind in _NUMBERS.items():
            text = self.query_one(f"#conv-{name}", Input).value.strip()
            try:
                number = kind(text) if text else None
            except ValueError:
                raise BadSetting(f"{name} is not a number: {text[:20]!r}") from None
            values[name] = None if number is None else checked(name, number)
        effort = self.query_one("#conv-reasoning_effort", Select).value
        values["reasoning_effort"] = effort if isinstance(effort, str) else None
        prompt = self.query_one("#conv-system_prompt", TextArea).text.strip()
        return ConversationChange(prompt, values)

    def action_save(self) -> None:
        try:
            change = self._collect()
        except BadSetting as error:
            error_line = self.query_one("#conversation-settings-error", Static)
            error_line.update(Content.styled(f"✗ {error}", "$error"))
            return
        self.dismiss(change)

    @on(Button.Pressed, "#conversation-settings-save")
    def _save_pressed(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)
