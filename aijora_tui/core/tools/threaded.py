"""The tool hub for synchronous code: its own event loop on a background thread.

`aijora-tui ask` streams with blocking httpx and loads no asyncio at start-up; only a run with
`--tools` creates a `ThreadedToolHub`, which starts a daemon thread running an asyncio loop and
the `ToolHub` on it. Each method hands a coroutine to that loop and waits for it. Ctrl+C while a
call runs cancels the call's task on the loop, so the MCP server receives its cancellation, and
the `KeyboardInterrupt` then goes on up. `close()` stops the servers and the thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from aijora_tui.core.tools.assembler import AssembledCall
from aijora_tui.core.tools.hub import ToolHub
from aijora_tui.core.tools.results import ToolOutcome

T = TypeVar("T")
CANCEL_GRACE = 5.0
"""Seconds to let a cancelled call tell its server before giving up on it."""
CLOSE_TIMEOUT = 15.0
"""Seconds to stop every server on exit (the SDK bounds each stop to a few seconds)."""


class ThreadedToolHub:
    """A `ToolHub` on a loop of its own thread; use it as a context manager."""

    def __init__(self, hub: ToolHub) -> None:
        self.hub = hub
        """The hub itself; call its synchronous methods (`needs_consent`, `denied`) directly.
        Its `notify` is called on the hub's thread."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tools", daemon=True)
        self._thread.start()

    def __enter__(self) -> ThreadedToolHub:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def openai_tools(self) -> list[dict[str, Any]]:
        """`ToolHub.openai_tools()`: the servers start on the first call."""
        return self._wait(self.hub.openai_tools())

    def run(self, call: AssembledCall) -> ToolOutcome:
        """`ToolHub.run()`; a KeyboardInterrupt meanwhile cancels the call on the server."""
        return self._wait(self.hub.run(call))

    def close(self) -> None:
        """Stop every server, then the loop and its thread."""
        if self._loop.is_closed():
            return
        if self._thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(self.hub.close(), self._loop)
            try:
                future.result(CLOSE_TIMEOUT)
            except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
                future.cancel()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(CLOSE_TIMEOUT)
        if not self._thread.is_alive():
            self._loop.close()

    def _wait(self, coroutine: Coroutine[Any, Any, T]) -> T:
        finished = threading.Event()
        future = asyncio.run_coroutine_threadsafe(_until(coroutine, finished), self._loop)
        try:
            return future.result()
        except KeyboardInterrupt:
            future.cancel()
            finished.wait(CANCEL_GRACE)  # until the call has told its server
            raise


async def _until(coroutine: Coroutine[Any, Any, T], finished: threading.Event) -> T:
    """Run `coroutine`; `finished` is set once it has ended in any way (cancelled too)."""
    try:
        return await coroutine
    finally:
        finished.set()
