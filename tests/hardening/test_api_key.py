"""Item: an API key that cannot be sent is refused where it is read, in one line, never retried,
and never shown in any form.

A key with a line break once leaked its tail (`Illegal header value b'Bearer ***\\n456789…'`) on
stderr, in the stored error, JSON exports and `doctor --json`; a non-ASCII key crashed `ask` with
`UnicodeEncodeError` and left the setup screen at "Checking…" for ever.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aijora_tui.core.client import ChatClient
from aijora_tui.core.errors import AijoraError, BadApiKey, redact, register_secret
from tests.cli_env import cli_env
from tests.fake_server import FakeServer
from tests.hardening.helpers import assert_clean, run, write_config

TAIL = "456789tail"
BAD_KEYS = {
    "line break": f"sk-head\n{TAIL}",
    "carriage return": f"sk-head\r\n{TAIL}",
    "non-ASCII character": f"sk-ключ-{TAIL}",
}
"""Each bad key, by the words of its problem (`line break` for CR too)."""


def _problem(name: str) -> str:
    return "line break" if name == "carriage return" else name


@pytest.mark.parametrize("name", BAD_KEYS)
def test_ask_refuses_a_bad_key_from_the_environment(
    server: FakeServer, tmp_path: Path, name: str
) -> None:
    env = cli_env(tmp_path, server.base_url, BAD_KEYS[name])

    result = run(env, "ask", "hi")

    assert_clean(result.stderr, TAIL)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"aijora-tui: error: the API key contains a {_problem(name)} (from AIJORA_API_KEY); "
        "set it again without it"
    ]
    assert server.requests == []


def test_ask_names_the_config_file_a_bad_key_came_from(server: FakeServer, tmp_path: Path) -> None:
    env = cli_env(tmp_path, server.base_url, "", drop=("AIJORA_API_KEY",))
    config = write_config(tmp_path, f'api_key = "sk-head\\n{TAIL}"\n')

    result = run(env, "ask", "hi")

    assert_clean(result.stderr, TAIL)
    assert result.stderr.splitlines() == [
        f"aijora-tui: error: the API key contains a line break (from api_key in {config}); "
        "set it again without it"
    ]
    assert server.requests == []


@pytest.mark.parametrize("name", BAD_KEYS)
def test_doctor_reports_a_bad_key_by_name(server: FakeServer, tmp_path: Path, name: str) -> None:
    env = cli_env(tmp_path, server.base_url, BAD_KEYS[name])

    result = run(env, "doctor", "--json")

    assert_clean(result.stderr, TAIL)
    assert TAIL not in result.stdout.decode()
    checks = {check["check"]: check for check in json.loads(result.stdout)}
    assert checks["API key"]["status"] == "problem"
    assert f"the API key contains a {_problem(name)}" in checks["API key"]["detail"]
    assert result.returncode == 1


async def test_the_client_refuses_a_bad_key_before_any_request(server: FakeServer) -> None:
    for key in BAD_KEYS.values():
        with pytest.raises(BadApiKey) as caught:
            ChatClient(server.base_url, key)
        assert TAIL not in str(caught.value)
    assert server.requests == []


@pytest.mark.parametrize("name", BAD_KEYS)
def test_every_printed_form_of_a_key_is_redacted(name: str) -> None:
    key = BAD_KEYS[name]
    register_secret(key)
    forms = [
        key,
        repr(key),
        repr(key.encode()),
        json.dumps(key),
        json.dumps(key, ensure_ascii=False),
        f"Illegal header value {('Bearer ' + key).encode()!r}",
    ]
    for form in forms:
        assert TAIL not in redact(form), form
        assert TAIL not in str(AijoraError(f"failed: {form}"))
