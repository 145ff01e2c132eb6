"""Schema versions: upgrades from every earlier version keep the data; settings of a fresh file."""

from __future__ import annotations

import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest

from aijora_tui import paths
from aijora_tui.core import schema
from aijora_tui.core.store import BUSY_TIMEOUT_MS, Store, StoreError


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def insert_v1_data(conn: sqlite3.Connection) -> None:
    """Rows as version 1 stored them: a conversation with a branch, and a draft."""
    conn.executescript(
        """
        INSERT INTO conversations (id, title, model, created_at, updated_at)
            VALUES (1, 'Old chat', 'old-model', 100.0, 200.0);
        INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at,
                              updated_at)
            VALUES (1, 1, NULL, 'user', 'remember the zebra', 100.0, 100.0);
        INSERT INTO messages (id, conversation_id, parent_id, role, content, state,
                              total_tokens, created_at, updated_at)
            VALUES (2, 1, 1, 'assistant', 'zebras are striped', 'completed', 42, 150.0, 150.0);
        INSERT INTO messages (id, conversation_id, parent_id, role, content, state, error,
                              created_at, updated_at)
            VALUES (3, 1, 1, 'assistant', 'half', 'interrupted', 'cut', 160.0, 160.0);
        UPDATE conversations SET active_leaf_id = 2 WHERE id = 1;
        INSERT INTO drafts (conversation_id, text, updated_at) VALUES (1, 'unsent', 300.0);
        """
    )


@pytest.mark.parametrize("start", range(schema.LATEST_VERSION))
def test_upgrade_from_every_earlier_version_keeps_the_data(db_path: Path, start: int) -> None:
    db_path.parent.mkdir(parents=True)
    with closing(raw(db_path)) as conn:
        schema.upgrade(conn, target=start)
        assert schema.user_version(conn) == start
        if start >= 1:
            insert_v1_data(conn)

    with Store.open(db_path) as store:
        assert store._conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION
        if start == 0:
            assert store.list_conversations() == []
            return
        (summary,) = store.list_conversations()
        assert (summary.title, summary.model, summary.total_tokens, summary.message_count) == (
            "Old chat",
            "old-model",
            42,
            3,
        )
        path = store.active_path(1)
        assert [m.content for m in path] == ["remember the zebra", "zebras are striped"]
        assert [m.state for m in store.siblings(2)] == ["completed", "interrupted"]
        assert store.get_message(3).error == "cut"  # type: ignore[union-attr]
        assert store.load_draft(1) == "unsent"
        # Messages written before the search index existed are found.
        assert {hit.message_id for hit in store.search("zebra ")} == {1}
        assert {hit.message_id for hit in store.search("zebras")} == {2}
        # And the upgraded database keeps working as a new one does.
        reply = store.add_message(1, 2, "user", "and giraffes?")
        assert {hit.message_id for hit in store.search("giraffes")} == {reply.id}


def test_a_failing_step_is_rolled_back(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    broken = (*schema.STEPS, ("CREATE TABLE extra (x)", "THIS IS NOT SQL"))
    with closing(raw(db_path)) as conn:
        with pytest.raises(sqlite3.OperationalError):
            schema.upgrade(conn, steps=broken)
        assert schema.user_version(conn) == schema.LATEST_VERSION
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert "messages_fts" in tables and "extra" not in tables


def test_a_newer_database_is_refused_and_left_alone(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.create_conversation()
    with closing(raw(db_path)) as conn:
        conn.execute(f"PRAGMA user_version = {schema.LATEST_VERSION + 1}")
    with pytest.raises(StoreError, match="newer"):
        Store.open(db_path)
    with closing(raw(db_path)) as conn:
        assert schema.user_version(conn) == schema.LATEST_VERSION + 1
        assert conn.execute("SELECT count(*) FROM conversations").fetchone()[0] == 1


def test_a_step_applied_meanwhile_by_another_process_is_not_applied_twice(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with closing(raw(db_path)) as first, closing(raw(db_path)) as second:
        schema.upgrade(first)
        # `second` read version 0 before `first` upgraded: it must re-check inside its transaction.
        schema._apply(second, schema.STEPS[0], 1)
        assert schema.user_version(second) == schema.LATEST_VERSION


def test_open_creates_a_private_file_with_the_settings(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "history.sqlite3"
    with Store.open(path) as store:
        store.create_conversation()
        conn = store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_the_default_location_honours_xdg_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    expected = tmp_path / "xdg" / "aijora-tui" / "history.sqlite3"
    assert paths.database_file() == expected
    assert not expected.parent.exists()  # nothing is made before the store is opened
    with Store.open() as store:
        assert store.path == expected
    assert expected.is_file()
