"""`ReplyBuilder`: the one reducer of stream events into the reply being streamed.

Both faces feed it every event the client yields: `apply()` costs a list append for a delta
(answer text can arrive thousands of times a second) and tells the face what to show at once;
`settle()` — at the TUI's refresh rate, or when the session saves progress — sanitizes what
arrived and adds it to the entry's parts. Tool-call fragments are joined by their `index`
(`tools.assembler`) into `ToolCallPart`s when the reply ends. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aijora_tui.core import notices
from aijora_tui.core.conversation import Entry, EntryState
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
from aijora_tui.core.models import Usage, add_usage
from aijora_tui.core.parts import grow
from aijora_tui.core.sanitize import StreamSanitizer, sanitize
from aijora_tui.core.tools.assembler import ToolCallAssembler

Listener = Callable[[str, str], None]
"""Called with (text, reasoning) each time arrived text is settled into the entry."""


@dataclass(slots=True)
class Change:
    """What one event changed, for a face to show right away."""

    text: str = ""
    """Answer text exactly as it arrived (`ask` writes it unchanged to a pipe)."""
    reasoning: str = ""
    notice: str | None = None
    """A notice that appeared (a retry, a tool call that will not run)."""
    header: bool = False
    """Something shown in the reply's header or status changed (usage, notice, model)."""
    done: bool = False
    """The server completed the reply."""


class ReplyBuilder:
    """Applies the events of one streamed request to `entry` (an assistant entry)."""

    def __init__(
        self,
        entry: Entry,
        listener: Listener | None = None,
        *,
        tools_on: bool = False,
        earlier_usage: Usage | None = None,
    ) -> None:
        self.entry = entry
        self.listener = listener
        self.tools_on = tools_on
        """Tools were offered: calls will run (no "tools are off" notice)."""
        self._earlier_usage = earlier_usage
        """Usage of the earlier rounds of this turn, added to what this round reports."""
        self.calls = ToolCallAssembler()
        self.completed: StreamCompleted | None = None
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._text_sanitizer = StreamSanitizer()
        self._reasoning_sanitizer = StreamSanitizer()
        self._unsaved = ["", ""]
        """Settled text and reasoning not yet handed to `take_unsaved()`."""
        self._tool_notice: str | None = None
        self._call_indexes: set[int] = set()

    def apply(self, event: ChatEvent) -> Change:
        """Take one event; deltas are only collected until the next `settle()`."""
        entry = self.entry
        if isinstance(event, TextDelta):
            self._text.append(event.text)
            return Change(text=event.text)
        if isinstance(event, ReasoningDelta):
            self._reasoning.append(event.text)
            return Change(reasoning=event.text)
        if isinstance(event, ToolCallDelta):
            self.calls.add(event)
            if event.index in self._call_indexes:
                return Change()
            self._call_indexes.add(event.index)
            if self.tools_on:
                return Change(header=True)
            names = [call.part.name for call in self.calls.calls()]
            self._tool_notice = notices.tools_not_run(names)
            entry.notice = self._tool_notice
            return Change(notice=notices.tools_not_run([event.name or ""]), header=True)
        if isinstance(event, UsageReported):
            entry.usage = add_usage(self._earlier_usage, event.usage)
            return Change(header=True)
        if isinstance(event, FinishReported):
            entry.finish_reason = event.reason
            return Change()
        if isinstance(event, RetryScheduled):
            entry.notice = notices.retry(event)
            return Change(notice=entry.notice, header=True)
        self.complete(event)
        return Change(notice=event.notice, header=True, done=True)

    def settle(self) -> bool:
        """Add what arrived since the last call to the entry, sanitized; False if nothing did."""
        if not self._text and not self._reasoning:
            return False
        reasoning = self._reasoning_sanitizer.feed("".join(self._reasoning))
        text = self._text_sanitizer.feed("".join(self._text))
        self._text.clear()
        self._reasoning.clear()
        self._add(text, reasoning)
        return True

    def take_unsaved(self) -> tuple[str, str]:
        """Settled (text, reasoning) not yet saved; saving progress appends exactly these."""
        text, reasoning = self._unsaved
        self._unsaved = ["", ""]
        return text, reasoning

    def complete(self, event: StreamCompleted) -> None:
        """The server completed the reply."""
        entry = self.entry
        self.completed = event
        if event.finish_reason:
            entry.finish_reason = event.finish_reason
        if event.usage is not None:
            entry.usage = add_usage(self._earlier_usage, event.usage)
        if event.model:
            entry.model = sanitize(event.model)
        self._end("completed")
        entry.notice = notices.join(self._tool_notice, event.notice)

    def stop(self, state: EntryState, error: str | None = None) -> None:
        """The reply ended early: cancelled, cut, or failed with `error`; its text is kept.
        (Also after its stream completed, when the turn stops during its tool calls.)"""
        if self.completed is None:
            self._end(state)
        else:
            self.entry.state = state
        self.entry.error = sanitize(error) if error else None
        self.entry.notice = self._tool_notice

    def _end(self, state: EntryState) -> None:
        self.settle()
        self._add(self._text_sanitizer.flush(), self._reasoning_sanitizer.flush())
        self.entry.parts.extend(call.part for call in self.calls.calls())
        self.entry.state = state

    def _add(self, text: str, reasoning: str) -> None:
        if not text and not reasoning:
            return
        grow(self.entry.parts, text, reasoning)
        self._unsaved[0] += text
        self._unsaved[1] += reasoning
        if self.listener is not None:
            self.listener(text, reasoning)
