"""Helpers for Pilot tests: bounded waiting on app state."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Collection
from pathlib import Path

from textual.app import App
from textual.command import Command, CommandList, CommandPalette
from textual.pilot import Pilot

from aijora_tui.tui.app import AijoraApp
from aijora_tui.tui.screens.chat import ChatScreen
from aijora_tui.tui.themes import APP_VARIABLE_DEFAULTS
from aijora_tui.tui.widgets.message_log import MessageLog


class ChatWidgetsApp(App[int]):
    """A bare app styled like the chat screen (`chat.tcss`, the app's own theme variables),
    for tests of the chat's widgets on their own."""

    CSS_PATH = str(Path(inspect.getfile(ChatScreen)).with_name("chat.tcss"))

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLE_DEFAULTS)


async def wait_until(
    pilot: Pilot[int], condition: Callable[[], bool], timeout: float = 10.0
) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


async def settle(
    pilot: Pilot[int], *, besides: Collection[str] = (), timeout: float = 10.0
) -> None:
    """Let the app finish what it started: every worker done (but those of the groups named in
    `besides`: a reply held by the server, say), then every queued message handled and the
    screen refreshed. For checking that something did *not* happen."""
    workers = pilot.app.workers
    await wait_until(
        pilot, lambda: all(w.is_finished or w.group in besides for w in workers), timeout
    )
    await pilot.wait_for_scheduled_animations()


def chat(app: AijoraApp) -> ChatScreen:
    screen = app.screen
    assert isinstance(screen, ChatScreen), screen
    return screen


def log_of(app: AijoraApp) -> MessageLog:
    return chat(app).message_log


async def wait_reply_done(pilot: Pilot[int], app: AijoraApp, count: int = 2) -> None:
    """Wait until the log has `count` entries and none is streaming."""
    log = log_of(app)
    await wait_until(
        pilot,
        lambda: len(log.entries) >= count and all(e.state != "streaming" for e in log.entries),
    )
    await pilot.pause()


async def send(pilot: Pilot[int], text: str) -> None:
    """Type `text` into the prompt and press Enter."""
    app = pilot.app
    assert isinstance(app, AijoraApp)
    chat(app).prompt_input.focus()
    chat(app).prompt_input.insert(text)
    await pilot.press("enter")


def highlighted_command(app: App[int]) -> str:
    """The text of the command that Enter in the open palette would run, once the palette has
    finished searching ("" while it searches, or when no command is highlighted)."""
    palette = app.screen
    if not isinstance(palette, CommandPalette):
        return ""
    if any(worker.node is palette and not worker.is_finished for worker in app.workers):
        return ""
    commands = palette.query_one(CommandList)
    if commands.highlighted is None:
        return ""
    option = commands.get_option_at_index(commands.highlighted)
    return str(option.hit.text) if isinstance(option, Command) else ""
