"""Command palette providers: switch model, use a system-prompt preset, search conversations.

Model ids come from the server, so they are shown as `Content`, never parsed as markup (Textual's
`Matcher.highlight` parses its argument as markup; `safe_highlight` does not).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from aijora_tui.core.sanitize import sanitize
from aijora_tui.core.search import split_highlights
from aijora_tui.core.store import StoreError

if TYPE_CHECKING:
    from aijora_tui.app import AijoraApp


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


class ModelCommands(Provider):
    """`Model: <id>` for every model the server offers."""

    def _models(self) -> list[str]:
        app = cast("AijoraApp", self.app)
        return list(dict.fromkeys([app.model, *app.models]))

    def _select(self, model: str) -> None:
        cast("AijoraApp", self.app).select_model(model)

    async def discover(self) -> Hits:
        for model in self._models()[:20]:
            yield DiscoveryHit(
                Content.assemble("Model: ", model),
                partial(self._select, model),
                help="Use this model",
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for model in self._models():
            label = f"Model: {model}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    safe_highlight(matcher, label),
                    partial(self._select, model),
                    help="Use this model from the next message on",
                )


class PresetCommands(Provider):
    """`Preset: <name>` for every system-prompt preset in the settings."""

    def _use(self, name: str) -> None:
        from aijora_tui.screens.chat import ChatScreen

        screen = self.app.screen
        if isinstance(screen, ChatScreen):
            screen.use_preset(name)

    async def search(self, query: str) -> Hits:
        app = cast("AijoraApp", self.app)
        matcher = self.matcher(query)
        for name, prompt in app.settings.presets.items():
            label = f"Preset: {name}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    safe_highlight(matcher, label),
                    partial(self._use, name),
                    help=markup_literal(prompt[:80]),
                )

    async def discover(self) -> Hits:
        app = cast("AijoraApp", self.app)
        for name, prompt in app.settings.presets.items():
            yield DiscoveryHit(
                Content.assemble("Preset: ", name),
                partial(self._use, name),
                help=markup_literal(prompt[:80]),
            )


class ConversationCommands(Provider):
    """Full-text search over every saved message: a hit opens its conversation at it."""

    def _open(self, conversation_id: int, message_id: int) -> None:
        from aijora_tui.screens.chat import ChatScreen

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
        for rank, hit in enumerate(hits):
            snippet = "".join(text for text, _ in split_highlights(hit.snippet))
            title = sanitize(hit.title) or "(untitled)"
            yield Hit(
                1.0 - rank / 40,
                Content.assemble(
                    ("Open: ", "$text-muted"), title, (" — " + sanitize(snippet), "$text-muted")
                ),
                partial(self._open, hit.conversation_id, hit.message_id),
                help="Search hit in a saved conversation",
            )
