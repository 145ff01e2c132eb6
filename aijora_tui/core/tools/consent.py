"""Who decides whether a tool call runs.

Nothing runs without consent: a call runs by itself only when its tool is in its server's
`auto_approve` (or `ask --yes` approved every call of the run). Otherwise the TUI asks (the
consent card: allow once, always allow, deny) and `ask` denies. "Always allow" adds the tool to
the server's `auto_approve`, in memory at once and in config.toml (`remember_auto_approve`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from pathlib import Path

from aijora_tui.core.tools.config import McpServer, remember_auto_approve


class Decision(enum.Enum):
    """The user's answer to a consent card."""

    ALLOW_ONCE = "allow-once"
    ALWAYS_ALLOW = "always-allow"
    DENY = "deny"

    @property
    def runs(self) -> bool:
        return self is not Decision.DENY


class ConsentPolicy:
    """The approvals in force: each server's `auto_approve`, plus what was allowed since."""

    def __init__(
        self,
        servers: Iterable[McpServer] | Mapping[str, McpServer],
        *,
        approve_all: bool = False,
        config_path: Path | None = None,
    ) -> None:
        items = servers.values() if isinstance(servers, Mapping) else servers
        self._approved = {server.name: set(server.auto_approve) for server in items}
        self.approve_all = approve_all
        """`ask --yes`: every call of this run is approved."""
        self._config_path = config_path

    def approved(self, server: str, tool: str) -> bool:
        """Whether a call of `tool` (the server's own name for it) runs without asking."""
        return self.approve_all or tool in self._approved.get(server, ())

    def remember(self, server: str, tool: str) -> Path:
        """ "Always allow": approve `tool` from now on and write it into config.toml.

        The approval holds for this session even when writing fails (the error propagates:
        `ConfigFileError`, `OSError`, or `KeyError` when the server left the file).
        """
        self._approved.setdefault(server, set()).add(tool)
        return remember_auto_approve(server, tool, self._config_path)
