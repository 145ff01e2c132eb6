"""`Window`: which messages of a long conversation are mounted, and how that range moves.

Pure bookkeeping, no widgets, so it is tested on its own: the log mounts the messages
`[start, end)` and asks the window where to go when the reader reaches an edge, jumps to a
message, or a message is added. Mounting only a window keeps the layout's cost (which grows with
the number of widgets) the same for a conversation of 20 messages or 2,000.
"""

from __future__ import annotations

from dataclasses import dataclass

WINDOW = 30
"""Messages mounted at most when a conversation opens or grows."""
PAGE = 15
"""Messages mounted at once when the reader scrolls past the top or bottom of the window."""


@dataclass
class Window:
    """The mounted range `[start, end)` of a list of `total` messages."""

    size: int = WINDOW
    page: int = PAGE
    start: int = 0
    end: int = 0

    def __contains__(self, index: int) -> bool:
        return self.start <= index < self.end

    def show_latest(self, total: int) -> range:
        """Mount the newest messages: returns the range to mount (everything else goes)."""
        return self.reset(max(0, total - self.size), total)

    def show_around(self, index: int, total: int) -> range:
        """Mount a window holding message `index`, a page of context above it."""
        return self.reset(max(0, min(index - self.page, total - self.size)), total)

    def reset(self, start: int, total: int) -> range:
        self.start = start
        self.end = min(total, start + self.size)
        return range(self.start, self.end)

    def at_end(self, total: int) -> bool:
        """Whether the newest message is mounted (a new one can simply be added)."""
        return self.end >= total

    def grow(self) -> None:
        """One message was added after the window's end and mounted."""
        self.end += 1

    def cut(self, length: int) -> None:
        """The list was cut to `length` messages."""
        self.end = min(self.end, length)
        self.start = min(self.start, self.end)

    def earlier(self) -> range:
        """The page before the window, now part of it (empty at the top)."""
        start = max(0, self.start - self.page)
        page = range(start, self.start)
        self.start = start
        return page

    def later(self, total: int) -> range:
        """The page after the window, now part of it (empty at the bottom)."""
        end = min(total, self.end + self.page)
        page = range(self.end, end)
        self.end = end
        return page

    def trim_top(self) -> range:
        """The oldest mounted messages beyond `size`, now out of the window."""
        excess = max(0, self.end - self.start - self.size)
        trimmed = range(self.start, self.start + excess)
        self.start += excess
        return trimmed

    def bottom_excess(self) -> range:
        """The newest mounted messages beyond `size` (what `trim_bottom` would take out)."""
        excess = max(0, self.end - self.start - self.size)
        return range(self.end - excess, self.end)

    def trim_bottom(self) -> range:
        """The newest mounted messages beyond `size`, now out of the window."""
        trimmed = self.bottom_excess()
        self.end = trimmed.start
        return trimmed
