"""Plain data the client sends and receives: chat messages, token usage, model descriptions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from aijora_tui.core.prices import Price

Role = Literal["system", "user", "assistant"]
"""Roles of stored messages; tool results are parts of the assistant turn that called the tools."""
WireRole = Literal["system", "user", "assistant", "tool"]
"""Roles of the messages sent to the server."""


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of the request history, in the shape the API expects.

    `content` is a string for text, a list of content parts (`text`, `image_url`, `file`) for a
    message with attachments, or None for an assistant message that only calls tools.
    """

    role: WireRole
    content: str | list[dict[str, Any]] | None
    tool_calls: tuple[dict[str, Any], ...] = ()
    """OpenAI `tool_calls` of an assistant message."""
    tool_call_id: str | None = None
    """For `role: "tool"`: the call this message answers."""

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            wire["tool_calls"] = list(self.tool_calls)
        if self.tool_call_id is not None:
            wire["tool_call_id"] = self.tool_call_id
        return wire


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts reported by the server for one request."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None
    cost: float | None = None
    """What the server says the request cost (OpenRouter `cost`, other gateways `total_cost`),
    in the currency of its prices; it wins over a cost computed from a price."""

    @classmethod
    def from_wire(cls, data: Any) -> Usage | None:
        """Read an OpenAI `usage` object; `None` when it is absent or not usable."""
        if not isinstance(data, dict):
            return None
        prompt = _int(data.get("prompt_tokens"))
        completion = _int(data.get("completion_tokens"))
        total = _int(data.get("total_tokens"))
        if prompt is None and completion is None and total is None:
            return None
        prompt = prompt or 0
        completion = completion or 0
        details_out = data.get("completion_tokens_details")
        details_in = data.get("prompt_tokens_details")
        return cls(
            prompt_tokens=prompt,
            completion_tokens=completion,
            total_tokens=total if total is not None else prompt + completion,
            reasoning_tokens=_int(details_out.get("reasoning_tokens"))
            if isinstance(details_out, dict)
            else None,
            cached_tokens=_int(details_in.get("cached_tokens"))
            if isinstance(details_in, dict)
            else None,
            cost=_cost(data.get("cost"), data.get("total_cost")),
        )

    def to_dict(self) -> dict[str, int | float]:
        out: dict[str, int | float] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }
        if self.reasoning_tokens is not None:
            out["reasoning_tokens"] = self.reasoning_tokens
        if self.cached_tokens is not None:
            out["cached_tokens"] = self.cached_tokens
        if self.cost is not None:
            out["cost"] = self.cost
        return out


_N = TypeVar("_N", int, float)


def add_usage(earlier: Usage | None, later: Usage) -> Usage:
    """The usage of two requests of one turn (a tool round, then the next), added up."""
    if earlier is None:
        return later
    return Usage(
        earlier.prompt_tokens + later.prompt_tokens,
        earlier.completion_tokens + later.completion_tokens,
        earlier.total_tokens + later.total_tokens,
        _sum(earlier.reasoning_tokens, later.reasoning_tokens),
        _sum(earlier.cached_tokens, later.cached_tokens),
        _sum(earlier.cost, later.cost),
    )


def _sum(first: _N | None, second: _N | None) -> _N | None:
    if first is None:
        return second
    return first if second is None else first + second


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model the server offers (from GET /models, see `model_list.py`); None: not said."""

    id: str
    owned_by: str | None = None
    name: str | None = None
    """A display name, where the server gives one."""
    context_length: int | None = None
    """Tokens the model takes in one request (prompt and reply)."""
    price: Price | None = None
    """Per million tokens in and out, with its currency."""
    vision: bool | None = None
    """Whether it takes images."""
    tools: bool | None = None
    """Whether it takes `tools` (function calling)."""


MAX_COST = 1_000_000.0
"""A reported cost above this is not believed (a broken or hostile server)."""


def _cost(*values: Any) -> float | None:
    """The first reported cost that is a finite number in [0, MAX_COST]."""
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if math.isfinite(value) and 0 <= value <= MAX_COST:
            return float(value)
    return None


MAX_TOKEN_COUNT = 2**40
"""The largest token count taken from a server (about a trillion): anything above it, or below
zero, is not a count but garbage, and would overflow SQLite's 64-bit integers when summed."""


def _int(value: Any) -> int | None:
    """A token count from the server, or None when it is not a plausible one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and 0 <= value <= MAX_TOKEN_COUNT:
        return value
    return None
