"""MCP tools as OpenAI `tools`, under names the model accepts.

OpenAI-compatible servers require function names matching `^[a-zA-Z0-9_-]{1,64}$`, and a call
names only the function, so every name must be unique across all servers. A tool keeps its own
name when that is valid and no other server's tool has it; otherwise it becomes
`<server>_<tool>` (both with invalid characters replaced by `_`, cut to fit), and a number is
added in the rare case that still clashes.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

VALID_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_INVALID_CHARACTER = re.compile(r"[^a-zA-Z0-9_-]")
MAX_NAME = 64
MAX_DESCRIPTION = 4096
"""Characters of a tool's description sent to the model."""
MAX_TOOLS = 128
"""Tools offered in one request (OpenAI's own limit)."""


@dataclass(frozen=True)
class ServerTool:
    """A tool as its server lists it."""

    server: str
    name: str
    description: str = ""
    input_schema: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class OfferedTool:
    """A tool under the name the model sees."""

    exposed: str
    """The function name sent to (and called by) the model."""
    tool: ServerTool

    def to_openai(self) -> dict[str, Any]:
        """The entry of the request's `tools` array."""
        function: dict[str, Any] = {"name": self.exposed, "parameters": _parameters(self.tool)}
        if self.tool.description:
            function["description"] = self.tool.description[:MAX_DESCRIPTION]
        return {"type": "function", "function": function}


def offer(tools: Sequence[ServerTool]) -> list[OfferedTool]:
    """Name every tool for the model, in the order given (servers in config order)."""
    counts = Counter(tool.name for tool in tools)
    taken: set[str] = set()
    offered: list[OfferedTool] = []
    for tool in tools:
        name = tool.name
        if counts[name] > 1 or not VALID_NAME.match(name):
            name = _prefixed(tool.server, tool.name)
        name = _unique(name, taken)
        taken.add(name)
        offered.append(OfferedTool(name, tool))
    return offered


def _clean(text: str) -> str:
    return _INVALID_CHARACTER.sub("_", text)


def _prefixed(server: str, tool: str) -> str:
    server_part, tool_part = _clean(server) or "server", _clean(tool) or "tool"
    name = f"{server_part}_{tool_part}"
    if len(name) <= MAX_NAME:
        return name
    # Keep the tool's end readable and the whole distinct: a short hash of the full name.
    digest = hashlib.sha256(f"{server}\0{tool}".encode()).hexdigest()[:8]
    room = MAX_NAME - len(digest) - 2
    return f"{server_part[: room // 2]}_{tool_part[-(room - room // 2) :]}_{digest}"


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    number = 2
    while True:
        suffix = f"_{number}"
        candidate = name[: MAX_NAME - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        number += 1


def _parameters(tool: ServerTool) -> dict[str, Any]:
    """The tool's JSON Schema; an object schema even when the server sent none."""
    schema = dict(tool.input_schema) if isinstance(tool.input_schema, dict) else {}
    if schema.get("type") != "object":
        return {"type": "object", "properties": {}}
    schema.setdefault("properties", {})
    return schema
