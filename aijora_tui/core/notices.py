"""The words of every notice about a reply, defined once for the TUI and `ask`.

A notice is one line; the TUI shows it under the reply, `ask` prints it on stderr after
`aijora-tui: `. Server-supplied names in them are sanitized by the caller's display path. The
remark on a completion that looks incomplete is `events.StreamCompleted.notice`.
"""

from __future__ import annotations

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
