"""The environment a stdio MCP server starts with.

A tool server is someone else's program given to the model: it must not see the user's API key
or any provider's. It gets only a short list of harmless variables from our environment (the
ones a program needs to find its files and speak the user's language), never one that looks like
a secret even if it is on that list, and then exactly what its own `env` table says.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

INHERITED = frozenset(
    {"HOME", "LOGNAME", "USER", "PATH", "SHELL", "TERM", "LANG", "LANGUAGE", "TZ", "TMPDIR"}
)
"""Variables passed on from our environment (plus every `LC_*`)."""
_SECRET_NAME = re.compile(
    r"^AIJORA_|(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)(?:_|$)",
    re.IGNORECASE,
)


def looks_secret(name: str) -> bool:
    """Whether a variable's name says it holds a key, token or password (or is ours)."""
    return bool(_SECRET_NAME.search(name))


def server_environment(
    own: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The safe part of `environ` (default: this process's) with the server's `own` on top."""
    environ = os.environ if environ is None else environ
    safe = {
        name: value
        for name, value in environ.items()
        if (name in INHERITED or name.startswith("LC_"))
        and not looks_secret(name)
        and not value.startswith("()")  # an exported shell function, not a setting
    }
    return safe | dict(own)
