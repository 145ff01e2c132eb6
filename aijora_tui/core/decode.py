"""Turn the JSON payloads of an OpenAI-compatible stream into typed events.

Pure functions and a small state machine, no I/O: `ChunkDecoder.feed()` takes one SSE event's
name and data and returns the events it carries; `ChunkDecoder.finish()` classifies how the stream
ended. Every deviation seen from real servers is handled here (the cases of
tests/core/test_protocol_cases.py): usage in the finish chunk or
in a `choices: []` chunk or in `x_groq.usage`; `finish_reason: ""`; repeated `role`; `null`
content; chunks without `delta`; in-band errors as a dict, a string, a named `error` event, or an
OpenRouter `finish_reason: "error"`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aijora_tui.core.errors import EmptyReply, ReplyTooLong, StreamFailed, StreamInterrupted
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

_loads = json.loads
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_raw_decode = json.JSONDecoder().raw_decode
MAX_TOOL_CALLS = 1024
"""Tool-call indexes above this are not believed (they key per-call state)."""


def parse_json(data: str) -> Any:
    """`json.loads(data)`, about twice as fast on the usual compact chunk.

    `raw_decode` skips the two whitespace regex passes of `json.loads`, which cost as much as the
    parsing itself on a 100-byte chunk. Whatever it does not take whole (padding, trailing junk,
    an error) goes through `json.loads`, for exactly its result or error. JSON nested deeper than
    the parser's recursion limit is a `ValueError` like any other unreadable text.
    """
    try:
        try:
            value, end = _raw_decode(data)
        except ValueError:
            return _loads(data)
        return value if end == len(data) else _loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def error_message(body: Any) -> tuple[str | None, str | None]:
    """Reduce any error shape servers send to `(message, type)`; `(None, None)` if none.

    Handles `{"error": {...}}` (OpenAI, Aijora, OpenRouter), `{"error": "text"}`, flat
    `{"object": "error", "message": ...}` (vLLM, Mistral), `{"message": ...}`, `{"detail": ...}`.
    """
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    if isinstance(error, dict):
        message = error.get("message") or error.get("msg") or error.get("detail")
        kind = error.get("type") or error.get("code")
        return (_text(message) or _dumps(error)), _text(kind)
    if isinstance(error, str) and error:
        return error, _text(body.get("type"))
    if body.get("object") == "error" or ("message" in body and "choices" not in body):
        message = body.get("message")
        if message:
            return _text(message), _text(body.get("type"))
    detail = body.get("detail")
    if detail:
        return (detail if isinstance(detail, str) else _dumps(detail)), None
    return None, None


def _dumps(value: Any) -> str:
    """An error object as text; one nested too deeply to print is said to be so."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):
        return "(an error object too deeply nested to show)"


def valid_unicode(value: Any) -> Any:
    """`value` (parsed JSON) with each lone UTF-16 surrogate in its strings replaced by U+FFFD.

    JSON can escape half of a surrogate pair (`"\\ud83d"`: servers that cut text by UTF-16 code
    unit do). Such a string cannot be encoded as UTF-8, so writing it to a pipe, a terminal or
    SQLite would raise; `json.loads` itself joins only pairs that arrive whole.
    """
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {key: valid_unicode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [valid_unicode(item) for item in value]
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


class ChunkDecoder:
    """Decodes one stream's chunks and remembers what it has seen."""

    __slots__ = (
        "content_seen",
        "finish_reason",
        "malformed",
        "max_chars",
        "model",
        "size",
        "usage",
    )

    def __init__(self, max_chars: int | None = None) -> None:
        self.content_seen = False
        """True once any text, reasoning or tool call arrived."""
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.malformed = 0
        """Events whose data was not a JSON object; skipped, and counted for the user."""
        self.model: str | None = None
        self.max_chars = max_chars
        """Most characters of text, reasoning and tool arguments a reply may carry (None: any)."""
        self.size = 0
        """Characters of text, reasoning and tool arguments so far."""

    def _grow(self, text: str) -> None:
        self.size += len(text)
        if self.max_chars is not None and self.size > self.max_chars:
            raise ReplyTooLong(self.max_chars)

    def feed(self, event: str, data: str) -> list[ChatEvent]:
        """Decode one SSE event. Raises `StreamFailed` when the server reports an error."""
        try:
            chunk = parse_json(data)
        except ValueError:
            if event == "error":
                raise StreamFailed(f"the server reported an error: {data}") from None
            self.malformed += 1
            return []
        if not isinstance(chunk, dict):
            if event == "error":  # a named error event is a failure whatever its payload
                detail = chunk if isinstance(chunk, str) and chunk else data
                raise StreamFailed(f"the server reported an error: {detail}")
            self.malformed += 1
            return []
        if "\\u" in data and _ESCAPED_SURROGATE.search(data):
            try:
                chunk = valid_unicode(chunk)
            except RecursionError:  # parsed, but too deep to walk: unusable all the same
                self.malformed += 1
                return []
        if event == "error" or chunk.get("error") or chunk.get("type") == "error":
            message, _ = error_message(chunk)
            raise StreamFailed(f"the server reported an error: {message or data}")
        return self.decode_chunk(chunk)

    def decode_chunk(self, chunk: dict[str, Any]) -> list[ChatEvent]:
        """Decode an already-parsed `chat.completion.chunk` object."""
        events: list[ChatEvent] = []
        choices = chunk.get("choices")
        if choices and isinstance(choices, list):
            choice = choices[0]
            if isinstance(choice, dict):
                delta = choice.get("delta")
                if delta:
                    self._decode_delta(delta, events)
                reason = choice.get("finish_reason")
                if reason:
                    self._finish(reason, events)
        usage = chunk.get("usage")
        if usage is None:
            x_groq = chunk.get("x_groq")
            if isinstance(x_groq, dict):
                usage = x_groq.get("usage")
        if usage is not None:
            parsed = Usage.from_wire(usage)
            if parsed is not None:
                self.usage = parsed
                events.append(UsageReported(parsed))
        if self.model is None:
            model = chunk.get("model")
            if isinstance(model, str) and model:
                self.model = model
        return events

    def _decode_delta(self, delta: Any, events: list[ChatEvent]) -> None:
        if not isinstance(delta, dict):
            return
        content = delta.get("content")
        if content and isinstance(content, str):
            self._grow(content)
            self.content_seen = True
            events.append(TextDelta(content))
            if len(delta) == 1:
                return  # the usual token chunk: no other field to look for
        for key in ("reasoning_content", "reasoning"):
            reasoning = delta.get(key)
            if reasoning and isinstance(reasoning, str):
                self._grow(reasoning)
                self.content_seen = True
                events.append(ReasoningDelta(reasoning))
        refusal = delta.get("refusal")
        if refusal and isinstance(refusal, str):
            self._grow(refusal)
            self.content_seen = True
            events.append(TextDelta(refusal))
        tool_calls = delta.get("tool_calls")
        if tool_calls and isinstance(tool_calls, list):
            for call in tool_calls:
                if isinstance(call, dict):
                    tool_call = _tool_call(call)
                    self._grow(tool_call.arguments)
                    events.append(tool_call)
                    self.content_seen = True

    def _finish(self, reason: Any, events: list[ChatEvent]) -> None:
        reason = str(reason)
        if reason == "error":
            raise StreamFailed("the server ended the reply with an error")
        self.finish_reason = reason
        events.append(FinishReported(reason))

    def finish(self, done: bool) -> StreamCompleted:
        """Classify the end of the stream; `done` tells whether `[DONE]` arrived.

        Completed = `[DONE]` or a finish reason. `[DONE]` with nothing before it is an empty
        reply (this is how dropped non-standard `error:` fields show up). A clean end of the body
        with neither is a cut stream.
        """
        if self.finish_reason is None and not done:
            raise StreamInterrupted("the stream ended before the reply was complete")
        if self.finish_reason is None and not self.content_seen:
            raise EmptyReply("the server returned no content")
        return StreamCompleted(self.finish_reason, self.usage, self.malformed, self.model)


def _tool_call(call: dict[str, Any]) -> ToolCallDelta:
    function = call.get("function")
    function = function if isinstance(function, dict) else {}
    index = call.get("index")
    return ToolCallDelta(
        index=index if isinstance(index, int) and 0 <= index < MAX_TOOL_CALLS else 0,
        id=_text(call.get("id")),
        name=_text(function.get("name")),
        arguments=_text(function.get("arguments")) or "",
    )


def decode_completion(body: Any, max_chars: int | None = None) -> list[ChatEvent]:
    """Events for a whole (non-streamed) `chat.completion` body, ending in `StreamCompleted`.

    Used when a server ignores `stream: true` and answers with one JSON object.
    """
    if not isinstance(body, dict):
        raise StreamFailed("the server sent a reply that is not a JSON object")
    try:
        body = valid_unicode(body)
    except RecursionError:
        raise StreamFailed("the server sent a reply nested too deeply to read") from None
    message, _ = error_message(body)
    if body.get("error") and message:
        raise StreamFailed(f"the server reported an error: {message}")
    decoder = ChunkDecoder(max_chars)
    events: list[ChatEvent] = []
    choices = body.get("choices")
    if choices and isinstance(choices, list) and isinstance(choices[0], dict):
        choice = choices[0]
        decoder._decode_delta(choice.get("message"), events)
        reason = choice.get("finish_reason")
        if reason:
            decoder._finish(reason, events)
    usage = Usage.from_wire(body.get("usage"))
    if usage is not None:
        decoder.usage = usage
        events.append(UsageReported(usage))
    model = body.get("model")
    decoder.model = model if isinstance(model, str) else None
    events.append(decoder.finish(done=True))
    return events
