"""The words of every notice about a reply, defined once for the TUI and `ask`.

A notice is one line; the TUI shows it under the reply, `ask` prints it on stderr after
`aijora-tui: `. Server-supplied names in them are sanitized by the caller's display path. The
remark on a completion that looks incomplete is `events.StreamCompleted.notice`.
"""

from __future__ import annotations

from aijora_tui.core.errors import ApiError
from aijora_tui.core.events import RetryScheduled

CONTINUE_PROMPT = "Continue exactly where your previous answer stopped. Do not repeat anything."
"""Sent (not stored) after a stopped reply to have the model go on from where it stopped."""


def retry(event: RetryScheduled) -> str:
    """A request failed before any content and will be sent again."""
    wait = f"{event.delay:.1f} s"
    return f"{event.reason}; retrying in {wait} ({event.attempt}/{event.max_attempts})"


def tools_not_run(names: list[str]) -> str:
    """The model asked for tool calls and no tools are on for this request."""
    quoted = ", ".join(f"'{name or 'unnamed'}'" for name in names)
    plural = "s" if len(names) > 1 else ""
    return f"the model asked to call tool{plural} {quoted}; tools are off, nothing was run"


def join(*notices: str | None) -> str | None:
    """Several notices as one line (None when there is none)."""
    return "; ".join(notice for notice in notices if notice) or None


def tool_rounds_limit(rounds: int) -> str:
    """The turn stopped calling tools after `max_tool_rounds` rounds."""
    return f"stopped after {rounds} rounds of tool calls (max_tool_rounds in [tools])"


def tool_ran(name: str, server: str | None, seconds: float, is_error: bool, size: int) -> str:
    """A tool call's outcome, as `ask` reports it on stderr."""
    where = f" on {server}" if server else ""
    how = "failed" if is_error else "ran"
    return f"tool {name}{where} {how} in {seconds:.1f} s ({size} characters)"


def tool_denied(name: str) -> str:
    """A call `ask` did not run: the tool is not in its server's `auto_approve`."""
    return f"tool {name} denied (not in auto_approve; --yes runs every call)"


def tools_refused(message: str) -> str:
    """The server or model refused a request that offered tools."""
    return f"the server refused the tools ({message}); resend without tools"


def refuses_tools(error: ApiError) -> bool:
    """Whether a 4xx says the server or model takes no tools (function calling)."""
    text = error.server_message.lower()
    return 400 <= error.status < 500 and ("tool" in text or "function" in text)
