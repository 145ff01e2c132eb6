"""38 protocol cases (what real servers send): `ChatClient.stream_chat()` on the fake server.

Every test drives real sockets on 127.0.0.1 (httpx -> h11 -> chunked decoding -> httpx-sse), with
the bytes of each case written exactly as the case gives them; `|` in the case = separate writes.
Timing cases use short server pauses and generous upper bounds, so they cannot flake but still
fail when the behaviour is wrong (e.g. a client that waits for the socket to close).
"""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from contextlib import aclosing

import pytest

from aijora_tui.core.client import ChatClient
from aijora_tui.core.errors import (
    ApiError,
    AuthenticationError,
    EmptyReply,
    InsufficientBalance,
    RateLimited,
    ServerError,
    StreamFailed,
    StreamInterrupted,
)
from aijora_tui.core.events import (
    ChatEvent,
    FinishReported,
    ReasoningDelta,
    RetryScheduled,
    StreamCompleted,
    TextDelta,
    ToolCallDelta,
    UsageReported,
)
from aijora_tui.core.models import ChatMessage, Usage
from aijora_tui.core.sanitize import StreamSanitizer, sanitize
from tests.core.conftest import ClientFactory
from tests.core.helpers import (
    API_KEY,
    SEED,
    SEED_EXPECTED,
    SEED_TEXT,
    SEED_USAGE,
    USER,
    C,
    D,
    F,
    RecordingTransport,
    collect,
    event,
    payload,
    seed_events,
    wait_until,
)
from tests.fake_server import (
    Cut,
    FakeServer,
    Hold,
    Pause,
    Reset,
    Script,
    Step,
    json_error,
    text_stream,
)

OPENAI_ERROR = event(
    {
        "error": {
            "message": "The server had an error",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }
)


def completed(reason: str | None, usage: Usage | None = None, malformed: int = 0) -> ChatEvent:
    return StreamCompleted(reason, usage, malformed)


# ---- 1-8: usage placement, end of stream ----------------------------------------------------


async def test_case_01_aijora_canonical_seed(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(Script(seed_events()))
    outcome = await collect(make_client(), model="gpt-4o-mini")

    assert outcome.error is None
    assert outcome.events == SEED_EXPECTED
    assert outcome.text == SEED_TEXT
    [request] = server.chat_requests()
    assert request.json() == {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
    }
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["accept-encoding"] == "identity"


async def test_case_02_openai_include_usage_chunk(server: FakeServer, client: ChatClient) -> None:
    usage_chunk = event(
        {
            "id": "c",
            "choices": [],
            "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11},
        }
    )
    server.queue(Script([C("Hi"), F("stop"), usage_chunk, D]))
    outcome = await collect(client)

    usage = Usage(9, 2, 11)
    assert outcome.events == [
        TextDelta("Hi"),
        FinishReported("stop"),
        UsageReported(usage),
        completed("stop", usage),
    ]


async def test_case_03_null_usage_everywhere_is_unknown(
    server: FakeServer, make_client: ClientFactory
) -> None:
    def with_null_usage(raw: bytes) -> bytes:
        body = json.loads(raw.removeprefix(b"data: "))
        body["usage"] = None
        return event(body)

    server.queue(Script([with_null_usage(C("a")), with_null_usage(F("stop")), D]))
    outcome = await collect(make_client())

    assert outcome.events == [TextDelta("a"), FinishReported("stop"), completed("stop", None)]
    assert outcome.of(UsageReported) == []


async def test_case_04_done_without_blank_line(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(Script([C("a"), F("stop"), b"data: [DONE]"]))
    outcome = await collect(make_client())

    assert outcome.error is None
    assert outcome.events == [TextDelta("a"), FinishReported("stop"), completed("stop")]


async def test_case_05_no_done(server: FakeServer, make_client: ClientFactory) -> None:
    server.queue(Script([C("a"), F("stop")]))
    outcome = await collect(make_client())

    assert outcome.error is None
    assert outcome.events == [TextDelta("a"), FinishReported("stop"), completed("stop")]


async def test_case_06_cut_stream_is_interrupted(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(Script([C("a")]), text_stream(["never sent"]))
    outcome = await collect(make_client(max_retries=2))

    assert isinstance(outcome.error, StreamInterrupted)
    assert str(outcome.error) == "the stream ended before the reply was complete"
    assert outcome.events == [TextDelta("a")]
    assert len(server.chat_requests()) == 1, "a reply that already streamed must not be re-sent"


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Cut(), "incomplete chunked read"),
        (Reset(), ""),  # ECONNRESET: httpx gives no text, only the exception type
    ],
    ids=["cut", "reset"],
)
async def test_case_07_connection_lost_mid_body(
    server: FakeServer, make_client: ClientFactory, fault: Cut | Reset, reason: str
) -> None:
    server.queue(Script([C("a"), fault]))
    outcome = await collect(make_client())

    assert isinstance(outcome.error, StreamInterrupted)
    message = str(outcome.error)
    assert message.startswith("the connection broke in the middle of the reply (")
    assert reason in message
    assert outcome.text == "a"


async def test_case_08_socket_held_open_after_done(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(Script([C("a"), F("stop"), D, Hold(60)]))
    client = make_client()
    started = time.monotonic()
    outcome = await collect(client, timeout=20)
    elapsed = time.monotonic() - started

    assert outcome.events == [TextDelta("a"), FinishReported("stop"), completed("stop")]
    assert elapsed < 5, "the client must stop at [DONE], not wait for the server to close"
    [request] = server.chat_requests()
    assert await wait_until(lambda: request.disconnected is not None, 5), (
        "the client must close the connection the server keeps open"
    )


# ---- 9-15: framing -----------------------------------------------------------------------


def hi_payload() -> bytes:
    return C("Hi").removeprefix(b"data: ").removesuffix(b"\n\n")


async def test_case_09_crlf(server: FakeServer, make_client: ClientFactory) -> None:
    server.queue(Script([b"data: " + hi_payload() + b"\r\n\r\n", b"data: [DONE]\r\n\r\n"]))
    outcome = await collect(make_client())

    assert outcome.events == [TextDelta("Hi"), completed(None)]


async def test_case_10_crlf_split_across_writes(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(Script([b"data: " + hi_payload() + b"\r", b"\n\r", b"\n", D]))
    outcome = await collect(make_client())

    assert outcome.events == [TextDelta("Hi"), completed(None)]


async def test_case_11_data_without_space(server: FakeServer, make_client: ClientFactory) -> None:
    server.queue(Script([b"data:" + hi_payload() + b"\n\ndata:[DONE]\n\n"]))
    outcome = await collect(make_client())

    assert outcome.events == [TextDelta("Hi"), completed(None)]


async def test_case_12_comments_are_skipped(server: FakeServer, make_client: ClientFactory) -> None:
    server.queue(
        Script(
            [
                b": OPENROUTER PROCESSING\n\n",
                b": keep-alive\n\n",
                C("Hi"),
                b": keep-alive\n\n",
                F("stop"),
                D,
            ]
        )
    )
    outcome = await collect(make_client())

    # malformed == 0: no comment ever reached the JSON parser
    assert outcome.events == [TextDelta("Hi"), FinishReported("stop"), completed("stop")]


async def test_case_13_cyrillic_split_inside_a_letter(
    server: FakeServer, make_client: ClientFactory
) -> None:
    raw = C("Привет")
    cut = raw.index("П".encode()) + 1
    assert raw[cut - 1 : cut + 1] == b"\xd0\x9f"
    server.queue(Script([raw[:cut], raw[cut:], F("stop"), D]))
    outcome = await collect(make_client())

    assert outcome.text == "Привет"
    assert "\ufffd" not in outcome.text
    assert outcome.completed == completed("stop")


async def test_case_14_empty_events_are_skipped(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(Script([b"id: 5\n\n", b"data\n\n", b"data:\n\n", C("a"), F("stop"), D]))
    outcome = await collect(make_client())

    assert outcome.events == [TextDelta("a"), FinishReported("stop"), completed("stop")]


async def test_case_15_non_json_payload_is_counted(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(Script([b'data: {"choices":[{"delta":{"content":"ab\n\n', C("c"), F("stop"), D]))
    outcome = await collect(make_client())

    assert outcome.events == [TextDelta("c"), FinishReported("stop"), completed("stop", None, 1)]
    assert outcome.completed is not None
    assert outcome.completed.notice == "1 malformed chunk skipped"


# ---- 16-20: errors inside a 200 stream ----------------------------------------------------


async def test_case_16_mid_stream_openai_error(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(Script([C("Half"), OPENAI_ERROR, D]))
    outcome = await collect(make_client())

    assert isinstance(outcome.error, StreamFailed)
    assert str(outcome.error) == "the server reported an error: The server had an error"
    assert outcome.events == [TextDelta("Half")]
    assert outcome.completed is None


async def test_case_17_bare_string_error(server: FakeServer, make_client: ClientFactory) -> None:
    server.queue(Script([b'data: {"error":"quota exceeded"}\n\n', D]))
    outcome = await collect(make_client())

    assert isinstance(outcome.error, StreamFailed)
    assert str(outcome.error) == "the server reported an error: quota exceeded"
    assert outcome.events == []


async def test_case_18_named_error_event(server: FakeServer, make_client: ClientFactory) -> None:
    server.queue(Script([b'event: error\ndata: {"type":"error","message":"boom"}\n\n']))
    outcome = await collect(make_client())

    assert isinstance(outcome.error, StreamFailed)
    assert str(outcome.error) == "the server reported an error: boom"


async def test_case_19_llama_cpp_legacy_error_field(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(Script([b'error: {"code":400,"message":"context too long"}\n\n', D]))
    outcome = await collect(make_client())

    assert isinstance(outcome.error, EmptyReply)
    assert str(outcome.error) == "the server returned no content"
    assert outcome.events == []


async def test_case_20_error_as_first_event_with_200(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(Script([OPENAI_ERROR, D]), text_stream(["second try"]))
    client = make_client(max_retries=2)
    messages = (ChatMessage("user", "keep me"),)
    first = await collect(client, messages)

    assert isinstance(first.error, StreamFailed)
    assert str(first.error) == "the server reported an error: The server had an error"
    assert first.events == []
    assert len(server.chat_requests()) == 1, "an in-band error is not retried automatically"

    # The caller still has the user's message and can send it again.
    second = await collect(client, messages)
    assert second.text == "second try"
    bodies = [request.json() for request in server.chat_requests()]
    assert (
        bodies[0]["messages"] == bodies[1]["messages"] == [{"role": "user", "content": "keep me"}]
    )


# ---- 21-26: chunk shapes --------------------------------------------------------------------


async def test_case_21_choice_without_delta(server: FakeServer, make_client: ClientFactory) -> None:
    no_delta = (
        b'data: {"choices":[{"index":0,"finish_reason":null,"content_filter_results":{}}]}\n\n'
    )
    server.queue(Script([C("a"), no_delta, C("b"), F("stop"), D]))
    outcome = await collect(make_client())

    assert outcome.events == [
        TextDelta("a"),
        TextDelta("b"),
        FinishReported("stop"),
        completed("stop"),
    ]


async def test_case_22_minimal_chunks(server: FakeServer, make_client: ClientFactory) -> None:
    server.queue(
        Script(
            [
                b'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n',
                b'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\n',
                D,
            ]
        )
    )
    outcome = await collect(make_client())

    assert outcome.events == [TextDelta("Hi"), FinishReported("stop"), completed("stop")]


async def test_case_23_ollama_empty_finish_reason_and_repeated_role(
    server: FakeServer, make_client: ClientFactory
) -> None:
    def ollama(text: str) -> bytes:
        choice = {"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": ""}
        return event({"id": "c", "choices": [choice]})

    server.queue(Script([ollama("a"), ollama("b"), F("stop"), D]))
    outcome = await collect(make_client())

    assert outcome.events == [
        TextDelta("a"),
        TextDelta("b"),
        FinishReported("stop"),
        completed("stop"),
    ]


async def test_case_24_null_content_in_first_chunk(
    server: FakeServer, make_client: ClientFactory
) -> None:
    first = b'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":null}}]}\n\n'
    server.queue(Script([first, C("Hi"), F("stop"), D]))
    outcome = await collect(make_client())

    assert outcome.events == [TextDelta("Hi"), FinishReported("stop"), completed("stop")]
    assert outcome.text == "Hi"


async def test_case_25_reasoning_is_kept_apart(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(
        Script(
            [
                b'data: {"choices":[{"index":0,"delta":{"reasoning_content":"think"}}]}\n\n',
                b'data: {"choices":[{"index":0,"delta":{"reasoning":"more"}}]}\n\n',
                C("Answer"),
                F("stop"),
                D,
            ]
        ),
        text_stream(["ok"]),
    )
    client = make_client()
    outcome = await collect(client)

    assert outcome.events == [
        ReasoningDelta("think"),
        ReasoningDelta("more"),
        TextDelta("Answer"),
        FinishReported("stop"),
        completed("stop"),
    ]
    assert outcome.reasoning == "thinkmore"
    assert outcome.text == "Answer"

    history = (*USER, ChatMessage("assistant", outcome.text), ChatMessage("user", "and?"))
    await collect(client, history)
    second = server.chat_requests()[1]
    assert second.json()["messages"][1] == {"role": "assistant", "content": "Answer"}
    assert b"think" not in second.body
    assert b"reasoning" not in second.body


async def test_case_26_tool_call_fragments(server: FakeServer, make_client: ClientFactory) -> None:
    head = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    first_call = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "f", "arguments": ""},
    }
    server.queue(
        Script(
            [
                event(
                    {
                        **head,
                        "choices": [
                            {
                                "index": 0,
                                "delta": {
                                    "role": "assistant",
                                    "content": None,
                                    "tool_calls": [first_call],
                                },
                                "finish_reason": None,
                            }
                        ],
                        "usage": None,
                    }
                ),
                event(
                    {
                        **head,
                        "choices": [
                            {
                                "index": 0,
                                "delta": {
                                    "tool_calls": [{"index": 0, "function": {"arguments": '{"a":'}}]
                                },
                                "finish_reason": None,
                            }
                        ],
                        "usage": None,
                    }
                ),
                event(
                    {
                        **head,
                        "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}],
                        "usage": None,
                    }
                ),
                event(
                    {
                        **head,
                        "choices": [],
                        "usage": {
                            "prompt_tokens": 9,
                            "completion_tokens": 2,
                            "total_tokens": 11,
                            "prompt_tokens_details": {"cached_tokens": 0},
                            "completion_tokens_details": {"reasoning_tokens": 0},
                        },
                    }
                ),
                D,
            ]
        )
    )
    outcome = await collect(make_client())

    usage = Usage(9, 2, 11, reasoning_tokens=0, cached_tokens=0)
    assert outcome.error is None
    assert outcome.events == [
        ToolCallDelta(0, "call_1", "f", ""),
        ToolCallDelta(0, None, None, '{"a":'),
        FinishReported("tool_calls"),
        UsageReported(usage),
        StreamCompleted("tool_calls", usage, 0, "m"),
    ]
    assert outcome.tool_arguments() == {0: '{"a":'}
    assert outcome.text == ""


# ---- 27-32: HTTP errors, retries, non-streamed replies -------------------------------------


async def test_case_27_invalid_api_key(server: FakeServer, make_client: ClientFactory) -> None:
    server.queue(json_error(401, "Invalid API key", code="401"))
    outcome = await collect(make_client(max_retries=2))

    error = outcome.error
    assert isinstance(error, AuthenticationError)
    assert error.status == 401
    assert str(error) == (
        "HTTP 401: the server refused the API key (Invalid API key); "
        "check AIJORA_API_KEY or the key in your config"
    )
    assert "\n" not in str(error)
    assert API_KEY not in str(error)
    assert len(server.chat_requests()) == 1, "401 is not retried"


async def test_case_27_server_echoing_the_key_is_redacted(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(json_error(401, f"Invalid API key {API_KEY} (Authorization: Bearer {API_KEY})"))
    outcome = await collect(make_client())

    assert isinstance(outcome.error, AuthenticationError)
    assert API_KEY not in str(outcome.error)
    assert "Invalid API key *** (Authorization: Bearer ***)" in str(outcome.error)


async def test_case_28_insufficient_balance(server: FakeServer, make_client: ClientFactory) -> None:
    server.queue(json_error(402, "Недостаточно средств на балансе", kind="insufficient_balance"))
    outcome = await collect(make_client(max_retries=2))

    error = outcome.error
    assert isinstance(error, InsufficientBalance)
    assert str(error) == (
        "HTTP 402: insufficient balance (Недостаточно средств на балансе); "
        "top up your balance and try again"
    )
    assert error.error_type == "insufficient_balance"
    assert len(server.chat_requests()) == 1, "402 is not retried"


@pytest.mark.parametrize(
    ("header", "value", "wait"),
    [("Retry-After", "1", 1.0), ("retry-after-ms", "300", 0.3)],
    ids=["retry-after", "retry-after-ms"],
)
async def test_case_29_rate_limited_then_success(
    server: FakeServer, make_client: ClientFactory, header: str, value: str, wait: float
) -> None:
    server.queue(
        json_error(429, "Rate limit exceeded", headers={header: value}), text_stream(["ok"])
    )
    outcome = await collect(make_client(max_retries=2))

    assert outcome.error is None
    assert outcome.retries == [RetryScheduled(1, 2, wait, "rate limited (HTTP 429)")]
    assert outcome.text == "ok"
    first, second = server.chat_requests()
    waited = second.started - first.started
    assert wait * 0.9 <= waited < wait + 5, f"waited {waited:.2f} s for a {wait} s Retry-After"


async def test_case_29_retries_are_bounded(server: FakeServer, make_client: ClientFactory) -> None:
    limited = json_error(429, "Rate limit exceeded", headers={"retry-after-ms": "50"})
    server.queue(limited, limited, limited, limited, text_stream(["too late"]))
    outcome = await collect(make_client(max_retries=2))

    assert isinstance(outcome.error, RateLimited)
    assert [(r.attempt, r.max_attempts) for r in outcome.retries] == [(1, 2), (2, 2)]
    assert len(server.chat_requests()) == 3
    assert outcome.text == ""


async def test_case_29_long_retry_after_is_not_waited_for(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(
        json_error(429, "Rate limit exceeded", headers={"Retry-After": "600"}), text_stream(["x"])
    )
    started = time.monotonic()
    outcome = await collect(make_client(max_retries=2))

    assert isinstance(outcome.error, RateLimited)
    assert outcome.error.retry_after == 600
    assert str(outcome.error) == (
        "HTTP 429: rate limited (Rate limit exceeded); the server asks to wait 600 s"
    )
    assert outcome.retries == []
    assert len(server.chat_requests()) == 1
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("status", "content_type", "body", "message"),
    [
        (
            500,
            "application/json",
            payload({"error": {"message": "upstream failed", "type": "server_error"}}),
            "HTTP 500: server error (upstream failed)",
        ),
        (502, "text/html", b"<html>Bad Gateway</html>", "HTTP 502: server error (Bad Gateway)"),
        (503, None, b"", "HTTP 503: server error (Service Unavailable)"),
        (
            500,
            "application/json",
            payload({"error": {"message": "bad\x1b[2J\x1b]0;pwned\x07 news\nline two"}}),
            "HTTP 500: server error (bad news line two)",
        ),
    ],
    ids=["500-json", "502-html", "503-empty", "500-hostile"],
)
async def test_case_30_server_errors(
    server: FakeServer,
    make_client: ClientFactory,
    status: int,
    content_type: str | None,
    body: bytes,
    message: str,
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    server.queue(Script([body], status=status, headers=headers, chunked=False))
    outcome = await collect(make_client(max_retries=0))

    assert isinstance(outcome.error, ServerError)
    assert outcome.error.status == status
    assert outcome.error.retryable
    assert str(outcome.error) == message


async def test_case_30_retried_before_any_content(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(
        Script([b"<html>Bad Gateway</html>"], status=502, headers={"content-type": "text/html"}),
        text_stream(["fine"]),
    )
    outcome = await collect(make_client(max_retries=1))

    assert outcome.error is None
    [retry] = outcome.retries
    assert (retry.attempt, retry.max_attempts, retry.reason) == (1, 1, "HTTP 502")
    assert 0 < retry.delay <= 0.5
    assert outcome.text == "fine"
    assert len(server.chat_requests()) == 2


async def test_case_30_never_retried_after_content(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(Script([C("a"), Cut()]), text_stream(["duplicate"]))
    outcome = await collect(make_client(max_retries=2))

    assert isinstance(outcome.error, StreamInterrupted)
    assert outcome.events == [TextDelta("a")]
    assert len(server.chat_requests()) == 1


async def test_case_31_flat_vllm_error(server: FakeServer, make_client: ClientFactory) -> None:
    body = {
        "object": "error",
        "message": "ctx too long",
        "type": "BadRequestError",
        "param": None,
        "code": 400,
    }
    server.queue(Script([payload(body)], status=400, headers={"content-type": "application/json"}))
    outcome = await collect(make_client(max_retries=2))

    error = outcome.error
    assert type(error) is ApiError
    assert str(error) == "HTTP 400: ctx too long"
    assert error.error_type == "BadRequestError"
    assert not error.retryable
    assert len(server.chat_requests()) == 1


async def test_case_32_server_ignores_stream(
    server: FakeServer, make_client: ClientFactory
) -> None:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Whole answer"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }
    server.queue(
        Script([payload(body)], headers={"content-type": "application/json"}, chunked=False)
    )
    outcome = await collect(make_client())

    usage = Usage(3, 2, 5)
    assert outcome.events == [
        TextDelta("Whole answer"),
        FinishReported("stop"),
        UsageReported(usage),
        StreamCompleted("stop", usage, 0, "gpt-4o-mini-2024-07-18"),
    ]


# ---- 33-38: time, cancel, size, hostile text, stream_options, gzip --------------------------


async def test_case_33_keep_alive_comments_count_as_liveness(
    server: FakeServer, make_client: ClientFactory
) -> None:
    # 2.4 s of keep-alive comments every 0.3 s against a 1 s idle timeout.
    steps: list[Step] = []
    for _ in range(8):
        steps += [b": keep-alive\n\n", Pause(0.3)]
    server.queue(Script([*steps, C("late"), F("stop"), D]))
    outcome = await collect(make_client(read_timeout=1.0), timeout=20)

    assert outcome.error is None
    assert outcome.events == [TextDelta("late"), FinishReported("stop"), completed("stop")]


async def test_case_33_total_silence_times_out(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(Script([C("partial"), Pause(60), F("stop"), D]))
    started = time.monotonic()
    outcome = await collect(make_client(read_timeout=1.0), timeout=20)

    assert isinstance(outcome.error, StreamInterrupted)
    assert str(outcome.error) == "timed out waiting for the server (no data for 1 s)"
    assert outcome.events == [TextDelta("partial")]
    assert time.monotonic() - started < 10


async def test_case_34_cancel_closes_the_response(server: FakeServer) -> None:
    transport = RecordingTransport()
    server.queue(Script([C("a"), Pause(60), C("b"), F("stop"), D]), text_stream(["again"]))
    async with ChatClient(server.base_url, API_KEY, transport=transport) as client:
        received: list[ChatEvent] = []
        first = asyncio.Event()

        async def consume() -> None:
            async for item in client.stream_chat(USER, "m"):
                received.append(item)
                first.set()

        task = asyncio.create_task(consume())
        async with asyncio.timeout(10):
            await first.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

        assert received == [TextDelta("a")]
        [stream] = transport.streams
        assert stream.closed_at is not None, "cancelling must close the response at once"
        [request] = server.chat_requests()
        assert await wait_until(lambda: request.disconnected is not None, 5), (
            "the server must see the client go away"
        )

        # The same client still works.
        outcome = await collect(client)
        assert outcome.text == "again"
        assert outcome.completed is not None


async def test_case_34_closing_the_iterator_closes_the_response(server: FakeServer) -> None:
    transport = RecordingTransport()
    server.queue(Script([C("a"), Pause(60), C("b"), F("stop"), D]), text_stream(["again"]))
    async with ChatClient(server.base_url, API_KEY, transport=transport) as client:
        received: list[ChatEvent] = []
        async with asyncio.timeout(10):
            events = client.stream_chat(USER, "m")
            async for item in events:
                received.append(item)
                break
            await events.aclose()
            # No await between aclose() and this check: the close must not be deferred to a
            # garbage-collection hook.
            [stream] = transport.streams
            assert stream.closed_at is not None, "aclose() must close the response before returning"

        assert received == [TextDelta("a")]
        [request] = server.chat_requests()
        assert await wait_until(lambda: request.disconnected is not None, 5)
        assert (await collect(client)).text == "again"


async def test_case_35_one_mebibyte_event(server: FakeServer, make_client: ClientFactory) -> None:
    unit = "Привет, мир! 0123456789 "  # mixes 1- and 2-byte UTF-8
    size = 1 << 20
    text = unit * (size // len(unit.encode()) + 1)
    server.queue(Script([C(text), F("stop"), D]))
    outcome = await collect(make_client(), timeout=30)

    assert len(C(text)) > size
    assert outcome.error is None
    assert outcome.of(TextDelta) == [TextDelta(text)]
    assert outcome.completed == completed("stop")


async def test_case_36_hostile_content_is_data(
    server: FakeServer, make_client: ClientFactory
) -> None:
    hostile = "\x1b[2J[bold]x[/bold]"
    raw = C(hostile)
    assert b"\\u001b[2J" in raw  # JSON-escaped ESC on the wire
    server.queue(Script([raw, C("\x1b]52;c;cHduZWQ="), C("\x07 ok"), F("stop"), D]))
    outcome = await collect(make_client())

    # The core hands text over unchanged; what is shown goes through the sanitizer, which
    # removes the control sequences (including the OSC 52 split across deltas) and leaves the
    # markup-looking text as plain characters.
    assert outcome.text == hostile + "\x1b]52;c;cHduZWQ=\x07 ok"
    sanitizer = StreamSanitizer()
    shown = "".join(sanitizer.feed(e.text) for e in outcome.of(TextDelta)) + sanitizer.flush()
    assert shown == "[bold]x[/bold] ok"
    assert sanitize(outcome.text) == shown


async def test_case_37_stream_options_rejected_then_resent(
    server: FakeServer, make_client: ClientFactory
) -> None:
    rejected = Script(
        [
            payload(
                {
                    "error": {
                        "message": "Unknown parameter: 'stream_options'",
                        "param": "stream_options",
                        "code": "unknown_parameter",
                    }
                }
            )
        ],
        status=400,
        headers={"content-type": "application/json"},
        chunked=False,
    )
    server.queue(rejected, Script(seed_events()), Script(seed_events()))
    client = make_client(stream_usage=True, max_retries=0)
    outcome = await collect(client)

    assert outcome.error is None
    assert outcome.events == SEED_EXPECTED, "no RetryScheduled: the resend is silent"
    first, second = (request.json() for request in server.chat_requests())
    assert first["stream_options"] == {"include_usage": True}
    assert "stream_options" not in second
    assert {k: v for k, v in first.items() if k != "stream_options"} == second

    # The server's refusal is remembered: the next request does not repeat the round trip.
    again = await collect(client)
    assert again.events == SEED_EXPECTED
    assert again.error is None
    requests = server.chat_requests()
    assert len(requests) == 3
    assert "stream_options" not in requests[2].json()


async def test_case_38_gzip_is_decoded_incrementally(
    server: FakeServer, make_client: ClientFactory
) -> None:
    compressor = zlib.compressobj(wbits=31)  # gzip container

    def gz(raw: bytes) -> bytes:
        return compressor.compress(raw) + compressor.flush(zlib.Z_SYNC_FLUSH)

    steps: list[Step] = [gz(C("При")), Pause(2), gz(C("вет")), gz(F("stop")), gz(D)]
    steps.append(compressor.flush())
    server.queue(
        Script(steps, headers={"content-type": "text/event-stream", "content-encoding": "gzip"})
    )
    arrivals: list[tuple[float, ChatEvent]] = []
    async with asyncio.timeout(20):
        async with aclosing(make_client().stream_chat(USER, "m")) as events:
            async for item in events:
                arrivals.append((time.monotonic(), item))

    assert [item for _, item in arrivals] == [
        TextDelta("При"),
        TextDelta("вет"),
        FinishReported("stop"),
        completed("stop"),
    ]
    gap = arrivals[1][0] - arrivals[0][0]
    assert gap >= 1.0, "the first event must arrive before the server's pause, not after it"
    assert server.chat_requests()[0].headers["accept-encoding"] == "identity"


def test_seed_usage_constant() -> None:
    """Guard for the helpers: the seed fixture really carries 10/5/15 and splits into 8 events."""
    assert b'"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}' in SEED
    assert len(seed_events()) == 8
    assert Usage(10, 5, 15) == SEED_USAGE
