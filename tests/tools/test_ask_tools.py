"""`aijora-tui ask --tools [--yes]` against the real MCP test server and the fake chat server.

The model (the fake server) calls `echo` and `fail`; only `echo` is in `auto_approve`. Without
`--yes` the other call is denied and the model is told so; with it, both run. Tool activity goes
to stderr, the answer alone to stdout, and the whole turn is saved with its calls and results.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aijora_tui.core.store import Store
from tests.cli_env import ROOT, cli_env
from tests.core.helpers import API_KEY
from tests.fake_server import Call, FakeServer, ToolScenario, text_stream
from tests.tools.conftest import MCP_SERVER

CALLS = [
    Call("call_a", "echo", json.dumps({"text": "hello"})),
    Call("call_b", "fail", json.dumps({"message": "nope"})),
]


def configure(tmp_path: Path, approve: list[str]) -> None:
    config = tmp_path / "config" / "aijora-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        "[mcp.servers.test]\n"
        f"command = {json.dumps(sys.executable)}\n"
        f"args = [{json.dumps(MCP_SERVER)}]\n"
        f"auto_approve = {json.dumps(approve)}\n",
        encoding="utf-8",
    )


def ask(tmp_path: Path, server: FakeServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = cli_env(tmp_path, server.base_url, API_KEY)
    return subprocess.run(
        [sys.executable, "-m", "aijora_tui", "ask", *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def saved_turn(tmp_path: Path) -> list[str]:
    with Store.open(tmp_path / "data" / "aijora-tui" / "history.sqlite3") as store:
        conversation = store.latest_conversation_id()
        assert conversation is not None
        reply = store.active_path(conversation)[-1]
    assert reply.state == "completed"
    return [part.kind for part in reply.parts]


@pytest.mark.parametrize("yes", [False, True])
def test_approved_tools_run_and_others_are_denied_unless_yes(
    tmp_path: Path, server: FakeServer, yes: bool
) -> None:
    configure(tmp_path, ["echo"])
    results = {"call_a": "hello", "call_b": "nope" if yes else "denied by the user"}
    scenario = ToolScenario(CALLS, answer="All done.", results=None if yes else results)
    server.responder = scenario
    result = ask(tmp_path, server, "--tools", *(["--yes"] if yes else []), "use the tools")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "All done."
    assert scenario.problems == []
    lines = result.stderr.splitlines()
    assert lines[0].startswith("aijora-tui: tool echo on test ran in ")
    if yes:
        assert lines[1].startswith("aijora-tui: tool fail on test failed in ")
    else:
        assert lines[1] == (
            "aijora-tui: tool fail denied (not in auto_approve; --yes runs every call)"
        )
    first, second = server.chat_requests()
    offered = [tool["function"]["name"] for tool in first.json()["tools"]]
    assert {"echo", "fail", "slow"} <= set(offered)
    assert first.json()["tool_choice"] == "auto"
    answers = {
        m["tool_call_id"]: m["content"] for m in second.json()["messages"] if m["role"] == "tool"
    }
    assert answers["call_a"] == "hello"
    assert ("nope" in answers["call_b"]) if yes else answers["call_b"] == "denied by the user"
    assert saved_turn(tmp_path) == ["tool_call", "tool_call", "tool_result", "tool_result", "text"]


def test_without_tools_flag_no_tools_are_offered(tmp_path: Path, server: FakeServer) -> None:
    configure(tmp_path, ["echo"])
    server.queue(text_stream(["plain"]))
    result = ask(tmp_path, server, "hi")
    assert (result.returncode, result.stdout) == (0, "plain")
    assert "tools" not in server.chat_requests()[0].json()


def test_rounds_stop_at_max_tool_rounds(tmp_path: Path, server: FakeServer) -> None:
    configure(tmp_path, ["echo"])
    config = tmp_path / "config" / "aijora-tui" / "config.toml"
    config.write_text(config.read_text() + "\n[tools]\nmax_tool_rounds = 2\n")
    server.responder = lambda request: ToolScenario(CALLS[:1])({"messages": []})  # always calls
    result = ask(tmp_path, server, "--tools", "loop forever")
    assert result.returncode == 0, result.stderr
    assert len(server.chat_requests()) == 3  # the first request and two rounds of results
    assert result.stderr.splitlines()[-1] == (
        "aijora-tui: stopped after 2 rounds of tool calls (max_tool_rounds in [tools])"
    )


def test_a_server_that_refuses_tools_is_said_so(tmp_path: Path, server: FakeServer) -> None:
    from tests.fake_server import json_error

    configure(tmp_path, ["echo"])
    server.queue(json_error(400, "this model does not support tools"))
    result = ask(tmp_path, server, "--tools", "hi")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "aijora-tui: error: the server refused the tools (this model does not support tools); "
        "resend without tools"
    )
