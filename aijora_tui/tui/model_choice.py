"""`ModelChoice`: the provider and model of the next request, and every provider's model list.

The chat screen, the model picker and the palette's model commands read and change the choice
here; they learn of a change through its signals rather than by being called one by one:
`changed` (a model was chosen) and `lists_updated` (a provider's list changed state). The
settings stay the app's: a choice or a favourite is written back through `keep`, which takes
the new `Settings` and the config-file updates to save (`choices.py` computes both).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from textual.signal import Signal

from aijora_tui import paths
from aijora_tui.catalog import Catalog
from aijora_tui.choices import remembered_choice, toggled_favourite
from aijora_tui.clients import ProviderClients
from aijora_tui.config import ConfigFileError, Settings, read_config_file
from aijora_tui.providers import BUILTIN
from aijora_tui.tui.model_rows import Choice

if TYPE_CHECKING:
    from textual.app import App

    from aijora_tui.core.client import ChatClient

Keep = Callable[[Settings, Mapping[str, Any]], None]
"""Use these settings from now on and save these config-file updates."""


class ModelChoice:
    """What the next request goes to, and what is known of every provider's models."""

    def __init__(
        self,
        app: App[Any],
        settings: Callable[[], Settings],
        keep: Keep,
        choice: Choice,
        drawn: asyncio.Event,
        client: ChatClient | None = None,
    ) -> None:
        self._app = app
        self._drawn = drawn
        """Set once the first frame is on screen: fetching a list (the HTTP client loads) waits."""
        self._settings = settings
        self._keep = keep
        self.provider, self.model = choice
        """The provider and model of the next request; switching applies mid-conversation."""
        self.clients = ProviderClients(settings)
        if client is not None:
            self.clients.add(self.provider, client)
        self.catalog = Catalog(settings(), paths.state_dir(), self.provider)
        """Every provider's models, and what is known about each (context, price, images)."""
        self.changed: Signal[Choice] = Signal(app, "model-changed")
        """Published with the (provider, model) chosen."""
        self.lists_updated: Signal[str] = Signal(app, "models-updated")
        """Published with a provider's name whenever its model list changes state."""

    @property
    def client(self) -> ChatClient:
        """The client of the current provider."""
        return self.clients.get(self.provider)

    @property
    def models(self) -> list[str]:
        """Model ids of the current provider: its list, else (for aijora) the configured ones."""
        listed = self.catalog.lists.get(self.provider)
        ids = listed.ids if listed is not None else []
        if not ids and self.provider == BUILTIN:
            ids = list(self._settings().models)
        return ids

    @property
    def models_loaded(self) -> bool:
        """Whether the current provider's list was fetched in this session."""
        listed = self.catalog.lists.get(self.provider)
        return listed is not None and listed.state == "loaded"

    @property
    def favourites(self) -> Mapping[str, tuple[str, ...]]:
        """Models pinned on top of the picker, by provider."""
        return self._settings().favourites

    def context_length(self, model: str | None = None, provider: str | None = None) -> int | None:
        """A model's context window in tokens (default: the next request's model), from its
        provider's /models, else `[models."ID"] context`; None when unknown."""
        return self.catalog.context_length(model or self.model, provider or self.provider)

    def configure(self, settings: Settings, old: Settings) -> None:
        """New settings: clients whose connection changed are made anew, lists refetched."""
        self.catalog.configure(settings)
        if settings.client_options() != old.client_options():
            self.clients.retire_all()
        if (settings.base_url, settings.api_key) != (old.base_url, old.api_key):
            self.clients.retire([BUILTIN])
            self._app.run_worker(self.load_models(), exit_on_error=False)
        if settings.model != old.model and self.provider == BUILTIN:
            self.select_model(settings.model)  # the top-level model is the aijora provider's

    async def load_models(self) -> None:
        """Fetch the current provider's model list (the cached one stays if that fails)."""
        await self.refresh_models([self.provider])
        if not self.model and self.models:  # a provider without a configured model
            self.model = self.models[0]

    async def refresh_models(self, names: Iterable[str] | None = None) -> None:
        """Fetch the lists of `names` (default: every provider) concurrently."""
        await self._drawn.wait()  # loading the HTTP client must not delay the first frame
        chosen = [p.name for p in self.catalog.providers] if names is None else list(names)
        await self.catalog.refresh(chosen, self.clients.get, self.lists_updated.publish)

    def fetch_model_lists(self, names: Iterable[str] | None = None) -> None:
        """Fetch model lists (default: every provider's) in an app worker, so a list still
        arriving when the picker closes is kept."""
        self._app.run_worker(self.refresh_models(names), exit_on_error=False)

    def select_model(self, model: str, provider: str | None = None) -> None:
        """Use `model` (of `provider`, default the current one) from the next request on, and
        remember both as the defaults unless a flag or variable chose them."""
        provider = provider or self.provider
        switched = provider != self.provider
        self.provider, self.model = provider, model
        self.catalog.current = provider
        self.catalog.remember(provider, model)
        try:
            config = read_config_file(paths.config_file())
        except ConfigFileError:
            config = {}  # saving reports the broken file
        self._keep(*remembered_choice(self._settings(), provider, model, config))
        self.changed.publish((provider, model))
        where = f" on {provider}" if provider != BUILTIN or switched else ""
        self._app.notify(
            f"Model: {model}{where} (from the next message on)", timeout=3, markup=False
        )

    def toggle_favourite(self, provider: str, model: str) -> bool:
        """Pin `model` of `provider` on top of the model picker, or unpin it (kept in the
        config file); True when it is pinned now."""
        settings, updates, pinned = toggled_favourite(self._settings(), provider, model)
        self._keep(settings, updates)
        return pinned
