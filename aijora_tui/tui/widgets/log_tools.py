"""The tool rounds of a reply in the app: consent cards, calls, results, the next round.

When a round of the reply ends in tool calls, a worker answers them one by one: a call whose
tool is not in its server's `auto_approve` waits for the user's answer on a consent card in the
reply (`y` once, `a` always, `n` deny; Escape stops the turn); an allowed call runs on its MCP
server (cancelled with the worker). Each outcome is posted back, added to the session and shown
under the call; when all are answered the session's next round streams into the same reply.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.message import Message

from aijora_tui.core.conversation import Entry
from aijora_tui.core.sanitize import sanitize
from aijora_tui.core.tools.assembler import AssembledCall
from aijora_tui.core.tools.consent import Decision
from aijora_tui.core.tools.results import ToolOutcome
from aijora_tui.tui.messages import StreamStopped
from aijora_tui.tui.widgets.log_view import LogView
from aijora_tui.tui.widgets.part_widgets import call_widget
from aijora_tui.tui.widgets.tool_consent import ConsentCard

if TYPE_CHECKING:
    from aijora_tui.core.tools.hub import ServerStatus, ToolHub

TOOLS_OFF = "off"
"""The conversation setting `tools` that keeps tools out of its requests."""


class ToolRounds(LogView):
    """Answers the tool calls of the streaming reply; the base of `MessageLog`."""

    @dataclass
    class ConsentNeeded(Message, bubble=False):
        entry: Entry
        call: AssembledCall
        server: str
        answer: asyncio.Future[Decision]

    @dataclass
    class ToolAnswered(Message, bubble=False):
        entry: Entry
        outcome: ToolOutcome

    @dataclass
    class ToolsAnswered(Message, bubble=False):
        entry: Entry

    def __init__(self, tools: Callable[[], ToolHub | None], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tool_hub = tools
        """The app's tool hub (None when no MCP server is configured)."""
        self._pending_answers: dict[str, asyncio.Future[Decision]] = {}

    async def answer_tools(self, entry: Entry, calls: Sequence[AssembledCall]) -> None:
        """Answer `calls` in a worker (the "stream" group: Escape stops it)."""
        hub = self.tool_hub()
        if hub is None:
            self.post_message(self.ToolsAnswered(entry))
            return
        self.run_worker(
            self._answer(hub, entry, list(calls)),
            group="stream",
            exclusive=True,
            exit_on_error=False,
        )

    async def _answer(self, hub: ToolHub, entry: Entry, calls: list[AssembledCall]) -> None:
        post = self.post_message
        try:
            for call in calls:
                if hub.needs_consent(call):
                    target = hub.target(call.part.name)
                    server = target.tool.server if target is not None else "?"
                    answer: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
                    post(self.ConsentNeeded(entry, call, server, answer))
                    decision = await answer
                    if decision is Decision.ALWAYS_ALLOW:
                        problem = await hub.always_allow(call)
                        if problem:
                            self.notify(problem, severity="warning", markup=False)
                    if not decision.runs:
                        post(self.ToolAnswered(entry, hub.denied(call)))
                        continue
                post(self.ToolAnswered(entry, await hub.run(call)))
            post(self.ToolsAnswered(entry))
        except asyncio.CancelledError:
            post(StreamStopped(entry, "cancelled", None))
            raise
        except Exception as error:  # never a traceback on screen: the reply says what broke
            post(StreamStopped(entry, "failed", f"tool call failed: {type(error).__name__}"))

    @on(ConsentNeeded)
    async def _consent_needed(self, message: ConsentNeeded) -> None:
        view = self.view_for(message.entry)
        part = message.call.part
        card = ConsentCard(part.id, message.server, part.name, part.arguments)
        self._pending_answers[part.id] = message.answer
        if view is None:  # the reader is far back: bring the reply that asks into view
            await self.action_follow()
            view = self.view_for(message.entry)
        if view is None:
            message.answer.set_result(Decision.DENY)
            return
        await view.add_activity(card)
        card.focus()
        self.call_after_refresh(self.scroll_to_widget, card, animate=False)

    @on(ConsentCard.Decided)
    def _consent_given(self, message: ConsentCard.Decided) -> None:
        answer = self._pending_answers.pop(message.call_id, None)
        if answer is not None and not answer.done():
            answer.set_result(message.decision)

    @on(ToolAnswered)
    async def _tool_answered(self, message: ToolAnswered) -> None:
        outcome = message.outcome
        self.tool_result_added(message.entry, outcome)
        view = self.view_for(message.entry)
        if view is not None:
            await view.add_activity(call_widget(outcome.call, outcome.part, outcome.seconds))

    def tools_line(self) -> str | None:
        """The sidebar's tools line: each server with its tool count or state; None without
        servers."""
        hub = self.tool_hub()
        if hub is None:
            return None
        if not self.tools_on:
            return "off for this conversation"
        return " · ".join(_server_line(status) for status in hub.status())

    @property
    def tools_on(self) -> bool:
        raise NotImplementedError

    def action_tools_status(self) -> None:
        """Say which MCP servers and tools are on (the palette's "Tools")."""
        hub = self.tool_hub()
        if hub is None:
            self.notify("No MCP servers are configured ([mcp.servers.NAME] in config.toml)")
            return
        lines = [
            f"{status.name}: {status.state}"
            + (f" — {', '.join(status.tools)}" if status.tools else "")
            + (f" ({status.problem})" if status.problem else "")
            for status in hub.status()
        ]
        self.notify(sanitize("\n".join(lines)), title="Tools", timeout=10, markup=False)

    async def action_restart_tools(self) -> None:
        """Start again every MCP server that failed or stopped."""
        hub = self.tool_hub()
        if hub is None:
            return
        for status in hub.status():
            if status.state in ("failed", "stopped"):
                await hub.restart(status.name)
        self.action_tools_status()

    def tool_result_added(self, entry: Entry, outcome: ToolOutcome) -> None:
        """Keep the outcome in the conversation (the subclass's session)."""
        raise NotImplementedError

    def cancel_consent(self) -> None:
        """The turn stopped: cards still waiting are answered "deny" (nothing will run)."""
        for answer in self._pending_answers.values():
            if not answer.done():
                answer.cancel()
        self._pending_answers.clear()
        for card in self.query(ConsentCard):
            if card.decision is None:
                card.decide(Decision.DENY)


def _server_line(status: ServerStatus) -> str:
    if status.state == "ready":
        return f"{status.name} ({len(status.tools)})"
    return f"{status.name} {'✗' if status.state == 'failed' else status.state}"
