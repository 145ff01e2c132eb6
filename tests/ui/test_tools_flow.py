"""Tools in the chat: the model's calls run with the user's consent, inside the reply.

The real MCP test server (tests/mcp_server.py) over stdio and the fake chat server's tool mode:
`echo` is in `auto_approve` and runs at once; `fail` waits on a consent card.
"""

from __future__ import annotations

import json
import sys

from aijora_tui.config import Settings
from aijora_tui.core.store import Store
from aijora_tui.core.tools.config import McpServer
from aijora_tui.tui.widgets.tool_consent import ConsentCard
from aijora_tui.tui.widgets.tool_result import ToolResultView
from tests.fake_server import Call, FakeServer, ToolScenario
from tests.tools.conftest import MCP_SERVER
from tests.ui.conftest import make_test_app
from tests.ui.helpers import chat, log_of, send, wait_reply_done, wait_until

CALLS = [
    Call("call_a", "echo", json.dumps({"text": "hello"})),
    Call("call_b", "fail", json.dumps({"message": "nope"})),
]


def with_tools(settings: Settings) -> Settings:
    server = McpServer(
        "test", command=sys.executable, args=(MCP_SERVER,), auto_approve=frozenset({"echo"})
    )
    return Settings(
        api_key=settings.api_key,
        base_url=settings.base_url,
        model=settings.model,
        mcp={"test": server},
    )


async def test_a_call_waits_for_consent_and_the_reply_goes_on(
    server: FakeServer, settings: Settings
) -> None:
    results = {"call_a": "hello", "call_b": "denied by the user"}
    scenario = ToolScenario(CALLS, answer="Done with tools.", results=results)
    server.responder = scenario
    app = make_test_app(with_tools(settings))
    async with app.run_test(size=(110, 40)) as pilot:
        await send(pilot, "use the tools")
        log = log_of(app)
        await wait_until(pilot, lambda: isinstance(app.focused, ConsentCard), timeout=30)
        card = log.query_one(ConsentCard)
        assert (card.server, card.tool) == ("test", "fail")
        await pilot.press("n")
        await wait_reply_done(pilot, app)
        reply = log.entries[-1]
        assert (reply.state, reply.content) == ("completed", "Done with tools.")
        assert scenario.problems == []
        views = list(log.query(ToolResultView))
        assert [(v.tool, v.is_error) for v in views] == [("echo", False), ("fail", True)]
        prompt = chat(app).prompt_input
        assert prompt.has_focus
        first = server.chat_requests()[0].json()
        assert first["tool_choice"] == "auto" and first["tools"]
        conversation = log.session.conversation.id
    with Store.open() as store:
        assert conversation is not None
        saved = store.active_path(conversation)[-1]
    assert [p.kind for p in saved.parts] == [
        "tool_call",
        "tool_call",
        "tool_result",
        "tool_result",
        "text",
    ]


async def test_escape_while_a_card_waits_stops_the_turn_and_runs_nothing(
    server: FakeServer, settings: Settings
) -> None:
    server.responder = ToolScenario(CALLS[1:])
    app = make_test_app(with_tools(settings))
    async with app.run_test(size=(110, 40)) as pilot:
        await send(pilot, "try it")
        log = log_of(app)
        await wait_until(pilot, lambda: bool(log.query(ConsentCard)), timeout=30)
        await pilot.press("escape")
        await wait_reply_done(pilot, app)
        assert log.entries[-1].state == "cancelled"
        assert log.query_one(ConsentCard).decision is not None
        assert len(server.chat_requests()) == 1  # no follow-up: nothing was answered


async def test_tools_can_be_turned_off_for_a_conversation(
    server: FakeServer, settings: Settings
) -> None:
    app = make_test_app(with_tools(settings))
    async with app.run_test(size=(110, 40)) as pilot:
        log = log_of(app)
        log.action_toggle_tools()
        await send(pilot, "no tools please")
        await wait_reply_done(pilot, app)
        assert "tools" not in server.chat_requests()[0].json()
        assert log.tools_line() == "off for this conversation"
