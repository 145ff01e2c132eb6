"""Fixtures for driving the real app with Pilot against the local fake server."""

from __future__ import annotations

from pathlib import Path

import pytest

from aijora_tui.config import Settings
from aijora_tui.tui.app import AijoraApp
from tests.fake_server import FakeServer


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Config, data and state live in the test's own directory; no real clipboard tool."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    for name in (
        "AIJORA_API_KEY",
        "AIJORA_BASE_URL",
        "AIJORA_MODEL",
        "AIJORA_PROVIDER",
        "AIJORA_CONFIG_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    for name in (
        "TMUX",
        "STY",
        "SSH_CONNECTION",
        "SSH_TTY",
        "TERM_PROGRAM",
        "KITTY_WINDOW_ID",
        "GHOSTTY_RESOURCES_DIR",
        "ALACRITTY_WINDOW_ID",
        "WEZTERM_PANE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")  # same footer (newline key) everywhere
    monkeypatch.setattr("aijora_tui.clipboard.system_copy", lambda text: False)
    return tmp_path


@pytest.fixture
def settings(server: FakeServer) -> Settings:
    return Settings(api_key="sk-test-0123456789", base_url=server.base_url, model="gpt-4o-mini")


def make_test_app(settings: Settings) -> AijoraApp:
    return AijoraApp(settings)


@pytest.fixture
def quick_timers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Autosave, the draft's delay and the stream's screen updates come every 20 ms, so a test
    waits on what they do rather than on their period."""
    monkeypatch.setattr("aijora_tui.core.session.SAVE_INTERVAL", 0.02)
    monkeypatch.setattr("aijora_tui.tui.screens.chat.DRAFT_DELAY", 0.02)
    monkeypatch.setattr("aijora_tui.tui.widgets.message_log.FLUSH_INTERVAL", 0.02)
