"""`aijora-tui doctor` with providers, as a subprocess: the chosen provider's key, server and
model checks, one line per provider (reachable, model count, key source), never a key."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fake_server import FakeServer
from tests.providers.helpers import LOCAL_KEY, config_path, run_cli, write_config

Outcome = tuple[int, Any, str]

AIJORA_KEY = "sk-aijora-Doctor0123"


def doctor(tmp_path: Path, server: FakeServer, config: str, *args: str, **env: str) -> Outcome:
    """`doctor --json ARGS` with `config`: exit code, the report (None if none), stderr."""
    write_config(tmp_path, config)
    result = run_cli(
        tmp_path,
        server.base_url,
        AIJORA_KEY,
        "doctor",
        "--json",
        *args,
        TERM="xterm-256color",
        **env,
    )
    for secret in (AIJORA_KEY, LOCAL_KEY):
        assert secret not in result.stdout + result.stderr
    report = json.loads(result.stdout) if result.stdout else None
    return result.returncode, report, result.stderr


def by_name(report: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {check["check"]: check for check in report}


def config_for(local: FakeServer, key_command: list[str]) -> str:
    return f"""
[providers.local]
base_url = "{local.base_url}"
api_key_cmd = {json.dumps(key_command)}
model = "qwen2.5-coder"

[providers.down]
base_url = "http://127.0.0.1:9/v1"

[providers.broken]
api_key = "x"
"""


def test_every_provider_has_a_line(tmp_path: Path, server: FakeServer, local: FakeServer) -> None:
    config = config_for(local, [sys.executable, "-c", f"print({LOCAL_KEY!r})"])
    code, report, _ = doctor(tmp_path, server, config)
    checks = by_name(report)
    assert code == 1  # down and broken are problems
    assert checks["provider aijora"] == {
        "check": "provider aijora",
        "status": "ok",
        "detail": f"{server.base_url}: reachable, 3 models; key: AIJORA_API_KEY",
        "fix": None,
    }
    assert checks["provider local"]["status"] == "ok"
    assert checks["provider local"]["detail"] == (
        f"{local.base_url}: reachable, 2 models; key: api_key_cmd of [providers.local] "
        f"(runs {Path(sys.executable).name})"
    )
    assert checks["provider down"]["status"] == "problem"
    assert checks["provider down"]["detail"].startswith("http://127.0.0.1:9/v1: cannot reach")
    assert checks["provider broken"] == {
        "check": "provider broken",
        "status": "problem",
        "detail": "not usable: no base_url",
        "fix": f"edit {config_path(tmp_path)}",
    }
    assert checks["server"]["detail"].startswith(f"{server.base_url} (AIJORA_BASE_URL)")
    assert [r.headers.get("authorization") for r in local.requests] == [f"Bearer {LOCAL_KEY}"]


def test_provider_flag_checks_that_providers_key_server_and_model(
    tmp_path: Path, server: FakeServer, local: FakeServer
) -> None:
    config = config_for(local, [sys.executable, "-c", f"print({LOCAL_KEY!r})"])
    _, report, _ = doctor(tmp_path, server, config, "--provider", "local")
    checks = by_name(report)
    where = f"api_key_cmd of [providers.local] (runs {Path(sys.executable).name})"
    assert checks["API key"]["detail"] == (f"set, from {where}; accepted by GET /models (2 models)")
    assert checks["server"]["detail"].startswith(
        f"{local.base_url} (base_url of [providers.local]): reachable"
    )
    assert checks["model"] == {
        "check": "model",
        "status": "ok",
        "detail": "qwen2.5-coder (model of [providers.local]): offered by the server",
        "fix": None,
    }


def test_a_failing_key_command_is_a_problem_line_without_its_output(
    tmp_path: Path, server: FakeServer, local: FakeServer
) -> None:
    config = config_for(local, [sys.executable, "-c", "print('sk-leaked'); exit(4)"])
    code, report, _ = doctor(tmp_path, server, config, "--provider", "local")
    checks = by_name(report)
    assert code == 1
    program = Path(sys.executable).name
    line = f"api_key_cmd of [providers.local]: '{program}' exited with status 4"
    assert checks["API key"]["status"] == "problem" and checks["API key"]["detail"] == line
    assert checks["provider local"]["detail"] == line
    assert "sk-leaked" not in json.dumps(report)
    assert local.requests == []


@pytest.mark.parametrize("how", ["flag", "env"])
def test_an_unknown_provider_named_for_this_run_is_exit_2(
    tmp_path: Path, server: FakeServer, how: str
) -> None:
    if how == "flag":
        code, report, stderr = doctor(tmp_path, server, "", "--provider", "nope")
        source = "--provider"
    else:
        code, report, stderr = doctor(tmp_path, server, "", AIJORA_PROVIDER="nope")
        source = "AIJORA_PROVIDER"
    assert (code, report) == (2, None)
    assert stderr == (
        f"aijora-tui: error: unknown provider 'nope' (configured: aijora) (from {source})\n"
    )


def test_an_unknown_provider_in_the_config_is_reported_as_a_problem(
    tmp_path: Path, server: FakeServer
) -> None:
    code, report, _ = doctor(tmp_path, server, 'provider = "gone"\n')
    checks = by_name(report)
    assert code == 1
    assert checks["provider"]["detail"] == (
        "unknown provider 'gone' (configured: aijora) (from provider in the config file)"
    )
    assert checks["API key"]["status"] == "ok"  # aijora is checked instead
