"""Fixtures for the tool tests: the real MCP test server (tests/mcp_server.py) over stdio."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from aijora_tui.core.parts import ToolCallPart
from aijora_tui.core.tools.assembler import AssembledCall
from aijora_tui.core.tools.config import McpServer, ToolLimits
from aijora_tui.core.tools.hub import ToolHub

MCP_SERVER = str(Path(__file__).resolve().parents[1] / "mcp_server.py")


def stdio_server(
    name: str, *args: str, env: dict[str, str] | None = None, approve: tuple[str, ...] = ()
) -> McpServer:
    """The test server as a configured stdio server."""
    return McpServer(
        name,
        command=sys.executable,
        args=(MCP_SERVER, *args),
        env=env or {},
        auto_approve=frozenset(approve),
    )


def call(
    name: str, arguments: dict[str, object] | None = None, call_id: str = "call_1"
) -> AssembledCall:
    """An assembled call as the engine would hand it to the hub."""
    return AssembledCall(
        ToolCallPart(call_id, name, json.dumps(arguments or {})), dict(arguments or {})
    )


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Poll `condition` until it holds or `timeout` passes; returns whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """The file the slow tool writes "started" / "cancelled" into."""
    return tmp_path / "marker"


@pytest.fixture
def notices() -> list[str]:
    return []


@pytest.fixture
async def hub(marker: Path, notices: list[str]) -> AsyncIterator[ToolHub]:
    """A hub with the test server (`t`, auto-approving `echo`), a 1 s tool timeout."""
    servers = {"t": stdio_server("t", env={"MCP_TEST_MARKER": str(marker)}, approve=("echo",))}
    tool_hub = ToolHub(servers, ToolLimits(tool_timeout=1.0), notify=notices.append)
    try:
        yield tool_hub
    finally:
        await tool_hub.close()
