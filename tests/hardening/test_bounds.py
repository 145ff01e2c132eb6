"""Items: memory is bounded whatever the server sends, and a request that makes no progress ends.

Measured as the peak RSS of the `aijora-tui` process (`helpers.measured`). Before: 300 KB of gzip
(sent although we ask for no encoding) grew `ask` past 1 GB and `doctor` past 1.2 GB; an endless
stream grew without end; keep-alive comments or one byte every few seconds held a request for ever.
"""

from __future__ import annotations

import functools
from pathlib import Path

from tests.fake_server import (
    DONE,
    FakeServer,
    Hold,
    Repeat,
    Script,
    Step,
    chunk,
    endless,
    gzip_bomb,
)
from tests.hardening.helpers import assert_clean, measured, run, stored_reply, write_config

BOUND_MB = 160
"""Peak RSS allowed: `ask` itself takes about 40 MB, the bounded buffers (16 MB an event) a few
times that at most; an unbounded read of these servers takes 300 MB and more."""


@functools.cache
def bomb(content_type: str) -> Script:
    return gzip_bomb(300 * 1024 * 1024, content_type=content_type)


def test_a_gzip_bomb_stream_is_stopped(
    server: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    server.queue(bomb("text/event-stream"))

    result = measured(env, tmp_path, "ask", "hi")

    assert_clean(result.stderr)
    assert result.returncode == 1
    assert result.error_lines() == [
        "aijora-tui: error: the server sent an event larger than 16 MB; stopped reading"
    ]
    assert result.peak_mb is not None and result.peak_mb < BOUND_MB
    assert stored_reply(tmp_path / "data").state == "failed"


def test_a_gzip_bomb_model_list_is_stopped(
    server: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    server.models_scripts.append(bomb("application/json"))

    result = measured(env, tmp_path, "doctor")

    assert_clean(result.stderr)
    # /models has a tighter cap of its own (model_list.MAX_BODY_BYTES) than other bodies
    assert b"the server's model list is too large (over 4 MB)" in result.stdout
    assert result.peak_mb is not None and result.peak_mb < BOUND_MB


def test_an_endless_line_is_stopped(
    server: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    server.queue(endless(b"x" * 65536, seconds=20, interval=0.005, lead=b"data: "))

    result = measured(env, tmp_path, "ask", "hi")

    assert_clean(result.stderr)
    assert result.error_lines() == [
        "aijora-tui: error: the server sent an event larger than 16 MB; stopped reading"
    ]
    assert result.peak_mb is not None and result.peak_mb < BOUND_MB


def test_an_endless_reply_stops_at_max_reply_mb_with_its_text(
    server: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    write_config(tmp_path, "max_reply_mb = 0.5\n")
    server.queue(endless(chunk("y" * 1000), seconds=20, interval=0.0005))

    result = measured(env, tmp_path, "ask", "hi")

    assert_clean(result.stderr)
    assert result.returncode == 1
    assert result.error_lines() == [
        "aijora-tui: error: reply too long: stopped after 0.5 MB of text "
        "(max_reply_mb in the config)"
    ]
    assert result.stdout == b"y" * 500_000
    reply = stored_reply(tmp_path / "data")
    assert reply.state == "failed" and reply.content == "y" * 500_000
    assert reply.error is not None and reply.error.startswith("reply too long")


def test_the_default_reply_bound_is_4_mb(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(endless(chunk("z" * 10_000), seconds=30, interval=0.0005))

    result = run(env, "ask", "hi")

    assert result.returncode == 1
    assert "reply too long: stopped after 4 MB of text" in result.error_lines()[0]
    assert len(result.stdout) == 4_000_000


STALLS = {
    "keep-alive comments": endless(b": keep-alive\n\n", seconds=20, interval=0.2),
    "a dripped byte": endless(b" ", seconds=20, interval=0.2, lead=chunk("a") + b"data:"),
    "silence": Script([chunk("a"), Hold(20)]),
}


def test_no_content_for_stall_timeout_ends_the_request(
    server: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    write_config(tmp_path, "stall_timeout = 1\n")
    for name, script in STALLS.items():
        server.queue(script)

        result = run(env, "ask", "hi")

        assert_clean(result.stderr)
        assert result.returncode == 1, name
        assert result.error_lines() == [
            "aijora-tui: error: the server stopped sending (no content for 1 s)"
        ], name
        assert stored_reply(tmp_path / "data").state == "interrupted", name


def test_content_keeps_a_slow_stream_alive(
    server: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    write_config(tmp_path, "stall_timeout = 1\n")
    steps: list[Step] = [Repeat(chunk("a"), seconds=2.5, interval=0.3), chunk(finish="stop"), DONE]
    server.queue(Script(steps))

    result = run(env, "ask", "hi")

    assert_clean(result.stderr)
    assert result.returncode == 0
    assert set(result.stdout) == {ord("a")} and len(result.stdout) >= 5
