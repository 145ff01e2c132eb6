"""`aijora-tui ask`: stream one reply to stdout, everything else to stderr.

Exit codes: 0 completed, 1 API/network error or a stream that did not complete (partial text
stays on stdout), 2 bad usage, 130 interrupted. To a pipe the answer is written byte for byte;
to a terminal escape sequences are stripped first. The exchange is saved in the conversation
store unless `--no-save`; `--continue` sends the latest conversation as history. The turn runs
on the same headless session as the TUI's (`core/session.py`); this module only presents it.

Start-up time is most of what a one-shot reply costs, so this imports no Textual and no asyncio:
it streams with the blocking `SyncChatClient`, where Ctrl+C is a `KeyboardInterrupt` that closes
the response on its way out; then the partial reply is saved as cancelled and the exit code is 130.
"""

from __future__ import annotations

import argparse
import os
import select
import stat
import sys
from collections.abc import Mapping
from contextlib import closing
from dataclasses import replace
from typing import TYPE_CHECKING, Any, BinaryIO

from aijora_tui.choices import chosen_provider, provider_model, provider_named
from aijora_tui.cli.attach import read_for_ask, uses_stdin
from aijora_tui.cli.saving import CannotContinue, new_session, open_store
from aijora_tui.cli.stdout import report_failure, silence_stdout
from aijora_tui.config import Settings, api_key_problem_line, load_settings
from aijora_tui.core import notices
from aijora_tui.core.attachments import AttachmentRefused
from aijora_tui.core.conversation import Entry, EntryState
from aijora_tui.core.defaults import DEFAULT_BASE_URL
from aijora_tui.core.errors import AijoraError, ConfigError, StreamInterrupted, one_line
from aijora_tui.core.reply import Change
from aijora_tui.core.sanitize import StreamSanitizer
from aijora_tui.core.session import Session
from aijora_tui.core.sync_client import SyncChatClient
from aijora_tui.core.turns import Turn
from aijora_tui.core.writes import Recorder
from aijora_tui.providers import BUILTIN, ProviderConfig, ProviderError

if TYPE_CHECKING:
    from aijora_tui.cli.ask_tools import AskTools
    from aijora_tui.core.store import Store

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class Output:
    """A byte stream that passes text through unchanged, or sanitized when it is a terminal.

    `whole_lines` (stderr): `end_line()` finishes a started line even on a pipe, so that a
    notice never sticks to the end of streamed reasoning. stdout leaves it off: to a pipe the
    answer is written byte for byte, with nothing added.
    """

    def __init__(self, stream: BinaryIO, is_terminal: bool, *, whole_lines: bool = False) -> None:
        self._stream = stream
        self.is_terminal = is_terminal
        self._whole_lines = whole_lines or is_terminal
        self._sanitizer = StreamSanitizer() if is_terminal else None
        self.last_char = "\n"
        self.failed: OSError | None = None
        """Why a write failed (a full disk, say); nothing more is written after it. The reply
        still streams to its end, so that it is saved as the server ended it."""

    def write(self, text: str) -> None:
        if self._sanitizer is not None:
            text = self._sanitizer.feed(text)
        if text and self.failed is None:
            try:
                self._stream.write(text.encode("utf-8", "surrogateescape"))
                self._stream.flush()
            except BrokenPipeError:
                raise  # the reader went away: the reply is cancelled (`run_ask`)
            except OSError as error:
                self.failed = error
                return
            self.last_char = text[-1]

    def end_line(self) -> None:
        """On a terminal (or with `whole_lines`), make sure the next write starts a line."""
        if self._sanitizer is not None:
            self.write(self._sanitizer.flush())
        if self._whole_lines and self.last_char != "\n":
            self.write("\n")


def read_prompt(prompt: str | None, stdin: Any = None) -> str | None:
    """The prompt from PROMPT and/or stdin; None when there is none.

    Without PROMPT, stdin is read to the end unless it is a terminal. With PROMPT, stdin is
    appended only when it is a file or a pipe that already has data, so that a caller whose
    stdin is an idle open pipe never hangs. Bytes that are not UTF-8 become U+FFFD.
    """
    stdin = sys.stdin if stdin is None else stdin
    piped = ""
    if not stdin.isatty() and (prompt is None or _has_input(stdin)):
        data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read()
        piped = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if prompt is not None:  # undecodable bytes in argv arrive as surrogates
        prompt = prompt.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    parts = [part for part in (prompt, piped) if part and part.strip()]
    return "\n\n".join(parts) if parts else None


def _has_input(stdin: Any) -> bool:
    try:
        fd = stdin.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    if stat.S_ISREG(mode):
        return True
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return bool(select.select([fd], [], [], 0)[0])
    return False


class Presenter:
    """Shows a turn as `ask` does: the answer to `out`, everything else to `err`."""

    def __init__(self, out: Output, err: Output, show_usage: bool) -> None:
        self._out = out
        self._err = err
        self._show_usage = show_usage
        self._in_reasoning = False

    def show(self, change: Change) -> None:
        if change.reasoning:
            self._in_reasoning = True
            self._err.write(change.reasoning)
        if change.text:
            if self._in_reasoning:
                self._err.end_line()
                self._in_reasoning = False
            self._out.write(change.text)
        if change.done:
            self._out.end_line()
            self._err.end_line()
        if change.notice:
            self.notice(change.notice)

    def end_answer(self) -> None:
        """The answer stops here (on a terminal, on a line of its own)."""
        self._out.end_line()

    def usage(self, entry: Entry) -> None:
        if self._show_usage:
            self._err.write(_usage_line(entry) + "\n")

    def notice(self, text: str) -> None:
        """One `aijora-tui: ...` line on stderr, on a line of its own."""
        self._err.end_line()
        self._err.write(f"aijora-tui: {text}\n")


class Ask:
    """One `ask` turn: the session, its recorder, and how the reply is shown."""

    def __init__(
        self,
        session: Session,
        recorder: Recorder,
        presenter: Presenter,
        tools: AskTools | None = None,
    ) -> None:
        self.session = session
        self.recorder = recorder
        self.presenter = presenter
        self.tools = tools

    def stream(self, client: SyncChatClient, store: Store | None) -> int:
        """Stream the reply, through as many tool rounds as it takes; returns the exit code."""
        session = self.session
        if self.tools is not None:
            session.tools = self.tools.offer()
        turn: Turn | None = session.begin_reply()
        while turn is not None:
            self.recorder.flush(session.take_writes())  # saved before it is sent
            try:
                self._round(client, turn, store)
            except AijoraError as error:
                cut = isinstance(error, StreamInterrupted)
                self.end("interrupted" if cut else "failed", error, turn)
                return EXIT_ERROR
            calls = session.tool_calls()
            if not calls or self.tools is None:
                break
            for result in self.tools.answer(calls):
                session.add_tool_result(result)
            turn = session.next_round()
        self.end()
        return EXIT_OK

    def _round(self, client: SyncChatClient, turn: Turn, store: Store | None) -> None:
        session = self.session
        messages = session.request(turn, store.blob if store is not None else None)
        # closing(): a write that fails (a closed pipe) must close the response at once.
        with closing(client.stream_chat(messages, turn.model, **turn.params)) as events:
            for event in events:
                self.presenter.show(session.apply(event))
                if session.progress_due():
                    session.save_progress()
                    self.recorder.flush(session.take_writes())

    def end(
        self,
        state: EntryState | None = None,
        error: AijoraError | None = None,
        turn: Turn | None = None,
    ) -> None:
        """Save how the reply ended (completed when `state` is None) and say why it stopped."""
        if self.session.reply is None:
            return
        why = None
        if error is not None:
            why = notices.failure(
                error,
                offered_tools=turn is not None and turn.offers_tools,
                sent_attachments=turn is not None and turn.sends_attachments,
            )
        ended = self.session.end_reply(state, why)
        self.recorder.flush(self.session.take_writes())
        if why is not None:
            self.presenter.end_answer()
            self.presenter.notice(f"error: {why}")
        elif state is None:
            if ended.entry.notice and ended.entry.notice.startswith("stopped after"):
                self.presenter.notice(ended.entry.notice)
            self.presenter.usage(ended.entry)


def _usage_line(entry: Entry) -> str:
    usage = entry.usage
    if usage is None:
        return "usage: unknown (the server reported none)"
    line = (
        f"usage: prompt_tokens={usage.prompt_tokens} "
        f"completion_tokens={usage.completion_tokens} total_tokens={usage.total_tokens}"
    )
    if usage.reasoning_tokens:
        line += f" reasoning_tokens={usage.reasoning_tokens}"
    return line


def _tools(settings: Settings, approve_all: bool, presenter: Presenter) -> AskTools:
    from aijora_tui.cli.ask_tools import AskTools  # the MCP SDK loads only for --tools

    if not settings.mcp:
        presenter.notice("--tools: no MCP servers are configured ([mcp.servers.NAME])")
    return AskTools(settings, approve_all=approve_all, notice=presenter.notice)


def _client(settings: Settings, provider: ProviderConfig) -> SyncChatClient:
    options = settings.client_options()
    options["headers"], options["provider"] = provider.headers, provider.name
    return SyncChatClient(provider.base_url, provider.key, **options)


def choose(settings: Settings) -> tuple[ProviderConfig, Settings]:
    """The provider to ask, and the settings with its model as `model`.

    Raises:
        ProviderError: the provider is unknown or broken, or has no model to ask for.
    """
    provider = chosen_provider(settings)
    model = provider_model(settings, provider)
    if model is None:
        raise ProviderError(
            f"no model for provider '{provider.name}': give --model, or set model in "
            f"[providers.{provider.name}]"
        )
    return provider, replace(settings, model=model)


def conversations_provider(
    session: Session, provider: ProviderConfig, settings: Settings
) -> tuple[ProviderConfig, Settings]:
    """A continued conversation goes on with the provider and model it was held with, as in
    the chat, unless `--provider`/`--model` (or their variables) chose, or that provider is
    gone."""
    saved = session.conversation.settings.get("provider")
    model = session.saved_model
    chosen = {settings.sources.get("provider"), settings.sources.get("model")} & {"flag", "env"}
    if not isinstance(saved, str) or saved == provider.name or not model or chosen:
        return provider, settings
    try:
        held = provider_named(settings, saved)
    except ProviderError:
        return provider, settings
    session.provider, session.model = held.name, model
    return held, replace(settings, model=model)


def _is_aijora(base_url: str) -> bool:
    return base_url.rstrip("/") == DEFAULT_BASE_URL


def run_ask(args: argparse.Namespace, flags: Mapping[str, Any]) -> int:
    err = Output(sys.stderr.buffer, sys.stderr.isatty(), whole_lines=True)
    settings, warnings = load_settings(flags)
    for warning in warnings:
        err.write(f"aijora-tui: warning: {one_line(warning)}\n")
    if uses_stdin(args.attachments) and not (args.prompt and args.prompt.strip()):
        err.write("aijora-tui: error: with -a - the file comes from stdin; give PROMPT too\n")
        return EXIT_USAGE
    try:
        provider, settings = choose(settings)
    except ProviderError as error:
        err.write(f"aijora-tui: error: {one_line(str(error))}\n")
        return EXIT_USAGE
    try:
        attachments = read_for_ask(args.attachments, settings.attachments)
        prompt = args.prompt if uses_stdin(args.attachments) else read_prompt(args.prompt)
    except AttachmentRefused as error:
        err.write(f"aijora-tui: error: {error}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    if prompt is None:
        err.write("aijora-tui: error: no prompt; give PROMPT or pipe text on stdin\n")
        return EXIT_USAGE
    if provider.name == BUILTIN and (key_problem := api_key_problem_line(settings)):
        err.write(f"aijora-tui: error: {key_problem}\n")
        return EXIT_ERROR
    if provider.name == BUILTIN and not settings.api_key and _is_aijora(settings.base_url):
        err.write(
            "aijora-tui: error: no API key; set AIJORA_API_KEY "
            "(or run aijora-tui once to save one)\n"
        )
        return EXIT_ERROR

    def warn(line: str) -> None:
        err.write(f"aijora-tui: warning: {line}\n")

    try:
        store = open_store(required=args.resume, wanted=args.resume or not args.no_save, warn=warn)
        session = new_session(settings, store, resume=args.resume, warn=warn)
    except CannotContinue as error:
        err.write(f"aijora-tui: error: cannot continue: {one_line(str(error))}\n")
        return EXIT_ERROR
    provider, settings = conversations_provider(session, provider, settings)
    if any(part.kind == "image" for part in attachments):
        meta = settings.model_meta.get(session.model)
        if meta is not None and meta.vision is False:
            err.write(f"aijora-tui: warning: {notices.no_vision(session.model)}\n")
    session.submit(prompt, attachments)
    out = Output(sys.stdout.buffer, sys.stdout.isatty())
    presenter = Presenter(out, err, args.usage)
    tools = _tools(settings, args.yes, presenter) if args.tools else None
    ask = Ask(session, Recorder(None if args.no_save else store, warn), presenter, tools)
    try:
        try:
            client = _client(settings, provider)
        except ConfigError as error:  # a malformed --base-url / AIJORA_BASE_URL is bad usage
            session.begin_reply()
            ask.end("failed", error)
            return EXIT_USAGE
        with client:
            code = ask.stream(client, store)
        if out.failed is not None:
            report_failure(out.failed)
            return EXIT_ERROR
        return code
    except KeyboardInterrupt:
        ask.end("cancelled")
        out.end_line()
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        ask.end("cancelled")
        silence_stdout()  # the reader went away (`| head`): no complaint at exit
        return EXIT_ERROR
    finally:
        ask.end("interrupted", AijoraError("aijora-tui stopped before the reply ended"))
        if tools is not None:
            tools.close()
        if store is not None:
            store.close()
