"""The chat flow through the real app, driven by Pilot, against the local fake server."""

from __future__ import annotations

from aijora_tui.config import Settings
from aijora_tui.widgets.message_log import MessageLog
from tests.fake_server import FakeServer, text_stream, usage
from tests.ui.conftest import make_test_app


async def wait_idle(pilot, log: MessageLog, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        await pilot.pause(0.05)
        if log.entries and all(e.state != "streaming" for e in log.entries):
            return
    raise AssertionError("stream did not end")


async def test_send_and_stream_a_reply(server: FakeServer, settings: Settings) -> None:
    server.queue(
        text_stream(["Hello ", "**world**", "\n\n```python\nprint(1)\n```"], usage_=usage(7, 5))
    )
    app = make_test_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hi there")
        await pilot.press("enter")
        log = app.screen.query_one(MessageLog)
        await wait_idle(pilot, log)
        assert [e.role for e in log.entries] == ["user", "assistant"]
        reply = log.entries[1]
        assert reply.content == "Hello **world**\n\n```python\nprint(1)\n```"
        assert reply.state == "completed"
        assert reply.usage is not None and reply.usage.total_tokens == 12
        body = server.chat_requests()[-1].json()
        assert body["messages"][-1] == {"role": "user", "content": "hi there"}
        app.save_screenshot("/tmp/shot.svg")
