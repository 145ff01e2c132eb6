"""The words of every notice about a reply, defined once for the TUI and `ask`.

A notice is one line; the TUI shows it under the reply, `ask` prints it on stderr after
`aijora-tui: `. Server-supplied names in them are sanitized by the caller's display path. The
remark on a completion that looks incomplete is `events.StreamCompleted.notice`.
"""

from __future__ import annotations

from aijora_tui.core.errors import AijoraError, ApiError
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


def no_vision(model: str) -> str:
    """An image is about to go to a model that, as far as we know, takes none."""
    return (
        f"{model} does not take images (by its provider's model list or [models] in the "
        "config); sending anyway — if it refuses, resend without attachments or pick another model"
    )


def failure(error: AijoraError, *, offered_tools: bool, sent_attachments: bool) -> str:
    """Why a request failed, in one line; a refusal of what the request carried (tools,
    attachments) says so and what to do."""
    if isinstance(error, ApiError) and 400 <= error.status < 500:
        text = error.server_message.lower()
        if offered_tools and ("tool" in text or "function" in text):
            return f"the server refused the tools ({error.server_message}); resend without tools"
        if sent_attachments and any(word in text for word in _ATTACHMENT_WORDS):
            return (
                f"the server refused the attachments ({error.server_message}); the model may "
                "not take images or files: resend without attachments"
            )
    return error.message


_ATTACHMENT_WORDS = ("image", "vision", "content", "file", "attachment", "multimodal")
