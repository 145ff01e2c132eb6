"""Fixtures for the core tests: a real fake server on 127.0.0.1 and clients talking to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from aijora_tui.core.client import ChatClient
from tests.core.helpers import API_KEY
from tests.fake_server import FakeServer

ClientFactory = Callable[..., ChatClient]


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


@pytest.fixture
async def make_client(server: FakeServer) -> AsyncIterator[ClientFactory]:
    """Build clients for `server` (no retries, 10 s idle timeout unless given); all are closed."""
    clients: list[ChatClient] = []

    def make(**options: Any) -> ChatClient:
        options.setdefault("read_timeout", 10.0)
        options.setdefault("max_retries", 0)
        client = ChatClient(server.base_url, API_KEY, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def client(make_client: ClientFactory) -> ChatClient:
    return make_client()
