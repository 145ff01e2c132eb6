"""The guard in front of textual-serve's routes, on the real aiohttp app (no app process is
started: every request here is either refused or served by the page and static routes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from aijora_tui.web.guard import Guard, is_loopback
from aijora_tui.web.server import AppServer

TOKEN = "t0ken-for-the-tests-0123456789ab"
ASSET = "/static/js/textual.js"


@asynccontextmanager
async def client_for(guard: Guard) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    server = AppServer("exit 1", host="127.0.0.1", port=0, guard=guard, public_url=guard.public_url)
    async with TestClient(TestServer(await server._make_app())) as client:
        yield client


def test_loopback_names() -> None:
    for host in ("127.0.0.1", "127.8.9.1", "localhost", "LOCALHOST", "::1", "[::1]"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "", "192.168.1.5", "example.com", "localhost.evil.example"):
        assert not is_loopback(host), host


async def test_loopback_serves_the_page_with_safe_headers() -> None:
    async with client_for(Guard()) as client:
        response = await client.get("/")
        page = await response.text()
        asset = await client.get(ASSET)
        port = client.port

    assert response.status == 200
    assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
    assert f"http://127.0.0.1:{port}/static/css/xterm.css" in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert asset.status == 200


@pytest.mark.parametrize("host", ["localhost", "[::1]", "127.0.0.1"])
async def test_loopback_answers_loopback_names(host: str) -> None:
    async with client_for(Guard()) as client:
        response = await client.get("/", headers={"Host": f"{host}:{client.port}"})
    assert response.status == 200


async def test_a_rebound_name_is_refused() -> None:
    """DNS rebinding: evil.example resolving to 127.0.0.1 still says evil.example in Host."""
    async with client_for(Guard()) as client:
        for path in ("/", "/ws", ASSET):
            response = await client.get(path, headers={"Host": f"evil.example:{client.port}"})
            assert response.status == 403, path
            assert "localhost" in await response.text()


async def test_other_sites_cannot_open_the_websocket() -> None:
    async with client_for(Guard()) as client:
        other_port = f"http://127.0.0.1:{(client.port or 0) + 1}"  # another service on this host
        for origin in ("http://evil.example", other_port, "null"):
            response = await client.get("/ws", headers={"Origin": origin})
            assert response.status == 403, origin
        same = await client.get(ASSET, headers={"Origin": f"http://127.0.0.1:{client.port}"})
    assert same.status == 200


async def test_public_url_is_this_server_too() -> None:
    """Behind a proxy the Host and Origin are the public URL's; the page points there."""
    guard = Guard(public_url=URL("https://chat.example.com/"))
    async with client_for(guard) as client:
        headers = {"Host": "chat.example.com", "Origin": "https://chat.example.com"}
        response = await client.get("/", headers=headers)
        page = await response.text()
    assert response.status == 200
    assert 'data-session-websocket-url="wss://chat.example.com/ws"' in page
    assert "https://chat.example.com/static/js/textual.js" in page


async def test_the_token_is_required_everywhere() -> None:
    async with client_for(Guard(token=TOKEN)) as client:
        for path in ("/", "/?token=wrong", f"/?token={TOKEN}x", "/ws", ASSET, "/nothing-here"):
            response = await client.get(path)
            assert response.status == 403, path
            assert "token" in await response.text()
        assert (await client.get(f"{ASSET}?token={TOKEN}")).status == 200


async def test_the_page_sets_a_strict_cookie_for_its_assets() -> None:
    guard = Guard(token=TOKEN)
    async with client_for(guard) as client:
        page = await client.get(f"/?token={TOKEN}")
        cookie = page.cookies[guard.cookie_name]
        asset = await client.get(ASSET)  # the client sends the cookie back, as browsers do
        wrong_query = await client.get(f"{ASSET}?token=wrong")
        page_without_query = await client.get("/")

    assert page.status == 200
    assert cookie.value == TOKEN
    assert (cookie["httponly"], cookie["samesite"], cookie["path"]) == (True, "Strict", "/")
    assert asset.status == 200
    assert wrong_query.status == 403, "a wrong token in the query is refused even with the cookie"
    assert page_without_query.status == 403, "the page itself needs the token in its URL"


async def test_a_cookie_of_another_server_is_not_enough() -> None:
    async with client_for(Guard(token=TOKEN)) as client:
        response = await client.get(ASSET, cookies={"aijora_tui_other": TOKEN})
    assert response.status == 403
