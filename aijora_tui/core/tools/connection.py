"""One MCP server, through the official SDK: started on first use, kept up, stopped on exit.

The SDK's transports and `ClientSession` are async context managers that must be entered and
left in one task, so each server has a runner task that opens them, initializes the session,
lists the tools and then waits until it is told to stop or the server goes away. Calls are made
from the caller's task with `ClientSession.call_tool`; cancelling that task (Escape, Ctrl+C) makes
the SDK send MCP's `notifications/cancelled`, and `tool_timeout` is the SDK's own request
timeout, which cancels the same way.

Between the transport and the session sits a small pump: when the transport's stream ends
without our asking (the server process exited, say), the connection knows at once and reports
it in one notice with the tail of the server's stderr, instead of the next call finding out.
A stdio server's stderr goes to a private temporary file for that purpose.

`connect()` raises nothing: a server that cannot start ends in state `failed` with its notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from typing import Any, TextIO

import anyio
import httpx2
from mcp import ClientSession, MCPError, StdioServerParameters, stdio_client
from mcp.client._transport import TransportStreams
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.message import SessionMessage
from mcp.types import CONNECTION_CLOSED, REQUEST_TIMEOUT, Implementation, PaginatedRequestParams

from aijora_tui import __version__
from aijora_tui.core.errors import one_line, redact
from aijora_tui.core.tools.config import McpServer
from aijora_tui.core.tools.environment import server_environment
from aijora_tui.core.tools.names import MAX_TOOLS, ServerTool
from aijora_tui.core.tools.results import keep_for_history, result_text

START_TIMEOUT = 30.0
"""Seconds a server has to start, initialize and list its tools."""
MAX_PAGES = 20
"""Pages of `tools/list` followed (a server cannot keep us listing forever)."""
STDERR_TAIL = 2000
"""Bytes of a server's stderr quoted in a notice."""
CLIENT_INFO = Implementation(name="aijora-tui", version=__version__)

Notify = Callable[[str], None]


class ServerConnection:
    """The connection to one configured server; `state` says where it is."""

    def __init__(self, server: McpServer, notify: Notify) -> None:
        self.server = server
        self.state = "idle"
        """`idle` (never started), `starting`, `ready`, `failed` or `stopped`."""
        self.problem: str | None = None
        """Why the server failed (the notice's text), while `state` is `failed`."""
        self.tools: list[ServerTool] = []
        self._notify = notify
        self._session: ClientSession | None = None
        self._runner: asyncio.Task[None] | None = None
        self._settled = asyncio.Event()
        self._wake = asyncio.Event()
        self._stopping = False
        self._errlog: TextIO | None = None

    async def connect(self) -> None:
        """Start the server if it is not up (or starting); returns once it is ready or failed."""
        if self.state in ("idle", "failed", "stopped"):
            self._begin()
        await self._settled.wait()

    def _begin(self) -> None:
        self.state, self.problem, self.tools = "starting", None, []
        self._settled, self._wake, self._stopping = asyncio.Event(), asyncio.Event(), False
        self._runner = asyncio.create_task(self._run(), name=f"mcp-{self.server.name}")

    async def close(self) -> None:
        """Stop the server (gracefully: the SDK closes stdin, then terminates, then kills)."""
        runner = self._runner
        if runner is None or runner.done():
            return
        self._stopping = True
        self._wake.set()
        await asyncio.shield(runner)

    async def call(self, tool: str, arguments: dict[str, Any], timeout: float) -> tuple[str, bool]:
        """Run one tool; returns its result text and whether it is an error.

        Raises:
            asyncio.CancelledError: the caller was cancelled (the SDK tells the server).
        """
        session = self._session
        if session is None or self.state != "ready":
            return f"the MCP server '{self.server.name}' is not running", True
        try:
            result = await session.call_tool(tool, arguments, read_timeout_seconds=timeout)
        except MCPError as error:
            return self._mcp_error(error, timeout), True
        except Exception as error:  # a result the SDK refused (schema, input required, ...)
            return f"the MCP server's answer could not be used: {one_line(str(error))}", True
        text = keep_for_history(result_text(result.content, result.structured_content))
        return text, bool(result.is_error)

    def _mcp_error(self, error: MCPError, timeout: float) -> str:
        if error.code == REQUEST_TIMEOUT:
            return f"the tool ran longer than {timeout:g} s (tool_timeout) and was stopped"
        if error.code == CONNECTION_CLOSED:
            return f"the MCP server '{self.server.name}' stopped during the call"
        return f"the MCP server reported an error: {one_line(redact(error.message))}"

    # -- the runner task --

    async def _run(self) -> None:
        # The server's stderr goes to a file that outlives it, for the notice's tail.
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errlog:
            self._errlog = errlog
            failure = await self._serve()
            if self._stopping and failure is None:
                self.state = "stopped"
            else:
                self._fail(failure or "it stopped")
            self._errlog = None
        self._settled.set()

    async def _serve(self) -> str | None:
        """Open, initialize, list, wait; returns why the server failed, or None."""
        try:
            async with contextlib.AsyncExitStack() as stack:
                session = await self._open(stack)
                # Only around requests: the contexts opened above outlive this scope.
                with anyio.fail_after(START_TIMEOUT):
                    await session.initialize()
                    self.tools = await self._list_tools(session)
                self._session, self.state = session, "ready"
                self._settled.set()
                await self._wake.wait()
                self._session = None
                if not self._stopping:
                    return "it exited" if self.server.command else "the connection closed"
        except TimeoutError:
            return f"it did not answer within {START_TIMEOUT:g} s"
        except Exception as error:
            return _reason(error)
        finally:
            self._session = None
        return None

    def _fail(self, reason: str) -> None:
        verb = "failed to start" if self.state == "starting" else "stopped"
        notice = f"MCP server '{self.server.name}' {verb}: {reason}"
        tail = self._stderr_tail()
        if tail:
            notice += f" — stderr: {tail}"
        self.state, self.problem = "failed", notice
        self._notify(notice)

    async def _open(self, stack: contextlib.AsyncExitStack) -> ClientSession:
        read, write = await stack.enter_async_context(self._transport())
        to_session, session_read = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        pumps = await stack.enter_async_context(anyio.create_task_group())
        stack.callback(pumps.cancel_scope.cancel)  # runs before the group is left
        pumps.start_soon(self._pump, read, to_session)
        session = await stack.enter_async_context(
            ClientSession(session_read, write, client_info=CLIENT_INFO)
        )
        return session

    @contextlib.asynccontextmanager
    async def _transport(self) -> AsyncIterator[TransportStreams]:
        server = self.server
        if server.url is not None:
            timeout = httpx2.Timeout(30.0, read=300.0)
            async with (
                httpx2.AsyncClient(headers=dict(server.headers), timeout=timeout) as client,
                streamable_http_client(server.url, http_client=client) as streams,
            ):
                yield streams
            return
        assert server.command is not None and self._errlog is not None
        parameters = StdioServerParameters(
            command=server.command,
            args=list(server.args),
            env=server_environment(server.env),
            cwd=server.cwd,
            encoding_error_handler="replace",
        )
        async with stdio_client(parameters, errlog=self._errlog) as streams:
            yield streams

    async def _pump(self, read: Any, to_session: Any) -> None:
        """Pass messages on to the session; wake the runner when the server's side ends."""
        async with to_session:
            with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                async for item in read:
                    await to_session.send(item)
        self._wake.set()

    async def _list_tools(self, session: ClientSession) -> list[ServerTool]:
        tools: list[ServerTool] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            params = PaginatedRequestParams(cursor=cursor) if cursor else None
            page = await session.list_tools(params=params)
            tools += [
                ServerTool(self.server.name, tool.name, tool.description or "", tool.input_schema)
                for tool in page.tools
            ]
            cursor = page.next_cursor
            if not cursor or len(tools) >= MAX_TOOLS:
                break
        return tools[:MAX_TOOLS]

    def _stderr_tail(self) -> str:
        errlog = self._errlog
        if errlog is None:
            return ""
        with contextlib.suppress(OSError, ValueError):
            size = os.fstat(errlog.fileno()).st_size
            data = os.pread(errlog.fileno(), STDERR_TAIL, max(0, size - STDERR_TAIL))
            return one_line(redact(data.decode("utf-8", "replace")), STDERR_TAIL)
        return ""


def _reason(error: BaseException) -> str:
    """One line for why a server failed, from the innermost error of a task group."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    if isinstance(error, FileNotFoundError):
        return f"command not found ({one_line(str(error.filename or error))})"
    if isinstance(error, PermissionError):
        return "the command is not executable"
    if isinstance(error, MCPError) and error.code == CONNECTION_CLOSED:
        return "it exited before answering"
    if isinstance(error, httpx2.HTTPError):
        return f"HTTP: {one_line(redact(str(error)))}"
    return one_line(redact(str(error))) or type(error).__name__
