"""`history`, `export` and the saving done by `ask`, as real subprocesses against the fake server.

The child gets a clean environment: XDG dirs in tmp_path, the fake server's URL, a fake key,
stdin from /dev/null. The database is then read with `Store` to check what was saved.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest

from aijora_tui.core.models import Usage
from aijora_tui.core.records import StoredMessage
from aijora_tui.core.store import Store
from tests.cli_env import cli_env
from tests.fake_server import (
    DONE,
    Cut,
    FakeServer,
    Pause,
    Script,
    chunk,
    json_error,
    text_stream,
    usage,
)

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "aijora_tui"]
API_KEY = "sk-store-test-Kq3vX9"
TIMEOUT = 30.0


@pytest.fixture
def env(tmp_path: Path, server: FakeServer) -> dict[str, str]:
    return cli_env(tmp_path, server.base_url, API_KEY)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "aijora-tui" / "history.sqlite3"


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def popen(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    # Python's SIGINT handler, even when this test process was started with SIGINT ignored.
    command = [
        sys.executable,
        "-c",
        "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "runpy.run_module('aijora_tui', run_name='__main__', alter_sys=True)",
        *args,
    ]
    return subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def read_until(stream: IO[bytes], marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        piece = os.read(stream.fileno(), 4096)
        if not piece:
            break
        data += piece
    return data


def wait_for(condition: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def saved(db: Path) -> list[list[StoredMessage]]:
    """The active path of every conversation, oldest conversation first."""
    with Store.open(db) as store:
        return [store.active_path(s.id) for s in reversed(store.list_conversations(limit=None))]


def assert_one_line(stderr: str, text: str) -> None:
    lines = [line for line in stderr.splitlines() if text in line]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr


# ---- ask ---------------------------------------------------------------------------------------


def test_ask_saves_the_prompt_before_sending_and_the_reply_when_done(
    tmp_path: Path, env: dict[str, str], db: Path
) -> None:
    at_request: list[list[tuple[str, str, str]]] = []

    def respond(request: dict[str, Any]) -> Script:
        with Store.open(db) as store:  # what was committed when the request arrived
            (summary,) = store.list_conversations()
            path = store.active_path(summary.id)
            at_request.append([(m.role, m.content, m.state) for m in path])
        return text_stream(["Bonjour", " !"], usage_=usage(7, 3))

    with FakeServer(responder=respond) as server:
        env["AIJORA_BASE_URL"] = server.base_url
        result = cli(env, "ask", "--model", "m-1", "--system", "Be kind.", "Say hi")

    assert (result.returncode, result.stdout) == (0, "Bonjour !"), result.stderr
    assert at_request == [[("user", "Say hi", "completed"), ("assistant", "", "streaming")]]
    [[question, reply]] = saved(db)
    assert (question.role, question.content) == ("user", "Say hi")
    assert (reply.role, reply.content, reply.state, reply.finish_reason) == (
        "assistant",
        "Bonjour !",
        "completed",
        "stop",
    )
    assert (reply.model, reply.usage, reply.error) == ("m-1", Usage(7, 3, 10), None)
    with Store.open(db) as store:
        conversation = store.get_conversation(question.conversation_id)
    assert conversation is not None
    assert (conversation.title, conversation.system_prompt) == ("Say hi", "Be kind.")
    assert API_KEY.encode() not in b"".join(p.read_bytes() for p in db.parent.iterdir())
    for form in ("md", "json"):
        exported = cli(env, "export", "--format", form)
        assert exported.returncode == 0 and "Bonjour !" in exported.stdout
        assert API_KEY not in exported.stdout


def test_a_streaming_reply_is_saved_while_it_arrives(
    server: FakeServer, env: dict[str, str], db: Path
) -> None:
    server.queue(
        Script([chunk("first"), Pause(1.1), chunk(" second"), Pause(30), chunk(" never"), DONE])
    )
    with popen(env, "ask", "hi") as child:
        assert child.stdout is not None
        try:
            assert read_until(child.stdout, b"second").endswith(b"second")

            def reply_saved() -> bool:
                [[_, reply]] = saved(db)
                return reply.content == "first second" and reply.state == "streaming"

            wait_for(reply_saved, timeout=5)
        finally:
            child.kill()
            child.communicate(timeout=TIMEOUT)


def test_a_failed_request_keeps_the_prompt_and_the_error(
    server: FakeServer, env: dict[str, str], db: Path
) -> None:
    server.queue(json_error(400, "the model is down"))
    result = cli(env, "ask", "are you there?")
    assert result.returncode == 1
    [[question, reply]] = saved(db)
    assert question.content == "are you there?"
    assert (reply.state, reply.content) == ("failed", "")
    assert reply.error is not None and "the model is down" in reply.error


def test_a_cut_stream_keeps_the_partial_reply_as_interrupted(
    server: FakeServer, env: dict[str, str], db: Path
) -> None:
    server.queue(Script([chunk("half an ans"), Cut()]))
    result = cli(env, "ask", "q")
    assert (result.returncode, result.stdout) == (1, "half an ans")
    [[_, reply]] = saved(db)
    assert (reply.state, reply.content) == ("interrupted", "half an ans")
    assert reply.error


def test_ctrl_c_keeps_the_partial_reply_as_cancelled(
    server: FakeServer, env: dict[str, str], db: Path
) -> None:
    server.queue(Script([chunk("partial"), Pause(60), chunk("never"), DONE]))
    with popen(env, "ask", "hi") as child:
        assert child.stdout is not None
        try:
            read_until(child.stdout, b"partial")
            child.send_signal(signal.SIGINT)
            child.communicate(timeout=TIMEOUT)
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == 130
    [[_, reply]] = saved(db)
    assert (reply.state, reply.content) == ("cancelled", "partial")


def test_no_save_leaves_no_trace(server: FakeServer, env: dict[str, str], db: Path) -> None:
    result = cli(env, "ask", "--no-save", "secret question")
    assert result.returncode == 0 and "secret question" in result.stdout
    assert not db.exists()


def test_continue_sends_the_latest_conversation_and_appends_to_it(
    server: FakeServer, env: dict[str, str], db: Path
) -> None:
    server.queue(text_stream(["Paris."]), text_stream(["Rome."]), text_stream(["Madrid."]))
    assert cli(env, "ask", "--system", "Be brief.", "Capital of France?").returncode == 0
    assert cli(env, "ask", "--continue", "And Italy?").returncode == 0
    assert cli(env, "ask", "-c", "--no-save", "And Spain?").returncode == 0

    second, third = (request.json()["messages"] for request in server.chat_requests()[1:])
    history = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
    ]
    assert second == [*history, {"role": "user", "content": "And Italy?"}]
    assert third == [
        *history,
        {"role": "user", "content": "And Italy?"},
        {"role": "assistant", "content": "Rome."},
        {"role": "user", "content": "And Spain?"},
    ]
    [path] = saved(db)  # one conversation, and --no-save added nothing to it
    assert [m.content for m in path] == ["Capital of France?", "Paris.", "And Italy?", "Rome."]


def test_continue_after_a_reply_that_failed_empty_joins_the_two_questions(
    server: FakeServer, env: dict[str, str], db: Path
) -> None:
    """Never two user turns in a row (strict servers refuse them): the same rule as the TUI."""
    server.queue(json_error(400, "bad request"), text_stream(["ok"]))
    assert cli(env, "ask", "first try").returncode == 1
    assert cli(env, "ask", "--continue", "again").returncode == 0
    assert server.chat_requests()[1].json()["messages"] == [
        {"role": "user", "content": "first try\n\nagain"},
    ]
    [path] = saved(db)  # what was sent is what the stored path says
    assert [(m.role, m.content, m.state) for m in path] == [
        ("user", "first try", "completed"),
        ("assistant", "", "failed"),
        ("user", "again", "completed"),
        ("assistant", "ok", "completed"),
    ]


def test_continue_without_any_conversation_starts_one(
    server: FakeServer, env: dict[str, str], db: Path
) -> None:
    result = cli(env, "ask", "--continue", "hello")
    assert result.returncode == 0
    assert_one_line(result.stderr, "no earlier conversation")
    [[question, _]] = saved(db)
    assert question.content == "hello"


def test_a_database_that_cannot_be_opened_does_not_cost_the_answer(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    env["XDG_DATA_HOME"] = str(blocker)
    server.queue(text_stream(["still ", "here"]))
    result = cli(env, "ask", "hi")
    assert (result.returncode, result.stdout) == (0, "still here")
    assert_one_line(result.stderr, "will not be saved")

    server.queue(text_stream(["x"]))
    result = cli(env, "ask", "--continue", "hi")
    assert result.returncode == 1 and result.stdout == ""
    assert_one_line(result.stderr, "cannot continue")
    assert len(server.chat_requests()) == 1  # nothing was sent without its history


# ---- history and export ------------------------------------------------------------------------


def make_history(db: Path) -> tuple[int, int]:
    """Two conversations written straight into the store, the second with a hostile title."""
    with Store.open(db) as store:
        first = store.create_conversation(model="model-a")
        question = store.add_message(first, None, "user", "How are you?")
        store.add_message(first, question.id, "assistant", "Fine, thanks.", model="model-a")
        second = store.create_conversation()
        store.add_message(second, None, "user", "\x1b]0;pwned\x07Title\x1b[31m red\u202e")
    return first, second


def test_history_lists_conversations_newest_first(env: dict[str, str], db: Path) -> None:
    first, second = make_history(db)
    result = cli(env, "history")
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    newest, oldest = (line.split() for line in lines)
    assert newest[0] == str(second) and newest[3:] == ["-", "0", "tokens", "Title", "red"]
    assert oldest[0] == str(first) and oldest[3:] == [
        "model-a",
        "0",
        "tokens",
        "How",
        "are",
        "you?",
    ]
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout


def test_history_without_conversations(env: dict[str, str], db: Path) -> None:
    result = cli(env, "history")
    assert (result.returncode, result.stdout) == (0, "")
    assert_one_line(result.stderr, "no saved conversations")
    assert not db.exists()  # listing does not create the database


def test_export_markdown_and_json_to_stdout(env: dict[str, str], db: Path) -> None:
    first, _ = make_history(db)
    latest = cli(env, "export")
    assert latest.returncode == 0
    assert "Title" in latest.stdout and "How are you?" not in latest.stdout

    markdown = cli(env, "export", str(first), "--format", "md")
    assert markdown.returncode == 0
    assert markdown.stdout.startswith("# How are you?\n")
    assert "Fine, thanks." in markdown.stdout

    exported = cli(env, "export", str(first), "--format", "json")
    assert exported.returncode == 0
    data = json.loads(exported.stdout)
    assert data["id"] == first
    assert [(m["role"], m["content"]) for m in data["messages"]] == [
        ("user", "How are you?"),
        ("assistant", "Fine, thanks."),
    ]


def test_export_to_a_file(tmp_path: Path, env: dict[str, str], db: Path) -> None:
    first, _ = make_history(db)
    target = tmp_path / "out" / "chat.json"
    result = cli(env, "export", str(first), "--format", "json", "-o", str(target))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert json.loads(target.read_text())["messages"][1]["content"] == "Fine, thanks."
    assert target.stat().st_mode & 0o077 == 0


def test_export_errors_are_one_line(tmp_path: Path, env: dict[str, str], db: Path) -> None:
    nothing = cli(env, "export")
    assert (nothing.returncode, nothing.stdout) == (1, "")
    assert_one_line(nothing.stderr, "no saved conversations")

    make_history(db)
    unknown = cli(env, "export", "4242")
    assert (unknown.returncode, unknown.stdout) == (1, "")
    assert_one_line(unknown.stderr, "no conversation with id 4242")

    blocker = tmp_path / "file"
    blocker.write_text("x")
    unwritable = cli(env, "export", "-o", str(blocker / "x.md"))
    assert unwritable.returncode == 1
    assert_one_line(unwritable.stderr, "cannot write")

    with Store.open(db) as store:
        store._conn.execute("PRAGMA user_version = 99")
    newer = cli(env, "history")
    assert newer.returncode == 1
    assert_one_line(newer.stderr, "newer")
