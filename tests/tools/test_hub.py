"""The hub against a real MCP server (tests/mcp_server.py, the SDK's MCPServer) over stdio."""

from __future__ import annotations

import asyncio
import os
import re
import tomllib
from pathlib import Path

import pytest

from aijora_tui.core.parts import ToolCallPart
from aijora_tui.core.tools.assembler import AssembledCall
from aijora_tui.core.tools.config import McpServer, ToolLimits
from aijora_tui.core.tools.hub import ToolHub
from aijora_tui.core.tools.results import DENIED, MODEL_LIMIT
from tests.tools.conftest import call, stdio_server

TEST_TOOLS = ["echo", "slow", "fail", "big", "environment", "picture", "exit_now"]


async def test_tools_offered_as_openai_functions(hub: ToolHub) -> None:
    tools = await hub.openai_tools()

    assert [tool["function"]["name"] for tool in tools] == TEST_TOOLS
    echo = tools[0]
    assert echo["type"] == "function"
    assert echo["function"]["description"] == "Return `text` unchanged."
    parameters = echo["function"]["parameters"]
    assert parameters["type"] == "object"
    assert parameters["properties"]["text"]["type"] == "string"
    assert parameters["required"] == ["text"]
    assert all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", t["function"]["name"]) for t in tools)
    assert [s.state for s in hub.status()] == ["ready"]


async def test_fast_tool_result(hub: ToolHub) -> None:
    await hub.openai_tools()
    outcome = await hub.run(call("echo", {"text": "héllo"}))

    assert (outcome.content, outcome.is_error, outcome.server) == ("héllo", False, "t")
    assert outcome.part.call_id == "call_1" and outcome.part.content == "héllo"
    assert outcome.seconds > 0


async def test_failing_tool_is_an_error_result(hub: ToolHub) -> None:
    await hub.openai_tools()
    outcome = await hub.run(call("fail", {"message": "disk on fire"}))

    assert outcome.is_error
    assert "disk on fire" in outcome.content


async def test_one_megabyte_result_kept_whole_and_cut_for_the_model(hub: ToolHub) -> None:
    await hub.openai_tools()
    outcome = await hub.run(call("big", {"size": 1024 * 1024}))

    assert not outcome.is_error
    assert len(outcome.content) == 1024 * 1024
    assert outcome.part.content == outcome.content
    sent = outcome.for_model
    assert sent.startswith(outcome.content[:MODEL_LIMIT])
    assert len(sent.encode()) < MODEL_LIMIT + 200
    assert sent.endswith("[… result cut for the model: 924.0 KB more of 1.0 MB]")


async def test_non_text_block_described(hub: ToolHub) -> None:
    await hub.openai_tools()
    outcome = await hub.run(call("picture"))

    assert outcome.content == "[image: image/png, 24 B, not shown to the model]"


async def test_slow_tool_stopped_at_tool_timeout(hub: ToolHub, marker: Path) -> None:
    await hub.openai_tools()
    outcome = await hub.run(call("slow", {"seconds": 30}))

    assert outcome.is_error
    assert outcome.content == "the tool ran longer than 1 s (tool_timeout) and was stopped"
    for _ in range(500):  # the server hears of it: MCP cancellation reaches the tool
        if marker.read_text() == "cancelled":
            break
        await asyncio.sleep(0.01)
    assert marker.read_text() == "cancelled"


async def test_cancelling_the_call_cancels_the_tool(hub: ToolHub, marker: Path) -> None:
    hub.limits = ToolLimits(tool_timeout=60)
    await hub.openai_tools()
    task = asyncio.create_task(hub.run(call("slow", {"seconds": 30})))
    for _ in range(1000):
        if marker.exists():
            break
        await asyncio.sleep(0.01)
    assert marker.read_text() == "started"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(500):
        if marker.read_text() == "cancelled":
            break
        await asyncio.sleep(0.01)
    assert marker.read_text() == "cancelled"
    after = await hub.run(call("echo", {"text": "still here"}))
    assert after.content == "still here"


async def test_crashing_server_one_notice_others_go_on(marker: Path, notices: list[str]) -> None:
    servers = {
        "broken": stdio_server("broken", "--crash"),
        "t": stdio_server("t"),
    }
    hub = ToolHub(servers, ToolLimits(), notify=notices.append)
    try:
        tools = await hub.openai_tools()
        assert [t["function"]["name"] for t in tools] == TEST_TOOLS
        assert notices == [
            "MCP server 'broken' failed to start: it exited before answering"
            " — stderr: boom: the test server refuses to start"
        ]
        await hub.openai_tools()  # a failed server is not retried behind the user's back
        assert len(notices) == 1
        assert [(s.name, s.state) for s in hub.status()] == [("broken", "failed"), ("t", "ready")]
        assert (await hub.run(call("echo", {"text": "ok"}))).content == "ok"
    finally:
        await hub.close()


async def test_missing_command_reported(notices: list[str]) -> None:
    servers = {"x": McpServer("x", command="/nonexistent/mcp-server")}
    hub = ToolHub(servers, ToolLimits(), notify=notices.append)
    assert await hub.openai_tools() == []
    assert notices == [
        "MCP server 'x' failed to start: command not found (/nonexistent/mcp-server)"
    ]
    await hub.close()


async def test_server_dying_mid_call_is_reported_and_restartable(
    hub: ToolHub, notices: list[str]
) -> None:
    await hub.openai_tools()
    outcome = await hub.run(call("exit_now"))

    assert outcome.is_error
    assert outcome.content == "the MCP server 't' stopped during the call"
    for _ in range(500):
        if notices:
            break
        await asyncio.sleep(0.01)
    assert notices == ["MCP server 't' stopped: it exited"]
    assert await hub.openai_tools() == []  # its tools are no longer offered
    await hub.restart("t")
    assert [s.state for s in hub.status()] == ["ready"]
    assert (await hub.run(call("echo", {"text": "back"}))).content == "back"


async def test_close_stops_the_server_process(hub: ToolHub) -> None:
    await hub.openai_tools()
    assert (await hub.run(call("echo", {"text": "up"}))).content == "up"
    await hub.close()
    assert [s.state for s in hub.status()] == ["stopped"]
    assert (await hub.run(call("echo", {"text": "x"}))).is_error


async def test_environment_scrubbed_of_keys(
    marker: Path, notices: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIJORA_API_KEY", "sk-secret-value")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-other")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-third")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_x")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    servers = {"t": stdio_server("t", env={"NOTES_DIR": "/srv/notes"})}
    hub = ToolHub(servers, ToolLimits(), notify=notices.append)
    try:
        await hub.openai_tools()
        names = set((await hub.run(call("environment"))).content.splitlines())
    finally:
        await hub.close()
    assert "NOTES_DIR" in names and "PATH" in names and "LC_ALL" in names
    assert not names & {"AIJORA_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GITHUB_TOKEN"}
    assert not [name for name in names if name.startswith("AIJORA_")]


async def test_unknown_tool_and_bad_arguments_do_not_run(hub: ToolHub) -> None:
    await hub.openai_tools()
    unknown = await hub.run(call("rm_rf"))
    assert (unknown.content, unknown.is_error) == ("there is no tool named 'rm_rf'", True)
    broken = AssembledCall(ToolCallPart("c", "echo", "{"), None, "the arguments are not valid JSON")
    assert not hub.needs_consent(broken)
    outcome = await hub.run(broken)
    assert (outcome.content, outcome.is_error) == ("the arguments are not valid JSON", True)


async def test_consent_policy(hub: ToolHub) -> None:
    await hub.openai_tools()
    assert not hub.needs_consent(call("echo"))  # in auto_approve
    assert hub.needs_consent(call("big"))
    denied = hub.denied(call("big"))
    assert (denied.content, denied.is_error, denied.seconds) == (DENIED, True, 0.0)
    hub.policy.approve_all = True  # ask --yes
    assert not hub.needs_consent(call("big"))


async def test_always_allow_written_to_config(
    tmp_path: Path, marker: Path, notices: list[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'model = "m"\n\n[mcp.servers.t]\ncommand = "python3"\nauto_approve = ["echo"]\n'
        '\n[mcp.servers.other]\nurl = "http://127.0.0.1:1/mcp"\n',
        encoding="utf-8",
    )
    servers = {"t": stdio_server("t", approve=("echo",))}
    hub = ToolHub(servers, ToolLimits(), notify=notices.append, config_path=config)
    try:
        await hub.openai_tools()
        assert hub.needs_consent(call("big"))
        assert await hub.always_allow(call("big")) is None
        assert not hub.needs_consent(call("big"))
    finally:
        await hub.close()
    table = tomllib.loads(config.read_text(encoding="utf-8"))
    assert table["mcp"]["servers"]["t"]["auto_approve"] == ["echo", "big"]
    assert table["model"] == "m"
    assert table["mcp"]["servers"]["other"] == {"url": "http://127.0.0.1:1/mcp"}
    assert os.stat(config).st_mode & 0o777 == 0o600
