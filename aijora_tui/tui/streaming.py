"""`ReplyStream`: how much of a streaming reply is on screen, apart from any widget.

The session settles arrived text into the reply (sanitized) and tells this stream; `drain()` —
at the log's refresh rate — splits what came since the last drain into settled Markdown blocks
and the growing tail. Because it lives with the log, not in a view, a reply keeps streaming into
the conversation while its view is not mounted, and a view mounted later shows it whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aijora_tui.tui.render import BlockSplitter


@dataclass
class Drained:
    """What changed since the last drain."""

    blocks: list[str] = field(default_factory=list)
    """Markdown blocks that became complete."""
    tail: str | None = None
    """The growing block now, if the answer text changed."""
    reasoning: str = ""
    """Reasoning text that arrived."""


class ReplyStream:
    """The settled text of one streaming reply, split for display."""

    def __init__(self) -> None:
        self.settled: list[str] = []
        """Every block settled so far, for a view mounted mid-stream."""
        self._splitter = BlockSplitter()
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._received: list[str] = []
        """All the text, exactly (the blocks and tail are what is shown)."""

    @property
    def tail(self) -> str:
        return self._splitter.tail

    @property
    def text(self) -> str:
        """Every character of text added, exactly as it came."""
        return "".join(self._received)

    def add(self, text: str, reasoning: str) -> None:
        """Sanitized text and reasoning that settled into the reply (the session's listener)."""
        if text:
            self._text.append(text)
            self._received.append(text)
        if reasoning:
            self._reasoning.append(reasoning)

    def drain(self) -> Drained | None:
        """What arrived since the last call, split; None when nothing did."""
        if not self._text and not self._reasoning:
            return None
        drained = Drained(reasoning="".join(self._reasoning))
        self._reasoning.clear()
        if self._text:
            drained.blocks = self._splitter.feed("".join(self._text))
            self._text.clear()
            self.settled += drained.blocks
            drained.tail = self._splitter.tail
        return drained
