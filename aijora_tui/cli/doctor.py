"""`aijora-tui doctor`: check the setup and say, for each problem, how to fix it.

One line per check with a mark (✓ ok, ! warning, ✗ problem), and under a warning or a problem
the fix, in one line. Checks: the config file (parses, keys, permissions), the chosen
provider's API key (set, where from, accepted by GET /models), server (reachable, latency) and
model (offered by the server), every configured provider (`doctor_server.py`), the terminal
(colours, tmux/screen/SSH, OSC 52 through tmux, Shift+Enter), the route a copy will take, and
the conversation database. Exit 1 when any check found a problem; 2 when `--provider` or
AIJORA_PROVIDER names a provider that is unknown or cannot be used.

Nothing is copied and no file is created; the only requests are one GET /models to each
provider, with 5 s timeouts. A key is never printed, not even in part. Imports no Textual.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from aijora_tui import paths
from aijora_tui.choices import chosen_provider
from aijora_tui.cli.checks import OK as OK  # re-exported: doctor's findings are these
from aijora_tui.cli.checks import PROBLEM as PROBLEM
from aijora_tui.cli.checks import WARNING as WARNING
from aijora_tui.cli.checks import Check as Check
from aijora_tui.cli.checks import Status
from aijora_tui.cli.doctor_server import network_checks
from aijora_tui.cli.stdout import write_stdout
from aijora_tui.clipboard import osc52_trusted
from aijora_tui.config import (
    ConfigFileError,
    Settings,
    load_settings,
    read_config_file,
    settings_from_table,
)
from aijora_tui.core.attachments import human_size
from aijora_tui.core.errors import (
    one_line,
    redact,
    register_secret,
)
from aijora_tui.core.schema import LATEST_VERSION
from aijora_tui.core.store import Store, StoreError
from aijora_tui.providers import ProviderError
from aijora_tui.terminal import (
    TerminalFacts,
    TmuxClipboard,
    in_browser,
    probe_kitty_keyboard,
    terminal_facts,
)

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
KNOWN_KEYS = frozenset(field.name for field in fields(Settings)) - {"sources", "model_meta"}
"""Keys a config file may hold: every setting (the sources are bookkeeping, and `model_meta`
is read from `[models."ID"]` tables)."""
TMUX_FIX = "tmux set -g set-clipboard on"
_MARKS: dict[Status, str] = {OK: "✓", WARNING: "!", PROBLEM: "✗"}
_ASCII_MARKS: dict[Status, str] = {OK: "+", WARNING: "!", PROBLEM: "x"}
_COLOURS: dict[Status, str] = {OK: "32", WARNING: "33", PROBLEM: "31"}


# ---- the command -------------------------------------------------------------------------


def run_doctor(args: argparse.Namespace, flags: Mapping[str, Any]) -> int:
    """Run every check, print the report (text or JSON); 1 when a check found a problem."""
    try:
        checks = collect_checks(flags, os.environ)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except ProviderError as error:
        sys.stderr.write(f"aijora-tui: error: {one_line(str(error))}\n")
        return EXIT_USAGE
    output = sys.stdout
    if args.json:
        text = json.dumps([asdict(check) for check in checks], indent=2) + "\n"
    else:
        text = format_report(checks, _marks(output.encoding), _wants_colour(output))
    if write_stdout(text.encode(output.encoding or "utf-8", "replace")):
        return EXIT_PROBLEM  # `doctor | head` ended quietly; a full disk said so in one line
    return EXIT_PROBLEM if any(check.status == PROBLEM for check in checks) else EXIT_OK


def collect_checks(flags: Mapping[str, Any], environ: Mapping[str, str]) -> list[Check]:
    """All checks in report order; an unexpected failure in one group becomes its own line."""
    config_path = paths.config_file()
    settings, _warnings = load_settings(flags, environ, config_path)  # the config check reports
    register_secret(settings.api_key)  # so that no line can carry it, whatever goes wrong
    if settings.sources.get("provider") in ("flag", "env"):
        chosen_provider(settings)  # one the user named for this run must exist: bad usage
    groups: list[tuple[str, Callable[[], list[Check]]]] = [
        ("config file", lambda: config_checks(config_path)),
        ("server", lambda: network_checks(settings, config_path)),
        ("terminal", lambda: terminal_checks(environ)),
        ("database", lambda: [database_check(paths.database_file())]),
    ]
    checks = [check for name, group in groups for check in _safely(name, group)]
    # The report is meant to be shared: no key, and no credentials in a URL, on any line.
    return [
        replace(check, detail=redact(check.detail), fix=check.fix and redact(check.fix))
        for check in checks
    ]


def _safely(name: str, group: Callable[[], list[Check]]) -> list[Check]:
    """Doctor must never end in a traceback: a bug in a check is reported like a finding."""
    try:
        return group()
    except Exception as error:
        reason = one_line(redact(f"{type(error).__name__}: {error}"))
        return [Check(name, PROBLEM, f"could not be checked ({reason})", "please report this")]


# ---- config file -------------------------------------------------------------------------


def config_checks(path: Path) -> list[Check]:
    """The config file: present, valid TOML, known keys with valid values, private if it has a
    key."""
    if not path.exists():
        return [Check("config file", OK, f"{path}: none (defaults and the environment apply)")]
    try:
        table = read_config_file(path)
    except ConfigFileError as error:
        fix = (
            f"correct the TOML in {path}, or move it aside"
            if os.access(path, os.R_OK)
            else f"chmod 600 {shlex.quote(str(path))} (as its owner)"
        )
        return [Check("config file", PROBLEM, str(error), fix)]
    return [
        Check("config file", OK, f"{path}: valid TOML"),
        _config_keys(table, path),
        _config_permissions(table, path),
    ]


def _config_keys(table: Mapping[str, Any], path: Path) -> Check:
    _values, warnings = settings_from_table(table, path)
    findings = [warning.removeprefix(f"{path}: ") for warning in warnings]
    findings += [f"unknown key '{key}', ignored" for key in sorted(set(table) - KNOWN_KEYS)]
    if not findings:
        count = f"{len(table)} key{'s' * (len(table) != 1)}"
        return Check("config keys", OK, f"{count}, all known and valid")
    known = ", ".join(sorted(KNOWN_KEYS))
    return Check("config keys", WARNING, "; ".join(findings), f"edit {path} (keys: {known})")


def _config_permissions(table: Mapping[str, Any], path: Path) -> Check:
    mode = stat.S_IMODE(path.stat().st_mode)
    if "api_key" not in table:
        return Check("config permissions", OK, f"mode {mode:04o}, no API key in it")
    if mode & 0o077:
        detail = f"mode {mode:04o}: other users can read the API key in it"
        return Check("config permissions", WARNING, detail, f"chmod 600 {shlex.quote(str(path))}")
    return Check("config permissions", OK, f"mode {mode:04o}, readable by you only")


# ---- terminal and clipboard ----------------------------------------------------------------


def terminal_checks(environ: Mapping[str, str]) -> list[Check]:
    """Colours and session, tmux's OSC 52 options, the newline key, the clipboard route."""
    if in_browser(environ):
        return [browser_check()]
    facts = terminal_facts(environ, probe=probe_kitty_keyboard)
    checks = [terminal_check(facts, environ)]
    if facts.tmux is not None:
        checks.append(tmux_check(facts.tmux))
    checks += [newline_check(facts), clipboard_check(facts, environ, pyperclip_mechanism)]
    return checks


def browser_check() -> Check:
    """Under textual-serve the terminal is the browser's: nothing about it can be seen here."""
    detail = (
        "a browser tab (textual-serve's web driver): its colours, keys and clipboard cannot be "
        "checked from here; Ctrl+J adds a line and copies go to the browser's clipboard"
    )
    return Check("terminal", OK, detail)


def terminal_check(facts: TerminalFacts, environ: Mapping[str, str]) -> Check:
    """The colour depth, with the variables it was read from, and where we run."""
    places = [f"inside {facts.multiplexer}"] if facts.multiplexer else []
    places += ["over SSH"] if facts.remote else []
    announced = " ".join(
        f"{name}={environ[name]}"
        for name in ("TERM", "COLORTERM", "TEXTUAL_COLOR_SYSTEM")
        if environ.get(name)
    )
    colours = {"truecolor": "truecolor", "none": "no colours"}.get(
        facts.colour_depth, f"{facts.colour_depth} colours"
    )
    detail = f"{colours} ({announced or 'TERM unset'}), {', '.join(places) or 'local'}"
    if facts.colour_depth in ("truecolor", "256"):
        return Check("terminal", OK, detail)
    fix = "if your terminal does better: export COLORTERM=truecolor (or TERM=xterm-256color)"
    return Check("terminal", WARNING, detail, fix)


def tmux_check(tmux: TmuxClipboard) -> Check:
    """Whether an OSC 52 copy made inside tmux reaches tmux's buffer and the outer terminal."""
    if tmux.set_clipboard is None:
        detail = "its options could not be read (tmux not found or not answering)"
        return Check("tmux", WARNING, detail, f"for OSC 52 copies: {TMUX_FIX}")
    options = f"set-clipboard {tmux.set_clipboard}, allow-passthrough {tmux.allow_passthrough}"
    if tmux.reaches_buffer:
        detail = f"{options}: OSC 52 copies reach the tmux buffer and your terminal"
        return Check("tmux", OK, detail)
    if tmux.reaches_terminal:
        detail = f"{options}: OSC 52 copies reach your terminal (not the tmux buffer)"
        return Check("tmux", OK, detail)
    return Check("tmux", WARNING, f"{options}: OSC 52 copies stop at tmux", TMUX_FIX)


def newline_check(facts: TerminalFacts) -> Check:
    """Whether Shift+Enter adds a line here, and how we know."""
    how = "asked the terminal" if facts.kitty_probed else "guessed from the environment"
    if facts.kitty_keyboard:
        return Check("newline key", OK, f"Shift+Enter works: {facts.kitty_reason} ({how})")
    detail = f"Shift+Enter arrives as Enter: {facts.kitty_reason} ({how})"
    return Check("newline key", WARNING, detail, "use Ctrl+J for a newline")


def clipboard_check(
    facts: TerminalFacts, environ: Mapping[str, str], system: Callable[[], str | None]
) -> Check:
    """The route `clipboard.copy_text` will take, decided the same way but copying nothing."""
    mechanism = None if facts.remote else system()
    if mechanism is not None:
        return Check("clipboard", OK, f"the system clipboard (pyperclip: {mechanism})")
    why = "over SSH" if facts.remote else "no clipboard tool for pyperclip"
    if osc52_trusted(environ, 0):
        return _osc52_check(facts.tmux, facts.multiplexer, why)
    folder = paths.state_dir() / "clipboard"
    fix = "use a terminal that supports OSC 52" + (
        "" if facts.remote else ", or install xclip, xsel or wl-clipboard"
    )
    detail = f"{why}, and this terminal cannot take OSC 52: copies are saved in {folder}"
    return Check("clipboard", WARNING, detail, fix)


def _osc52_check(tmux: TmuxClipboard | None, inside: str | None, why: str) -> Check:
    route = f"OSC 52 through {inside}" if inside else "OSC 52 through the terminal"
    if tmux is None or tmux.reaches_terminal:
        return Check("clipboard", OK, f"{route} ({why})")
    if tmux.set_clipboard is None:
        return Check("clipboard", WARNING, f"{route} ({why}); tmux's options unknown", TMUX_FIX)
    return Check("clipboard", PROBLEM, f"{route} ({why}), which tmux drops", TMUX_FIX)


def pyperclip_mechanism() -> str | None:
    """The tool pyperclip would copy with ("xclip", "osx_pbcopy"...), found without copying."""
    try:
        import pyperclip

        copy, _paste = pyperclip.determine_clipboard()
    except Exception:  # an import or a platform probe that failed: no system clipboard
        return None
    if not copy:  # pyperclip's "no mechanism" stand-in is falsy
        return None
    name: str = getattr(copy, "__name__", "")
    return name.removeprefix("copy_") or "found"


# ---- data ----------------------------------------------------------------------------------


def database_check(path: Path) -> Check:
    """The conversation database: read as `history` would (never created here, and read-only
    where it cannot be written), then whether new conversations can be saved in it."""
    if not path.exists():
        return Check("database", OK, f"{path}: none yet (made with the first conversation)")
    size = human_size(path.stat().st_size)
    try:
        with Store.open_to_read(path) as store:
            count = len(store.list_conversations(limit=None))
    except StoreError as error:
        quoted = shlex.quote(str(path))
        if "newer than this aijora-tui" in str(error):
            fix = "upgrade aijora-tui"
        elif "needs write access" in str(error):
            fix = f"make {shlex.quote(str(path.parent))} writable and start aijora-tui once"
        else:
            fix = f"move it aside (mv {quoted} {quoted}.bak); a new one is made on the next start"
        return Check("database", PROBLEM, str(error), fix)
    detail = f"{path}: {size}, schema version {LATEST_VERSION}, {count} conversations"
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        detail += "; read-only: history and export work, new conversations are not saved"
        fix = f"make {shlex.quote(str(path.parent))} and the file in it writable to save again"
        return Check("database", WARNING, detail, fix)
    return Check("database", OK, detail)


# ---- output --------------------------------------------------------------------------------


def format_report(checks: list[Check], marks: Mapping[Status, str], colour: bool) -> str:
    """One line per check (fix lines indented below), then a summary line."""
    width = max(len(check.check) for check in checks)
    lines: list[str] = []
    for check in checks:
        mark = marks[check.status]
        if colour:
            mark = f"\x1b[{_COLOURS[check.status]}m{mark}\x1b[0m"
        lines.append(f"{mark} {check.check:<{width}}  {one_line(check.detail, 500)}")
        if check.fix:
            lines.append(f"{'':{width + 4}}fix: {one_line(check.fix, 500)}")
    lines.append(summary(checks))
    return "\n".join(lines) + "\n"


def summary(checks: list[Check]) -> str:
    problems = sum(check.status == PROBLEM for check in checks)
    warnings = sum(check.status == WARNING for check in checks)
    if not problems and not warnings:
        return "all checks passed"
    parts = [f"{problems} problem{'s' * (problems != 1)}"] if problems else []
    parts += [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
    return ", ".join(parts)


def _marks(encoding: str | None) -> Mapping[Status, str]:
    """✓ ! ✗ where the output encoding has them, + ! x otherwise."""
    try:
        "".join(_MARKS.values()).encode(encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return _ASCII_MARKS
    return _MARKS


def _wants_colour(stream: Any) -> bool:
    return bool(stream.isatty()) and not os.environ.get("NO_COLOR")
