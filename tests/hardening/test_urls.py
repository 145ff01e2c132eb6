"""Items: no redirect to another origin is followed, and no URL is shown with its credentials.

A 307 to another port once re-sent the whole conversation there (httpx drops the key, not the
body) and `doctor` then said the key was "accepted"; `doctor`, meant to be shared, printed
`http://user:password@host` as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from aijora_tui.core.errors import redact, redact_url
from tests.cli_env import cli_env
from tests.core.helpers import API_KEY
from tests.fake_server import FakeServer, redirect
from tests.hardening.helpers import assert_clean, run, stored_reply


@pytest.fixture
def elsewhere() -> Iterator[FakeServer]:
    """Another server, on another port: another origin."""
    with FakeServer() as other:
        yield other


def test_ask_refuses_a_redirect_to_another_origin(
    server: FakeServer, elsewhere: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    target = f"{elsewhere.base_url}/chat/completions"
    server.queue(redirect(target))

    result = run(env, "ask", "secret plans")

    assert_clean(result.stderr)
    assert result.returncode == 1
    assert result.error_lines() == [
        f"aijora-tui: error: the server redirected to another origin ({target}); not followed: "
        "set the base URL to it if you trust it"
    ]
    assert elsewhere.requests == []
    assert len(server.chat_requests()) == 1  # refused, not retried
    assert stored_reply(tmp_path / "data").state == "failed"


def test_a_redirect_within_the_origin_is_followed(server: FakeServer, env: dict[str, str]) -> None:
    server.models_scripts.append(redirect("/v1/elsewhere/models"))

    result = run(env, "doctor", "--json")

    checks = {check["check"]: check for check in json.loads(result.stdout)}
    assert checks["API key"]["status"] == "ok"
    assert [r.path for r in server.models_requests()] == ["/v1/models", "/v1/elsewhere/models"]


def test_doctor_does_not_vouch_for_a_key_it_was_redirected_with(
    server: FakeServer, elsewhere: FakeServer, env: dict[str, str]
) -> None:
    server.models_scripts.append(redirect(f"{elsewhere.base_url}/models", status=302))

    result = run(env, "doctor", "--json")

    assert_clean(result.stderr)
    assert result.returncode == 1
    checks = {check["check"]: check for check in json.loads(result.stdout)}
    assert "accepted" not in checks["API key"]["detail"]
    assert checks["server"]["status"] == "problem"
    assert (
        f"redirected to another origin ({elsewhere.base_url}/models)" in checks["server"]["detail"]
    )
    assert elsewhere.requests == []


def test_doctor_shows_no_credentials_of_the_base_url(server: FakeServer, tmp_path: Path) -> None:
    base = f"http://alice:pw-Secret9@127.0.0.1:{server.port}/v1?api_key=q-Secret8&region=eu"
    env = cli_env(tmp_path, base, API_KEY)

    for args in (["doctor"], ["doctor", "--json"]):
        result = run(env, *args)
        report = result.stdout.decode()
        assert "pw-Secret9" not in report and "q-Secret8" not in report, report
        assert "alice" not in report
        assert "***@127.0.0.1" in report and "region=eu" in report


def test_errors_show_no_credentials_of_a_url(server: FakeServer, tmp_path: Path) -> None:
    server.queue(redirect("http://bob:pw-Secret7@127.0.0.1:1/v1/x?token=t-Secret6"))
    env = cli_env(tmp_path, f"http://bob:pw-Secret7@127.0.0.1:{server.port}/v1", API_KEY)

    result = run(env, "ask", "hi")

    assert_clean(result.stderr, "pw-Secret7", "t-Secret6", "bob")
    assert "http://***@127.0.0.1:1/v1/x?token=***" in result.stderr


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://u:p@h.example/v1", "https://***@h.example/v1"),
        ("https://h.example/v1?key=k1&x=1", "https://h.example/v1?key=***&x=1"),
        (
            "https://h.example/v1?sig=a&access_token=b",
            "https://h.example/v1?sig=***&access_token=***",
        ),
        ("https://h.example/v1", "https://h.example/v1"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert redact(f"failed at {url}: no") == f"failed at {shown}: no"
