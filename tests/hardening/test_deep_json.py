"""Item: JSON nested deeper than the parser's recursion limit is unreadable data, not a crash.

Python's `json` recurses once per level; 100,000 `[` raised `RecursionError` through the chunk
decoder, the error-body reader and the model list, and `ask` printed a traceback.
"""

from __future__ import annotations

from pathlib import Path

from tests.fake_server import DONE, FakeServer, Script, chunk, deep_json
from tests.hardening.helpers import assert_clean, run, stored_reply

DEEP = deep_json(100_000)


def test_a_deep_chunk_is_a_malformed_chunk(
    server: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    server.queue(Script([b"data: " + DEEP + b"\n\n", chunk("ok"), chunk(finish="stop"), DONE]))

    result = run(env, "ask", "hi")

    assert_clean(result.stderr)
    assert (result.returncode, result.stdout) == (0, b"ok")
    assert "1 malformed chunk skipped" in result.stderr
    assert stored_reply(tmp_path / "data").state == "completed"


def test_a_deep_error_body_is_an_unreadable_one(server: FakeServer, env: dict[str, str]) -> None:
    headers = {"content-type": "application/json"}
    server.queue(Script([DEEP], status=400, headers=headers, chunked=False))

    result = run(env, "ask", "hi")

    assert_clean(result.stderr)
    assert result.returncode == 1
    assert len(result.error_lines()) == 1
    assert result.error_lines()[0].startswith("aijora-tui: error: HTTP 400: [[[")


def test_a_deep_whole_reply_fails_in_one_line(server: FakeServer, env: dict[str, str]) -> None:
    headers = {"content-type": "application/json"}
    server.queue(Script([DEEP], headers=headers, chunked=False))

    result = run(env, "ask", "hi")

    assert_clean(result.stderr)
    assert result.returncode == 1
    assert result.error_lines() == [
        "aijora-tui: error: the server sent an unexpected reply (application/json)"
    ]


def test_a_deep_model_list_is_reported_by_doctor(server: FakeServer, env: dict[str, str]) -> None:
    headers = {"content-type": "application/json"}
    server.models_scripts.append(Script([DEEP], headers=headers, chunked=False))

    result = run(env, "doctor", "--json")

    assert_clean(result.stderr)
    report = result.stdout.decode()
    assert "could not be checked" not in report
    assert "model list is not readable JSON" in report
