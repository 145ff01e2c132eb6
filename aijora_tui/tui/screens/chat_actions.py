"""`ChatActions`: the chat screen's actions on what the conversation is sent with and where it
goes: a preset, the settings forms, the model picker, export to a file.

`ChatScreen` builds on it (its keys and the palette reach these actions there); what it needs
of the app comes in as `ChatServices`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from textual import getters
from textual.screen import Screen

from aijora_tui.core.store import StoreError
from aijora_tui.tui.export_file import save_export
from aijora_tui.tui.widgets.message_log import MessageLog

if TYPE_CHECKING:
    from aijora_tui.core.async_store import AsyncStore
    from aijora_tui.core.session import Session
    from aijora_tui.tui.model_rows import Choice
    from aijora_tui.tui.services import ChatServices


class ChatActions(Screen[None]):
    """Presets, settings, the model and export, for the conversation in `#log`."""

    message_log = getters.query_one("#log", MessageLog)

    def __init__(self, services: ChatServices) -> None:
        super().__init__()
        self.services = services

    @property
    def session(self) -> Session:
        return self.message_log.session

    @property
    def store(self) -> AsyncStore | None:
        """The conversation store; None while it is not open (or cannot be)."""
        return self.message_log.recorder.store

    def use_preset(self, name: str) -> None:
        """Use the named preset (system prompt, sampling) for this conversation from the next
        message on."""
        preset = self.services.settings().presets.get(name)
        if preset is None:
            return
        self.message_log.apply_conversation_settings(preset.system_prompt, preset.settings())
        self.notify(f"Preset: {name} (from the next message on)", timeout=3, markup=False)

    def action_settings(self) -> None:
        self.services.open_settings()

    def action_conversation_settings(self) -> None:
        """Edit this conversation's system prompt and sampling (from its next request on)."""
        from aijora_tui.tui.screens.conversation_settings import (
            ConversationChange,
            ConversationSettingsScreen,
        )

        def saved(change: ConversationChange | None) -> None:
            if change is not None:
                self.message_log.apply_conversation_settings(change.system_prompt, change.settings)

        conversation = self.session.conversation
        screen = ConversationSettingsScreen(conversation.system_prompt, conversation.settings)
        self.app.push_screen(screen, saved)

    async def action_export(self, kind: str) -> None:
        """Write the open conversation (its active path) to a file in the current directory."""
        store, conversation = self.store, self.session.conversation.id
        if store is None or conversation is None:
            self.notify("Nothing to export yet: send a message first", timeout=3)
            return
        try:
            if kind == "json":
                text = json.dumps(
                    await store.export_json(conversation), ensure_ascii=False, indent=2
                )
            else:
                text = await store.export_markdown(conversation)
        except StoreError as error:
            self.notify(f"Export failed: {error}", severity="error", markup=False)
            return
        path = Path.cwd() / f"aijora-conversation-{conversation}.{kind}"
        save_export(self.app, path, text + "\n")

    def action_choose_model(self) -> None:
        from aijora_tui.tui.screens.model_picker import ModelPicker

        models = self.services.choice

        def chosen(choice: Choice | None) -> None:
            if choice:
                models.select_model(choice[1], choice[0])

        self.app.push_screen(ModelPicker(models), chosen)
