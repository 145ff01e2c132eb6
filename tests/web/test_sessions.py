"""One process per browser tab, bounded in number, and never left behind: a process that does not
quit when asked is killed. Served in-process, with `sleep` standing in for an app that hangs."""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from aijora_tui.web import server as web_server
from aijora_tui.web.guard import Guard
from aijora_tui.web.server import AppServer
from tests.core.helpers import wait_until
from tests.web.conftest import children


def hanging_processes(marker: str) -> list[int]:
    """Live children of this process running `sleep <marker>`."""
    return children(os.getpid(), marker.encode())


async def connect_when_free(client: TestClient[web.Request, web.Application]) -> None:
    """Open a tab as soon as the server has a place again (it frees one after the kill)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            await client.ws_connect("/ws")
            return
        except aiohttp.WSServerHandshakeError as error:
            if error.status != 503 or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.05)


@pytest.fixture
def marker() -> str:
    """A `sleep` duration no other process uses, to find ours."""
    return f"{600 + uuid.uuid4().int % 1000}.5"


async def test_a_hanging_app_is_killed_and_tabs_are_bounded(
    monkeypatch: pytest.MonkeyPatch, marker: str
) -> None:
    monkeypatch.setattr(web_server, "STOP_TIMEOUT", 0.5)
    monkeypatch.setattr(web_server, "MAX_SESSIONS", 1)
    server = AppServer(
        f"exec sleep {marker}", host="127.0.0.1", port=0, guard=Guard(), public_url=None
    )
    async with TestClient(TestServer(await server._make_app())) as client:
        tab = await client.ws_connect("/ws?width=100&height=30")
        assert await wait_until(lambda: len(hanging_processes(marker)) == 1)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect("/ws")
        assert refused.value.status == 503

        await tab.close()  # the tab goes: the app is asked to quit, ignores it, is killed

        assert await wait_until(lambda: hanging_processes(marker) == [])
        await connect_when_free(client)
        assert await wait_until(lambda: len(hanging_processes(marker)) == 1)
        await server.stop_sessions()  # what Ctrl+C does before the server closes
        assert hanging_processes(marker) == []
        with pytest.raises(aiohttp.WSServerHandshakeError) as stopping:
            await client.ws_connect("/ws")
        assert stopping.value.status == 503
