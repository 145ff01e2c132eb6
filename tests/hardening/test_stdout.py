"""Item: a stdout that cannot be written (`> /dev/full`) is one line and exit 1, and the reply is
saved as the server ended it.

`ask > /dev/full` used to print a traceback (exit 120) and store a completed reply as
`interrupted`; `history`, `export` and `doctor` wrote to stdout the same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fake_server import FakeServer, text_stream
from tests.hardening.helpers import assert_clean, run, stored_reply

FULL = "aijora-tui: error: cannot write to stdout (No space left on device)"


def to_full(env: dict[str, str], *args: str) -> tuple[int, list[str]]:
    with open("/dev/full", "wb") as full:
        result = run(env, *args, stdout=full.fileno())
    assert_clean(result.stderr)
    return result.returncode, result.stderr.splitlines()


def test_ask_to_a_full_disk(server: FakeServer, env: dict[str, str], tmp_path: Path) -> None:
    server.queue(text_stream(["all ", "of ", "it"]))

    code, lines = to_full(env, "ask", "hi")

    assert (code, lines) == (1, [FULL])
    reply = stored_reply(tmp_path / "data")
    assert (reply.state, reply.content) == ("completed", "all of it")


@pytest.mark.parametrize("command", [["history"], ["export"], ["export", "--format", "json"]])
def test_history_and_export_to_a_full_disk(
    server: FakeServer, env: dict[str, str], command: list[str]
) -> None:
    assert run(env, "ask", "hi").returncode == 0

    assert to_full(env, *command) == (1, [FULL])


@pytest.mark.parametrize("json", [False, True])
def test_doctor_to_a_full_disk(server: FakeServer, env: dict[str, str], json: bool) -> None:
    assert to_full(env, "doctor", *(["--json"] if json else [])) == (1, [FULL])
