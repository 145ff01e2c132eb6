"""A streamable HTTP MCP server (the test server run with --http) through the same hub."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from aijora_tui.core.tools.config import McpServer, ToolLimits
from aijora_tui.core.tools.hub import ToolHub
from tests.tools.conftest import MCP_SERVER, call


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def http_url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, MCP_SERVER, "--http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert process.poll() is None, "the HTTP test server exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(10)


async def test_http_server_lists_and_calls(http_url: str) -> None:
    notices: list[str] = []
    servers = {"web": McpServer("web", url=http_url, headers={"X-Test": "1"})}
    hub = ToolHub(servers, ToolLimits(tool_timeout=10), notify=notices.append)
    try:
        tools = await hub.openai_tools()
        assert "echo" in [t["function"]["name"] for t in tools]
        outcome = await hub.run(call("echo", {"text": "over http"}))
        assert (outcome.content, outcome.is_error, outcome.server) == ("over http", False, "web")
        failed = await hub.run(call("fail", {"message": "nope"}))
        assert failed.is_error and "nope" in failed.content
    finally:
        await hub.close()
    assert notices == []


async def test_http_server_unreachable_is_one_notice() -> None:
    notices: list[str] = []
    url = f"http://127.0.0.1:{free_port()}/mcp"
    hub = ToolHub({"web": McpServer("web", url=url)}, ToolLimits(), notify=notices.append)
    try:
        assert await hub.openai_tools() == []
    finally:
        await hub.close()
    assert len(notices) == 1
    assert notices[0].startswith("MCP server 'web' failed to start: ")
