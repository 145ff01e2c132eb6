"""`Catalog`: every provider's models, what is known about each, and the picker's memory.

Per provider it holds the last model list (`GET /models`, or the cache in the state directory
until the list is fetched), or why there is none: fetching, failed (the error line), or broken
in the config. `refresh()` fetches several providers concurrently; each finishes on its own and
is reported at once, so a slow or failing provider never holds up the others.

It answers the questions the app asks about a model, from the provider's list first, then the
config (never a guess):

| question | from /models | else config |
|---|---|---|
| `context_length(model)` | `context_length` and the like | `[models."ID"] context` |
| `vision(model)` | input modalities | `[models."ID"] vision` |
| `get(model)` (its price) | `pricing` (with its currency) | `[prices."ID"]` in `price_currency` |

Recently used models (provider, id) are kept in the state directory. The cache and that list are
read only when they are regular files (a FIFO there never hangs the start). Headless: no Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aijora_tui.choices import all_providers
from aijora_tui.config import Settings
from aijora_tui.core.errors import AijoraError, one_line
from aijora_tui.core.model_list import model_info, to_cache
from aijora_tui.core.models import ModelInfo
from aijora_tui.core.prices import Price
from aijora_tui.files import read_regular_file, write_private_file
from aijora_tui.providers import ModelMeta, ProviderConfig

if TYPE_CHECKING:
    from aijora_tui.core.client import ChatClient

CACHE_VERSION = 2
CACHE_LIMIT = 16 * 1024 * 1024
"""The largest model-list cache read, in bytes (several providers' lists with prices)."""
RECENT_LIMIT = 8
LIST_TIMEOUT = 10.0
"""Seconds one provider's GET /models may take."""
ListState = Literal["unknown", "cached", "fetching", "loaded", "failed", "broken"]


@dataclass(frozen=True)
class ModelList:
    """One provider's models as far as known."""

    provider: str
    models: tuple[ModelInfo, ...] = ()
    state: ListState = "unknown"
    error: str | None = None
    """Why there is no (fresh) list: the fetch error, or the config problem."""

    @property
    def ids(self) -> list[str]:
        return [model.id for model in self.models]


class Catalog:
    """The model lists of all providers (see the module docstring)."""

    def __init__(self, settings: Settings, state_dir: Path, current: str) -> None:
        self._state_dir = state_dir
        self.current = current
        """The provider asked first when a question names none."""
        self._providers: dict[str, ProviderConfig] = {}
        self._lists: dict[str, ModelList] | None = None
        """Read from the cache on first use (a thousand cached models take ~15 ms: not at
        start-up, before the first frame)."""
        self.recent: list[tuple[str, str]] = _read_recent(state_dir / "recent_models.json")
        self.configure(settings)

    # -- configuration -------------------------------------------------------------------

    def configure(self, settings: Settings) -> None:
        """Take (new) settings: lists of providers whose base URL changed start again."""
        self._settings = settings
        old = self._providers
        self._providers = {config.name: config for config in all_providers(settings)}
        if self._lists is not None:
            self._sync(self._lists, old)

    @property
    def lists(self) -> dict[str, ModelList]:
        """Each provider's list, by provider name."""
        if self._lists is None:
            self._lists = {}
            self._sync(self._lists, {})
        return self._lists

    def _sync(self, lists: dict[str, ModelList], old: Mapping[str, ProviderConfig]) -> None:
        """Bring `lists` in line with the providers: new ones (or moved ones) from the cache."""
        cache = self._read_cache()
        for name, config in self._providers.items():
            if config.problem:
                lists[name] = ModelList(name, state="broken", error=config.problem)
            elif name not in lists or name not in old or old[name].base_url != config.base_url:
                lists[name] = _from_cache(name, config.base_url, cache)
        for name in set(lists) - set(self._providers):
            del lists[name]

    @property
    def providers(self) -> list[ProviderConfig]:
        return list(self._providers.values())

    def provider(self, name: str) -> ProviderConfig | None:
        return self._providers.get(name)

    # -- fetching ------------------------------------------------------------------------

    def stale(self) -> list[str]:
        """Providers whose list was not fetched in this session (and can be)."""
        return [name for name, entry in self.lists.items() if entry.state in ("unknown", "cached")]

    async def refresh(
        self,
        names: Iterable[str],
        client_for: Callable[[str], ChatClient],
        updated: Callable[[str], None],
    ) -> None:
        """Fetch the lists of `names` concurrently; `updated(name)` after each change."""
        names = [name for name in names if self.lists.get(name, ModelList(name)).state != "broken"]
        for name in names:
            self.lists[name] = replace(self.lists[name], state="fetching", error=None)
            updated(name)
        await asyncio.gather(*(self._fetch(name, client_for, updated) for name in names))
        self._write_cache()

    async def _fetch(
        self, name: str, client_for: Callable[[str], ChatClient], updated: Callable[[str], None]
    ) -> None:
        previous = self.lists[name]
        try:
            models = await client_for(name).list_models(timeout=LIST_TIMEOUT)
        except asyncio.CancelledError:
            self.lists[name] = replace(previous, state="cached" if previous.models else "unknown")
            updated(name)
            raise
        except AijoraError as error:
            self.lists[name] = replace(previous, state="failed", error=error.message)
        except Exception as error:  # a provider's bug must not stop the others
            reason = one_line(f"{type(error).__name__}: {error}")
            self.lists[name] = replace(previous, state="failed", error=reason)
        else:
            self.lists[name] = ModelList(name, tuple(models), "loaded")
        updated(name)

    # -- questions -----------------------------------------------------------------------

    def info(self, model: str, provider: str | None = None) -> ModelInfo | None:
        """What the provider's list says about `model` (the current provider's, else any)."""
        order = [provider] if provider else [self.current, *self.lists]
        for name in order:
            entry = self.lists.get(name)
            for info in entry.models if entry else ():
                if info.id == model:
                    return info
        return None

    def context_length(self, model: str, provider: str | None = None) -> int | None:
        """The model's context window in tokens, from /models, else `[models."ID"] context`;
        None when neither says (never a guess)."""
        info = self.info(model, provider)
        if info is not None and info.context_length is not None:
            return info.context_length
        return self._meta(model).context

    def vision(self, model: str, provider: str | None = None) -> bool | None:
        """Whether the model takes images, from /models, else `[models."ID"] vision`."""
        info = self.info(model, provider)
        return (
            info.vision
            if info is not None and info.vision is not None
            else self._meta(model).vision
        )

    def _meta(self, model: str) -> ModelMeta:
        return self._settings.model_meta.get(model) or ModelMeta()

    def price(self, model: str, provider: str | None = None) -> Price | None:
        """The model's price per million tokens: listed by the server, else `[prices]`."""
        info = self.info(model, provider)
        if info is not None and info.price is not None:
            return info.price
        configured = self._settings.prices.get(model)
        if configured is None:
            return None
        return replace(configured, currency=self._settings.price_currency)

    def get(self, model: str, /) -> Price | None:
        """`PriceLookup`: the price of `model` as the current provider would charge it."""
        return self.price(model)

    # -- recently used -------------------------------------------------------------------

    def remember(self, provider: str, model: str) -> None:
        """`model` of `provider` was just chosen: first among the recent ones (kept on disk)."""
        pair = (provider, model)
        self.recent = [pair, *(item for item in self.recent if item != pair)][:RECENT_LIMIT]
        with contextlib.suppress(OSError):  # a convenience: losing it costs nothing
            path = self._state_dir / "recent_models.json"
            write_private_file(path, json.dumps([list(item) for item in self.recent]))

    # -- the cache -----------------------------------------------------------------------

    def _read_cache(self) -> Mapping[str, Any]:
        try:
            cache = json.loads(read_regular_file(self._state_dir / "models.json", CACHE_LIMIT))
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(cache, dict) or cache.get("version") != CACHE_VERSION:
            return {}
        providers = cache.get("providers")
        return providers if isinstance(providers, dict) else {}

    def _write_cache(self) -> None:
        entries = {
            name: {
                "base_url": self._providers[name].base_url,
                "fetched_at": time.time(),
                "models": [to_cache(info) for info in entry.models],
            }
            for name, entry in self.lists.items()
            if entry.state == "loaded" and name in self._providers
        }
        kept = {
            name: value for name, value in self._read_cache().items() if name in self._providers
        }
        payload = {"version": CACHE_VERSION, "providers": kept | entries}
        with contextlib.suppress(OSError):  # a cache: losing it only slows the next start
            write_private_file(self._state_dir / "models.json", json.dumps(payload))


def _from_cache(name: str, base_url: str, cache: Mapping[str, Any]) -> ModelList:
    entry = cache.get(name)
    if not isinstance(entry, dict) or entry.get("base_url") != base_url:
        return ModelList(name)
    items = entry.get("models")
    models = [model_info(item) for item in items] if isinstance(items, list) else []
    return ModelList(name, tuple(info for info in models if info is not None), "cached")


def _read_recent(path: Path) -> list[tuple[str, str]]:
    try:
        items = json.loads(read_regular_file(path, 64 * 1024))
    except (OSError, ValueError, RecursionError):
        return []
    if not isinstance(items, list):
        return []
    return [
        (item[0], item[1])
        for item in items[:RECENT_LIMIT]
        if isinstance(item, list) and len(item) == 2 and all(isinstance(i, str) for i in item)
    ]
