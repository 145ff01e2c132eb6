"""Table-driven unit tests: error bodies -> one message, chunk JSON -> events, end-of-stream rules.

The HTTP error tests go through `ChatClient` with an `httpx.MockTransport`, so they check the
whole reduction (status, content type, body of any shape -> exception class and one line).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from aijora_tui.core.client import ChatClient
from aijora_tui.core.decode import ChunkDecoder, decode_completion, error_message
from aijora_tui.core.errors import (
    AijoraError,
    ApiError,
    AuthenticationError,
    EmptyReply,
    InsufficientBalance,
    PermissionDenied,
    RateLimited,
    ServerError,
    StreamFailed,
    StreamInterrupted,
    api_error_for,
    one_line,
    redact,
    register_secret,
)
from aijora_tui.core.events import (
    ChatEvent,
    FinishReported,
    ReasoningDelta,
    StreamCompleted,
    TextDelta,
    ToolCallDelta,
    UsageReported,
)
from aijora_tui.core.models import Usage
from tests.core.helpers import API_KEY, USER

# ---- error_message(): every body shape -> (message, type) -----------------------------------

ERROR_SHAPES: list[tuple[str, Any, tuple[str | None, str | None]]] = [
    (
        "aijora",
        {"error": {"message": "Invalid API key", "type": "invalid_request_error", "code": "401"}},
        ("Invalid API key", "invalid_request_error"),
    ),
    (
        "openai-null-code",
        {"error": {"message": "Too long", "type": None, "param": None, "code": None}},
        ("Too long", None),
    ),
    (
        "openrouter-numeric-code",
        {"error": {"code": 402, "message": "Insufficient credits", "metadata": {}}},
        ("Insufficient credits", "402"),
    ),
    (
        "vllm-flat",
        {
            "object": "error",
            "message": "ctx too long",
            "type": "BadRequestError",
            "param": None,
            "code": 400,
        },
        ("ctx too long", "BadRequestError"),
    ),
    (
        "mistral-flat",
        {
            "object": "error",
            "message": "Rate limit exceeded",
            "type": "rate_limited",
            "code": "1300",
        },
        ("Rate limit exceeded", "rate_limited"),
    ),
    (
        "deepseek-unwrapped",
        {"message": "Insufficient Balance", "type": "unknown_error", "param": None, "code": "x"},
        ("Insufficient Balance", "unknown_error"),
    ),
    ("bare-string", {"error": "quota exceeded"}, ("quota exceeded", None)),
    ("fastapi-detail", {"detail": "Not Found"}, ("Not Found", None)),
    (
        "fastapi-validation",
        {"detail": [{"loc": ["body", "model"], "msg": "field required"}]},
        ('[{"loc": ["body", "model"], "msg": "field required"}]', None),
    ),
    ("msg-key", {"error": {"msg": "from msg"}}, ("from msg", None)),
    ("detail-key", {"error": {"detail": "from detail"}}, ("from detail", None)),
    ("code-only", {"error": {"code": 500}}, ('{"code": 500}', "500")),
    ("responses-api-event", {"type": "error", "message": "boom"}, ("boom", "error")),
    ("empty-object", {}, (None, None)),
    ("empty-error-string", {"error": ""}, (None, None)),
    ("a-completion-is-not-an-error", {"choices": [], "message": "x"}, (None, None)),
    ("list", [{"error": "x"}], (None, None)),
    ("string", "Bad Gateway", (None, None)),
    ("null", None, (None, None)),
    ("number", 502, (None, None)),
]


@pytest.mark.parametrize(
    ("body", "expected"),
    [(body, expected) for _, body, expected in ERROR_SHAPES],
    ids=[name for name, _, _ in ERROR_SHAPES],
)
def test_error_message_shapes(body: Any, expected: tuple[str | None, str | None]) -> None:
    assert error_message(body) == expected


# ---- HTTP error responses -> one exception, one line ----------------------------------------

NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


def json_body(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


HTTP_ERRORS: list[tuple[str, int, str | None, bytes, type[ApiError], str]] = [
    (
        "401-aijora",
        401,
        "application/json",
        json_body({"error": {"message": "Invalid API key", "type": "invalid_request_error"}}),
        AuthenticationError,
        "HTTP 401: the server refused the API key (Invalid API key); "
        "check AIJORA_API_KEY or the key in your config",
    ),
    (
        "402-aijora",
        402,
        "application/json",
        json_body(
            {
                "error": {
                    "message": "Недостаточно средств на балансе",
                    "type": "insufficient_balance",
                    "code": "402",
                }
            }
        ),
        InsufficientBalance,
        "HTTP 402: insufficient balance (Недостаточно средств на балансе); "
        "top up your balance and try again",
    ),
    (
        "402-openrouter",
        402,
        "application/json",
        json_body({"error": {"code": 402, "message": "Insufficient credits"}}),
        InsufficientBalance,
        "HTTP 402: insufficient balance (Insufficient credits); top up your balance and try again",
    ),
    (
        "400-insufficient-balance-type",
        400,
        "application/json",
        json_body({"error": {"message": "no money", "type": "insufficient_balance"}}),
        InsufficientBalance,
        "HTTP 400: insufficient balance (no money); top up your balance and try again",
    ),
    (
        "403-disabled",
        403,
        "application/json",
        json_body({"error": {"message": "API key is disabled", "type": "permission_denied"}}),
        PermissionDenied,
        "HTTP 403: access denied (API key is disabled); "
        "the key may be disabled or lack access to this model",
    ),
    (
        "429-no-retry-after",
        429,
        "application/json",
        json_body({"error": {"message": "Rate limit exceeded", "type": "rate_limit_exceeded"}}),
        RateLimited,
        "HTTP 429: rate limited (Rate limit exceeded); wait a moment and try again",
    ),
    (
        "400-vllm-flat",
        400,
        "application/json",
        json_body({"object": "error", "message": "ctx too long", "type": "BadRequestError"}),
        ApiError,
        "HTTP 400: ctx too long",
    ),
    (
        "422-fastapi",
        422,
        "application/json",
        json_body({"detail": "stream_options is not supported"}),
        ApiError,
        "HTTP 422: stream_options is not supported",
    ),
    (
        "500-bare-string",
        500,
        "application/json",
        json_body({"error": "upstream timeout"}),
        ServerError,
        "HTTP 500: server error (upstream timeout)",
    ),
    (
        "502-nginx-html",
        502,
        "text/html",
        NGINX_502,
        ServerError,
        "HTTP 502: server error (502 Bad Gateway 502 Bad Gateway nginx)",
    ),
    (
        "503-empty",
        503,
        None,
        b"",
        ServerError,
        "HTTP 503: server error (Service Unavailable)",
    ),
    (
        "504-text",
        504,
        "text/plain",
        b"upstream request timeout\n",
        ServerError,
        "HTTP 504: server error (upstream request timeout)",
    ),
    (
        "400-json-not-an-error-shape",
        400,
        "application/json",
        json_body(["something", "odd"]),
        ApiError,
        'HTTP 400: ["something", "odd"]',
    ),
    (
        "500-hostile-message",
        500,
        "application/json",
        json_body({"error": {"message": "a\x1b[31mred\x1b[0m\x1b]0;title\x07 b\r\nc\u202ed"}}),
        ServerError,
        "HTTP 500: server error (ared b cd)",
    ),
    (
        "400-invalid-utf8",
        400,
        "text/plain",
        b"bad \xff\xfe bytes",
        ApiError,
        "HTTP 400: bad \ufffd\ufffd bytes",
    ),
]


async def http_error(status: int, content_type: str | None, body: bytes) -> AijoraError | None:
    headers = {"content-type": content_type} if content_type else {}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=body)

    async with ChatClient(
        "http://127.0.0.1/v1", API_KEY, max_retries=0, transport=httpx.MockTransport(handler)
    ) as client:
        try:
            async for _ in client.stream_chat(USER, "m"):
                pass
        except AijoraError as error:
            return error
    return None


@pytest.mark.parametrize(
    ("status", "content_type", "body", "cls", "message"),
    [case[1:] for case in HTTP_ERRORS],
    ids=[case[0] for case in HTTP_ERRORS],
)
async def test_http_error_becomes_one_line(
    status: int, content_type: str | None, body: bytes, cls: type[ApiError], message: str
) -> None:
    error = await http_error(status, content_type, body)

    assert type(error) is cls
    assert isinstance(error, ApiError)
    assert error.status == status
    assert str(error) == message
    assert error.message == message


async def test_huge_error_bodies_are_cut_to_one_short_line() -> None:
    text_error = await http_error(500, "text/plain", b"x" * (1 << 20))
    assert isinstance(text_error, ServerError)
    assert str(text_error) == f"HTTP 500: server error ({'x' * 200})"

    big = json_body({"error": {"message": "y" * 10_000}})
    json_error = await http_error(400, "application/json", big)
    assert isinstance(json_error, ApiError)
    assert len(str(json_error)) == 300
    assert str(json_error).startswith("HTTP 400: yyy")
    assert str(json_error).endswith("y…")


@pytest.mark.parametrize(
    ("status", "kind", "cls"),
    [
        (400, None, ApiError),
        (401, None, AuthenticationError),
        (402, None, InsufficientBalance),
        (400, "insufficient_balance", InsufficientBalance),
        (403, None, PermissionDenied),
        (404, None, ApiError),
        (429, None, RateLimited),
        (500, None, ServerError),
        (599, None, ServerError),
    ],
)
def test_api_error_for_picks_the_class(status: int, kind: str | None, cls: type[ApiError]) -> None:
    error = api_error_for(status, "m", error_type=kind)
    assert type(error) is cls
    assert error.status == status


def test_rate_limited_mentions_the_wait() -> None:
    error = api_error_for(429, "slow down", retry_after=30.0)
    assert str(error) == "HTTP 429: rate limited (slow down); the server asks to wait 30 s"


def test_redact_removes_registered_secrets_and_bearer_tokens() -> None:
    register_secret("sk-registered-secret-1")
    register_secret("abc")  # too short to be a real key: never registered
    assert redact("key sk-registered-secret-1 refused") == "key *** refused"
    assert redact("(Authorization: Bearer tok.en-1_2~3+/=);") == "(Authorization: Bearer ***);"
    assert redact("BEARER xyz") == "Bearer ***"
    assert redact("abc stays") == "abc stays"
    assert redact("Bearer ***") == "Bearer ***"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("two\nlines\r\n\tand tabs", "two lines and tabs"),
        ("\x1b[2Jcleared", "cleared"),
        ("x" * 400, "x" * 299 + "…"),
        ("", ""),
    ],
)
def test_one_line(text: str, expected: str) -> None:
    assert one_line(text) == expected


# ---- ChunkDecoder: one SSE event at a time --------------------------------------------------


def data(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def choice(delta: Any = None, finish: Any = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"index": 0, "finish_reason": finish, **extra}
    if delta is not None:
        out["delta"] = delta
    return {"choices": [out]}


DECODE_CASES: list[tuple[str, list[tuple[str, str]], list[ChatEvent]]] = [
    ("content", [("message", data(choice({"content": "Hi"})))], [TextDelta("Hi")]),
    ("empty-content", [("message", data(choice({"role": "assistant", "content": ""})))], []),
    ("null-content", [("message", data(choice({"content": None})))], []),
    ("number-content-ignored", [("message", data(choice({"content": 5})))], []),
    ("no-delta", [("message", data(choice(None, content_filter_results={})))], []),
    ("delta-not-a-dict", [("message", data({"choices": [{"delta": "x"}]}))], []),
    ("choice-not-a-dict", [("message", data({"choices": ["x"]}))], []),
    ("choices-null", [("message", data({"choices": None}))], []),
    ("choices-an-object", [("message", data({"choices": {"0": {"delta": {"content": "x"}}}}))], []),
    ("choices-a-string", [("message", data({"choices": "abc"}))], []),
    (
        "reasoning-both-names",
        [("message", data(choice({"reasoning_content": "a", "reasoning": "b"})))],
        [ReasoningDelta("a"), ReasoningDelta("b")],
    ),
    ("refusal", [("message", data(choice({"refusal": "I can't"})))], [TextDelta("I can't")]),
    (
        "tool-call-without-index",
        [("message", data(choice({"tool_calls": [{"function": {"arguments": "{}"}}]})))],
        [ToolCallDelta(0, None, None, "{}")],
    ),
    (
        "tool-call-whole-in-one-chunk",
        [
            (
                "message",
                data(
                    choice(
                        {
                            "tool_calls": [
                                {
                                    "index": 1,
                                    "id": "t",
                                    "function": {"name": "g", "arguments": "{}"},
                                }
                            ]
                        }
                    )
                ),
            )
        ],
        [ToolCallDelta(1, "t", "g", "{}")],
    ),
    (
        "finish-and-usage-in-one-chunk",
        [
            (
                "message",
                data({**choice({}, "stop"), "usage": {"prompt_tokens": 1, "total_tokens": 3}}),
            )
        ],
        [FinishReported("stop"), UsageReported(Usage(1, 0, 3))],
    ),
    ("finish-empty-string", [("message", data(choice({"content": "a"}, "")))], [TextDelta("a")]),
    (
        "groq-usage",
        [("message", data({"choices": [], "x_groq": {"usage": {"prompt_tokens": 2}}}))],
        [UsageReported(Usage(2, 0, 2))],
    ),
    (
        "cumulative-usage-reported-each-time",
        [
            ("message", data({**choice({"content": "a"}), "usage": {"completion_tokens": 1}})),
            ("message", data({**choice({"content": "b"}), "usage": {"completion_tokens": 2}})),
        ],
        [
            TextDelta("a"),
            UsageReported(Usage(0, 1, 1)),
            TextDelta("b"),
            UsageReported(Usage(0, 2, 2)),
        ],
    ),
    ("unusable-usage", [("message", data({"choices": [], "usage": {"foo": 1}}))], []),
    (
        "azure-prompt-filter-chunk",
        [
            (
                "message",
                data(
                    {
                        "id": "",
                        "choices": [],
                        "created": 0,
                        "model": "",
                        "object": "",
                        "prompt_filter_results": [{"prompt_index": 0}],
                    }
                ),
            )
        ],
        [],
    ),
    ("json-array-is-malformed", [("message", "[1, 2]")], []),
    ("json-string-is-malformed", [("message", '"text"')], []),
    (
        "unknown-event-name-is-decoded",
        [("delta", data(choice({"content": "x"})))],
        [TextDelta("x")],
    ),
    (
        "lone-surrogate-replaced",
        [("message", '{"choices":[{"delta":{"content":"a\\ud83d"}}]}')],
        [TextDelta("a\ufffd")],
    ),
    (
        "escaped-surrogate-pair-joined",
        [("message", '{"choices":[{"delta":{"content":"\\ud83d\\ude00"}}]}')],
        [TextDelta("\U0001f600")],
    ),
]


@pytest.mark.parametrize(
    ("feeds", "expected"),
    [case[1:] for case in DECODE_CASES],
    ids=[case[0] for case in DECODE_CASES],
)
def test_chunk_decoder(feeds: list[tuple[str, str]], expected: list[ChatEvent]) -> None:
    decoder = ChunkDecoder()
    events: list[ChatEvent] = []
    for name, payload in feeds:
        events += decoder.feed(name, payload)
    assert events == expected


def test_malformed_chunks_are_counted_and_reported() -> None:
    decoder = ChunkDecoder()
    for payload in ('{"choices":', "[1]", "not json", data(choice({"content": "a"}, "stop"))):
        decoder.feed("message", payload)
    end = decoder.finish(done=True)
    assert end == StreamCompleted("stop", None, 3)
    assert end.notice == "3 malformed chunks skipped"


def test_usage_keeps_the_last_report_not_the_sum() -> None:
    decoder = ChunkDecoder()
    decoder.feed("message", data({"choices": [], "usage": {"prompt_tokens": 5, "total_tokens": 6}}))
    decoder.feed("message", data({"choices": [], "usage": {"prompt_tokens": 5, "total_tokens": 9}}))
    decoder.feed("message", data(choice({}, "stop")))
    assert decoder.finish(done=False).usage == Usage(5, 0, 9)


def test_model_is_taken_from_the_first_chunk_that_names_one() -> None:
    decoder = ChunkDecoder()
    decoder.feed("message", data({"model": "", "choices": []}))
    decoder.feed("message", data({"model": "gpt-4o-mini-2024-07-18", **choice({"content": "a"})}))
    decoder.feed("message", data({"model": "other", **choice({}, "stop")}))
    assert decoder.finish(done=True).model == "gpt-4o-mini-2024-07-18"


IN_BAND_ERRORS: list[tuple[str, str, str, str]] = [
    (
        "openai",
        "message",
        data({"error": {"message": "The server had an error", "type": "server_error"}}),
        "the server reported an error: The server had an error",
    ),
    (
        "string",
        "message",
        data({"error": "quota exceeded"}),
        "the server reported an error: quota exceeded",
    ),
    (
        "openrouter",
        "message",
        data({"error": {"code": 502, "message": "Provider down"}, **choice({}, "error")}),
        "the server reported an error: Provider down",
    ),
    (
        "finish-reason-error-only",
        "message",
        data(choice({}, "error")),
        "the server ended the reply with an error",
    ),
    (
        "named-event-json",
        "error",
        data({"type": "error", "message": "boom"}),
        "the server reported an error: boom",
    ),
    ("named-event-text", "error", "boom", "the server reported an error: boom"),
    ("named-event-json-string", "error", '"boom"', "the server reported an error: boom"),
    ("named-event-json-number", "error", "503", "the server reported an error: 503"),
    (
        "named-event-unknown-shape",
        "error",
        data({"code": 1}),
        'the server reported an error: {"code": 1}',
    ),
    (
        "type-error-without-event-name",
        "message",
        data({"type": "error", "message": "late failure"}),
        "the server reported an error: late failure",
    ),
]


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [case[1:] for case in IN_BAND_ERRORS],
    ids=[case[0] for case in IN_BAND_ERRORS],
)
def test_in_band_errors_raise_stream_failed(name: str, payload: str, message: str) -> None:
    decoder = ChunkDecoder()
    with pytest.raises(StreamFailed) as caught:
        decoder.feed(name, payload)
    assert str(caught.value) == message


# ---- end of stream: completed, interrupted or empty -----------------------------------------

END_CASES: list[tuple[str, list[str], bool, type[AijoraError] | StreamCompleted]] = [
    (
        "finish-and-done",
        [data(choice({"content": "a"}, "stop"))],
        True,
        StreamCompleted("stop", None),
    ),
    (
        "finish-no-done",
        [data(choice({"content": "a"}, "length"))],
        False,
        StreamCompleted("length", None),
    ),
    ("done-no-finish", [data(choice({"content": "a"}))], True, StreamCompleted(None, None)),
    ("eof-no-finish", [data(choice({"content": "a"}))], False, StreamInterrupted),
    ("done-only", [], True, EmptyReply),
    ("eof-only", [], False, StreamInterrupted),
    ("done-after-reasoning", [data(choice({"reasoning": "r"}))], True, StreamCompleted(None, None)),
    (
        "done-after-tool-call",
        [data(choice({"tool_calls": [{"index": 0}]}))],
        True,
        StreamCompleted(None, None),
    ),
    ("finish-without-content", [data(choice({}, "stop"))], True, StreamCompleted("stop", None)),
    ("done-after-empty-content", [data(choice({"content": ""}))], True, EmptyReply),
]


@pytest.mark.parametrize(
    ("payloads", "done", "expected"),
    [case[1:] for case in END_CASES],
    ids=[case[0] for case in END_CASES],
)
def test_end_of_stream(
    payloads: list[str], done: bool, expected: type[AijoraError] | StreamCompleted
) -> None:
    decoder = ChunkDecoder()
    for payload in payloads:
        decoder.feed("message", payload)
    if isinstance(expected, StreamCompleted):
        assert decoder.finish(done) == expected
    else:
        with pytest.raises(expected):
            decoder.finish(done)


@pytest.mark.parametrize(
    ("reason", "malformed", "notice"),
    [
        ("stop", 0, None),
        (None, 0, None),
        ("tool_calls", 0, None),
        ("length", 0, "reply truncated: the model hit its token limit (finish_reason=length)"),
        ("content_filter", 0, "reply stopped by the content filter (finish_reason=content_filter)"),
        ("stop", 1, "1 malformed chunk skipped"),
        (
            "length",
            2,
            "reply truncated: the model hit its token limit (finish_reason=length); "
            "2 malformed chunks skipped",
        ),
    ],
)
def test_completion_notice(reason: str | None, malformed: int, notice: str | None) -> None:
    assert StreamCompleted(reason, None, malformed).notice == notice


# ---- whole (non-streamed) replies -----------------------------------------------------------


def test_decode_completion() -> None:
    body = {
        "model": "m-1",
        "choices": [
            {
                "message": {"role": "assistant", "content": "Hi", "reasoning_content": "hmm"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    assert decode_completion(body) == [
        TextDelta("Hi"),
        ReasoningDelta("hmm"),
        FinishReported("stop"),
        UsageReported(Usage(1, 1, 2)),
        StreamCompleted("stop", Usage(1, 1, 2), 0, "m-1"),
    ]


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        ({"error": {"message": "nope"}}, StreamFailed, "the server reported an error: nope"),
        ([1, 2], StreamFailed, "the server sent a reply that is not a JSON object"),
        ({"choices": []}, EmptyReply, "the server returned no content"),
        ({"choices": [{"message": {"content": ""}}]}, EmptyReply, "the server returned no content"),
    ],
)
def test_decode_completion_failures(body: Any, error: type[AijoraError], message: str) -> None:
    with pytest.raises(error) as caught:
        decode_completion(body)
    assert str(caught.value) == message


# ---- Usage.from_wire -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        (None, None),
        ("10", None),
        ({}, None),
        ({"prompt_tokens": "1"}, None),
        ({"prompt_tokens": True, "completion_tokens": 2}, Usage(0, 2, 2)),
        ({"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}, Usage(1, 2, 3)),
        ({"prompt_tokens": 1, "completion_tokens": 2}, Usage(1, 2, 3)),
        ({"prompt_tokens": 4.0, "completion_tokens": 1.0, "total_tokens": 5.0}, Usage(4, 1, 5)),
        ({"prompt_tokens": 4.5, "completion_tokens": 1}, Usage(0, 1, 1)),
        (
            {
                "prompt_tokens": 9,
                "completion_tokens": 2,
                "total_tokens": 11,
                "prompt_tokens_details": {"cached_tokens": 4},
                "completion_tokens_details": {"reasoning_tokens": 1},
            },
            Usage(9, 2, 11, reasoning_tokens=1, cached_tokens=4),
        ),
        (
            {"total_tokens": 7, "prompt_tokens_details": None, "completion_tokens_details": []},
            Usage(0, 0, 7),
        ),
    ],
)
def test_usage_from_wire(wire: Any, expected: Usage | None) -> None:
    assert Usage.from_wire(wire) == expected


def test_usage_to_dict() -> None:
    assert Usage(1, 2, 3).to_dict() == {
        "prompt_tokens": 1,
        "completion_tokens": 2,
        "total_tokens": 3,
    }
    assert Usage(1, 2, 3, reasoning_tokens=0, cached_tokens=5).to_dict() == {
        "prompt_tokens": 1,
        "completion_tokens": 2,
        "total_tokens": 3,
        "reasoning_tokens": 0,
        "cached_tokens": 5,
    }
