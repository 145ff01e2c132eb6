"""aijora-tui: a keyboard-first terminal chat client for OpenAI-compatible servers."""

import sys

__version__ = "0.1.0"

# `import httpx` also imports httpx's own command-line tool (`httpx._main`, with click, rich and
# pygments) whenever click is installed, and the MCP SDK installs it: 40 ms of CPU on every start
# of `ask` (bench/README.md, "Before and after the conversation engine").
# aijora-tui never runs that tool; a None entry in `sys.modules` makes its import fail at once,
# and httpx falls back to the stub it has for when click is missing.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
