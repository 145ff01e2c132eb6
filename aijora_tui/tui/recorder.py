"""`AsyncRecorder`: a session's store writes and reads, for the app's event loop.

Each write runs on the store's own thread (`AsyncStore.run`) with the same `writes.perform` that
`ask` calls directly; a lock keeps flushes from interleaving, so writes land in the order the
session decided them. A failed write waits, with all that follows it, for the next flush.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from aijora_tui.core.async_store import AsyncStore
from aijora_tui.core.store import StoreError
from aijora_tui.core.writes import Outbox, Write, perform

T = TypeVar("T")


class AsyncRecorder:
    """Writes (and reads) for one app; `store=None` (history off) keeps nothing."""

    def __init__(self, store: AsyncStore | None, warn: Callable[[str], None]) -> None:
        self.store = store
        self.outbox = Outbox(warn)
        self._lock = asyncio.Lock()

    async def flush(self, writes: list[Write]) -> None:
        if self.store is None:
            return
        self.outbox.add(writes)
        async with self._lock:
            while (write := self.outbox.next()) is not None:
                try:
                    result = await self.store.run(perform, write)
                except StoreError as error:
                    self.outbox.failed(error)
                    return
                self.outbox.done(write, result)

    async def read(self, function: Callable[..., T], *args: Any) -> T | None:
        """`function(store, *args)` on the store's thread, after pending writes; None (and a
        warning) when history is off or the read fails."""
        if self.store is None:
            return None
        await self.flush([])
        try:
            return await self.store.run(function, *args)
        except StoreError as error:
            self.outbox.failed(error)
            return None
