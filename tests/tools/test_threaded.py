"""The hub for synchronous code (`ask --tools`): its loop on a thread of its own."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest

from aijora_tui.core.tools.config import ToolLimits
from aijora_tui.core.tools.hub import ToolHub
from aijora_tui.core.tools.threaded import ThreadedToolHub
from tests.tools.conftest import call, stdio_server, wait_for


def test_sync_calls_and_close(marker: Path) -> None:
    notices: list[str] = []
    servers = {
        "t": stdio_server("t", env={"MCP_TEST_MARKER": str(marker)}),
        "broken": stdio_server("broken", "--crash"),
    }
    with ThreadedToolHub(ToolHub(servers, ToolLimits(), notify=notices.append)) as tools:
        names = [t["function"]["name"] for t in tools.openai_tools()]
        assert names[:2] == ["echo", "slow"]
        assert tools.run(call("echo", {"text": "sync"})).content == "sync"
        assert len(notices) == 1 and notices[0].startswith("MCP server 'broken' failed to start")
        thread = tools._thread
    assert not thread.is_alive()
    assert [s.state for s in tools.hub.status()] == ["stopped", "failed"]
    tools.close()  # twice is harmless


def test_ctrl_c_cancels_the_running_tool(marker: Path) -> None:
    servers = {"t": stdio_server("t", env={"MCP_TEST_MARKER": str(marker)})}
    with ThreadedToolHub(ToolHub(servers, ToolLimits(), notify=lambda _: None)) as tools:
        tools.openai_tools()

        main = threading.main_thread().ident
        assert main is not None and threading.get_ident() == main

        def interrupt() -> None:
            """Ctrl+C once the tool runs, to the main thread itself (a signal sent to the
            process may be taken by another thread, and then the main thread's wait goes on)."""
            if wait_for(lambda: marker.exists() and marker.read_text() == "started", 50):
                signal.pthread_kill(main, signal.SIGINT)

        # Python's own SIGINT handler, even when this process was started with SIGINT ignored
        # (a background job of a non-interactive shell, some CI runners): then it has none.
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        sender = threading.Thread(target=interrupt)
        sender.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                tools.run(call("slow", {"seconds": 60}))
        finally:
            sender.join(60)
            signal.signal(signal.SIGINT, previous)
        assert wait_for(lambda: marker.read_text() == "cancelled")
        assert tools.run(call("echo", {"text": "after"})).content == "after"
