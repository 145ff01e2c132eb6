"""`ProviderClients`: one `ChatClient` per provider, made on first use, each with only its own
provider's base URL, key source and headers (so a key never goes to another provider)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from aijora_tui.choices import provider_named
from aijora_tui.config import Settings

if TYPE_CHECKING:
    from aijora_tui.core.client import ChatClient
    from aijora_tui.core.images import SyncImageClient


class ProviderClients:
    """The clients of the app's providers; `settings` gives the current settings."""

    def __init__(self, settings: Callable[[], Settings]) -> None:
        self._settings = settings
        self._clients: dict[str, ChatClient] = {}
        self._retired: list[ChatClient] = []

    def add(self, name: str, client: ChatClient) -> None:
        """Use `client` for provider `name` (tests hand one in)."""
        self._clients[name] = client

    def get(self, name: str) -> ChatClient:
        """The provider's client; building one (httpx, TLS) costs tens of milliseconds, so it
        happens on first use, not at start-up.

        Raises:
            ProviderError: no such usable provider.
        """
        client = self._clients.get(name)
        if client is None:
            from aijora_tui.core.client import ChatClient

            settings = self._settings()
            config = provider_named(settings, name)
            options = settings.client_options()
            options["headers"], options["provider"] = config.headers, name
            client = ChatClient(config.base_url, config.key, **options)
            self._clients[name] = client
        return client

    def image_client(self, name: str) -> SyncImageClient:
        """A new blocking client for the provider's image generation (close it after use)."""
        from aijora_tui.core.images import SyncImageClient

        settings = self._settings()
        config = provider_named(settings, name)
        options = settings.client_options()
        options["headers"], options["provider"] = config.headers, name
        return SyncImageClient(config.base_url, config.key, **options)

    def retire(self, names: Iterable[str]) -> None:
        """Build these providers' clients anew on next use. A reply may still be streaming
        through an old one, so old ones are closed at exit, not now."""
        for name in names:
            client = self._clients.pop(name, None)
            if client is not None:
                self._retired.append(client)

    def retire_all(self) -> None:
        self.retire(list(self._clients))

    async def aclose(self) -> None:
        for client in [*self._retired, *self._clients.values()]:
            await client.aclose()
