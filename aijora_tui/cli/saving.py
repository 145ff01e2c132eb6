"""Where `aijora-tui ask` keeps its exchange: the store opened as needed, and the session.

The store (SQLite) is imported only when it is used: `ask --no-save` without `--continue` does
not pay for it. When the database fails, `ask` warns and goes on: the answer on stdout comes
first, and the exit code stays that of the reply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from aijora_tui.config import Settings
from aijora_tui.core.errors import one_line
from aijora_tui.core.session import Session

if TYPE_CHECKING:
    from aijora_tui.core.store import Store

Warn = Callable[[str], None]


class CannotContinue(Exception):
    """`--continue` was asked and the latest conversation cannot be read."""


def open_store(*, required: bool, wanted: bool, warn: Warn) -> Store | None:
    """The store, imported only now; None when unwanted or (unless `required`) unusable."""
    if not wanted:
        return None
    from aijora_tui.core.store import Store, StoreError

    try:
        return Store.open()
    except StoreError as error:
        if required:
            raise CannotContinue(error) from None
        warn(f"the conversation will not be saved: {one_line(str(error))}")
        return None


def new_session(settings: Settings, store: Store | None, *, resume: bool, warn: Warn) -> Session:
    """A session on a new conversation, or on the latest one when `resume`.

    A `--system` flag wins; otherwise a resumed conversation keeps its own system prompt.

    Raises:
        CannotContinue: `resume` was asked and the conversation cannot be read.
    """
    session = Session(
        model=settings.model,
        params={"temperature": settings.temperature, "max_tokens": settings.max_tokens},
    )
    session.max_tool_rounds = settings.tools.max_tool_rounds
    session.provider = settings.provider
    loaded = None
    if resume and store is not None:
        from aijora_tui.core.loading import load_for_continuing
        from aijora_tui.core.store import StoreError

        try:
            loaded = load_for_continuing(store)
        except StoreError as error:
            raise CannotContinue(error) from None
        if loaded is None:
            warn("no earlier conversation to continue; starting a new one")
    session.open(loaded, settings.system_prompt)
    if loaded is not None and settings.sources.get("system_prompt") == "flag":
        session.conversation.system_prompt = settings.system_prompt
    return session
