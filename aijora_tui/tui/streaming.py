"""`ReplyStream`: the text of a reply that is still arriving, apart from any widget.

Deltas are appended as they come (a list append, nothing else); `drain()` — called at the
screen's refresh rate — sanitizes what arrived, adds it to the entry, and splits it into settled
Markdown blocks and the growing tail. Because the text lives here and in the entry, not in a
widget, a reply keeps streaming into the conversation even while its view is not mounted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aijora_tui.core.conversation import Entry
from aijora_tui.core.sanitize import StreamSanitizer
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
    """Collects one streaming reply's deltas and applies them to its entry."""

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.settled: list[str] = []
        """Every block settled so far, for a view mounted mid-stream."""
        self._splitter = BlockSplitter()
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._text_sanitizer = StreamSanitizer()
        self._reasoning_sanitizer = StreamSanitizer()

    @property
    def tail(self) -> str:
        return self._splitter.tail

    def append_text(self, text: str) -> None:
        self._text.append(text)

    def append_reasoning(self, text: str) -> None:
        self._reasoning.append(text)

    def drain(self) -> Drained | None:
        """Apply what arrived since the last call; None when nothing did."""
        if not self._text and not self._reasoning:
            return None
        drained = Drained()
        if self._reasoning:
            drained.reasoning = self._reasoning_sanitizer.feed("".join(self._reasoning))
            self._reasoning.clear()
            self.entry.reasoning += drained.reasoning
        if self._text:
            text = self._text_sanitizer.feed("".join(self._text))
            self._text.clear()
            self.entry.content += text
            drained.blocks = self._splitter.feed(text)
            self.settled += drained.blocks
            drained.tail = self._splitter.tail
        return drained

    def finish(self) -> None:
        """The reply ended: everything that arrived goes into the entry."""
        self.drain()
        self.entry.content += self._text_sanitizer.flush()
        self.entry.reasoning += self._reasoning_sanitizer.flush()
