"""`ProviderStatus`: every provider in a few words, for the settings screen.

One line per provider: its name (marked when it is the one in use), its base URL, where its key
comes from (never the key), and how its model list stands: how many models it lists, fetching,
or why it could not be reached. It follows the model lists (`ModelChoice`) as they arrive; "Check"
fetches them all again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Button, Static

from aijora_tui.catalog import ModelList
from aijora_tui.providers import ProviderConfig

if TYPE_CHECKING:
    from aijora_tui.tui.model_choice import ModelChoice


class ProviderStatus(Vertical):
    """The providers' lines and a button that checks them all."""

    def __init__(self, choice: ModelChoice, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.choice = choice

    def compose(self) -> ComposeResult:
        yield Static(id="provider-lines", markup=False)
        yield Button(Content("Check providers"), id="check-providers")

    def on_mount(self) -> None:
        self.choice.lists_updated.subscribe(self, self._changed)
        self.show()

    def show(self) -> None:
        choice, catalog = self.choice, self.choice.catalog
        lines = [
            describe(config, catalog.lists.get(config.name), config.name == choice.provider)
            for config in catalog.providers
        ]
        self.query_one("#provider-lines", Static).update(Content("\n").join(lines))

    def _changed(self, provider: str) -> None:
        self.show()

    @on(Button.Pressed, "#check-providers")
    def _check(self) -> None:
        self.choice.fetch_model_lists()


def describe(config: ProviderConfig, listed: ModelList | None, in_use: bool) -> Content:
    """One provider in one line (see the module docstring)."""
    name = (f"{config.name}{' (in use)' if in_use else ''}", "bold")
    if config.problem:
        return Content.assemble(name, "  ", (f"✗ not usable: {config.problem}", "$error"))
    state = listed.state if listed is not None else "unknown"
    count = len(listed.models) if listed is not None else 0
    status: tuple[str, str] = {
        "loaded": (f"✓ reachable, {count} models", "$success"),
        "cached": (f"{count} models when last checked", "$text-muted"),
        "fetching": ("checking…", "$text-muted"),
        "failed": (f"✗ {listed.error if listed else ''}", "$error"),
        "broken": (f"✗ {listed.error if listed else ''}", "$error"),
        "unknown": ("not checked yet", "$text-muted"),
    }[state]
    key = f"key: {config.key.describe()}"
    return Content.assemble(
        name, "  ", (config.base_url, "$text-muted"), " · ", (key, "$text-muted"), " · ", status
    )
