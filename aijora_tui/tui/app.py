"""`AijoraApp`: settings, themes, keys, the clipboard, the store, and quitting cleanly.

The model choice and the clients are `ModelChoice`'s; the chat screen gets what it needs of the
app as `ChatServices` when the app makes it (the chat mode's factory).

The app is built from a resolved `Settings` (see `run_tui`); tests build it the same way, with
settings pointing at the local fake server.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import os
import socket
import sys
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import PurePath
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.messages import ExitApp
from textual.screen import Screen
from textual.signal import Signal

from aijora_tui import paths
from aijora_tui.choices import chosen_provider, provider_model, provider_named
from aijora_tui.clipboard import copy_text
from aijora_tui.config import ConfigFileError, Settings, load_settings, save_settings
from aijora_tui.core.async_store import AsyncStore
from aijora_tui.core.defaults import DEFAULT_BASE_URL
from aijora_tui.core.errors import one_line, redact
from aijora_tui.core.sanitize import sanitize
from aijora_tui.core.store import StoreError
from aijora_tui.files import write_private_file
from aijora_tui.providers import BUILTIN, ProviderError
from aijora_tui.terminal import newline_key_hint
from aijora_tui.tui.model_choice import ModelChoice
from aijora_tui.tui.render.markdown import parser
from aijora_tui.tui.screens.chat import ChatScreen
from aijora_tui.tui.screens.help import HelpScreen
from aijora_tui.tui.services import ChatServices
from aijora_tui.tui.system_commands import chat_commands
from aijora_tui.tui.themes import APP_VARIABLE_DEFAULTS, bundled_themes_dir, load_themes
from aijora_tui.tui.widgets.image_view import prepare_inline_images
from aijora_tui.tui.widgets.message_log import MessageLog
from aijora_tui.tui.widgets.prompt_input import PromptInput

if TYPE_CHECKING:
    from aijora_tui.core.client import ChatClient
    from aijora_tui.core.tools.hub import ToolHub


class AijoraApp(App[int]):
    """The chat client."""

    CSS_PATH: ClassVar[list[str | PurePath]] = ["aijora.tcss", "screens/chat.tcss"]
    """The chat screen's rules load with the app's: a screen's own CSS_PATH makes Textual parse the
    whole stylesheet again when the screen is first shown, before the first frame."""
    TITLE = "aijora-tui"
    DEFAULT_MODE = "chat"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True, show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        client: ChatClient | None = None,
        warnings: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.settings = settings
        self._tool_hub: ToolHub | None = None
        self._startup_warnings = list(warnings)
        try:
            provider = chosen_provider(settings)
        except ProviderError as error:  # the CLI refuses these; an app built directly falls back
            self._startup_warnings.append(f"{error}; using {BUILTIN}")
            provider = provider_named(settings, BUILTIN)
        self._drawn = asyncio.Event()
        """Set once the first frame is on screen: what it does not need waits for it."""
        model = provider_model(settings, provider) or ""
        self.choice = ModelChoice(
            self, lambda: self.settings, self._keep, (provider.name, model), self._drawn, client
        )
        """The provider and model of the next request; every provider's models and client."""
        self.settings_changed: Signal[Settings] = Signal(self, "settings-changed")
        self.newline_key = newline_key_hint(os.environ)
        """What the footer and prompt advertise for a new line: "Shift+Enter" or "Ctrl+J"."""
        self.store: AsyncStore | None = None
        """The conversation history; None until opened, or when it cannot be opened."""
        self._store_lock = asyncio.Lock()
        self._store_tried = False
        self._quitting = False
        self.services = ChatServices(
            settings=lambda: self.settings,
            settings_changed=self.settings_changed,
            choice=self.choice,
            tool_hub=self.tool_hub,
            history=self.history,
            open_settings=self.open_settings,
            newline_key=self.newline_key,
        )
        self.add_mode("chat", partial(ChatScreen, self.services))

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_frame_drawn)
        result = load_themes(bundled_themes_dir(), paths.user_themes_dir())
        for theme in result.themes.values():
            self.register_theme(theme)
        for error in result.errors:
            self.notify(str(error), title="Theme not loaded", severity="warning", markup=False)
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
            if self.settings.sources.get("theme") == "flag":
                self._save({"theme": self.theme})  # --theme is remembered, like a palette pick
        else:
            self.notify(
                f"Unknown theme '{self.settings.theme}'; using the default",
                severity="warning",
                markup=False,
            )
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        if self.settings.keymap:
            self.set_keymap(dict(self.settings.keymap))
        for warning in self._startup_warnings:
            self.notify(warning, title="Settings", severity="warning", markup=False)
        if self.is_web:
            self.notify(
                f"@ attaches files on {sanitize(socket.gethostname())} (the machine serving "
                "this page), not on this computer; copies go to the browser's clipboard",
                title="In a browser",
                timeout=8,
                markup=False,
            )
        if needs_setup(self.settings):
            from aijora_tui.tui.screens.setup import SetupScreen

            self.push_screen(SetupScreen(self.settings), self._setup_done)

    def _first_frame_drawn(self) -> None:
        self._drawn.set()
        self.run_worker(self._warm_up(), group="warm-up", exit_on_error=False)

    async def _warm_up(self) -> None:
        """After the first frame: load on a thread what the first reply needs, then freeze
        everything loaded so far out of the garbage collector's sight."""
        try:
            await asyncio.to_thread(warm_up)
        finally:
            _tune_garbage_collector()

    def tool_hub(self) -> ToolHub | None:
        """The MCP servers' hub, made on first use (the MCP SDK loads only then); None when
        no server is configured. Its servers start when tools are first offered."""
        if self._tool_hub is None and self.settings.mcp:
            from aijora_tui.core.tools.hub import ToolHub

            self._tool_hub = ToolHub(
                self.settings.mcp, self.settings.tools, notify=self._tool_notice
            )
        return self._tool_hub

    def _tool_notice(self, text: str) -> None:
        self.notify(sanitize(text), title="Tools", severity="warning", timeout=10, markup=False)

    async def on_unmount(self) -> None:
        if self._tool_hub is not None:
            await self._tool_hub.close()
        await self.choice.clients.aclose()
        if self.store is not None:
            await self.store.close()

    async def history(self) -> AsyncStore | None:
        """The conversation store, opened on first use; None (and a notice) if it cannot be."""
        async with self._store_lock:
            if not self._store_tried:
                self._store_tried = True
                try:
                    self.store = await AsyncStore.open()
                except StoreError as error:
                    self.notify(
                        f"History is off: {error}", severity="error", timeout=10, markup=False
                    )
        return self.store

    # -- settings -------------------------------------------------------------------------

    def _remember_theme(self, theme: object) -> None:
        """A theme picked in the palette (or settings) is the theme next time too."""
        name = getattr(theme, "name", None)
        if not isinstance(name, str) or name == self.settings.theme:
            return
        self._save({"theme": name})
        self.settings = replace(self.settings, theme=name)

    def _keep(self, settings: Settings, updates: Mapping[str, object]) -> None:
        """Use `settings` from now on (a model chosen, a favourite pinned) and save `updates`."""
        self.settings = settings
        if updates:
            self._save(updates)

    def _save(self, values: Mapping[str, object]) -> None:
        try:
            save_settings(values)
        except (OSError, ConfigFileError) as error:
            self.notify(f"Settings not saved: {error}", severity="error", timeout=10, markup=False)

    def _setup_done(self, settings: Settings | None) -> None:
        if settings is not None:
            self.apply_settings(settings)

    def open_settings(self) -> None:
        """Show the settings form; apply and save what the user changes."""
        from aijora_tui.tui.screens.settings import SettingsChange, SettingsScreen

        def saved(change: SettingsChange | None) -> None:
            if change is not None:
                self._save(change.updates)
                self.apply_settings(change.settings)

        self.push_screen(
            SettingsScreen(self.settings, self.available_themes, binding_groups(), self.choice),
            saved,
        )

    def apply_settings(self, settings: Settings) -> None:
        """Use new settings from now on: clients, providers, theme, keys and default model."""
        old = self.settings
        self.settings = settings
        self.choice.configure(settings, old)
        if settings.theme != self.theme and settings.theme in self.available_themes:
            self.theme = settings.theme
        if settings.keymap != old.keymap:
            self.set_keymap(dict(settings.keymap))
        self.settings_changed.publish(settings)

    # -- clipboard ------------------------------------------------------------------------

    def copy_to_clipboard(self, text: str) -> None:
        """Every copy in the app (messages, code, selections) goes by the best route."""
        result = copy_text(
            text, super().copy_to_clipboard, self._write_terminal, browser=self.is_web
        )
        self.notify(result.describe(), timeout=4, markup=False)

    def _write_terminal(self, data: str) -> None:
        # Textual has no public API for raw output; the driver is where its own OSC 52 goes.
        if self._driver is not None:
            self._driver.write(data)

    async def action_quit(self) -> None:
        """Quit, keeping a streaming reply (as cancelled) and any unsent text (as the draft)."""
        self._quitting = True
        for screen in self.get_screen_stack():
            if isinstance(screen, ChatScreen):
                await screen.before_exit()
        self.exit()

    async def on_exit_app(self, message: ExitApp) -> None:
        """In a browser tab (`aijora-tui serve`) a closed tab, the server stopping, SIGINT and
        SIGTERM all reach the app as ExitApp: quit as Ctrl+Q does, keeping what was written."""
        if self.is_web and not self._quitting:
            message.prevent_default()
            await self.action_quit()

    # -- failure ------------------------------------------------------------------------

    def _fatal_error(self) -> None:
        """Textual's own handler prints a traceback *with local variables*, which can hold the
        API key; show one redacted line and keep the traceback (no locals) in a file."""
        error = sys.exc_info()[1] or self._exception
        path = paths.state_dir() / "crash.log"
        try:
            trace = "".join(traceback.format_exception(error)) if error else "unknown error"
            write_private_file(path, redact(trace))
            where = f" (details in {path})"
        except OSError:
            where = ""
        self.bell()
        summary = redact(f"{type(error).__name__}: {error}") if error else "unknown error"
        self.panic(Text(f"aijora-tui stopped on an unexpected error: {summary}{where}"))

    # -- commands and help ----------------------------------------------------------------

    def get_key_display(self, binding: Binding) -> str:
        """The newline key shown is the one this terminal can send (doctor's guess)."""
        if binding.id == "insert-newline" and binding.id not in self.settings.keymap:
            return "⇧⏎" if self.newline_key == "Shift+Enter" else "^J"
        return super().get_key_display(binding)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, ChatScreen):
            yield from chat_commands(screen)
        yield SystemCommand("Keys", "Show every key binding (F1)", self.action_help)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(binding_groups()))


def binding_groups() -> list[tuple[str, Iterable[BindingType]]]:
    return [
        ("Anywhere", AijoraApp.BINDINGS),
        ("Chat", ChatScreen.BINDINGS),
        ("Prompt", PromptInput.BINDINGS),
        ("Messages (Tab to focus)", MessageLog.BINDINGS),
    ]


def warm_up() -> None:
    """Load what the first reply needs and the first screen does not: the HTTP client (httpx),
    the Markdown parser and Pygments, so that their import is paid while the first message is
    typed, not before the first frame nor when the first token arrives."""
    for module in ("aijora_tui.core.client", "textual.highlight"):
        importlib.import_module(module)
    parser()


def _tune_garbage_collector() -> None:
    """Freeze the objects of start-up (modules, CSS, widgets) out of the collector's sight and
    collect the oldest generation less often: full collections of them cost 60-120 ms each,
    every second or two while a reply streams (bench/bench_tui.py)."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def needs_setup(settings: Settings) -> bool:
    """No key for the Aijora gateway (when it is the provider): the app opens on the setup
    screen."""
    return (
        settings.provider == BUILTIN
        and not settings.api_key
        and settings.base_url.rstrip("/") == DEFAULT_BASE_URL
    )


def run_tui(flags: dict[str, object]) -> int:
    """Start the TUI with settings from every source; returns the exit code (2: the provider
    is unknown or broken, said in one line on stderr)."""
    settings, warnings = load_settings(flags)
    try:
        chosen_provider(settings)
    except ProviderError as error:
        sys.stderr.write(f"aijora-tui: error: {one_line(str(error))}\n")
        return 2
    app = AijoraApp(settings, warnings=warnings)
    prepare_inline_images()  # may ask the terminal: only before Textual reads stdin
    app.run()
    return app.return_code or 0
