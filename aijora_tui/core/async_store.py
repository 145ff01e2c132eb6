"""`AsyncStore`: the conversation store for code running on an asyncio event loop (the UI).

Every call runs on one dedicated thread. Not `asyncio.to_thread`'s pool: a SQLite connection
belongs to the thread that opened it, and writes must apply in the order they were made.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from aijora_tui.core.models import Role, Usage
from aijora_tui.core.records import (
    ConversationSummary,
    MessageState,
    SearchHit,
    StoredConversation,
    StoredMessage,
)
from aijora_tui.core.search import HIGHLIGHT_END, HIGHLIGHT_START
from aijora_tui.core.store import Store

P = ParamSpec("P")
T = TypeVar("T")


class AsyncStore:
    """A `Store` whose every call runs on one dedicated thread, awaited from the event loop.

    Open with `await AsyncStore.open()`; the methods and errors are those of `Store`.
    """

    def __init__(self, store: Store, executor: ThreadPoolExecutor) -> None:
        self._store = store
        self._executor = executor
        self.path = store.path

    @classmethod
    async def open(cls, path: Path | None = None) -> AsyncStore:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aijora-store")
        try:
            store = await asyncio.get_running_loop().run_in_executor(executor, Store.open, path)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(store, executor)

    async def _call(self, method: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        call: Callable[[], T] = functools.partial(method, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(store, *args)` on the store's thread: for work made of several store calls
        (`loading`, `writes.perform`) that must not interleave with other calls."""
        return await self._call(function, self._store, *args)

    async def close(self) -> None:
        await self._call(self._store.close)
        self._executor.shutdown(wait=True)

    async def __aenter__(self) -> AsyncStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def create_conversation(
        self, *, model: str | None = None, system_prompt: str | None = None
    ) -> int:
        return await self._call(
            self._store.create_conversation, model=model, system_prompt=system_prompt
        )

    async def get_conversation(self, conversation_id: int) -> StoredConversation | None:
        return await self._call(self._store.get_conversation, conversation_id)

    async def rename_conversation(self, conversation_id: int, title: str) -> None:
        await self._call(self._store.rename_conversation, conversation_id, title)

    async def delete_conversation(self, conversation_id: int) -> bool:
        return await self._call(self._store.delete_conversation, conversation_id)

    async def list_conversations(
        self, limit: int | None = 50, offset: int = 0
    ) -> list[ConversationSummary]:
        return await self._call(self._store.list_conversations, limit, offset)

    async def latest_conversation_id(self) -> int | None:
        return await self._call(self._store.latest_conversation_id)

    async def add_message(
        self,
        conversation_id: int,
        parent_id: int | None,
        role: Role,
        content: str,
        *,
        model: str | None = None,
        state: MessageState = "completed",
        reasoning: str = "",
    ) -> StoredMessage:
        return await self._call(
            self._store.add_message,
            conversation_id,
            parent_id,
            role,
            content,
            model=model,
            state=state,
            reasoning=reasoning,
        )

    async def update_message(
        self,
        message_id: int,
        *,
        content: str | None = None,
        reasoning: str | None = None,
        state: MessageState | None = None,
        finish_reason: str | None = None,
        error: str | None = None,
        usage: Usage | None = None,
    ) -> None:
        await self._call(
            self._store.update_message,
            message_id,
            content=content,
            reasoning=reasoning,
            state=state,
            finish_reason=finish_reason,
            error=error,
            usage=usage,
        )

    async def get_message(self, message_id: int) -> StoredMessage | None:
        return await self._call(self._store.get_message, message_id)

    async def active_path(self, conversation_id: int) -> list[StoredMessage]:
        return await self._call(self._store.active_path, conversation_id)

    async def siblings(self, message_id: int) -> list[StoredMessage]:
        return await self._call(self._store.siblings, message_id)

    async def sibling_positions(self, conversation_id: int) -> dict[int, tuple[int, int]]:
        return await self._call(self._store.sibling_positions, conversation_id)

    async def switch_to(self, message_id: int) -> list[StoredMessage]:
        return await self._call(self._store.switch_to, message_id)

    async def search(
        self,
        query: str,
        limit: int = 50,
        *,
        start: str = HIGHLIGHT_START,
        end: str = HIGHLIGHT_END,
    ) -> list[SearchHit]:
        return await self._call(self._store.search, query, limit, start=start, end=end)

    async def save_draft(self, conversation_id: int | None, text: str) -> None:
        await self._call(self._store.save_draft, conversation_id, text)

    async def load_draft(self, conversation_id: int | None) -> str:
        return await self._call(self._store.load_draft, conversation_id)

    async def export_markdown(self, conversation_id: int) -> str:
        return await self._call(self._store.export_markdown, conversation_id)

    async def export_json(self, conversation_id: int) -> dict[str, Any]:
        return await self._call(self._store.export_json, conversation_id)
