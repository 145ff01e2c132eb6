"""`aijora-tui ask` as a real subprocess against the fake server (the README's contract).

stdout carries the answer alone, byte for byte when it is not a terminal; everything else goes
to stderr as whole lines; exit 0 completed, 1 API/network error or incomplete stream, 2 bad
usage, 130 Ctrl+C. The child gets a clean environment: XDG dirs in tmp_path, no AIJORA_* from
the developer's shell, stdin from /dev/null unless the test is about stdin.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import pytest

from tests.cli_env import cli_env
from tests.core.helpers import API_KEY, ROOT, SEED_TEXT, C, D, F, event, seed_events
from tests.fake_server import Cut, FakeServer, Pause, Script, json_error, text_stream

ASK = [sys.executable, "-m", "aijora_tui", "ask"]
TIMEOUT = 30


@pytest.fixture
def env(tmp_path: Path, server: FakeServer) -> dict[str, str]:
    return cli_env(tmp_path, server.base_url, API_KEY)


def ask(
    env: dict[str, str],
    *args: str,
    input: bytes | None = None,
    stdin: int | IO[Any] | None = subprocess.DEVNULL,
    stdout: int | None = subprocess.PIPE,
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*ASK, *args],
        env=env,
        cwd=ROOT,
        input=input,
        stdin=None if input is not None else stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=TIMEOUT,
        check=False,
    )


def assert_clean_stderr(stderr: bytes) -> None:
    text = stderr.decode()
    for noise in (
        "Traceback",
        "Exception ignored",
        "Task was destroyed",
        "Error in sys.excepthook",
    ):
        assert noise not in text, text
    assert API_KEY not in text


def error_line(result: subprocess.CompletedProcess[bytes]) -> str:
    """The one error line ask printed (retry notices may precede it)."""
    assert_clean_stderr(result.stderr)
    lines = result.stderr.decode().splitlines()
    errors = [line for line in lines if line.startswith("aijora-tui: error: ")]
    assert len(errors) == 1, lines
    assert lines[-1] == errors[0]
    assert result.stderr.endswith(b"\n")
    return errors[0]


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def wait_for(predicate: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# ---- the answer on stdout -----------------------------------------------------------------------


def test_seed_reply_is_written_byte_exact(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(Script(seed_events()))
    result = ask(env, "Как дела?")

    assert result.returncode == 0, result.stderr
    assert result.stdout == SEED_TEXT.encode()  # no trailing newline added to a pipe
    assert result.stderr == b""
    [request] = server.chat_requests()
    assert request.json()["messages"] == [{"role": "user", "content": "Как дела?"}]
    assert request.headers["authorization"] == f"Bearer {API_KEY}"


def test_usage_goes_to_stderr(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(Script(seed_events()))
    result = ask(env, "--usage", "hi")

    assert result.returncode == 0
    assert result.stdout == SEED_TEXT.encode()
    assert result.stderr == b"usage: prompt_tokens=10 completion_tokens=5 total_tokens=15\n"


def test_unknown_usage_is_not_zero(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(Script([C("a"), F("stop"), D]))
    result = ask(env, "hi", "--usage")

    assert result.returncode == 0
    assert result.stdout == b"a"
    assert result.stderr == b"usage: unknown (the server reported none)\n"


def test_hostile_text_to_a_pipe_is_unchanged(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(Script([C("\x1b[2J[bold]x[/bold]"), F("stop"), D]))
    result = ask(env, "hi")

    assert result.returncode == 0
    assert result.stdout == b"\x1b[2J[bold]x[/bold]"


def read_terminal(master: int) -> bytes:
    out = b""
    while True:
        try:
            ready, _, _ = select.select([master], [], [], 5)
            if not ready:
                return out
            piece = os.read(master, 4096)
        except OSError:  # EIO: the slave side is closed and drained
            return out
        if not piece:
            return out
        out += piece


def test_hostile_text_to_a_terminal_is_stripped(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(Script([C("\x1b[2J[bold]x"), C("\x1b]0;pwned"), C("\x07[/bold]"), F("stop"), D]))
    master, slave = pty.openpty()
    try:
        result = ask(env, "hi", stdout=slave)
        os.close(slave)
        shown = read_terminal(master)
    finally:
        os.close(master)

    assert result.returncode == 0, result.stderr
    assert b"\x1b" not in shown and b"\x07" not in shown
    assert shown == b"[bold]x[/bold]\r\n"  # a terminal gets a final newline (the pty adds \r)


def test_lone_surrogate_does_not_crash(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(Script([b'data: {"choices":[{"delta":{"content":"a\\ud83d"}}]}\n\n', F("stop")]))
    result = ask(env, "hi")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "a\ufffd".encode()
    assert_clean_stderr(result.stderr)


def test_reasoning_and_notices_go_to_stderr_as_lines(
    server: FakeServer, env: dict[str, str]
) -> None:
    tool_call = {"index": 0, "id": "t1", "function": {"name": "get_weather", "arguments": "{}"}}
    server.queue(
        Script(
            [
                b'data: {"choices":[{"delta":{"reasoning_content":"think"}}]}\n\n',
                b'data: {"choices":[{"delta":{"reasoning":"more"}}]}\n\n',
                C("Answer"),
                event({"choices": [{"delta": {"tool_calls": [tool_call]}}]}),
                F("length"),
                D,
            ]
        )
    )
    result = ask(env, "hi", "--usage")

    assert result.returncode == 0
    assert result.stdout == b"Answer"
    assert result.stderr.decode().splitlines() == [
        "thinkmore",
        "aijora-tui: the model asked to call tool 'get_weather'; tools are off, nothing was run",
        "aijora-tui: reply truncated: the model hit its token limit (finish_reason=length)",
        "usage: unknown (the server reported none)",
    ]


@pytest.mark.parametrize(
    ("reason", "notice"),
    [
        ("length", "reply truncated: the model hit its token limit (finish_reason=length)"),
        ("content_filter", "reply stopped by the content filter (finish_reason=content_filter)"),
    ],
)
def test_incomplete_looking_finish_is_flagged_exit_0(
    server: FakeServer, env: dict[str, str], reason: str, notice: str
) -> None:
    server.queue(text_stream(["Once upon a"], finish=reason))
    result = ask(env, "story")

    assert result.returncode == 0
    assert result.stdout == b"Once upon a"
    assert result.stderr == f"aijora-tui: {notice}\n".encode()


# ---- where the prompt comes from ----------------------------------------------------------------


def test_prompt_from_stdin(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(text_stream(["ok"]))
    result = ask(env, input="Вопрос из stdin\n".encode())

    assert result.returncode == 0, result.stderr
    [request] = server.chat_requests()
    assert request.json()["messages"] == [{"role": "user", "content": "Вопрос из stdin\n"}]


def test_stdin_that_is_not_utf8_is_sent_with_replacement_characters(
    server: FakeServer, env: dict[str, str]
) -> None:
    server.queue(text_stream(["ok"]))
    result = ask(env, input=b"abc\xff\xfe")

    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    [request] = server.chat_requests()
    assert request.json()["messages"][-1]["content"] == "abc\ufffd\ufffd"


def test_prompt_plus_piped_file(server: FakeServer, env: dict[str, str], tmp_path: Path) -> None:
    attachment = tmp_path / "notes.txt"
    attachment.write_text("line one\nline two\n", encoding="utf-8")
    server.queue(text_stream(["summary"]))
    with attachment.open("rb") as stdin:
        result = ask(env, "Summarize:", stdin=stdin)

    assert result.returncode == 0, result.stderr
    assert result.stdout == b"summary"
    [request] = server.chat_requests()
    content = request.json()["messages"][-1]["content"]
    assert content == "Summarize:\n\nline one\nline two\n"


def test_prompt_with_an_idle_open_pipe_does_not_hang(
    server: FakeServer, env: dict[str, str]
) -> None:
    server.queue(text_stream(["ok"]))
    with subprocess.Popen(
        [*ASK, "hi"],
        env=env,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        try:
            # stdin stays open and silent while the child runs: it must not wait for it.
            assert wait_for(lambda: child.poll() is not None, TIMEOUT), "ask waited on stdin"
        finally:
            child.kill() if child.poll() is None else None
            stdout, stderr = child.communicate(timeout=TIMEOUT)
    assert child.returncode == 0, stderr
    assert stdout == b"ok"
    assert server.chat_requests()[0].json()["messages"][-1]["content"] == "hi"


def test_no_prompt_is_usage_error(server: FakeServer, env: dict[str, str]) -> None:
    result = ask(env)

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == b"aijora-tui: error: no prompt; give PROMPT or pipe text on stdin\n"
    assert server.chat_requests() == []


def test_blank_prompt_is_usage_error(server: FakeServer, env: dict[str, str]) -> None:
    result = ask(env, "   ", input=b"\n\n")
    assert result.returncode == 2
    assert server.chat_requests() == []


def test_no_prompt_with_a_terminal_on_stdin_does_not_wait(
    server: FakeServer, env: dict[str, str]
) -> None:
    master, slave = pty.openpty()
    try:
        result = ask(env, stdin=slave)
    finally:
        os.close(slave)
        os.close(master)
    assert result.returncode == 2
    assert server.chat_requests() == []


def test_unknown_flag_is_usage_error(env: dict[str, str]) -> None:
    result = ask(env, "--no-such-flag", "hi")
    assert result.returncode == 2
    assert b"unrecognized arguments: --no-such-flag" in result.stderr
    assert_clean_stderr(result.stderr)


# ---- errors: exit 1, one clear line, no traceback -------------------------------------------


def test_401_names_the_variable_and_hides_the_key(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(json_error(401, f"Invalid API key: {API_KEY}"))
    result = ask(env, "hi")

    assert result.returncode == 1
    assert result.stdout == b""
    line = error_line(result)
    assert "AIJORA_API_KEY" in line
    assert line == (
        "aijora-tui: error: HTTP 401: the server refused the API key (Invalid API key: ***); "
        "check AIJORA_API_KEY or the key in your config"
    )
    assert result.stderr.count(b"\n") == 1


def test_402_insufficient_balance(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(json_error(402, "Недостаточно средств на балансе", kind="insufficient_balance"))
    result = ask(env, "hi")

    assert result.returncode == 1
    assert error_line(result) == (
        "aijora-tui: error: HTTP 402: insufficient balance (Недостаточно средств на балансе); "
        "top up your balance and try again"
    )
    assert len(server.chat_requests()) == 1


def test_500_without_retry(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(
        json_error(
            500, "upstream exploded", kind="server_error", headers={"x-should-retry": "false"}
        )
    )
    result = ask(env, "hi")

    assert result.returncode == 1
    assert result.stderr == b"aijora-tui: error: HTTP 500: server error (upstream exploded)\n"


def test_500_retried_then_reported(server: FakeServer, env: dict[str, str]) -> None:
    failure = json_error(503, "overloaded", headers={"retry-after-ms": "100"})
    server.queue(failure, failure, failure)
    result = ask(env, "hi")

    assert result.returncode == 1
    assert result.stderr.decode().splitlines() == [
        "aijora-tui: HTTP 503; retrying in 0.1 s (1/2)",
        "aijora-tui: HTTP 503; retrying in 0.1 s (2/2)",
        "aijora-tui: error: HTTP 503: server error (overloaded)",
    ]
    assert len(server.chat_requests()) == 3


def test_rate_limit_retried_then_success(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(
        json_error(429, "Rate limit exceeded", headers={"retry-after-ms": "100"}),
        Script(seed_events()),
    )
    result = ask(env, "hi")

    assert result.returncode == 0, result.stderr
    assert result.stdout == SEED_TEXT.encode()
    assert result.stderr == b"aijora-tui: rate limited (HTTP 429); retrying in 0.1 s (1/2)\n"


def test_connection_refused(env: dict[str, str]) -> None:
    env["AIJORA_BASE_URL"] = f"http://127.0.0.1:{closed_port()}/v1"
    result = ask(env, "hi")

    assert result.returncode == 1
    assert result.stdout == b""
    assert error_line(result).startswith("aijora-tui: error: cannot reach 127.0.0.1: ")


def test_cut_stream_keeps_partial_text(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(Script([C("partial "), C("answer"), Cut()]))
    result = ask(env, "hi")

    assert result.returncode == 1
    assert result.stdout == b"partial answer"
    assert error_line(result).startswith(
        "aijora-tui: error: the connection broke in the middle of the reply ("
    )


def test_stream_ending_without_finish_is_an_error(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(Script([C("partial")]))
    result = ask(env, "hi")

    assert result.returncode == 1
    assert result.stdout == b"partial"
    assert error_line(result) == (
        "aijora-tui: error: the stream ended before the reply was complete"
    )


def test_in_band_error_keeps_partial_text(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(Script([C("Half"), b'data: {"error":{"message":"overloaded"}}\n\n', D]))
    result = ask(env, "hi")

    assert result.returncode == 1
    assert result.stdout == b"Half"
    assert error_line(result) == "aijora-tui: error: the server reported an error: overloaded"


def test_no_key_for_the_default_server(env: dict[str, str]) -> None:
    del env["AIJORA_API_KEY"]
    del env["AIJORA_BASE_URL"]
    result = ask(env, "hi")

    assert result.returncode == 1
    assert "AIJORA_API_KEY" in error_line(result)


@pytest.mark.parametrize("url", ["http://[::1", "ftp://example.com/v1"])
def test_malformed_base_url_is_usage_error(env: dict[str, str], url: str) -> None:
    result = ask(env, "--base-url", url, "hi")

    assert result.returncode == 2
    assert error_line(result).startswith(f"aijora-tui: error: invalid base URL {url!r}")


def test_reader_going_away_is_quiet(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(Script([C("first"), Pause(0.5), C("second"), Pause(0.5), C("third"), F("stop")]))
    with subprocess.Popen(
        [*ASK, "hi"],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        assert read_until(child.stdout, b"first") == b"first"
        child.stdout.close()  # like `| head -c 5`
        stderr = child.stderr.read()
        child.wait(TIMEOUT)
    assert child.returncode == 1
    assert_clean_stderr(stderr)


# ---- Ctrl+C -----------------------------------------------------------------------------------


def read_until(stream: IO[bytes], wanted: bytes, timeout: float = 15) -> bytes:
    """Read from a pipe until `wanted` has arrived (or the deadline passes)."""
    fd = stream.fileno()
    out = b""
    deadline = time.monotonic() + timeout
    while wanted not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            piece = os.read(fd, 4096)
            if not piece:
                break
            out += piece
    return out


def test_sigint_mid_stream_exits_130(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(Script([C("partial"), Pause(60), C("never"), F("stop"), D]))
    # Run the same `python -m aijora_tui` module, but with Python's SIGINT handler installed
    # even if this test process was started with SIGINT ignored (nohup, CI runners).
    command = [
        sys.executable,
        "-c",
        "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "runpy.run_module('aijora_tui', run_name='__main__', alter_sys=True)",
        "ask",
        "hi",
    ]
    with subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdout is not None
        try:
            first = read_until(child.stdout, b"partial")
            assert first == b"partial"
            child.send_signal(signal.SIGINT)
            rest, stderr = child.communicate(timeout=TIMEOUT)
        finally:
            if child.poll() is None:
                child.kill()

    assert child.returncode == 130
    assert first + rest == b"partial"
    assert_clean_stderr(stderr)
    [request] = server.chat_requests()
    assert wait_for(lambda: request.disconnected is not None), "the server must see the client go"


# ---- flags, environment, config ---------------------------------------------------------------


def test_flags_reach_the_request(server: FakeServer, env: dict[str, str]) -> None:
    env["AIJORA_BASE_URL"] = f"http://127.0.0.1:{closed_port()}/v1"  # the flag must win
    env["AIJORA_MODEL"] = "env-model"
    server.queue(text_stream(["ok"]))
    result = ask(
        env, "--model", "flag-model", "--base-url", server.base_url, "--system", "Be brief.", "hi"
    )

    assert result.returncode == 0, result.stderr
    [request] = server.chat_requests()
    assert request.json() == {
        "model": "flag-model",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hi"},
        ],
        "stream": True,
    }


def test_global_flags_before_the_command(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(text_stream(["ok"]))
    command = [sys.executable, "-m", "aijora_tui", "--model", "global-model", "ask", "hi"]
    result = subprocess.run(
        command,
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert server.chat_requests()[0].json()["model"] == "global-model"


@pytest.mark.parametrize(
    ("config", "environment", "flag", "expected"),
    [
        (None, None, None, "gpt-4o-mini"),
        ("config-model", None, None, "config-model"),
        ("config-model", "env-model", None, "env-model"),
        (None, "env-model", None, "env-model"),
        ("config-model", "env-model", "flag-model", "flag-model"),
        (None, None, "flag-model", "flag-model"),
    ],
)
def test_model_precedence(
    server: FakeServer,
    env: dict[str, str],
    tmp_path: Path,
    config: str | None,
    environment: str | None,
    flag: str | None,
    expected: str,
) -> None:
    if config is not None:
        path = tmp_path / "config" / "aijora-tui" / "config.toml"
        path.parent.mkdir(parents=True)
        path.write_text(f'model = "{config}"\n', encoding="utf-8")
    if environment is not None:
        env["AIJORA_MODEL"] = environment
    args: Sequence[str] = ("--model", flag, "hi") if flag else ("hi",)
    server.queue(text_stream(["ok"]))
    result = ask(env, *args)

    assert result.returncode == 0, result.stderr
    assert server.chat_requests()[0].json()["model"] == expected


def test_config_file_supplies_key_url_and_system_prompt(
    server: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    del env["AIJORA_API_KEY"]
    del env["AIJORA_BASE_URL"]
    path = tmp_path / "config" / "aijora-tui" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(
        f'api_key = "{API_KEY}"\nbase_url = "{server.base_url}"\nsystem_prompt = "From config."\n',
        encoding="utf-8",
    )
    server.queue(text_stream(["ok"]))
    result = ask(env, "hi")

    assert result.returncode == 0, result.stderr
    [request] = server.chat_requests()
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.json()["messages"][0] == {"role": "system", "content": "From config."}


def test_broken_config_is_a_warning(
    server: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "config" / "aijora-tui" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("model = = broken\n", encoding="utf-8")
    server.queue(text_stream(["ok"]))
    result = ask(env, "hi")

    assert result.returncode == 0
    assert result.stdout == b"ok"
    assert result.stderr.startswith(f"aijora-tui: warning: {path}: not valid TOML".encode())
    assert result.stderr.count(b"\n") == 1
