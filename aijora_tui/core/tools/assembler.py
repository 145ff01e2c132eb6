"""Streamed `tool_calls` fragments, assembled into whole calls.

A streaming reply sends each call in pieces keyed by `index`: the first piece
usually carries `id` and `function.name`, later ones pieces of `function.arguments`. Names may be
split too, several calls may interleave, and some servers repeat the id and name on every piece
or send a whole call at once. `ToolCallAssembler.add()` takes each `ToolCallDelta`; `calls()`
gives the `ToolCallPart`s in index order, each with its arguments parsed or the reason they
cannot be (not JSON, not an object, too long, no name). Sizes are bounded: a server cannot make
us hold more than `MAX_CALLS` calls of `MAX_ARGUMENTS` characters each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aijora_tui.core.events import ToolCallDelta
from aijora_tui.core.parts import ToolCallPart

MAX_CALLS = 128
"""Calls kept from one reply; pieces of further indexes are dropped (and counted)."""
MAX_ARGUMENTS = 1024 * 1024
"""Characters of one call's arguments; beyond it the call is reported instead of run."""
MAX_NAME = 256


@dataclass(frozen=True, slots=True)
class AssembledCall:
    """One call of the reply: the part to save, and its arguments or why they are unusable."""

    part: ToolCallPart
    arguments: dict[str, Any] | None
    """The parsed arguments; None when `problem` says why they cannot be used."""
    problem: str | None = None
    """A one-line reason the call cannot run (shown, and sent to the model as the result)."""


@dataclass(slots=True)
class _Pending:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)
    size: int = 0


class ToolCallAssembler:
    """Collects the fragments of one reply's tool calls."""

    def __init__(self) -> None:
        self._pending: dict[int, _Pending] = {}
        self.dropped = 0
        """Fragments ignored because the reply had more than `MAX_CALLS` calls."""

    def __bool__(self) -> bool:
        return bool(self._pending)

    def add(self, delta: ToolCallDelta) -> None:
        """Take one fragment."""
        pending = self._pending.get(delta.index)
        if pending is None:
            if len(self._pending) >= MAX_CALLS:
                self.dropped += 1
                return
            pending = self._pending[delta.index] = _Pending()
        repeated_header = bool(delta.id) and delta.id == pending.id and delta.name == pending.name
        if delta.id and not pending.id:
            pending.id = delta.id
        if delta.name and not repeated_header and len(pending.name) < MAX_NAME:
            pending.name += delta.name
        if delta.arguments and pending.size <= MAX_ARGUMENTS:
            pending.arguments.append(delta.arguments)
            pending.size += len(delta.arguments)

    def calls(self) -> list[AssembledCall]:
        """Every call so far, in index order; ids are made up where the server sent none."""
        used: set[str] = set()
        calls = []
        for position, index in enumerate(sorted(self._pending)):
            pending = self._pending[index]
            call_id = pending.id if pending.id and pending.id not in used else f"call_{position}"
            used.add(call_id)
            calls.append(_finish(call_id, pending))
        return calls


def _finish(call_id: str, pending: _Pending) -> AssembledCall:
    text = "".join(pending.arguments)
    part = ToolCallPart(call_id, pending.name, text if pending.size <= MAX_ARGUMENTS else "")
    if not pending.name:
        return AssembledCall(part, None, "the model called a tool without a name")
    if pending.size > MAX_ARGUMENTS:
        return AssembledCall(part, None, "the arguments are too long (over 1 MB)")
    if not text.strip():
        return AssembledCall(part, {})
    try:
        arguments = json.loads(text)
    except ValueError as error:
        return AssembledCall(part, None, f"the arguments are not valid JSON ({error})")
    if not isinstance(arguments, dict):
        return AssembledCall(part, None, "the arguments are not a JSON object")
    return AssembledCall(part, arguments)
