"""Several writers on one file, and a writer killed with SIGKILL in the middle of a reply."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from contextlib import ExitStack, closing
from pathlib import Path

from aijora_tui.core.store import Store

ROOT = Path(__file__).resolve().parents[2]
WRITES = 150
TIMEOUT = 30.0


def spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.writer", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        result: str = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
    return result


def check_writes(path: Path, conversation: int, tags: list[str]) -> None:
    """Every writer's messages are there, once each, and each writer's chain is intact."""
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            "SELECT id, content, reasoning FROM messages WHERE conversation_id = ?",
            (conversation,),
        ).fetchall()
    expected = [(f"{tag} {i}", f"{tag} reasoning {i}") for tag in tags for i in range(WRITES)]
    assert sorted((content, reasoning) for _, content, reasoning in rows) == sorted(expected)
    leaves = {content: id_ for id_, content, _ in rows}
    with Store.open(path) as store:
        for tag in tags:
            chain = store.switch_to(leaves[f"{tag} {WRITES - 1}"])
            assert [m.content for m in chain] == [f"{tag} {i}" for i in range(WRITES)]


def test_two_threads_with_their_own_store_write_together(db_path: Path) -> None:
    with Store.open(db_path) as store:
        conversation = store.create_conversation()
    start = threading.Barrier(2, timeout=TIMEOUT)
    failures: list[BaseException] = []

    def write(tag: str) -> None:
        try:
            with Store.open(db_path) as own:
                start.wait()
                parent = None
                for index in range(WRITES):
                    message = own.add_message(conversation, parent, "user", f"{tag} {index}")
                    own.update_message(message.id, reasoning=f"{tag} reasoning {index}")
                    parent = message.id
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=write, args=(tag,)) for tag in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert failures == []
    check_writes(db_path, conversation, ["left", "right"])
    assert integrity(db_path) == "ok"


def test_two_processes_write_together(db_path: Path) -> None:
    with Store.open(db_path) as store:
        conversation = store.create_conversation()
    with ExitStack() as stack:
        writers = [
            stack.enter_context(spawn("append", str(db_path), str(conversation), str(WRITES), tag))
            for tag in ("A", "B")
        ]
        for writer in writers:
            assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
        for writer in writers:
            assert writer.stdin is not None
            writer.stdin.write("go\n")
            writer.stdin.flush()
        outputs = [writer.communicate(timeout=TIMEOUT)[0] for writer in writers]
    assert outputs == ["done\n", "done\n"]
    assert [writer.returncode for writer in writers] == [0, 0]
    check_writes(db_path, conversation, ["A", "B"])
    assert integrity(db_path) == "ok"


def test_a_writer_killed_mid_reply_loses_nothing_it_committed(db_path: Path) -> None:
    with spawn("stream", str(db_path)) as writer:
        assert writer.stdout is not None
        _, conversation, reply = writer.stdout.readline().split()
        last = 0
        while last < 40:
            last = int(writer.stdout.readline())
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(TIMEOUT)
    assert writer.returncode == -signal.SIGKILL
    assert integrity(db_path) == "ok"
    with Store.open(db_path) as store:
        path = store.active_path(int(conversation))
        assert [m.role for m in path] == ["user", "assistant"]
        assert path[0].content == "tell me a long story"
        stored = path[1]
        assert stored.id == int(reply) and stored.state == "streaming"
        words = stored.content.split()
        # Every update reported before the kill was committed (and maybe a few after it).
        assert len(words) >= last
        assert words == [f"w{i}" for i in range(len(words))]
        assert store.search(f"w{last - 2}")[0].message_id == stored.id
