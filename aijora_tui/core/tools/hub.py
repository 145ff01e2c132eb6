"""Every configured MCP server behind one object: what the engine offers, asks and runs.

The engine's tool round, with a hub on its event loop::

    tools = await hub.openai_tools()              # starts idle servers; [] when none is up
    ... stream the reply; feed each ToolCallDelta to a ToolCallAssembler ...
    for call in assembler.calls():
        if hub.needs_consent(call):
            decision = <the consent card, or Decision.DENY in `ask`>
            if decision is Decision.ALWAYS_ALLOW:
                await hub.always_allow(call)
            if not decision.runs:
                outcome = hub.denied(call)
                continue
        outcome = await hub.run(call)                # cancel the task to stop the call
    # outcome.part goes into history, outcome.for_model into the `role: "tool"` message

Servers start on first use (`openai_tools()`, concurrently) and stay up until `close()`. A server
that failed is left alone until `restart()`; its notice was given once, through `notify`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aijora_tui.core.errors import one_line
from aijora_tui.core.tools.assembler import AssembledCall
from aijora_tui.core.tools.config import McpServer, ToolLimits
from aijora_tui.core.tools.connection import Notify, ServerConnection
from aijora_tui.core.tools.consent import ConsentPolicy
from aijora_tui.core.tools.names import MAX_TOOLS, OfferedTool, offer
from aijora_tui.core.tools.results import DENIED, ToolOutcome


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """One line of the sidebar or the palette about a server."""

    name: str
    state: str
    """`idle`, `starting`, `ready`, `failed` or `stopped`."""
    tools: tuple[str, ...]
    """Names the model sees for the server's tools (while it is ready)."""
    problem: str | None


class ToolHub:
    """The MCP servers of the settings, their tools under model-safe names, and the policy."""

    def __init__(
        self,
        servers: Mapping[str, McpServer],
        limits: ToolLimits,
        *,
        notify: Notify,
        approve_all: bool = False,
        config_path: Path | None = None,
    ) -> None:
        self.limits = limits
        self.policy = ConsentPolicy(servers, approve_all=approve_all, config_path=config_path)
        self._notify = notify
        self._connections = {
            name: ServerConnection(server, notify) for name, server in servers.items()
        }
        self._offered: dict[str, OfferedTool] = {}
        self._overflow_told = False

    async def start(self) -> None:
        """Start every server that was never started, together; failures become notices."""
        idle = [c for c in self._connections.values() if c.state == "idle"]
        if idle:
            await asyncio.gather(*(connection.connect() for connection in idle))
        self._reoffer()

    async def openai_tools(self) -> list[dict[str, Any]]:
        """The request's `tools` array (servers started first); empty when no tool is up."""
        await self.start()
        return [tool.to_openai() for tool in self._offered.values()]

    async def restart(self, name: str) -> None:
        """Stop and start one server again (the palette's "restart")."""
        connection = self._connections[name]
        await connection.close()
        await connection.connect()
        self._reoffer()

    async def close(self) -> None:
        """Stop every server (on exit)."""
        await asyncio.gather(*(c.close() for c in self._connections.values()))
        self._offered = {}

    def status(self) -> list[ServerStatus]:
        """Every configured server, in config order."""
        by_server: dict[str, list[str]] = {}
        for exposed, tool in self._offered.items():
            by_server.setdefault(tool.tool.server, []).append(exposed)
        return [
            ServerStatus(name, c.state, tuple(by_server.get(name, ())), c.problem)
            for name, c in self._connections.items()
        ]

    def target(self, exposed: str) -> OfferedTool | None:
        """The server and tool behind a name the model called."""
        return self._offered.get(exposed)

    def needs_consent(self, call: AssembledCall) -> bool:
        """Whether the user must be asked first: a runnable call not approved in advance.

        A call that cannot run anyway (bad arguments, unknown tool) is not asked about: `run()`
        answers it with the problem.
        """
        offered = self.target(call.part.name)
        if call.problem is not None or offered is None:
            return False
        return not self.policy.approved(offered.tool.server, offered.tool.name)

    async def always_allow(self, call: AssembledCall) -> str | None:
        """Approve the call's tool from now on, in config.toml too; a notice if writing failed."""
        offered = self.target(call.part.name)
        if offered is None:
            return None
        try:
            await asyncio.to_thread(self.policy.remember, offered.tool.server, offered.tool.name)
        except (OSError, KeyError, ValueError) as error:
            return f"could not save the approval in the config file: {one_line(str(error))}"
        return None

    def denied(self, call: AssembledCall) -> ToolOutcome:
        """The outcome of a call the user refused."""
        offered = self.target(call.part.name)
        return ToolOutcome(call.part, DENIED, True, 0.0, offered.tool.server if offered else None)

    async def run(self, call: AssembledCall) -> ToolOutcome:
        """Run an approved call (bounded by `tool_timeout`); problems become error outcomes.

        Raises:
            asyncio.CancelledError: the caller was cancelled; the server was told to stop.
        """
        offered = self.target(call.part.name)
        if call.problem is not None:
            return ToolOutcome(call.part, call.problem, True, 0.0)
        if offered is None:
            problem = f"there is no tool named '{one_line(call.part.name, 80)}'"
            return ToolOutcome(call.part, problem, True, 0.0)
        connection = self._connections[offered.tool.server]
        started = time.monotonic()
        content, is_error = await connection.call(
            offered.tool.name, call.arguments or {}, self.limits.tool_timeout
        )
        seconds = time.monotonic() - started
        return ToolOutcome(call.part, content, is_error, seconds, offered.tool.server)

    def _reoffer(self) -> None:
        ready = [tool for c in self._connections.values() if c.state == "ready" for tool in c.tools]
        if len(ready) > MAX_TOOLS and not self._overflow_told:
            self._overflow_told = True
            self._notify(
                f"{len(ready)} tools are configured; only the first {MAX_TOOLS} are offered"
            )
        self._offered = {tool.exposed: tool for tool in offer(ready[:MAX_TOOLS])}
