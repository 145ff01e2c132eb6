"""`SettingsScreen`: every setting in one keyboard-first form; what changed is saved to config.toml.

Values that come from the environment or a flag are shown as such, read-only, and never written
to the file. The API key is never shown: the field is empty with a note saying a key is set, and
typing a new one replaces it. Saving writes only what changed (tomli-w, atomic, mode 0600),
keeping whatever else the file holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from aijora_tui.config import ENVIRONMENT, Settings
from aijora_tui.config_values import BadValue, convert
from aijora_tui.core.errors import api_key_problem
from aijora_tui.core.prices import Price
from aijora_tui.core.sampling import BadSetting, Preset, preset_from
from aijora_tui.tui.widgets.provider_status import ProviderStatus

if TYPE_CHECKING:
    from aijora_tui.tui.model_choice import ModelChoice

_NUMBER_FIELDS = {
    "temperature": float,
    "max_tokens": int,
    "read_timeout": float,
    "stall_timeout": float,
    "max_reply_mb": float,
}
_REQUIRED = frozenset({"read_timeout", "stall_timeout", "max_reply_mb"})
"""Number fields that cannot be left empty (the others mean "the server's default" then)."""
_DEFAULTS: Mapping[str, Any] = {"presets": {}, "prices": {}, "keymap": {}}
"""What a cleared field means in `Settings` (fields not listed become None)."""


@dataclass(frozen=True)
class SettingsChange:
    """What the user saved: config-file values (None removes a key) and the new settings."""

    updates: dict[str, Any]
    settings: Settings


class SettingsScreen(ModalScreen[SettingsChange | None]):
    """The settings form; dismisses with the change, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save-settings", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel-settings"),
    ]

    def __init__(
        self,
        settings: Settings,
        themes: Iterable[str],
        bindings: Iterable[tuple[str, Iterable[BindingType]]],
        choice: ModelChoice,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.choice = choice
        self.themes = sorted(set(themes) | {settings.theme})
        self.binding_ids = [
            (binding.id, binding.key)
            for _, group in bindings
            for binding in group
            if isinstance(binding, Binding) and binding.id
        ]

    def compose(self) -> ComposeResult:
        s = self.settings
        with VerticalScroll(id="settings", classes="dialog"):
            yield Static("Settings", classes="dialog-title", markup=False)
            yield Label(Content("Providers ([providers.NAME] in config.toml; aijora: below)"))
            yield ProviderStatus(self.choice, id="provider-status")
            yield Label("API key")
            yield Input(password=True, id="set-api_key", placeholder=self._key_note())
            yield from self._field("base_url", "Base URL", s.base_url)
            yield from self._field("model", "Default model", s.model)
            yield Label("System prompt")
            yield TextArea(s.system_prompt or "", id="set-system_prompt", soft_wrap=True)
            yield from self._field(
                "temperature", "Temperature (empty: server default)", _text(s.temperature)
            )
            yield from self._field(
                "max_tokens", "Max tokens (empty: server default)", _text(s.max_tokens)
            )
            yield from self._field(
                "read_timeout", "Read timeout, seconds of silence", _text(s.read_timeout)
            )
            yield from self._field(
                "stall_timeout",
                "Stall timeout, seconds without content",
                _text(s.stall_timeout),
            )
            yield from self._field(
                "max_reply_mb", "Largest reply, MB of text", _text(s.max_reply_mb)
            )
            yield Label("Theme")
            yield Select(
                [(Content(name), name) for name in self.themes],
                value=s.theme,
                allow_blank=False,
                id="set-theme",
            )
            yield Label('System prompt presets (TOML): name = "prompt", triple quotes for lines')
            yield TextArea(_presets_text(s.presets), id="set-presets", soft_wrap=False)
            yield Label("Prices per million tokens — one per line: model = input, output")
            yield TextArea(
                _lines((m, f"{p.input:g}, {p.output:g}") for m, p in s.prices.items()),
                id="set-prices",
                soft_wrap=False,
            )
            yield Label("Keys — a binding id and its keys (comma-separated); empty: default")
            for binding_id, default in self.binding_ids:
                with Horizontal(classes="keymap-row"):
                    yield Static(binding_id, classes="keymap-id", markup=False)
                    yield Input(
                        s.keymap.get(binding_id, ""), placeholder=default, id=f"key-{binding_id}"
                    )
            yield Static(id="settings-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Save (Ctrl+S)"), id="settings-save", variant="primary")
                yield Button(Content("Cancel (Esc)"), id="settings-cancel")

    def _field(self, name: str, label: str, value: str) -> ComposeResult:
        source = self.settings.sources.get(name)
        if source in ("env", "flag"):
            where = ENVIRONMENT.get(name, "") if source == "env" else "a command-line flag"
            label = f"{label} — from {where}, not saved here"
        yield Label(label)
        yield Input(value, id=f"set-{name}", disabled=source in ("env", "flag"))

    def _key_note(self) -> str:
        source = self.settings.sources.get("api_key")
        if source == "env":
            return "set by AIJORA_API_KEY (not saved here)"
        if self.settings.api_key:
            return "a key is saved — type to replace it"
        return "paste your key"

    def on_mount(self) -> None:
        if self.settings.sources.get("api_key") == "env":
            self.query_one("#set-api_key", Input).disabled = True

    # -- reading the form -----------------------------------------------------------------

    def _value(self, name: str) -> str:
        return self.query_one(f"#set-{name}", Input).value.strip()

    def _collect(self) -> dict[str, Any]:
        """Typed values of every editable field (None: cleared); ValueError says what is wrong."""
        values: dict[str, Any] = {}
        key = self._value("api_key")
        if problem := api_key_problem(key):
            raise ValueError(problem)
        if key:
            values["api_key"] = key
        for name in ("base_url", "model"):
            if not self.query_one(f"#set-{name}", Input).disabled:
                value = self._value(name)
                if not value:
                    raise ValueError(f"{name.replace('_', ' ')} cannot be empty")
                values[name] = _checked(name, value)
        values["system_prompt"] = (
            self.query_one("#set-system_prompt", TextArea).text.strip() or None
        )
        for name, kind in _NUMBER_FIELDS.items():
            values[name] = _number(name, self._value(name), kind)
        theme = self.query_one("#set-theme", Select).value
        values["theme"] = theme if isinstance(theme, str) else self.settings.theme
        values["presets"] = _parse_presets(self.query_one("#set-presets", TextArea).text)
        values["prices"] = _parse_prices(self.query_one("#set-prices", TextArea).text)
        values["keymap"] = {
            binding_id: keys
            for binding_id, _ in self.binding_ids
            if (keys := self.query_one(f"#key-{binding_id}", Input).value.strip())
        }
        return values

    def action_save(self) -> None:
        try:
            values = self._collect()
        except ValueError as error:
            self.query_one("#settings-error", Static).update(Content.styled(f"✗ {error}", "$error"))
            return
        resolved: dict[str, Any] = {
            name: _DEFAULTS.get(name) if value is None else value for name, value in values.items()
        }
        # Only what the user changed is written: untouched defaults stay defaults.
        changed = {
            name: value for name, value in resolved.items() if getattr(self.settings, name) != value
        }
        updates = {name: _for_file(values[name]) for name in changed}
        sources = {**self.settings.sources, **dict.fromkeys(changed, "config")}
        settings = replace(self.settings, **changed, sources=sources)
        self.dismiss(SettingsChange(updates, settings))

    @on(Button.Pressed, "#settings-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#settings-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _text(value: float | int | None) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _lines(pairs: Iterable[tuple[str, str]]) -> str:
    return "\n".join(f"{name} = {value}" for name, value in pairs)


def _number(name: str, text: str, kind: type) -> float | int | None:
    if not text:
        if name in _REQUIRED:
            raise ValueError(f"{name.replace('_', ' ')} cannot be empty")
        return None
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name.replace('_', ' ')} must be a number, not '{text}'") from None
    return _checked(name, value)  # type: ignore[no-any-return]


def _checked(name: str, value: Any) -> Any:
    """`value` if the config file could hold it (`config_values`); else ValueError naming it."""
    try:
        return convert(name, value)
    except (BadValue, TypeError) as error:
        raise ValueError(f"{name.replace('_', ' ')} {error or 'has the wrong type'}") from None


def _pairs(text: str, what: str) -> list[tuple[str, str]]:
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip() or not value.strip():
            raise ValueError(f"{what}, line {number}: expected 'name = value'")
        pairs.append((name.strip(), value.strip()))
    return pairs


def _presets_text(presets: Mapping[str, Preset]) -> str:
    import tomli_w

    table = {name: preset.to_config() for name, preset in presets.items()}
    return tomli_w.dumps(table, multiline_strings=True)


def _parse_presets(text: str) -> dict[str, Preset]:
    """Presets written as TOML, so a prompt can span lines and hold any character: `name =
    "prompt"`, or a `[name]` table with `system_prompt`, `temperature`, `top_p`, `max_tokens`,
    `reasoning_effort`."""
    import tomllib

    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"presets are not valid TOML ({error})") from None
    try:
        return {str(name): preset_from(value) for name, value in table.items()}
    except TypeError:
        raise ValueError('presets: each one is name = "prompt", or a table') from None
    except BadSetting as error:
        raise ValueError(f"presets: {error}") from None


def _parse_prices(text: str) -> dict[str, Price]:
    prices = {}
    for model, value in _pairs(text, "prices"):
        parts = [part.strip() for part in value.split(",")]
        try:
            prompt, completion = (float(part) for part in parts)
        except ValueError:
            raise ValueError(f"prices for {model}: expected 'input, output' numbers") from None
        prices[model] = Price(prompt, completion)
    checked: dict[str, Price] = _checked(
        "prices", {model: price.to_table() for model, price in prices.items()}
    )
    return checked


def _for_file(value: Any) -> Any:
    """The config-file form of a value; None (remove the key) for anything empty."""
    if isinstance(value, dict) and value and isinstance(next(iter(value.values())), Price):
        return {model: price.to_table() for model, price in value.items()}
    if isinstance(value, dict) and value and isinstance(next(iter(value.values())), Preset):
        return {name: preset.to_config() for name, preset in value.items()}
    if isinstance(value, int | float):
        return value
    return value or None
