"""Tool-round benchmark: our own overhead per tool round, beyond the tool's run time.

    .venv/bin/python -m bench.bench_tools            # from the repository root; --rounds N

The MCP server is the tests' real one (`tests/mcp_server.py`, the SDK's `MCPServer`) over stdio;
the chat server is the fake one (`tests/fake_server.py`) on 127.0.0.1, answering the first
request of each round with two tool calls split across chunks and the follow-up with a short
text. Everything runs on one event loop, as in the app. Figures (median, p95, max of `--rounds`
rounds after a warm-up):

- hub call: `ToolHub.run()` of the fast `echo` tool (our client, the SDK, the pipe, the server);
- hub call, 1 MB: the same for the `big` tool's 1 MB result, plus the cut for the model;
- full round: stream the tool-calls reply, assemble, check consent, run `slow` (50 ms) and
  `echo`, build the follow-up with both results, stream the answer; minus the 50 ms slept;
- tool part: of the full round, from the end of the calls' stream until the follow-up request
  is made, minus the 50 ms: what tools add besides the model's two requests.

The target is a full round's median overhead at most 50 ms (p95 is printed too: on a shared
machine it mostly measures the neighbours). The fake chat server runs as a child process (as in
`bench_tui.py`), the two scripts of a round queued before the round's clock starts; its sending
time is still counted against us, so the figure is an upper bound. The last follow-up request
is checked with the fake server's `followup_problems()` (assistant `tool_calls` and `role:
"tool"` results with matching ids).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aijora_tui.core.client import ChatClient
from aijora_tui.core.events import ToolCallDelta
from aijora_tui.core.models import ChatMessage
from aijora_tui.core.tools.assembler import ToolCallAssembler
from aijora_tui.core.tools.config import McpServer, ToolLimits
from aijora_tui.core.tools.hub import ToolHub
from aijora_tui.core.tools.results import ToolOutcome
from bench.bench_tui import fake_server, queue_script
from tests.fake_server import Call, followup_problems, text_stream, tool_call_stream

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 50.0
SLEEP = 0.05
"""Seconds the slow tool sleeps in a full round: the tool's own run time."""
CALLS = [
    Call("call_1", "slow", json.dumps({"seconds": SLEEP})),
    Call("call_2", "echo", json.dumps({"text": "x" * 200})),
]


def summary(samples: list[float]) -> tuple[float, float, float]:
    """Median, p95 and max, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000, ordered[-1] * 1000


async def timed(rounds: int, work: Callable[[], Awaitable[float]]) -> list[float]:
    """`work` returns the seconds not to count (the tool's own run time)."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        excluded = await work()
        samples.append(time.perf_counter() - started - excluded)
    return samples


async def full_round(
    hub: ToolHub, client: ChatClient, tools: list[dict[str, Any]], parts: list[float]
) -> float:
    history = [ChatMessage("user", "use the tools")]
    assembler = ToolCallAssembler()
    async for event in client.stream_chat(history, "m", tools=tools, tool_choice="auto"):
        if isinstance(event, ToolCallDelta):
            assembler.add(event)
    tools_started = time.perf_counter()
    calls = assembler.calls()
    outcomes: list[ToolOutcome] = []
    for call in calls:
        if hub.needs_consent(call):
            raise SystemExit("the benchmark's tools must be auto-approved")
        outcomes.append(await hub.run(call))
    assert not any(outcome.is_error for outcome in outcomes), outcomes
    wire_calls = tuple(
        {
            "id": c.part.id,
            "type": "function",
            "function": {"name": c.part.name, "arguments": c.part.arguments},
        }
        for c in calls
    )
    history.append(ChatMessage("assistant", None, tool_calls=wire_calls))
    history += [ChatMessage("tool", o.for_model, tool_call_id=o.call.id) for o in outcomes]
    text = []
    stream = client.stream_chat(history, "m", tools=tools, tool_choice="auto")
    parts.append(time.perf_counter() - tools_started - SLEEP)
    async for event in stream:
        text.append(getattr(event, "text", ""))
    assert "".join(text) == "All done.", text
    return SLEEP


def queue_round(base_url: str) -> None:
    """The fake model's two answers of one round: the calls, then the final text."""
    for script in (tool_call_stream(CALLS), text_stream(["All ", "done."])):
        queue_script(base_url, json.dumps(script.to_json()).encode())


def last_followup(base_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base_url}/_control/requests", timeout=30) as response:
        received = json.loads(response.read())
    body: dict[str, Any] = json.loads(received[-1]["body"])
    return body


async def main(rounds: int) -> int:
    server = McpServer(
        "bench",
        command=sys.executable,
        args=(str(ROOT / "tests" / "mcp_server.py"),),
        auto_approve=frozenset({"echo", "slow", "big"}),
    )
    notices: list[str] = []
    hub = ToolHub({"bench": server}, ToolLimits(tool_timeout=30), notify=notices.append)
    rows: list[tuple[str, list[float]]] = []
    started = time.perf_counter()
    try:
        tools = await hub.openai_tools()
        start_ms = (time.perf_counter() - started) * 1000
        if notices or not tools:
            print("\n".join(notices) or "no tools", file=sys.stderr)
            return 1
        from tests.tools.conftest import call

        echo, big = call("echo", {"text": "x" * 200}), call("big", {"size": 1024 * 1024})

        async def hub_call() -> float:
            assert not (await hub.run(echo)).is_error
            return 0.0

        async def hub_big() -> float:
            outcome = await hub.run(big)
            assert len(outcome.for_model) < len(outcome.content)
            return 0.0

        with fake_server() as base_url:
            async with ChatClient(base_url, "k", max_retries=0) as client:
                parts: list[float] = []

                async def round_() -> float:
                    return await full_round(hub, client, tools, parts)

                for work in (hub_call, hub_big):
                    await timed(3, work)  # warm-up
                rows.append(("hub call", await timed(rounds, hub_call)))
                rows.append(("hub call, 1 MB", await timed(max(5, rounds // 5), hub_big)))
                samples = []
                for number in range(rounds + 3):
                    queue_round(base_url)
                    sample = await timed(1, round_)
                    samples += sample if number >= 3 else []  # three warm-up rounds
                rows.append(("full round", samples))
                rows.append(("tool part", parts[3:]))
                problems = followup_problems(last_followup(base_url), CALLS)
    finally:
        await hub.close()
    if problems:
        print("follow-up problems:", problems, file=sys.stderr)
        return 1
    print(f"server start + tools/list: {start_ms:.0f} ms (first use, once per session)")
    print(f"{'figure':<16}{'median':>10}{'p95':>10}{'max':>10}   target")
    passed = True
    for name, samples in rows:
        median, p95, worst = summary(samples)
        target = ""
        if name == "full round":
            ok = median <= TARGET_MS
            passed &= ok
            target = f"median <= {TARGET_MS:.0f} ms: {'pass' if ok else 'FAIL'}"
        print(f"{name:<16}{median:>8.1f}ms{p95:>8.1f}ms{worst:>8.1f}ms   {target}")
    return 0 if passed else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=100)
    sys.exit(asyncio.run(main(parser.parse_args().rounds)))
