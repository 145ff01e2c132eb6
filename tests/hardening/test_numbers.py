"""Item: every number from a server is bounded, and any store failure is a `StoreError`.

A token count beyond SQLite's 64 bits once raised `OverflowError` in the store, which nothing
caught: `ask` printed a traceback and the TUI stopped with the reply left `streaming`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aijora_tui.core.decode import ChunkDecoder
from aijora_tui.core.events import ToolCallDelta
from aijora_tui.core.models import Usage
from aijora_tui.core.retry import parse_retry_after
from aijora_tui.core.store import Store, StoreError
from tests.fake_server import DONE, FakeServer, Script, chunk
from tests.hardening.helpers import assert_clean, run, stored_reply

HUGE = [2**64, 2**63, -5, 1e300, "1e400"]
"""Counts no server can mean: above 64 bits, negative, a float that is an integer, infinity."""


def _usage_event(value: object) -> bytes:
    number = value if not isinstance(value, str) else 0
    text = json.dumps({"prompt_tokens": number, "completion_tokens": 3, "total_tokens": number})
    if isinstance(value, str):  # JSON that Python parses as infinity
        text = text.replace(": 0", f": {value}")
    return (
        b'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":'
        + text.encode()
        + b"}\n\n"
    )


@pytest.mark.parametrize("value", HUGE, ids=str)
def test_ask_stores_a_reply_whose_usage_is_absurd(
    server: FakeServer, env: dict[str, str], tmp_path: Path, value: object
) -> None:
    server.queue(Script([chunk("hello"), _usage_event(value), DONE]))

    result = run(env, "ask", "--usage", "hi")

    assert_clean(result.stderr)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"hello"
    reply = stored_reply(tmp_path / "data")
    assert (reply.state, reply.content) == ("completed", "hello")
    assert reply.usage is not None
    assert reply.usage.completion_tokens == 3
    assert all(0 <= count < 2**63 for count in reply.usage.to_dict().values())


@pytest.mark.parametrize("value", [2**64, -1, 1e300, float("inf"), float("nan"), True, "7"])
def test_usage_takes_only_plausible_counts(value: object) -> None:
    usage = Usage.from_wire({"prompt_tokens": value, "completion_tokens": 2})
    assert usage == Usage(0, 2, 2)


def test_tool_call_index_is_bounded() -> None:
    decoder = ChunkDecoder()
    call = {"index": 10**30, "id": "x", "function": {"name": "f", "arguments": "{}"}}
    data = json.dumps({"choices": [{"delta": {"tool_calls": [call]}}]})
    assert decoder.feed("message", data) == [ToolCallDelta(0, "x", "f", "{}")]


@pytest.mark.parametrize("header", ["retry-after", "retry-after-ms"])
@pytest.mark.parametrize("value", ["nan", "inf", "1e400", "-inf"])
def test_retry_after_must_be_a_finite_wait(header: str, value: str) -> None:
    assert parse_retry_after({header: value}) is None


@pytest.mark.parametrize(
    "change",
    [
        {"usage": Usage(2**64, 1, 2**64 + 1)},
        {"content": "half a pair: \ud83d"},
    ],
    ids=["overflow", "surrogate"],
)
def test_any_failure_of_a_write_is_a_store_error(tmp_path: Path, change: dict[str, object]) -> None:
    with Store.open(tmp_path / "db.sqlite3") as store:
        conversation = store.create_conversation()
        message = store.add_message(conversation, None, "user", "hi")
        with pytest.raises(StoreError, match="conversation database"):
            store.update_message(message.id, **change)  # type: ignore[arg-type]
        assert store.active_path(conversation)[-1].content == "hi"
