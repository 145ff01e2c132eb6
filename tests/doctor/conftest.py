"""Fixtures for the doctor tests: a fake server whose GET /models can be scripted, and a clean
environment for `aijora-tui doctor` subprocesses (XDG dirs in tmp_path, no terminal hints from
the developer's shell, so every run sees the same plain local xterm)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_env import cli_env
from tests.core.helpers import API_KEY
from tests.fake_server import FakeServer

_HINTS = (
    "TMUX",
    "STY",
    "SSH_",
    "KITTY_",
    "WEZTERM_",
    "GHOSTTY_",
    "ALACRITTY_",
    "TERM",
    "COLORTERM",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "NO_COLOR",
)
"""Variables that would make a run depend on the shell the tests were started from."""


ModelsServer = FakeServer
"""The doctor tests' server: `FakeServer`, whose GET /models plays `models_scripts` first."""


@pytest.fixture
def server() -> Iterator[ModelsServer]:
    fake = ModelsServer()
    with fake:
        yield fake


@pytest.fixture
def env(tmp_path: Path, server: ModelsServer) -> dict[str, str]:
    return cli_env(tmp_path, server.base_url, API_KEY, drop=_HINTS, TERM="xterm-256color")
