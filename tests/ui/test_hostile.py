"""The TUI against a hostile server and odd files: what `tests/hardening` proves for the CLI.

A usage count beyond 64 bits once stopped the app ("unexpected error") with the reply left
streaming and its text lost; an endless stream grew without bound; a FIFO among the user's themes
blanked the screen at start.
"""

from __future__ import annotations

import os
from dataclasses import replace

from aijora_tui import paths
from aijora_tui.config import Settings
from aijora_tui.core.store import Store
from tests.fake_server import DONE, FakeServer, Script, chunk, endless
from tests.hardening.helpers import Unblocker
from tests.ui.conftest import make_test_app
from tests.ui.helpers import log_of, send, wait_reply_done


async def test_an_absurd_usage_count_keeps_the_reply(
    server: FakeServer, settings: Settings
) -> None:
    usage = {"prompt_tokens": 2**64, "completion_tokens": 2, "total_tokens": 2**64 + 2}
    server.queue(Script([chunk("every word"), chunk(finish="stop", usage=usage), DONE]))
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "hi")
        await wait_reply_done(pilot, app)
        reply = log_of(app).entries[-1]
        assert (reply.state, reply.content) == ("completed", "every word")
    with Store.open(paths.database_file()) as store:
        conversation = store.latest_conversation_id()
        assert conversation is not None
        saved = store.active_path(conversation)[-1]
    assert (saved.state, saved.content) == ("completed", "every word")
    assert saved.usage is not None and saved.usage.completion_tokens == 2


async def test_an_endless_reply_stops_at_max_reply_mb(
    server: FakeServer, settings: Settings
) -> None:
    server.queue(endless(chunk("w" * 1000), seconds=30, interval=0.0005))
    app = make_test_app(replace(settings, max_reply_mb=0.2))
    async with app.run_test() as pilot:
        await send(pilot, "hi")
        await wait_reply_done(pilot, app)
        reply = log_of(app).entries[-1]
        assert reply.state == "failed"
        assert reply.content == "w" * 200_000
        assert reply.error is not None and reply.error.startswith("reply too long")


async def test_a_fifo_among_the_themes_does_not_stop_the_start(
    server: FakeServer, settings: Settings
) -> None:
    themes = paths.user_themes_dir()
    themes.mkdir(parents=True)
    (themes / "mine.toml").write_text('primary = "#336699"\n')
    os.mkfifo(themes / "x.toml")
    unblocker = Unblocker(themes / "x.toml")  # bounds the test if the start waits on the FIFO
    app = make_test_app(settings)
    async with app.run_test(notifications=True) as pilot:
        unblocker.cancel()
        assert not unblocker.fired, "the start waited on the FIFO"
        await pilot.pause()
        assert "mine" in app.available_themes
        notices = [str(notice.message) for notice in app._notifications]
        assert any("x.toml" in notice and "not a regular file" in notice for notice in notices)
        server.queue(Script([chunk("still works"), chunk(finish="stop"), DONE]))
        await send(pilot, "hi")
        await wait_reply_done(pilot, app)
        assert log_of(app).entries[-1].content == "still works"
