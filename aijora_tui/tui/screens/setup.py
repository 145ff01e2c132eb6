"""`SetupScreen`: first run without an API key — enter it, check it, save it.

The check calls GET /models with the entered key and says plainly what went wrong. The key is
shown masked and saved to the config file (mode 0600); a key from AIJORA_API_KEY is never
written there.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from aijora_tui.config import ConfigFileError, Settings, save_settings
from aijora_tui.core.client import ChatClient
from aijora_tui.core.defaults import DEFAULT_BASE_URL
from aijora_tui.core.errors import AijoraError, api_key_problem, redact


class SetupScreen(ModalScreen[Settings | None]):
    """Asks for the API key and base URL."""

    BINDINGS = [Binding("escape", "later", "Later", id="close-setup")]

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def compose(self) -> ComposeResult:
        with Vertical(id="setup", classes="dialog"):
            yield Static("Connect to Aijora", classes="dialog-title", markup=False)
            yield Static(
                "Paste your API key (create one in the Aijora console). It is stored in "
                "your config file, readable only by you.",
                classes="dialog-hint",
                markup=False,
            )
            yield Label("API key")
            yield Input(password=True, placeholder="sk-…", id="setup-key")
            yield Label("Base URL")
            yield Input(self.settings.base_url or DEFAULT_BASE_URL, id="setup-url")
            yield Static(id="setup-result", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Check"), id="setup-check")
                yield Button(Content("Save"), id="setup-save", variant="primary")
                yield Button(Content("Later"), id="setup-later")

    def _values(self) -> tuple[str, str]:
        key = self.query_one("#setup-key", Input).value.strip()
        url = self.query_one("#setup-url", Input).value.strip() or DEFAULT_BASE_URL
        return key, url

    def _say(self, text: str, style: str) -> None:
        self.query_one("#setup-result", Static).update(Content.styled(text, style))

    @on(Button.Pressed, "#setup-check")
    def _check_pressed(self) -> None:
        self.check(save_after=False)

    @on(Input.Submitted)
    def _enter_pressed(self) -> None:
        self.check(save_after=True)

    @work(exclusive=True, group="setup-check", exit_on_error=False)
    async def check(self, save_after: bool) -> None:
        """Try the key against GET /models, say the outcome in one line; save if asked and OK."""
        key, url = self._values()
        self._say("Checking…", "$text-muted")
        try:
            async with ChatClient(url, key or None, max_retries=0) as client:
                models = await client.list_models()
        except AijoraError as error:
            self._say(f"✗ {error.message}", "$error")
            return
        except Exception as error:  # never left at "Checking…": say what broke
            self._say(f"✗ unexpected error: {redact(type(error).__name__)}", "$error")
            return
        self._say(f"✓ Key accepted — {len(models)} models available", "$success")
        if save_after:
            self.save()

    @on(Button.Pressed, "#setup-save")
    def save(self) -> None:
        """Save without checking (the server may be unreachable right now)."""
        key, url = self._values()
        if problem := api_key_problem(key):
            self._say(f"✗ {problem}: paste it again", "$error")
            return
        if not key and url == DEFAULT_BASE_URL:
            self._say("Aijora needs a key: paste it first (or choose Later)", "$warning")
            return
        try:
            save_settings(
                {"api_key": key or None, "base_url": None if url == DEFAULT_BASE_URL else url}
            )
        except (OSError, ConfigFileError) as error:
            self._say(f"✗ Not saved: {error}", "$error")
            return
        self.dismiss(self.settings.with_values("config", api_key=key or None, base_url=url))

    @on(Button.Pressed, "#setup-later")
    def action_later(self) -> None:
        self.dismiss(None)
