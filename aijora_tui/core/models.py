"""Plain data the client sends and receives: chat messages, token usage, model descriptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of the request history, in the shape the API expects."""

    role: Role
    content: str

    def to_wire(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts reported by the server for one request."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None

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
        )

    def to_dict(self) -> dict[str, int]:
        out = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }
        if self.reasoning_tokens is not None:
            out["reasoning_tokens"] = self.reasoning_tokens
        if self.cached_tokens is not None:
            out["cached_tokens"] = self.cached_tokens
        return out


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model the server offers (from GET /models)."""

    id: str
    owned_by: str | None = None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
