"""Typed events that `ChatClient.stream_chat()` yields, in the order the server produced them.

A successful stream always ends with exactly one `StreamCompleted`; a failed one raises a
`StreamError` / `ApiError` instead (see `errors.py`), after whatever deltas already arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

from aijora_tui.core.models import Usage


@dataclass(slots=True)
class TextDelta:
    """A piece of the answer text."""

    text: str


@dataclass(slots=True)
class ReasoningDelta:
    """A piece of the model's reasoning (`reasoning_content` / `reasoning`), kept apart."""

    text: str


@dataclass(slots=True)
class ToolCallDelta:
    """A fragment of a tool call; fragments with the same `index` concatenate."""

    index: int
    id: str | None
    name: str | None
    arguments: str


@dataclass(slots=True)
class UsageReported:
    """The server's token usage so far; a later report replaces an earlier one."""

    usage: Usage


@dataclass(slots=True)
class FinishReported:
    """The server gave a finish reason (`stop`, `length`, `content_filter`, ...)."""

    reason: str


@dataclass(slots=True)
class RetryScheduled:
    """The request failed before any content and will be sent again after `delay` seconds."""

    attempt: int
    max_attempts: int
    delay: float
    reason: str


@dataclass(slots=True)
class StreamCompleted:
    """The reply is complete. `finish_reason` is None when only `[DONE]` marked the end."""

    finish_reason: str | None
    usage: Usage | None
    malformed_chunks: int = 0
    model: str | None = None

    @property
    def notice(self) -> str | None:
        """A one-line remark about an incomplete-looking completion, or None."""
        notes = []
        if self.finish_reason == "length":
            notes.append("reply truncated: the model hit its token limit (finish_reason=length)")
        elif self.finish_reason == "content_filter":
            notes.append("reply stopped by the content filter (finish_reason=content_filter)")
        if self.malformed_chunks:
            plural = "s" if self.malformed_chunks > 1 else ""
            notes.append(f"{self.malformed_chunks} malformed chunk{plural} skipped")
        return "; ".join(notes) or None


ChatEvent = (
    TextDelta
    | ReasoningDelta
    | ToolCallDelta
    | UsageReported
    | FinishReported
    | RetryScheduled
    | StreamCompleted
)
