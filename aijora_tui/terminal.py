"""What the terminal around aijora-tui can do: colours, multiplexer, OSC 52 through tmux, and
whether Shift+Enter can be told apart from Enter.

The facts come from an environ mapping and an injectable command runner (for `tmux
show-options`), so they are testable without a terminal; only `probe_kitty_keyboard()` talks to
the tty, and only when that is safe. `doctor` reports the facts; the TUI asks
`newline_key_hint()` which newline key to advertise. Imports no Textual.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import termios
import time
import tty
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from aijora_tui.clipboard import is_remote

Runner = Callable[[Sequence[str]], str | None]
"""Runs a command; returns its stdout, or None when it is missing, fails or hangs."""

COMMAND_TIMEOUT = 2.0
PROBE_TIMEOUT = 1.0
"""Upper bound only: a terminal's reply to the probe ends the wait, usually within a millisecond."""
_PROBE_QUERY = b"\x1b[?u\x1b[c"
"""The kitty keyboard flags query, then Primary Device Attributes: every terminal answers the
latter, so its reply ends the wait even on terminals that ignore the former."""
_KITTY_REPLY = re.compile(rb"\x1b\[\?\d*u")
_DEVICE_ATTRIBUTES_REPLY = re.compile(rb"\x1b\[\?[\d;]*c")

_KITTY_TERMINALS: tuple[tuple[str, str | None, str], ...] = (
    ("KITTY_WINDOW_ID", None, "kitty"),
    ("TERM", "xterm-kitty", "kitty"),
    ("GHOSTTY_RESOURCES_DIR", None, "Ghostty"),
    ("TERM_PROGRAM", "ghostty", "Ghostty"),
    ("TERM", "xterm-ghostty", "Ghostty"),
    ("TERM", "foot", "foot"),
    ("TERM", "foot-extra", "foot"),
    ("ALACRITTY_WINDOW_ID", None, "Alacritty"),
    ("TERM", "alacritty", "Alacritty"),
)
"""(variable, value or None for "set at all", terminal): terminals that speak the kitty keyboard
protocol out of the box. TERM survives SSH; the *_ID variables do not, and need not."""


@dataclass(frozen=True)
class TmuxClipboard:
    """The tmux options that decide where an OSC 52 copy made inside tmux ends up."""

    set_clipboard: str | None
    """"on", "external" or "off"; None when tmux could not be asked."""
    allow_passthrough: str | None
    """"on", "all" or "off" (tmux older than 3.3 has no such option: "off")."""

    @property
    def reaches_buffer(self) -> bool:
        """`set-clipboard on` keeps the plain OSC 52 in tmux's buffer and passes it outward."""
        return self.set_clipboard == "on"

    @property
    def reaches_terminal(self) -> bool:
        """The outer terminal gets it via `set-clipboard on` or the passthrough-wrapped copy."""
        return self.reaches_buffer or self.allow_passthrough in ("on", "all")


@dataclass(frozen=True)
class TerminalFacts:
    """Everything doctor reports about the terminal, and what the TUI needs to adapt to it."""

    colour_depth: str
    """"truecolor", "256", "16" or "none"."""
    multiplexer: str | None
    """"tmux", "screen" or None."""
    tmux: TmuxClipboard | None
    """tmux's clipboard options; None outside tmux."""
    remote: bool
    """Over SSH: the local clipboard tools would copy on the wrong machine."""
    kitty_keyboard: bool
    """Whether Shift+Enter is likely (or, when probed, known) to arrive as its own key."""
    kitty_probed: bool
    """True when the terminal itself answered; False when it is a guess from the environment."""
    kitty_reason: str
    """Why, in a few words, for doctor."""

    @property
    def newline_key(self) -> str:
        """The newline key worth advertising: "shift+enter" or "ctrl+j" (which always works)."""
        return "shift+enter" if self.kitty_keyboard else "ctrl+j"


def colour_depth(environ: Mapping[str, str]) -> str:
    """The colour depth the app will draw with: Rich's reading of the environment, which
    Textual uses unless TEXTUAL_COLOR_SYSTEM forces one."""
    forced = environ.get("TEXTUAL_COLOR_SYSTEM", "auto")
    if forced in ("truecolor", "256", "standard"):
        return {"standard": "16"}.get(forced, forced)
    if environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
        return "truecolor"
    term = environ.get("TERM", "").strip().lower()
    if term in ("dumb", "unknown"):
        return "none"
    return "256" if term.rpartition("-")[2] in ("256color", "kitty") else "16"


def multiplexer(environ: Mapping[str, str]) -> str | None:
    """tmux or GNU screen, in the same order `clipboard` wraps OSC 52 for them."""
    if environ.get("TMUX"):
        return "tmux"
    return "screen" if environ.get("STY") else None


def run_command(args: Sequence[str]) -> str | None:
    """The default `Runner`: a short-lived command with no stdin and a timeout."""
    try:
        result = subprocess.run(
            list(args),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def tmux_clipboard(run: Runner = run_command) -> TmuxClipboard:
    """Ask the tmux server we run in for `set-clipboard` and `allow-passthrough`."""
    set_clipboard = run(["tmux", "show-options", "-gv", "set-clipboard"])
    if set_clipboard is None:
        return TmuxClipboard(None, None)
    allow_passthrough = run(["tmux", "show-options", "-gv", "allow-passthrough"])
    return TmuxClipboard(set_clipboard, allow_passthrough or "off")


def in_browser(environ: Mapping[str, str]) -> bool:
    """Whether the app runs in a browser tab (`aijora-tui serve`): textual-serve names Textual's
    web driver in TEXTUAL_DRIVER, and the terminal is then xterm.js, whatever TERM says."""
    return "web_driver" in environ.get("TEXTUAL_DRIVER", "")


def guess_kitty_keyboard(environ: Mapping[str, str]) -> tuple[bool, str]:
    """Whether Shift+Enter is likely distinguishable, judged from the environment alone."""
    if in_browser(environ):
        return False, "the browser's terminal (xterm.js) sends Shift+Enter as Enter"
    inside = multiplexer(environ)
    if inside:
        return False, f"{inside} does not pass the kitty keyboard protocol through"
    for variable, value, name in _KITTY_TERMINALS:
        found = environ.get(variable)
        if found and (value is None or found == value):
            evidence = variable if value is None else f"{variable}={value}"
            return True, f"{name} (by {evidence}) speaks the kitty keyboard protocol"
    if environ.get("WEZTERM_PANE") or environ.get("TERM_PROGRAM") == "WezTerm":
        return False, "WezTerm speaks the kitty keyboard protocol only with enable_kitty_keyboard"
    return False, "no terminal known to speak the kitty keyboard protocol"


def newline_key_hint(environ: Mapping[str, str]) -> str:
    """The newline key to show in the footer: "Shift+Enter" or "Ctrl+J" (no tty access)."""
    return "Shift+Enter" if guess_kitty_keyboard(environ)[0] else "Ctrl+J"


def terminal_facts(
    environ: Mapping[str, str],
    run: Runner = run_command,
    probe: Callable[[], bool | None] | None = None,
) -> TerminalFacts:
    """Collect the facts; `probe` (e.g. `probe_kitty_keyboard`) overrides the keyboard guess
    when it gets an answer."""
    inside = multiplexer(environ)
    answer = probe() if probe is not None else None
    if answer is None:
        kitty, reason = guess_kitty_keyboard(environ)
    else:
        kitty = answer
        reason = f"the terminal {'answered' if answer else 'ignored'} the kitty keyboard query"
    return TerminalFacts(
        colour_depth=colour_depth(environ),
        multiplexer=inside,
        tmux=tmux_clipboard(run) if inside == "tmux" else None,
        remote=is_remote(environ),
        kitty_keyboard=kitty,
        kitty_probed=answer is not None,
        kitty_reason=reason,
    )


def probe_kitty_keyboard(
    fd_in: int = 0, fd_out: int = 1, timeout: float = PROBE_TIMEOUT
) -> bool | None:
    """Ask the terminal whether it speaks the kitty keyboard protocol.

    Returns None when it cannot be asked safely (not one foreground terminal on both fds) or
    gave no answer at all; the caller then guesses. The tty settings are restored in any case.
    """
    if not _can_probe(fd_in, fd_out):
        return None
    try:
        saved = termios.tcgetattr(fd_in)
    except termios.error:
        return None
    try:
        tty.setcbreak(fd_in, termios.TCSANOW)  # no echo, so the reply is never shown
        os.write(fd_out, _PROBE_QUERY)
        reply = _read_reply(fd_in, timeout)
    except (OSError, termios.error):
        return None
    finally:
        # TCSAFLUSH also drops any part of a reply that arrived after we stopped reading.
        termios.tcsetattr(fd_in, termios.TCSAFLUSH, saved)
    if _DEVICE_ATTRIBUTES_REPLY.search(reply) is None:
        return None
    return _KITTY_REPLY.search(reply) is not None


def _can_probe(fd_in: int, fd_out: int) -> bool:
    """Both fds are the same terminal and we are in its foreground (no SIGTTIN/SIGTTOU)."""
    try:
        return (
            os.isatty(fd_in)
            and os.isatty(fd_out)
            and os.ttyname(fd_in) == os.ttyname(fd_out)
            and os.tcgetpgrp(fd_in) == os.getpgrp()
            and os.environ.get("TERM", "dumb") != "dumb"
        )
    except OSError:
        return False


def _read_reply(fd: int, timeout: float) -> bytes:
    """Read until the device attributes reply (which terminals send last) or the timeout."""
    reply = b""
    deadline = time.monotonic() + timeout
    while _DEVICE_ATTRIBUTES_REPLY.search(reply) is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            break
        piece = os.read(fd, 256)
        if not piece:
            break
        reply += piece
    return reply
