"""What every part of the conversation store shares: its errors, its connection, transactions.

`Store` (store.py) is built from `StoreBase` and the mixins of `store_conversations.py` and
`store_search.py`; callers import everything from `store.py`.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class StoreError(Exception):
    """The conversation database could not be opened, read or written."""


class NotFound(StoreError, LookupError):
    """No conversation or message has the given id."""


class UnknownValue(ValueError):
    """A caller passed a role or state the schema does not have: a bug, not a store failure."""


def guarded(method: Callable[P, T]) -> Callable[P, T]:
    """Report every failure of the database as `StoreError`, so callers need not know SQL exists.

    Not only `sqlite3.Error`: a value SQLite cannot take (an integer beyond 64 bits raises
    `OverflowError`, a lone surrogate `UnicodeEncodeError`) fails the write just the same, and a
    caller that saves must be able to keep its text and report one line whatever the cause.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except (StoreError, UnknownValue):
            raise
        except Exception as error:
            raise StoreError(f"conversation database: {_reason(error)}") from error

    return wrapper


def _reason(error: Exception) -> str:
    return str(error) if isinstance(error, sqlite3.Error) else f"{type(error).__name__}: {error}"


class StoreBase:
    """One SQLite connection, owned by the thread that opened it."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction; IMMEDIATE so that it waits for other writers up front."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    @staticmethod
    def _require_conversation(conn: sqlite3.Connection, conversation_id: int) -> None:
        if not conn.execute(
            "SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone():
            raise NotFound(f"no conversation with id {conversation_id}")
