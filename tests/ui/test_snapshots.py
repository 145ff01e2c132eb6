"""SVG snapshots of the main states (pytest-textual-snapshot; `pytest --snapshot-update` accepts).

No server is needed: conversations are loaded straight into the log, and the base URL points at
a closed port so the model list falls back to the configured model.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from aijora_tui.config import Settings
from aijora_tui.core.client import DEFAULT_BASE_URL
from aijora_tui.core.conversation import Entry
from aijora_tui.core.models import Usage
from aijora_tui.tui.app import AijoraApp
from aijora_tui.tui.screens.chat import ChatScreen

SnapCompare = Callable[..., bool]
CLOSED = "http://127.0.0.1:9/v1"
REPLY = """Use **slicing** for a reversed copy, or reverse in place:

- `xs[::-1]` returns a new list
- `xs.reverse()` changes `xs` itself

```python
xs = [1, 2, 3]
print(xs[::-1])
```

| method | copies |
|---|---|
| slicing | yes |
| reverse() | no |"""


def conversation() -> list[Entry]:
    return [
        Entry("user", "How do I reverse a list in Python?"),
        Entry("assistant", REPLY, model="gpt-4o-mini", usage=Usage(14, 62, 76)),
        Entry("user", "And a string? [not markup] [/]"),
        Entry(
            "assistant",
            "Strings are immutable, so slice: `s[::-1]`",
            model="gpt-4o-mini",
            state="interrupted",
            error="the connection broke in the middle of the reply (ReadError)",
        ),
    ]


def app_with(
    theme: str = "aijora-dark", base_url: str = CLOSED, key: str | None = "sk-x"
) -> AijoraApp:
    return AijoraApp(Settings(api_key=key, base_url=base_url, theme=theme))


def loading(entries: list[Entry], *keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Settle the app (no cursor blink, model list done), load `entries`, press `keys`."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, AijoraApp)
        chat_screen = app.get_screen_stack()[0]  # under the setup screen, when it shows
        assert isinstance(chat_screen, ChatScreen)
        await chat_screen.message_log.load(entries)
        await app.workers.wait_for_complete()  # the model list (refused: closed port)
        await pilot.press(*keys)
        await pilot.pause()
        for widget in app.screen.query("Input, TextArea"):
            widget.cursor_blink = False  # type: ignore[attr-defined]
        await pilot.pause()

    return run_before


def test_chat_dark(snap_compare: SnapCompare) -> None:
    assert snap_compare(app_with(), terminal_size=(110, 36), run_before=loading(conversation()))


def test_chat_light(snap_compare: SnapCompare) -> None:
    assert snap_compare(
        app_with("aijora-light"), terminal_size=(110, 36), run_before=loading(conversation())
    )


def test_empty_chat(snap_compare: SnapCompare) -> None:
    assert snap_compare(app_with(), terminal_size=(100, 24), run_before=loading([]))


def test_settings_screen(snap_compare: SnapCompare) -> None:
    assert snap_compare(app_with(), terminal_size=(100, 36), run_before=loading([], "f3"))


def test_setup_screen(snap_compare: SnapCompare) -> None:
    assert snap_compare(app_with(base_url=DEFAULT_BASE_URL, key=None), terminal_size=(100, 30))
