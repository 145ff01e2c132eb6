"""Settings: defaults < config.toml < environment < command-line flags.

`load_settings()` is called once at the edge (the CLI) and the frozen `Settings` is passed down.
`save_settings()` writes only the keys it is given, keeps everything else the user wrote
(including keys this version does not know), and writes it with `files.write_private_file`
(atomic, mode 0600, since it may hold the API key; a symlinked file is written through).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aijora_tui import paths
from aijora_tui.config_values import CONVERTERS, BadValue, convert, shown
from aijora_tui.core.attachments import Limits, limits_from_table
from aijora_tui.core.defaults import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_REPLY_MB,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_STALL_TIMEOUT,
)
from aijora_tui.core.errors import api_key_problem, register_secret
from aijora_tui.core.prices import Price
from aijora_tui.core.sampling import Preset
from aijora_tui.core.tools.config import (
    McpServer,
    ToolLimits,
    read_mcp_section,
    read_tools_section,
)
from aijora_tui.files import read_regular_file, write_private_file
from aijora_tui.providers import BUILTIN, ModelMeta, ProviderConfig, read_provider_keys

if TYPE_CHECKING:
    from aijora_tui.core.wire import ClientOptions

CONFIG_LIMIT = 1024 * 1024
"""The largest config file read, in bytes."""
DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_THEME = "aijora-dark"
ENVIRONMENT = {
    "api_key": "AIJORA_API_KEY",
    "base_url": "AIJORA_BASE_URL",
    "model": "AIJORA_MODEL",
    "provider": "AIJORA_PROVIDER",
}
"""Settings that an environment variable overrides."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable, resolved from all sources."""

    api_key: str | None = field(default=None, repr=False)
    """Bearer key for the server; None sends no Authorization header. Never in a repr."""
    base_url: str = DEFAULT_BASE_URL
    """API root; `/chat/completions` and `/models` are appended."""
    model: str = DEFAULT_MODEL
    """Model for new requests."""
    system_prompt: str | None = None
    """Sent as the first message of every conversation when set."""
    theme: str = DEFAULT_THEME
    """Theme name (bundled, user file, or a Textual built-in)."""
    temperature: float | None = None
    """Sampling temperature; None leaves it to the server."""
    max_tokens: int | None = None
    """Reply length limit; None leaves it to the server."""
    read_timeout: float = DEFAULT_READ_TIMEOUT
    """Seconds of silence before a stream is considered cut."""
    stall_timeout: float = DEFAULT_STALL_TIMEOUT
    """Seconds without content (keep-alive comments do not count) before a stream is given up."""
    max_reply_mb: float = DEFAULT_MAX_REPLY_MB
    """Most text a reply may carry, in MB (a million characters); past it the reply stops."""
    models: tuple[str, ...] = ()
    """Models offered when the server's list cannot be fetched."""
    keymap: Mapping[str, str] = field(default_factory=dict)
    """Key overrides by binding id, e.g. {"send-message": "ctrl+s"}."""
    presets: Mapping[str, Preset] = field(default_factory=dict)
    """Named system prompts, chosen per conversation from the command palette."""
    prices: Mapping[str, Price] = field(default_factory=dict)
    """Per-model prices; the sidebar shows costs for models listed here."""
    attachments: Limits = field(default_factory=Limits)
    """Size limits of attached files (`[attachments]`)."""
    mcp: Mapping[str, McpServer] = field(default_factory=dict)
    """MCP servers by name (`[mcp.servers.NAME]`), whose tools the model may call."""
    tools: ToolLimits = field(default_factory=ToolLimits)
    """Limits of tool calling (`[tools]`)."""
    provider: str = BUILTIN
    """The provider to use (providers.py); the built-in one is the settings above."""
    providers: Mapping[str, ProviderConfig] = field(default_factory=dict)
    """`[providers.NAME]` tables, in file order (broken ones too, with their problem)."""
    price_currency: str | None = None
    """The currency of `prices` (shown with costs)."""
    favourites: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Favourite model ids per provider, pinned on top of the model picker."""
    model_meta: Mapping[str, ModelMeta] = field(default_factory=dict)
    """`[models."ID"]` tables: context length and image support the server may not list."""
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Where each non-default value came from: "config", "env" or "flag"."""

    def client_options(self) -> ClientOptions:
        """The settings a chat client takes (`core/wire.py`)."""
        return {
            "read_timeout": self.read_timeout,
            "stall_timeout": self.stall_timeout,
            "max_reply_chars": int(self.max_reply_mb * 1_000_000),
        }

    def with_values(self, source: str, **values: Any) -> Settings:
        """A copy with `values` applied (None values skipped), recording their source."""
        given = {key: value for key, value in values.items() if value is not None}
        if not given:
            return self
        return replace(self, **given, sources={**self.sources, **dict.fromkeys(given, source)})


class ConfigFileError(Exception):
    """The config file exists but cannot be used; the message names the file and the problem."""


_TABLE_READERS: dict[str, Callable[[Any], tuple[Any, list[str]]]] = {
    "attachments": limits_from_table,
    "mcp": read_mcp_section,
    "tools": read_tools_section,
}
"""Tables read by their own module, which names each bad key in the problems it returns."""


def read_config_file(path: Path) -> dict[str, Any]:
    """The raw TOML table of the config file; empty when the file does not exist.

    Only a regular file is read (a FIFO there must not hang every command), of at most
    `CONFIG_LIMIT` bytes, and it must be UTF-8.
    """
    try:
        text = read_regular_file(path, CONFIG_LIMIT).decode("utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise ConfigFileError(f"{path}: cannot read ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise ConfigFileError(
            f"{path}: not valid UTF-8 (byte {error.start + 1} cannot be read)"
        ) from None
    import tomllib  # here, not at the top: `ask` without a config file never needs it

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigFileError(f"{path}: not valid TOML ({error})") from None


def settings_from_table(table: Mapping[str, Any], path: Path) -> tuple[dict[str, Any], list[str]]:
    """Known, valid values of a config table, and a warning for each bad value."""
    values: dict[str, Any] = {}
    warnings: list[str] = []
    for key in CONVERTERS:
        if key not in table:
            continue
        try:
            values[key] = convert(key, table[key])
        except TypeError:
            warnings.append(f"{path}: '{key}' has the wrong type, ignored")
        except BadValue as error:
            warnings.append(f"{path}: '{key}' = {shown(table[key])} {error}, ignored")
    for key, read in _TABLE_READERS.items():
        if key in table:
            values[key], problems = read(table[key])
            warnings += [f"{path}: {problem}" for problem in problems]
    provider_values, provider_warnings = read_provider_keys(table, path)
    return values | provider_values, warnings + provider_warnings


def api_key_problem_line(settings: Settings) -> str | None:
    """The one line saying that the configured API key cannot be sent, and where it came from;
    None when it can (or there is none)."""
    problem = api_key_problem(settings.api_key)
    if problem is None:
        return None
    source = settings.sources.get("api_key")
    where = {
        "env": ENVIRONMENT["api_key"],
        "config": f"api_key in {paths.config_file()}",
    }.get(source or "", "the settings")
    return f"{problem} (from {where}); set it again without it"


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> tuple[Settings, list[str]]:
    """Resolve settings from every source; returns them with warnings for the user.

    A broken config file does not stop the app: it is reported and the other sources apply.
    """
    environ = os.environ if environ is None else environ
    path = config_path or paths.config_file()
    settings = Settings()
    warnings: list[str] = []
    try:
        file_values, warnings = settings_from_table(read_config_file(path), path)
    except ConfigFileError as error:
        file_values, warnings = {}, [str(error)]
    settings = settings.with_values("config", **file_values)
    env_values = {key: environ.get(name) or None for key, name in ENVIRONMENT.items()}
    settings = settings.with_values("env", **env_values)
    settings = settings.with_values("flag", **(flags or {}))
    register_secret(settings.api_key)  # in every form, before anything can print it
    return settings, warnings


def save_settings(updates: Mapping[str, Any], config_path: Path | None = None) -> Path:
    """Write `updates` into the config file, keeping every other key; None removes a key."""
    import tomli_w  # only writing needs it; `ask` imports this module and never writes

    path = config_path or paths.config_file()
    table = read_config_file(path)
    for key, value in updates.items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = list(value) if isinstance(value, tuple) else value
    write_private_file(path, tomli_w.dumps(table))
    return path
