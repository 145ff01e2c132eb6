"""The palette's export follows the CLI's file rules: mode 0600, and it asks before replacing."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from aijora_tui.config import Settings
from aijora_tui.tui.screens.history import ConfirmDialog
from tests.fake_server import FakeServer, text_stream
from tests.ui.conftest import make_test_app
from tests.ui.helpers import chat, send, wait_reply_done, wait_until


async def test_palette_export_is_private_and_asks_before_replacing(
    server: FakeServer, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    server.queue(text_stream(["exported answer"]))
    target = tmp_path / "aijora-conversation-1.md"
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "export me")
        await wait_reply_done(pilot, app)

        await chat(app).run_action("export('md')")
        await wait_until(pilot, target.exists)
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        target.write_text("mine")

        await chat(app).run_action("export('md')")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
        assert target.read_text() == "mine"

        await chat(app).run_action("export('md')")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_until(pilot, lambda: target.read_text() != "mine")
    assert "exported answer" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
