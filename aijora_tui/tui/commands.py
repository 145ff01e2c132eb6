"""Command palette providers: switch model, use a system-prompt preset, search conversations.

Model ids come from the server, so they are shown as `Content`, never parsed as markup (Textual's
`Matcher.highlight` parses its argument as markup; `safe_highlight` does not).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from aijora_tui.core.sampling import Preset
from aijora_tui.core.sanitize import sanitize
from aijora_tui.core.search import split_highlights
from aijora_tui.core.store import StoreError

if TYPE_CHECKING:
    from aijora_tui.tui.app import AijoraApp


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


class ChoiceCommands(Provider):
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
        app = cast("AijoraApp", self.app)
        hint = "Use it from the next message on"
        commands: list[Command] = [
            (f"Model: {model}", partial(app.select_model, model), hint)
            for model in dict.fromkeys([app.model, *app.models])
            if model
        ]
        for name, listed in app.catalog.lists.items():
            if name != app.provider:
                commands += [
                    (f"Model: {model} · {name}", partial(app.select_model, model, name), hint)
                    for model in listed.ids
                ]
        commands.append(
            ("Refresh model lists", app.fetch_model_lists, "Fetch every provider's models again")
        )
        return commands


class PresetCommands(ChoiceCommands):
    """`Preset: <name>` for every system-prompt preset in the settings."""

    def _use(self, name: str) -> None:
        from aijora_tui.tui.screens.chat import ChatScreen

        screen = self.app.screen
        if isinstance(screen, ChatScreen):
            screen.use_preset(name)

    def commands(self) -> list[Command]:
        presets = cast("AijoraApp", self.app).settings.presets
        return [
            (f"Preset: {name}", partial(self._use, name), markup_literal(_describe(preset)))
            for name, preset in presets.items()
        ]


class ConversationCommands(Provider):
    """Full-text search over every saved message: a hit opens its conversation at it."""

    def _open(self, conversation_id: int, message_id: int) -> None:
        from aijora_tui.tui.screens.chat import ChatScreen

        screen = self.app.screen
        if isinstance(screen, ChatScreen):
            self.app.run_worker(screen.open_conversation(conversation_id, message_id))

    async def search(self, query: str) -> Hits:
        store = cast("AijoraApp", self.app).store
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
