"""`ask --tools [--yes]`: the configured MCP servers' tools, run without asking anyone.

A call runs when its tool is in its server's `auto_approve` (every call with `--yes`); any other
is denied and the model is told so. Each call is reported in one line on stderr; the answer
stays alone on stdout. The hub runs on a thread of its own (`ThreadedToolHub`), so the MCP SDK
and asyncio load only for a run with `--tools`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aijora_tui.config import Settings
from aijora_tui.core import notices
from aijora_tui.core.parts import ToolResultPart
from aijora_tui.core.tools.assembler import AssembledCall
from aijora_tui.core.tools.hub import ToolHub
from aijora_tui.core.tools.threaded import ThreadedToolHub

Notice = Callable[[str], None]


class AskTools:
    """The tools of one `ask` run."""

    def __init__(self, settings: Settings, *, approve_all: bool, notice: Notice) -> None:
        self._notice = notice
        hub = ToolHub(settings.mcp, settings.tools, notify=notice, approve_all=approve_all)
        self._threaded = ThreadedToolHub(hub)

    def close(self) -> None:
        self._threaded.close()

    def offer(self) -> list[dict[str, Any]]:
        """The `tools` of the request (the servers start now); empty when none is up."""
        return self._threaded.openai_tools()

    def answer(self, calls: Sequence[AssembledCall]) -> list[ToolResultPart]:
        """Run (or deny) every call, in order; each one reported on stderr."""
        hub = self._threaded.hub
        results = []
        for call in calls:
            if hub.needs_consent(call):
                outcome = hub.denied(call)
                self._notice(notices.tool_denied(call.part.name))
            else:
                outcome = self._threaded.run(call)
                self._notice(
                    notices.tool_ran(
                        call.part.name,
                        outcome.server,
                        outcome.seconds,
                        outcome.is_error,
                        len(outcome.content),
                    )
                )
            results.append(outcome.part)
        return results
