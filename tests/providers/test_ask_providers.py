"""`aijora-tui ask --provider` against two fake servers at once: each request goes to the chosen
provider with that provider's key only (the servers' request logs prove which key went where),
and every bad provider setup is one line with exit 2 (usage) or 1 (the key could not be had).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_server import FakeServer, text_stream
from tests.providers.helpers import config_path, run_cli, write_config

AIJORA_KEY = "sk-aijora-Zq8vR2mK5pL0"
LOCAL_KEY = "sk-local-Hn3Qw7Xc1Vb9"
ROUTER_KEY = "sk-router-Pp4Ll8Kk2Jj6"
SECRETS = (AIJORA_KEY, LOCAL_KEY, ROUTER_KEY)


@pytest.fixture
def second() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


@pytest.fixture
def third() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


def key_command(key: str) -> str:
    """An api_key_cmd (list form) that prints `key` the way a password manager would."""
    return json.dumps([sys.executable, "-c", f"print({key!r})"])  # a JSON array is TOML too


def ask(
    tmp_path: Path, aijora: FakeServer, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    result = run_cli(tmp_path, aijora.base_url, AIJORA_KEY, "ask", "--no-save", *args, **env)
    for secret in SECRETS:
        assert secret not in result.stderr
    assert "Traceback" not in result.stderr
    return result


def config_for(local: FakeServer, router: FakeServer) -> str:
    return f"""
[providers.local]
base_url = "{local.base_url}"
api_key_cmd = {key_command(LOCAL_KEY)}
model = "llama3.2"

[providers.router]
base_url = "{router.base_url}"
api_key_env = "ROUTER_KEY"
headers = {{ "X-Title" = "aijora-tui" }}
"""


def authorizations(*servers: FakeServer) -> list[list[str | None]]:
    return [[r.headers.get("authorization") for r in s.requests] for s in servers]


def test_each_provider_gets_its_own_key_and_nothing_else(
    tmp_path: Path, server: FakeServer, second: FakeServer, third: FakeServer
) -> None:
    write_config(tmp_path, config_for(second, third))
    for fake in (server, second, third):
        fake.queue(text_stream(["ok"]))

    assert ask(tmp_path, server, "to aijora").stdout == "ok"
    local = ask(tmp_path, server, "--provider", "local", "to local")
    assert (local.returncode, local.stdout, local.stderr) == (0, "ok", "")
    routed = ask(
        tmp_path,
        server,
        "--model",
        "r1",
        "to router",
        AIJORA_PROVIDER="router",
        ROUTER_KEY=ROUTER_KEY,
    )
    assert (routed.returncode, routed.stdout) == (0, "ok")

    assert authorizations(server, second, third) == [
        [f"Bearer {AIJORA_KEY}"],
        [f"Bearer {LOCAL_KEY}"],
        [f"Bearer {ROUTER_KEY}"],
    ]
    assert second.requests[0].json()["model"] == "llama3.2"
    assert third.requests[0].json()["model"] == "r1"
    assert third.requests[0].headers["x-title"] == "aijora-tui"
    assert "x-title" not in server.requests[0].headers


def test_a_provider_without_a_key_gets_no_authorization_even_with_aijora_key_set(
    tmp_path: Path, server: FakeServer, second: FakeServer
) -> None:
    write_config(tmp_path, f'[providers.plain]\nbase_url = "{second.base_url}"\nmodel = "m"\n')
    second.queue(text_stream(["ok"]))
    result = ask(tmp_path, server, "--provider", "plain", "hi", AIJORA_MODEL="gpt-4o")
    assert result.returncode == 0, result.stderr
    [request] = second.requests
    assert "authorization" not in request.headers
    assert request.json()["model"] == "m"  # AIJORA_MODEL is the aijora provider's
    assert server.requests == []


@pytest.mark.parametrize(
    ("config", "args", "line"),
    [
        (
            "",
            ("--provider", "nope"),
            "unknown provider 'nope' (configured: aijora) (from --provider)",
        ),
        (
            "[providers.bad]\napi_key = 'k'\n",
            ("--provider", "bad"),
            "provider 'bad' cannot be used: no base_url (from --provider)",
        ),
        (
            "[providers.x]\nbase_url = 'http://127.0.0.1:1/v1'\n",
            ("--provider", "x"),
            "no model for provider 'x': give --model, or set model in [providers.x]",
        ),
        (
            "[providers.x]\nbase_url = 'http://127.0.0.1:1/v1'\nmodel = 'm'\n",
            ("--provider", "x", "--base-url", "http://127.0.0.1:2/v1"),
            "--base-url sets the aijora provider's URL; for 'x' set base_url in [providers.x]",
        ),
        (
            'provider = "gone"\n',
            (),
            "unknown provider 'gone' (configured: aijora) (from provider in the config file)",
        ),
    ],
)
def test_bad_provider_choices_are_usage_errors(
    tmp_path: Path, server: FakeServer, config: str, args: tuple[str, ...], line: str
) -> None:
    write_config(tmp_path, config)
    result = ask(tmp_path, server, *args, "hi")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == f"aijora-tui: error: {line}"
    assert server.requests == []


def test_an_unknown_provider_from_the_environment_is_a_usage_error(
    tmp_path: Path, server: FakeServer
) -> None:
    result = ask(tmp_path, server, "hi", AIJORA_PROVIDER="nope")
    assert result.returncode == 2
    assert result.stderr == (
        "aijora-tui: error: unknown provider 'nope' (configured: aijora) (from AIJORA_PROVIDER)\n"
    )


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("import sys; print('sk-leak'); sys.exit(2)", "exited with status 2"),
        ("print()", "printed nothing"),
    ],
)
def test_a_failing_key_command_is_exit_1_without_its_output(
    tmp_path: Path, server: FakeServer, second: FakeServer, command: str, why: str
) -> None:
    argv = json.dumps([sys.executable, "-c", command])
    write_config(
        tmp_path,
        f'[providers.local]\nbase_url = "{second.base_url}"\napi_key_cmd = {argv}\nmodel = "m"\n',
    )
    result = ask(tmp_path, server, "--provider", "local", "hi")
    assert result.returncode == 1
    program = Path(sys.executable).name
    assert result.stderr == (
        f"aijora-tui: error: api_key_cmd of [providers.local]: '{program}' {why}\n"
    )
    assert "sk-leak" not in result.stdout + result.stderr
    assert second.requests == [] and server.requests == []


def test_a_hanging_key_command_gives_up_after_ten_seconds(
    tmp_path: Path, server: FakeServer, second: FakeServer
) -> None:
    write_config(
        tmp_path,
        f'[providers.local]\nbase_url = "{second.base_url}"\n'
        f'api_key_cmd = "sleep 120"\nmodel = "m"\n',
    )
    result = ask(tmp_path, server, "--provider", "local", "hi")
    assert result.returncode == 1
    assert result.stderr == (
        "aijora-tui: error: api_key_cmd of [providers.local]: 'sleep' did not finish in 10 s\n"
    )
    assert second.requests == []


def test_a_broken_provider_is_a_warning_while_another_one_is_used(
    tmp_path: Path, server: FakeServer
) -> None:
    write_config(
        tmp_path,
        "[providers.bad]\nbase_url = 'http://h/v1'\napi_key = 'a'\napi_key_cmd = 'pass x'\n",
    )
    server.queue(text_stream(["fine"]))
    result = ask(tmp_path, server, "hi")
    assert (result.returncode, result.stdout) == (0, "fine")
    config = config_path(tmp_path)
    assert result.stderr == (
        f"aijora-tui: warning: {config}: [providers.bad]: two key sources (api_key, "
        "api_key_cmd); keep one; provider not used\n"
    )


def test_continue_goes_on_with_the_conversations_provider_unless_one_is_chosen(
    tmp_path: Path, server: FakeServer, second: FakeServer, third: FakeServer
) -> None:
    """As in the chat: the conversation was held with `local`, so `--continue` asks `local`
    (its model too), though the default provider is aijora; `--provider` still decides."""
    write_config(tmp_path, config_for(second, third))
    second.queue(text_stream(["one"]), text_stream(["two"]))
    server.queue(text_stream(["three"]))

    def ask_saving(*args: str) -> subprocess.CompletedProcess[str]:
        result = run_cli(tmp_path, server.base_url, AIJORA_KEY, "ask", *args)
        assert (result.returncode, result.stderr) == (0, "")
        return result

    assert ask_saving("--provider", "local", "hello local").stdout == "one"
    assert ask_saving("--continue", "and more").stdout == "two"
    chosen = ask_saving("--continue", "--provider", "aijora", "--model", "gpt-4o-mini", "x")
    assert chosen.stdout == "three"
    local_requests = second.chat_requests()
    assert [r.json()["model"] for r in local_requests] == ["llama3.2", "llama3.2"]
    assert [m["content"] for m in local_requests[1].json()["messages"]] == [
        "hello local",
        "one",
        "and more",
    ]
    assert [r.headers.get("authorization") for r in server.chat_requests()] == [
        f"Bearer {AIJORA_KEY}"
    ]
