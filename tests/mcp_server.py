"""A real MCP server for the tests, built with the SDK's `MCPServer` (FastMCP before mcp 2).

    python tests/mcp_server.py            # stdio
    python tests/mcp_server.py --crash    # writes to stderr and exits at once (exit 3)
    python tests/mcp_server.py --http PORT  # streamable HTTP on 127.0.0.1:PORT/mcp

Tools: `echo` (fast), `slow` (sleeps; writes "started", then "cancelled" if cancelled, to
$MCP_TEST_MARKER), `fail` (raises), `big` (returns `size` bytes, 1 MB by default),
`environment` (the names of its environment variables) and `picture` (an image block).
`exit_now` makes the server die mid-call.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image

server = MCPServer("test-tools")


@server.tool()
def echo(text: str) -> str:
    """Return `text` unchanged."""
    return text


@server.tool()
async def slow(seconds: float) -> str:
    """Sleep for `seconds`, then say so."""
    marker = os.environ.get("MCP_TEST_MARKER")
    if marker:
        Path(marker).write_text("started", encoding="utf-8")
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        if marker:
            Path(marker).write_text("cancelled", encoding="utf-8")
        raise
    return f"slept {seconds:g} s"


@server.tool()
def fail(message: str) -> str:
    """Always fails with `message`."""
    raise ToolError(message)


@server.tool()
def big(size: int = 1024 * 1024) -> str:
    """Return `size` bytes of text."""
    line = "0123456789abcdef" * 4 + "\n"
    return (line * (size // len(line) + 1))[:size]


@server.tool()
def environment() -> str:
    """The names of the server's environment variables, one a line."""
    return "\n".join(sorted(os.environ))


@server.tool()
def picture() -> Image:
    """A tiny PNG."""
    return Image(data=b"\x89PNG\r\n\x1a\n" + b"\0" * 16, format="png")


@server.tool()
def exit_now() -> str:
    """End the process in the middle of the call."""
    os._exit(5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--crash", action="store_true")
    parser.add_argument("--http", type=int, metavar="PORT")
    args = parser.parse_args()
    if args.crash:
        print("boom: the test server refuses to start", file=sys.stderr, flush=True)
        sys.exit(3)
    if args.http is not None:
        server.run("streamable-http", host="127.0.0.1", port=args.http)
    else:
        server.run()


if __name__ == "__main__":
    main()
