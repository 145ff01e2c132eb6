"""The fake chat server's tool mode: calls streamed in pieces, the follow-up request checked."""

from __future__ import annotations

import json
from typing import Any

import httpx
from httpx_sse import connect_sse

from tests.fake_server import Call, FakeServer, ToolScenario

CALLS = [Call("call_1", "read_note", '{"id": 1}'), Call("call_2", "now", "{}")]


def post(server: FakeServer, messages: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
    body = {"model": "m", "stream": True, "messages": messages}
    with (
        httpx.Client(timeout=10) as client,
        connect_sse(client, "POST", f"{server.base_url}/chat/completions", json=body) as source,
    ):
        if source.response.status_code != 200:
            source.response.read()
            return source.response.status_code, [source.response.json()]
        return 200, [json.loads(e.data) for e in source.iter_sse() if e.data != "[DONE]"]


def followup(results: list[str]) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for c in CALLS
            ],
        },
        *[
            {"role": "tool", "tool_call_id": c.id, "content": result}
            for c, result in zip(CALLS, results, strict=True)
        ],
    ]


def test_calls_streamed_in_pieces() -> None:
    with FakeServer(responder=ToolScenario(CALLS)) as server:
        status, chunks = post(server, [{"role": "user", "content": "hi"}])
    assert status == 200
    fragments = [
        call
        for chunk in chunks
        for choice in chunk["choices"]
        for call in choice["delta"].get("tool_calls", [])
    ]
    assert fragments[0]["function"]["name"] == "read"  # names split too
    assert {f["index"] for f in fragments[:4]} == {0, 1}  # interleaved
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    joined = {0: "", 1: ""}
    for fragment in fragments:
        joined[fragment["index"]] += fragment["function"].get("arguments", "")
    assert joined == {0: '{"id": 1}', 1: "{}"}


def test_good_followup_answered() -> None:
    scenario = ToolScenario(
        CALLS, answer="The note says hi.", results={"call_1": "hi", "call_2": "noon"}
    )
    with FakeServer(responder=scenario) as server:
        status, chunks = post(server, followup(["hi", "noon"]))
    assert status == 200
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text == "The note says hi."
    assert scenario.problems == []


def test_bad_followups_refused_with_the_problem() -> None:
    scenario = ToolScenario(CALLS, results={"call_1": "hi", "call_2": "noon"})
    with FakeServer(responder=scenario) as server:
        wrong_result = followup(["hi", "midnight"])
        wrong_id = followup(["hi", "noon"])
        wrong_id[3]["tool_call_id"] = "call_9"
        missing = followup(["hi", "noon"])[:-1]
        answers = [post(server, messages) for messages in (wrong_result, wrong_id, missing)]
    assert [status for status, _ in answers] == [400, 400, 400]
    assert "tool message for call_2: 'midnight'" in answers[0][1][0]["error"]["message"]
    assert "expected a tool message for call_2" in answers[1][1][0]["error"]["message"]
    assert "1 tool result message(s) missing" in answers[2][1][0]["error"]["message"]
    assert len(scenario.problems) == 3
