"""Command palette providers: switch model, use a system-prompt preset, search conversations.

They are the chat screen's (`ChatScreen.COMMANDS`): Textual makes each with the screen the
palette was opened on, and they find what they act on there (`PaletteHost`).

Model ids come from the server, so they are shown as `Content`, never parsed as markup (Textual's
`Matcher.highlight` parses its argument as markup; `safe_highlight` does not).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from aijora_tui.core.sampling import Preset
from aijora_tui.core.sanitize import sanitize
from aijora_tui.core.search import split_highlights
from aijora_tui.core.store import StoreError

if TYPE_CHECKING:
    from aijora_tui.core.async_store import AsyncStore
    from aijora_tui.tui.services import ChatServices


@runtime_checkable
class PaletteHost(Protocol):
    """What the commands use of the screen they are registered on (the chat screen)."""

    services: ChatServices

    @property
    def store(self) -> AsyncStore | None:
        """The conversation store; None while it is not open (or cannot be)."""

    def use_preset(self, name: str) -> None: ...

    async def open_conversation(
        self, conversation_id: int | None, message_id: int | None = None
    ) -> None: ...


class HostedProvider(Provider):
    """A provider of the chat screen's commands."""

    @property
    def host(self) -> PaletteHost:
        screen = self.screen
        assert isinstance(screen, PaletteHost), screen  # registered on the chat screen only
        return screen


def safe_highlight(matcher: Matcher, text: str) -> Content:
    """`text` with the matched characters styled, without interpreting it as markup."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def markup_literal(text: str) -> str:
    """`text` escaped for a place that parses markup (the palette's help line)."""
    return text.replace("[", "\\[")


Command = tuple[str, Callable[[], None], str]
"""A palette entry: label, what it does, help line (markup-escaped)."""


class ChoiceCommands(HostedProvider):
    """Fixed choices: subclasses list them in `commands()`; matching and display are here."""

    def commands(self) -> list[Command]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for label, callback, help_text in self.commands()[:20]:
            yield DiscoveryHit(Content(label), callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, callback, help_text in self.commands():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, safe_highlight(matcher, label), callback, help=help_text)


class ModelCommands(ChoiceCommands):
    """`Model: <id>` for every model of the current provider, `Model: <id> · <provider>` for
    the other providers' (as far as their lists are known), and `Refresh model lists`."""

    def commands(self) -> list[Command]:
        choice = self.host.services.choice
        hint = "Use it from the next message on"
        commands: list[Command] = [
            (f"Model: {model}", partial(choice.select_model, model), hint)
            for model in dict.fromkeys([choice.model, *choice.models])
            if model
        ]
        for name, listed in choice.catalog.lists.items():
            if name != choice.provider:
                commands += [
                    (f"Model: {model} · {name}", partial(choice.select_model, model, name), hint)
                    for model in listed.ids
                ]
        commands.append(
            ("Refresh model lists", choice.fetch_model_lists, "Fetch every provider's models again")
        )
        return commands


class PresetCommands(ChoiceCommands):
    """`Preset: <name>` for every system-prompt preset in the settings."""

    def commands(self) -> list[Command]:
        host = self.host
        presets = host.services.settings().presets
        return [
            (f"Preset: {name}", partial(host.use_preset, name), markup_literal(_describe(preset)))
            for name, preset in presets.items()
        ]


class ConversationCommands(HostedProvider):
    """Full-text search over every saved message: a hit opens its conversation at it."""

    def _open(self, conversation_id: int, message_id: int) -> None:
        self.app.run_worker(self.host.open_conversation(conversation_id, message_id))

    async def search(self, query: str) -> Hits:
        store = self.host.store
        if store is None or len(query.strip()) < 2:
            return
        try:
            hits = await store.search(query, limit=20)
        except StoreError:
            return
        matcher = self.matcher(query)
        for hit in hits:
            snippet = sanitize("".join(text for text, _ in split_highlights(hit.snippet)))
            title = sanitize(hit.title) or "(untitled)"
            # Ranked with the same fuzzy score as every other command; the words matched in
            # full, so it is a strong one (a match found by folding accents gets a weak one).
            score = matcher.match(f"{title} {snippet}") or 0.5
            yield Hit(
                score,
                Content.assemble(
                    ("Open: ", "$text-muted"), title, (" — " + snippet, "$text-muted")
                ),
                partial(self._open, hit.conversation_id, hit.message_id),
                help="Search hit in a saved conversation",
            )


def _describe(preset: Preset) -> str:
    settings = ", ".join(f"{key} {value}" for key, value in preset.settings().items())
    prompt = (preset.system_prompt or "")[:80]
    return " · ".join(part for part in (prompt, settings) if part)
