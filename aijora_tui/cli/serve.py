"""`aijora-tui serve`: check the address, print the URL to open, serve until Ctrl+C (exit 130).

Safe by default: it listens on loopback only, and a browser on another machine reaches it through
an SSH tunnel. A non-loopback `--host` needs `--public`, which requires a random token in the URL
and warns that anyone who can reach the port can spend the key. The app processes get this
process's environment and the flags that matter, never through a shell's word splitting.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from yarl import URL

from aijora_tui.core.errors import register_secret
from aijora_tui.web.guard import Guard, is_loopback, new_token
from aijora_tui.web.server import AppServer, serve_until_signal

APP_FLAGS = {
    "model": "--model",
    "base_url": "--base-url",
    "system_prompt": "--system",
    "theme": "--theme",
    "provider": "--provider",
}
"""Settings given as flags to `serve`, and the app's flag for each."""
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


class UsageError(Exception):
    """Bad flags: one line, exit 2."""


def run_serve(args: argparse.Namespace, flags: Mapping[str, Any]) -> int:
    """Serve the app until SIGINT/SIGTERM; 2 on bad flags, 1 when it cannot listen."""
    try:
        public_url = parse_public_url(args.public_url)
        check_host(args.host, args.public)
    except UsageError as error:
        return _fail(str(error), 2)
    token = new_token() if args.public else None
    register_secret(token)  # printed once, in the URL; never in a log line
    server = AppServer(
        app_command(flags),
        host=args.host,
        port=args.port,
        guard=Guard(token=token, public_url=public_url),
        public_url=public_url,
    )
    if args.public:
        print(
            "aijora-tui serve: warning: --public: anyone who can reach this port and has the "
            "URL's token can use the app and spend your API key",
            file=sys.stderr,
        )

    def announce(addresses: Sequence[Any]) -> None:
        port = int(addresses[0][1])
        print(page_url(args.host, port, public_url, token), flush=True)
        if args.host in WILDCARD_HOSTS and public_url is None:
            print(
                "aijora-tui serve: listening on every interface: from another machine use this "
                "machine's address in place of 127.0.0.1",
                file=sys.stderr,
            )
        print("aijora-tui serve: open the URL in a browser; Ctrl+C stops", file=sys.stderr)

    try:
        return asyncio.run(serve_until_signal(server, announce))
    except OSError as error:
        return _fail(f"cannot listen on {args.host} port {args.port}: {error.strerror}", 1)
    except KeyboardInterrupt:  # before the signal handlers were in place
        return 130


def check_host(host: str, public: bool) -> None:
    if not public and not is_loopback(host):
        raise UsageError(
            f"--host {host} is not a loopback address: add --public to serve other machines "
            "(a token is then required), or reach it through an SSH tunnel"
        )


def parse_public_url(value: str | None) -> URL | None:
    """`--public-url`: an absolute http(s) URL without query or fragment."""
    if value is None:
        return None
    try:
        url = URL(value)
    except ValueError:
        url = URL()
    if url.scheme not in ("http", "https") or not url.host or url.query_string or url.fragment:
        raise UsageError(f"--public-url must be an http:// or https:// URL, not {value!r}")
    return url


def page_url(host: str, port: int, public_url: URL | None, token: str | None) -> str:
    """The URL to open: `--public-url`, else this host and port, with `?token=` when needed."""
    if public_url is not None:
        base = str(public_url).rstrip("/")
    else:
        shown = "127.0.0.1" if host in WILDCARD_HOSTS else host
        base = str(URL.build(scheme="http", host=shown, port=port))
    return f"{base}/" + ("" if token is None else f"?token={token}")


def app_command(flags: Mapping[str, Any]) -> str:
    """The shell command textual-serve runs per tab: this Python running the installed app,
    every argument quoted (`-P`: no module from the current directory shadows the app)."""
    argv = [sys.executable, "-P", "-m", "aijora_tui"]
    for setting, flag in APP_FLAGS.items():
        value = flags.get(setting)
        if value is not None:
            argv.append(f"{flag}={value}")
    return "exec " + shlex.join(argv)


def _fail(message: str, code: int) -> int:
    print(f"aijora-tui serve: {message}", file=sys.stderr)
    return code
