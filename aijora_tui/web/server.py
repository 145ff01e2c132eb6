"""textual-serve's `Server`, guarded, with one app process per browser tab and a clean stop.

What changes from textual-serve (its routes, template, static files and `AppService` are used
as they are):

- `guard.Guard.middleware` runs in front of every route, and `guard.harden` adds headers.
- The page builds its websocket and asset URLs from `--public-url`, else from the address the
  browser used (so a server bound to every interface still works from another machine).
- At most `MAX_SESSIONS` tabs at once; each one's process is asked to quit when the tab goes or
  the server stops (the app then saves what was typed, as on Ctrl+Q) and killed if it has not
  quit within `STOP_TIMEOUT`. `serve_until_signal` returns only when every process is gone.
- No banner and no rich logging: the CLI prints the URL, and log records become one redacted
  line on stderr without tracebacks. textual-serve copies an app process's stderr to
  `sys.stdout`, which holds only the URL: while serving, that goes the same way (`AppErrors`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server
from yarl import URL

from aijora_tui.core.errors import one_line, redact
from aijora_tui.web.guard import Guard, harden

STOP_TIMEOUT = 5.0
"""Seconds an app process gets to save and quit before it is killed."""
MAX_SESSIONS = 16
"""Browser tabs served at once (each is a process holding the key); more get 503."""
MAX_CELLS = 1000
"""Bound on the terminal size a tab starts with (its websocket's query), in columns or rows."""
LOGGERS = ("textual-serve", "aiohttp")

log = logging.getLogger("textual-serve")


class AppServer(Server):
    """Serves `command` (the app, run once per browser tab) behind `guard`."""

    def __init__(
        self, command: str, *, host: str, port: int, guard: Guard, public_url: URL | None
    ) -> None:
        super().__init__(
            command,
            host=host,
            port=port,
            title="aijora-tui",
            public_url=None if public_url is None else str(public_url).rstrip("/"),
        )
        self.guard = guard
        self._public_url = public_url
        self._sessions: set[_Session] = set()
        self._stopping = False

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self.guard.middleware)
        app.on_response_prepare.append(harden)
        return app

    def initialize_logging(self) -> None:
        """Plain one-line records on stderr instead of textual-serve's rich handler."""
        handler = logging.StreamHandler(sys.stderr)
        handler.addFilter(_one_redacted_line)
        handler.setFormatter(logging.Formatter("aijora-tui serve: %(message)s"))
        for name in LOGGERS:
            logger = logging.getLogger(name)
            logger.handlers[:] = [handler]
            logger.setLevel(logging.WARNING)
            logger.propagate = False

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints a banner here; the CLI prints the URL once it is listening."""

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """The page, with URLs the browser can reach: `--public-url`, else the one it used."""
        base = str(self._public_url or request.url.origin()).rstrip("/")
        router = request.app.router
        scheme, _, rest = f"{base}{router['websocket'].url_for()}".partition(":")
        return {
            "font_size": _bounded(request.query.get("fontsize"), 16, 64),
            "app_websocket_url": ("wss" if scheme == "https" else "ws") + ":" + rest,
            "config": {"static": {"url": f"{base}{router['static'].url_for(filename='/')}"}},
            "application": {"name": self.title},
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One browser tab: its own app process, driven through this websocket."""
        if self._stopping or len(self._sessions) >= MAX_SESSIONS:
            raise web.HTTPServiceUnavailable(text="too many browser tabs are open\n")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = _bounded(request.query.get("width"), 80, MAX_CELLS)
        height = _bounded(request.query.get("height"), 24, MAX_CELLS)
        await websocket.prepare(request)
        if self._stopping or len(self._sessions) >= MAX_SESSIONS:  # changed during the handshake
            await websocket.close()
            return websocket

        async def close() -> None:  # textual-serve calls it when the app has quit
            await websocket.close()

        service = AppService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=self.download_manager,
        )
        session = _Session(service, width, height)
        self._sessions.add(session)
        try:
            # aiohttp cancels this handler when the tab goes: start and stop must outlive it
            await asyncio.shield(session.started)
            await self._process_messages(websocket, service)
        except OSError as error:
            log.warning("could not start the app: %s", error)
        except (ValueError, LookupError, TypeError, AssertionError):
            log.warning("a browser sent a message that is not textual-serve's; its tab was closed")
        finally:
            await asyncio.shield(self._end(session))
            await websocket.close()
        return websocket

    async def stop_sessions(self) -> None:
        """Refuse new tabs, then stop every app process (each saves, or is killed)."""
        self._stopping = True
        await asyncio.gather(*(self._end(session) for session in list(self._sessions)))

    def _end(self, session: _Session) -> asyncio.Future[None]:
        ending = session.end()
        ending.add_done_callback(lambda _: self._sessions.discard(session))
        return ending


class _Session:
    """One tab's app process: started once and stopped once, by whoever asks first (the tab's
    handler or Ctrl+C), whatever cancels the handler meanwhile."""

    def __init__(self, service: AppService, width: int, height: int) -> None:
        self.service = service
        self.started = asyncio.ensure_future(service.start(width, height))
        self._ending: asyncio.Future[None] | None = None

    def end(self) -> asyncio.Future[None]:
        if self._ending is None:
            self._ending = asyncio.ensure_future(self._stop())
        return self._ending

    async def _stop(self) -> None:
        """Ask the app to quit and wait for its process; kill it after `STOP_TIMEOUT`.

        Waits without cancelling: textual-serve's reader swallows a cancellation, so a
        timeout that cancels `stop()` would never fire."""
        await asyncio.wait([self.started])  # its failure is the handler's to report
        process = self.service._process  # textual-serve keeps it to itself; killing needs it
        waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(self.service.stop())]
        if process is not None:
            waits.append(asyncio.ensure_future(process.wait()))
        _done, pending = await asyncio.wait(waits, timeout=STOP_TIMEOUT)
        if pending and process is not None and process.returncode is None:
            process.kill()
        await asyncio.gather(*waits)


def _bounded(value: str | None, default: int, limit: int) -> int:
    """A size from the browser's query: an integer from 1 to `limit`, else `default`."""
    try:
        number = int(value or default)
    except ValueError:
        return default
    return min(max(number, 1), limit)


def _one_redacted_line(record: logging.LogRecord) -> bool:
    """No traceback (its frames could hold the key) and no secret in the message."""
    record.msg = one_line(redact(record.getMessage()))
    record.args = None
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None
    return True


async def serve_until_signal(server: AppServer, announce: Callable[[Sequence[Any]], None]) -> int:
    """Listen, call `announce` with the bound addresses, serve until SIGINT or SIGTERM, stop
    every app process, and return 128 + the signal's number (130 for Ctrl+C).

    Raises:
        OSError: the address cannot be listened on (in use, not this machine's, no permission).
    """
    loop = asyncio.get_running_loop()
    received: asyncio.Future[int] = loop.create_future()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:  # kept until the end: a second Ctrl+C does not cut the clean stop
        loop.add_signal_handler(signum, _settle, received, int(signum))
    server.initialize_logging()
    runner = web.AppRunner(
        await server._make_app(), handle_signals=False, access_log=None, shutdown_timeout=2.0
    )
    try:
        await runner.setup()
        await web.TCPSite(runner, server.host, server.port).start()
        announce(runner.addresses)
        with contextlib.redirect_stdout(AppErrors()):
            number = await received
            await server.stop_sessions()
        return 128 + number
    finally:
        await runner.cleanup()
        for signum in signals:
            loop.remove_signal_handler(signum)


class AppErrors(io.TextIOBase):
    """Stands in for `sys.stdout` while serving: what an app process wrote to its stderr becomes
    log records (one sanitized, redacted line each, on stderr)."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                log.warning("app: %s", line)
        return len(text)


def _settle(future: asyncio.Future[int], value: int) -> None:
    if not future.done():
        future.set_result(value)
