"""`Cadence`: when a streaming reply's new text goes on screen.

Text should not wait for a clock: the first delta of a reply, and the first after a quiet spell,
are drawn at once, so a slow model's words appear as they come and the first token costs no
extra latency. After that, updates come at most every `interval` (10 Hz reads as smooth).

But what an update costs depends on what it changed: a tail growing within its last line
repaints a line, while a reply that grows by a line scrolls the log, and the whole log is drawn
again (measured in bench/bench_frames.py: most of a streaming reply's CPU). So after an update
that made the log taller, the next one waits `grown_interval`: a fast stream then scrolls about
5 times a second, a line or two at a time, while a slower model, which adds a line only every
few updates, mostly gets the 10 Hz.

While nothing arrives, `flush` still runs every `idle_interval` until `stop()`: the log saves a
streaming reply's progress when it flushes, and a model that pauses must not leave what it sent
unsaved.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from textual.timer import Timer
from textual.widget import Widget

GROWN_INTERVAL = 0.2
"""Seconds before the next update after one that made the log taller (scrolled it)."""
IDLE_INTERVAL = 0.5
"""Seconds between runs while nothing arrives (the log's autosave interval)."""


class Cadence:
    """Runs `flush` after `poke()`: at once when the last run was long enough ago, else when it
    will be; one run covers every poke before it."""

    def __init__(
        self,
        owner: Widget,
        flush: Callable[[], Awaitable[None]],
        interval: float,
        grown_interval: float = GROWN_INTERVAL,
        idle_interval: float = IDLE_INTERVAL,
    ) -> None:
        self._owner = owner
        self._flush = flush
        self._interval = interval
        self._grown_interval = grown_interval
        self._idle_interval = idle_interval
        self._wait = interval
        """Seconds from the last run to the next: longer after one that made `owner` taller."""
        self._last = -grown_interval
        self._height = -1
        self._pending = False
        self._timer: Timer | None = None
        self._idle: Timer | None = None
        """The next run while nothing arrives."""
        self._active = False
        """Poked since the last `stop()`."""

    def poke(self) -> None:
        """Something arrived that should be drawn."""
        self._active = True
        if self._idle is not None:
            self._idle.stop()
            self._idle = None
        if self._pending:
            return
        self._pending = True
        wait = self._last + self._wait - time.monotonic()
        if wait <= 0:
            self._owner.call_later(self._run)
        else:
            self._timer = self._owner.set_timer(wait, self._run, name="stream-cadence")

    async def _run(self) -> None:
        if not self._pending:
            return  # stopped meanwhile
        self._pending = False
        self._timer = None
        height = self._owner.virtual_size.height  # laid out since the last run: did it grow?
        grew = self._height >= 0 and height > self._height
        self._wait = self._grown_interval if grew else self._interval
        self._height = height
        self._last = time.monotonic()
        await self._flush()
        self._wait_idle()

    def _wait_idle(self) -> None:
        if self._active and not self._pending and self._idle is None:
            self._idle = self._owner.set_timer(self._idle_interval, self._idle_run)

    async def _idle_run(self) -> None:
        self._idle = None
        if not self._pending:  # else a poke came, and its run is due sooner
            await self._flush()
            self._wait_idle()

    def stop(self) -> None:
        """No more runs until the next `poke()` (the reply ended)."""
        for timer in (self._timer, self._idle):
            if timer is not None:
                timer.stop()
        self._timer = self._idle = None
        self._pending = self._active = False
        self._height = -1
