"""The context window: how much of it a conversation fills, and what to send when it is full.

The tokens a conversation holds are the last reply's `usage.total_tokens` (what the server
counted for the whole path up to it) plus an estimate of what came after; without any usage,
an estimate of every message. The limit is the model's context length as the provider's
`/models` or the config says — never guessed: with no known limit nothing is checked.

When the next request would not fit, the user chooses: send anyway, send only the latest turns
that fit (`latest_start`), or compact: a summary of the older turns (`COMPACT_INSTRUCTION`)
stored as a `SummaryPart` and sent instead of them from then on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aijora_tui.core.conversation import Entry
from aijora_tui.core.parts import FilePart, ImagePart, SummaryPart, ToolResultPart
from aijora_tui.core.tokens import estimate_tokens

REPLY_ROOM = 0.1
"""Share of the window kept free for the reply when choosing the latest turns that fit."""
IMAGE_TOKENS = 1000
"""A rough cost of one image (providers count images in tiles; this is an estimate)."""
WARN_AT = 0.75
FULL_AT = 0.9
COMPACT_INSTRUCTION = (
    "Summarize the conversation above for yourself, to continue it without the original "
    "messages: keep every fact, decision, name, number, code identifier and open question; "
    "leave out pleasantries. Write only the summary."
)


@dataclass(frozen=True)
class ContextUse:
    """How much of the window a conversation (or a request) takes."""

    tokens: int
    limit: int | None
    estimated: bool
    """Part or all of `tokens` is an estimate."""

    @property
    def share(self) -> float | None:
        return None if not self.limit else self.tokens / self.limit

    @property
    def over(self) -> bool:
        return self.limit is not None and self.tokens > self.limit


def entry_tokens(entry: Entry) -> int:
    """An estimate of what one message costs in a request."""
    tokens = estimate_tokens(entry.content)
    for part in entry.parts:
        if isinstance(part, ImagePart):
            tokens += IMAGE_TOKENS
        elif isinstance(part, FilePart):
            tokens += estimate_tokens(part.text) if part.text else part.size // 4
        elif isinstance(part, ToolResultPart | SummaryPart):
            tokens += estimate_tokens(part.text if isinstance(part, SummaryPart) else part.content)
    return tokens


def sent_entries(entries: Sequence[Entry]) -> Sequence[Entry]:
    """The entries a request sends: from the last one carrying a summary of those before."""
    for index in range(len(entries) - 1, -1, -1):
        if any(isinstance(part, SummaryPart) for part in entries[index].parts):
            return entries[index:]
    return entries


def conversation_use(
    entries: Sequence[Entry], system_prompt: str | None, limit: int | None
) -> ContextUse:
    """The tokens the conversation's next request would hold, against `limit`."""
    entries = sent_entries(entries)
    base, start, estimated = estimate_tokens(system_prompt or ""), 0, True
    for index in range(len(entries) - 1, -1, -1):
        usage = entries[index].usage
        if entries[index].role == "assistant" and usage is not None and usage.total_tokens:
            base, start, estimated = usage.total_tokens, index + 1, False
            break
    later = sum(entry_tokens(entry) for entry in entries[start:])
    return ContextUse(base + later, limit, estimated or later > 0)


def latest_start(entries: Sequence[Entry], system_prompt: str | None, limit: int) -> int:
    """The index from which the newest turns fit in `limit` with room for a reply; a turn
    starts at a user message. The last message is always sent, even alone."""
    budget = limit * (1 - REPLY_ROOM) - estimate_tokens(system_prompt or "")
    used = 0
    start = len(entries)
    for index in range(len(entries) - 1, -1, -1):
        used += entry_tokens(entries[index])
        if used > budget and start < len(entries):
            break
        if entries[index].role == "user":
            start = index
    return min(start, max(0, len(entries) - 1))
