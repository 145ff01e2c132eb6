"""The headless core and the CLI part (`ask`, `history`, `export`, `doctor`...) never import
Textual (docs/architecture.md, "Layers"), not even for a whole `ask` run.

Checked in fresh interpreters, since this test process may already have Textual loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_env import cli_env
from tests.core.helpers import API_KEY, ROOT, SEED_TEXT, seed_events
from tests.fake_server import FakeServer, Script

PROBE = """
import importlib, json, pkgutil, sys

def textual_modules():
    return sorted(name for name in sys.modules if name.split(".")[0] == "textual")

import aijora_tui.core
core = sorted(m.name for m in pkgutil.walk_packages(aijora_tui.core.__path__, "aijora_tui.core."))
for name in core:
    importlib.import_module(name)
after_core = textual_modules()
import aijora_tui.cli
cli = sorted(m.name for m in pkgutil.walk_packages(aijora_tui.cli.__path__, "aijora_tui.cli."))
shared = ["aijora_tui.paths", "aijora_tui.config", "aijora_tui.clipboard", "aijora_tui.terminal"]
for name in [*shared, "aijora_tui.cli", *cli]:
    importlib.import_module(name)
after_imports = textual_modules()

from aijora_tui.cli import main
code = main(["ask", "hello"])
report = {
    "core": core,
    "cli": cli,
    "after_core": after_core,
    "after_imports": after_imports,
    "after_ask": textual_modules(),
    "code": code,
}
print("\\nLAYERING " + json.dumps(report), file=sys.stderr)
"""


@pytest.fixture
def env(tmp_path: Path, server: FakeServer) -> dict[str, str]:
    return cli_env(tmp_path, server.base_url, API_KEY)


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        command,
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_core_and_ask_do_not_import_textual(server: FakeServer, env: dict[str, str]) -> None:
    server.queue(Script(seed_events()))
    result = run([sys.executable, "-c", PROBE], env)

    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == SEED_TEXT.encode(), "the ask run must really have streamed"
    line = result.stderr.decode().rpartition("LAYERING ")[2]
    report = json.loads(line)
    assert report["code"] == 0
    expected = {f"aijora_tui.core.{name}" for name in ("client", "decode", "errors", "events")}
    expected |= {f"aijora_tui.core.{name}" for name in ("models", "session", "reply", "request")}
    assert expected <= set(report["core"]), "the probe must see every core module"
    commands = {f"aijora_tui.cli.{name}" for name in ("ask", "doctor", "history", "saving")}
    assert commands <= set(report["cli"]), "the probe must see every CLI module"
    assert report["after_core"] == []
    assert report["after_imports"] == []
    assert report["after_ask"] == []


def test_ask_entry_point_does_not_import_textual(server: FakeServer, env: dict[str, str]) -> None:
    """`python -m aijora_tui ask` itself (through `__main__` and the CLI), per -X importtime."""
    server.queue(Script(seed_events()))
    result = run([sys.executable, "-X", "importtime", "-m", "aijora_tui", "ask", "hi"], env)

    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == SEED_TEXT.encode()
    imported = [
        line.rpartition("|")[2].strip()
        for line in result.stderr.decode().splitlines()
        if line.startswith("import time:")
    ]
    assert "httpx" in imported, "importtime output must list the modules that were imported"
    assert [name for name in imported if name.split(".")[0] == "textual"] == []


def test_ask_does_not_load_the_httpx_command_line_tool(
    server: FakeServer, env: dict[str, str]
) -> None:
    """httpx imports its own CLI (click, rich, pygments) when click is installed, as the MCP SDK
    has it: 40 ms of every `ask` start (bench/README.md). `aijora_tui/__init__.py` skips it."""
    server.queue(Script(seed_events()))
    result = run([sys.executable, "-X", "importtime", "-m", "aijora_tui", "ask", "hi"], env)

    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == SEED_TEXT.encode()
    imported = {
        line.rpartition("|")[2].strip()
        for line in result.stderr.decode().splitlines()
        if line.startswith("import time:")
    }
    assert "httpx" in imported, "importtime output must list the modules that were imported"
    assert [name for name in imported if name.split(".")[0] == "click"] == []
