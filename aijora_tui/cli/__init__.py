"""Command line: `aijora-tui` (the TUI), `ask` (one streamed reply to stdout), `image` (generate
images), `history` and `export` (saved conversations), `doctor` (check the setup), `serve` (the
app in a browser).

Heavy modules are imported inside the command that needs them: `ask`, `doctor` and `serve` must
never import Textual (the app processes `serve` starts do), and `--version` imports nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from typing import Any

from aijora_tui import __version__


def _non_empty(value: str) -> str:
    if not value.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return value


def _image_size(value: str) -> str:
    width, x, height = value.lower().partition("x")
    valid = x and width.isdigit() and height.isdigit()
    if valid and 0 < int(width) <= 10_000 and 0 < int(height) <= 10_000:
        return f"{int(width)}x{int(height)}"
    raise argparse.ArgumentTypeError("expected WIDTHxHEIGHT, e.g. 1024x1024")


def _image_count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 10:
        raise argparse.ArgumentTypeError("expected a number from 1 to 10")
    return int(value)


def _add_common_flags(parser: argparse.ArgumentParser, default: Any = None) -> None:
    """Flags every command takes; a subcommand passes SUPPRESS so it keeps the global value."""
    parser.add_argument(
        "--model", default=default, type=_non_empty, help="model id (env AIJORA_MODEL)"
    )
    parser.add_argument(
        "--base-url", default=default, type=_non_empty, help="API root URL (env AIJORA_BASE_URL)"
    )
    parser.add_argument(
        "--system", default=default, metavar="PROMPT", help="system prompt for this conversation"
    )
    parser.add_argument(
        "--provider",
        default=default,
        type=_non_empty,
        metavar="NAME",
        help="a provider from [providers.NAME] in the config, or aijora (env AIJORA_PROVIDER)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aijora-tui",
        description="Keyboard-first terminal chat for Aijora and OpenAI-compatible servers.",
        epilog="Environment: AIJORA_API_KEY, AIJORA_BASE_URL, AIJORA_MODEL, AIJORA_PROVIDER. "
        "Run without a command to open the chat.",
    )
    parser.add_argument("--version", action="version", version=f"aijora-tui {__version__}")
    _add_common_flags(parser)
    parser.add_argument("--theme", help="theme name for the TUI")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser(
        "ask",
        help="stream one reply to stdout",
        description="Stream one reply to stdout. The prompt is PROMPT, or stdin when absent; "
        "with both, stdin is appended to PROMPT.",
    )
    ask.add_argument("prompt", nargs="?", metavar="PROMPT", help="the question")
    ask.add_argument(
        "-a",
        "--attach",
        dest="attachments",
        action="append",
        default=[],
        metavar="FILE",
        help="attach a text, image (PNG, JPEG, GIF, WebP) or PDF file; repeatable; "
        "'-' reads it from stdin (the prompt is then PROMPT)",
    )
    _add_common_flags(ask, default=argparse.SUPPRESS)
    ask.add_argument("--usage", action="store_true", help="print token usage to stderr")
    ask.add_argument(
        "-c",
        "--continue",
        dest="resume",
        action="store_true",
        help="continue the most recent conversation (sent as history, reply appended)",
    )
    ask.add_argument("--no-save", action="store_true", help="do not save this exchange")
    ask.add_argument(
        "--tools",
        action="store_true",
        help="offer the configured MCP servers' tools; those in auto_approve run, others are "
        "denied (tool activity on stderr)",
    )
    ask.add_argument(
        "--yes", action="store_true", help="with --tools: run every tool call of this run"
    )

    image = commands.add_parser(
        "image",
        help="generate images and write them to files",
        description="Generate images with POST {base_url}/images/generations; print the path "
        "of each image written, one per line.",
    )
    image.add_argument("prompt", metavar="PROMPT", help="what to draw")
    image.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE (numbered FILE-1, FILE-2... with -n); default: a file named by the "
        "time in the data directory's images/",
    )
    image.add_argument("--model", default=argparse.SUPPRESS, type=_non_empty, help="image model")
    image.add_argument(
        "--base-url", default=argparse.SUPPRESS, type=_non_empty, help="API root URL"
    )
    image.add_argument("--size", type=_image_size, metavar="WxH", help="e.g. 1024x1024 (default)")
    image.add_argument("-n", type=_image_count, default=1, metavar="N", help="images (1-10)")

    commands.add_parser(
        "history",
        help="list saved conversations",
        description="List saved conversations, most recent first: id, date, model, tokens, title.",
    )
    export = commands.add_parser(
        "export",
        help="write a conversation as Markdown or JSON",
        description="Write a saved conversation (the branch shown in the chat) to stdout or FILE.",
    )
    export.add_argument(
        "id", nargs="?", type=int, metavar="ID", help="conversation id (default: the latest)"
    )
    export.add_argument("--format", choices=("md", "json"), default="md", help="default: md")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    export.add_argument(
        "--with-attachments",
        action="store_true",
        help="JSON: embed the attachments' bytes (base64), not only their names and sha256",
    )

    doctor = commands.add_parser(
        "doctor",
        help="check the config, API key, server, terminal, clipboard and data",
        description="Check the setup, one line per check, with the fix for each problem. "
        "Exit 1 when a problem is found.",
    )
    _add_common_flags(doctor, default=argparse.SUPPRESS)
    doctor.add_argument("--json", action="store_true", help="print the results as JSON")
    _add_serve(commands)
    return parser


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}")
    return port


def _add_serve(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the app to a web browser (loopback only unless --public)",
        description="Serve the chat to a web browser: each tab runs the app with this config, "
        "history and key (the key stays on this machine). Prints the URL to open; Ctrl+C stops. "
        "From another machine, prefer an SSH tunnel: ssh -L 8765:127.0.0.1:8765 HOST.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port", default=8765, type=_port, help="port to listen on, 0 for any (default: 8765)"
    )
    serve.add_argument(
        "--public",
        action="store_true",
        help="allow a non-loopback --host; the URL then carries a random token, required",
    )
    serve.add_argument(
        "--public-url", metavar="URL", help="the URL browsers use, when behind a proxy"
    )
    _add_common_flags(serve, default=argparse.SUPPRESS)
    serve.add_argument("--theme", default=argparse.SUPPRESS, help="theme name for the TUI")


def flag_settings(args: argparse.Namespace) -> dict[str, Any]:
    """Settings given as flags (None = not given)."""
    return {
        "model": args.model,
        "base_url": args.base_url,
        "system_prompt": args.system,
        "theme": getattr(args, "theme", None),
        "provider": args.provider,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from aijora_tui.tui.app import run_tui

        return run_tui(flag_settings(args))
    try:
        return _run_command(args)
    except Exception as error:  # a bug: one line, never a traceback (it may hold the key)
        return _unexpected(error)


def _run_command(args: argparse.Namespace) -> int:
    if args.command == "ask":
        from aijora_tui.cli.ask import run_ask

        return run_ask(args, flag_settings(args))
    if args.command == "image":
        from aijora_tui.cli.image import run_image

        return run_image(args, flag_settings(args))
    if args.command in ("history", "export"):
        from aijora_tui.cli import history

        return history.run_history() if args.command == "history" else history.run_export(args)
    if args.command == "doctor":
        from aijora_tui.cli.doctor import run_doctor

        return run_doctor(args, flag_settings(args))
    if args.command == "serve":
        from aijora_tui.cli.serve import run_serve

        return run_serve(args, flag_settings(args))
    raise AssertionError(f"unknown command {args.command}")  # argparse allows no other


def _unexpected(error: Exception) -> int:
    """Report an error no command expected: one redacted line on stderr, exit 1; the traceback
    (without local variables, which may hold the key) goes to crash.log in the state dir."""
    import traceback

    from aijora_tui import paths
    from aijora_tui.core.errors import one_line, redact
    from aijora_tui.files import write_private_file

    path = paths.state_dir() / "crash.log"
    try:
        write_private_file(path, redact("".join(traceback.format_exception(error))))
        where = f" (details in {path})"
    except OSError:
        where = ""
    line = one_line(redact(f"{type(error).__name__}: {error}"))
    with contextlib.suppress(OSError):
        sys.stderr.write(f"aijora-tui: error: unexpected error: {line}{where}\n")
        sys.stderr.flush()
    return 1


if __name__ == "__main__":
    sys.exit(main())
