"""Command palette providers: switch model (conversations come with the history browser).

Model ids come from the server, so they are shown as `Content`, never parsed as markup (Textual's
`Matcher.highlight` parses its argument as markup; `safe_highlight` does not).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

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
