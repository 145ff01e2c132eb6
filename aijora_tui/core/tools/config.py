"""The `[mcp.servers.NAME]` and `[tools]` tables of config.toml, checked and typed.

```toml
[mcp.servers.notes]            # a stdio server: an argument list, never a shell line
command = "python3"
args = ["-m", "notes_server"]
env = { NOTES_DIR = "/srv/notes" }
cwd = "/srv"
auto_approve = ["read_note"]   # tools that run without asking

[mcp.servers.web]              # a streamable HTTP server
url = "http://127.0.0.1:9000/mcp"
headers = { Authorization = "Bearer ..." }

[tools]
max_tool_rounds = 10
tool_timeout = 60              # seconds
```

A bad server table is skipped with one warning naming the server and the problem; the other
servers still load. A bad `[tools]` value falls back to its default, also with a warning.
`remember_auto_approve()` is how "always allow" reaches the file: it adds one tool to one
server's `auto_approve` and keeps every other key the user wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_MAX_TOOL_ROUNDS = 10
DEFAULT_TOOL_TIMEOUT = 60.0
MAX_TOOL_ROUNDS_LIMIT = 100
"""Largest `max_tool_rounds` accepted: every round is a paid request."""
MAX_TOOL_TIMEOUT = 24 * 3600.0
"""Largest `tool_timeout` accepted (seconds)."""

_STDIO_KEYS = frozenset({"command", "args", "env", "cwd", "auto_approve"})
_HTTP_KEYS = frozenset({"url", "headers", "auto_approve"})


@dataclass(frozen=True)
class McpServer:
    """One configured MCP server: stdio (`command`) or streamable HTTP (`url`)."""

    name: str
    """The key under `[mcp.servers]`; shown in notices and used to prefix clashing tool names."""
    command: str | None = None
    """The executable of a stdio server, started without a shell."""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Variables given to the server on top of a scrubbed environment (may hold secrets)."""
    cwd: str | None = None
    url: str | None = None
    """The endpoint of a streamable HTTP server."""
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Sent with every HTTP request to the server (may hold a bearer token)."""
    auto_approve: frozenset[str] = frozenset()
    """The server's own tool names that run without asking."""

    @property
    def transport(self) -> str:
        """`stdio` or `http`."""
        return "stdio" if self.command is not None else "http"


@dataclass(frozen=True)
class ToolLimits:
    """The `[tools]` table."""

    max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS
    """Model requests answered with tool results in one user turn before the loop stops."""
    tool_timeout: float = DEFAULT_TOOL_TIMEOUT
    """Seconds one tool call may run before it is stopped and reported."""


class _Invalid(Exception):
    """A server table that cannot be used; the message says why."""


def read_mcp_section(value: Any) -> tuple[dict[str, McpServer], list[str]]:
    """The usable servers of the `[mcp]` table, and one warning per problem."""
    if not isinstance(value, dict):
        return {}, ["'mcp' must be a table, ignored"]
    warnings = [f"'mcp.{key}' is not a known setting, ignored" for key in value if key != "servers"]
    servers_table = value.get("servers", {})
    if not isinstance(servers_table, dict):
        return {}, [*warnings, "'mcp.servers' must be a table, ignored"]
    servers: dict[str, McpServer] = {}
    for name, table in servers_table.items():
        try:
            servers[name] = _server(name, table)
        except _Invalid as problem:
            warnings.append(f"MCP server '{name}' ignored: {problem}")
    return servers, warnings


def read_tools_section(value: Any) -> tuple[ToolLimits, list[str]]:
    """The `[tools]` table; a bad value keeps its default and adds a warning."""
    if not isinstance(value, dict):
        return ToolLimits(), ["'tools' must be a table, ignored"]
    warnings = [
        f"'tools.{key}' is not a known setting, ignored"
        for key in value
        if key not in ("max_tool_rounds", "tool_timeout")
    ]
    rounds = value.get("max_tool_rounds", DEFAULT_MAX_TOOL_ROUNDS)
    if isinstance(rounds, bool) or not isinstance(rounds, int):
        warnings.append("'tools.max_tool_rounds' must be a whole number, ignored")
        rounds = DEFAULT_MAX_TOOL_ROUNDS
    elif not 1 <= rounds <= MAX_TOOL_ROUNDS_LIMIT:
        warnings.append(f"'tools.max_tool_rounds' must be 1 to {MAX_TOOL_ROUNDS_LIMIT}, ignored")
        rounds = DEFAULT_MAX_TOOL_ROUNDS
    timeout = value.get("tool_timeout", DEFAULT_TOOL_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        warnings.append("'tools.tool_timeout' must be a number of seconds, ignored")
        timeout = DEFAULT_TOOL_TIMEOUT
    elif not 0 < timeout <= MAX_TOOL_TIMEOUT:
        warnings.append("'tools.tool_timeout' must be above 0 and at most a day, ignored")
        timeout = DEFAULT_TOOL_TIMEOUT
    return ToolLimits(rounds, float(timeout)), warnings


def _server(name: str, table: Any) -> McpServer:
    if not name.strip():
        raise _Invalid("the name is empty")
    if not isinstance(table, dict):
        raise _Invalid("not a table")
    has_command, has_url = "command" in table, "url" in table
    if has_command == has_url:
        raise _Invalid("give exactly one of 'command' (stdio) or 'url' (streamable HTTP)")
    allowed = _STDIO_KEYS if has_command else _HTTP_KEYS
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _Invalid(f"unknown or misplaced key '{unknown[0]}'")
    auto_approve = frozenset(_strings(table, "auto_approve"))
    if has_url:
        return McpServer(
            name,
            url=_url(table["url"]),
            headers=_table(table, "headers"),
            auto_approve=auto_approve,
        )
    command = _text(table, "command")
    cwd = _text(table, "cwd") if "cwd" in table else None
    return McpServer(
        name,
        command=command,
        args=tuple(_strings(table, "args")),
        env=_table(table, "env"),
        cwd=cwd,
        auto_approve=auto_approve,
    )


def _text(table: Mapping[str, Any], key: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise _Invalid(f"'{key}' must be a non-empty string")
    return value


def _strings(table: Mapping[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(
        isinstance(item, str) and "\0" not in item for item in value
    ):
        raise _Invalid(f"'{key}' must be a list of strings")
    return value


def _table(table: Mapping[str, Any], key: str) -> dict[str, str]:
    value = table.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(item, str) and "\0" not in item and "\0" not in name
        for name, item in value.items()
    ):
        raise _Invalid(f"'{key}' must be a table of strings")
    return dict(value)


def _url(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise _Invalid("'url' must be an http:// or https:// URL")
    return value


def remember_auto_approve(server: str, tool: str, config_path: Path | None = None) -> Path:
    """Add `tool` to `[mcp.servers.<server>] auto_approve` in the config file.

    Reads the file afresh and changes only that one list, so every other key (and keys this
    version does not know) survives; written atomically with mode 0600.

    Raises:
        ConfigFileError: the file cannot be read or is not valid TOML.
        KeyError: the server is no longer in the file.
    """
    import tomli_w  # only writing needs it

    from aijora_tui import paths
    from aijora_tui.config import read_config_file
    from aijora_tui.files import write_private_file

    path = config_path or paths.config_file()
    table = read_config_file(path)
    servers = table.get("mcp", {}).get("servers", {})
    entry = servers.get(server) if isinstance(servers, dict) else None
    if not isinstance(entry, dict):
        raise KeyError(server)
    approved = entry.get("auto_approve", [])
    approved = list(approved) if isinstance(approved, list) else []
    if tool not in approved:
        approved.append(tool)
    entry["auto_approve"] = approved
    write_private_file(path, tomli_w.dumps(table))
    return path
