"""Copying that tells the truth about where the text went.

OSC 52 goes to the terminal whenever the terminal can be trusted with it (it costs nothing and
works over SSH) — inside tmux or GNU screen both plain (for tmux `set-clipboard on`, which keeps
it in tmux's buffer) and wrapped for passthrough (tmux `allow-passthrough`, screen). On a local
session pyperclip also copies to the system clipboard, and the notification names that route.
When neither can be trusted (a console without OSC 52, a payload too big for terminals, no
clipboard tool) the text is written to a file in the state directory. In a browser tab
(`aijora-tui serve`) the OSC 52 goes to the page's terminal, which hands it to the browser's
clipboard; the server's own clipboard and multiplexer are not the user's, so they are left alone.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from aijora_tui import paths
from aijora_tui.core.attachments import human_size
from aijora_tui.files import write_private_file

OSC52_LIMIT = 512 * 1024
"""Largest payload (bytes before base64) sent over OSC 52; many terminals cap it near here."""
_SCREEN_CHUNK = 768
"""GNU screen truncates a DCS string longer than this, so longer ones are sent in pieces."""


@dataclass(frozen=True)
class CopyResult:
    """Where a copy went and how much was copied."""

    route: str
    size: int
    path: Path | None = None

    def describe(self) -> str:
        amount = human_size(self.size)
        if self.path is not None:
            return f"no clipboard available: saved {amount} to {self.path}"
        return f"copied {amount} {self.route}"


def is_remote(environ: Mapping[str, str]) -> bool:
    """Over SSH the local clipboard tools would copy to the wrong machine."""
    return bool(environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"))


def osc52_trusted(environ: Mapping[str, str], size: int) -> bool:
    """Whether the terminal is likely to honour OSC 52 for a payload of `size` bytes."""
    if size > OSC52_LIMIT:
        return False
    if environ.get("TERM", "") in ("dumb", "linux"):
        return False
    return environ.get("TERM_PROGRAM") != "Apple_Terminal"


def multiplexer_sequences(text: str, environ: Mapping[str, str]) -> list[str]:
    """OSC 52 wrapped for tmux or screen passthrough; empty outside a multiplexer."""
    plain = osc52(text)
    if environ.get("TMUX"):
        return ["\x1bPtmux;" + plain.replace("\x1b", "\x1b\x1b") + "\x1b\\"]
    if environ.get("STY"):
        pieces = [plain[i : i + _SCREEN_CHUNK] for i in range(0, len(plain), _SCREEN_CHUNK)]
        return ["".join(f"\x1bP{piece}\x1b\\" for piece in pieces)]
    return []


def osc52(text: str) -> str:
    """The plain OSC 52 'set clipboard' sequence for `text`."""
    return f"\x1b]52;c;{base64.b64encode(text.encode('utf-8')).decode('ascii')}\a"


def system_copy(text: str) -> bool:
    """Copy with pyperclip; False when it has no working mechanism here."""
    try:
        import pyperclip

        pyperclip.copy(text)
    except Exception:  # PyperclipException, or a helper tool that failed
        return False
    return True


def copy_text(
    text: str,
    send_osc52: Callable[[str], None],
    write_terminal: Callable[[str], None],
    environ: Mapping[str, str] | None = None,
    system: Callable[[str], bool] = system_copy,
    browser: bool = False,
) -> CopyResult:
    """Copy `text` by the best route and say which one was taken.

    Args:
        send_osc52: sends the plain OSC 52 sequence (the app's own clipboard method).
        write_terminal: writes raw bytes to the terminal (for multiplexer passthrough).
        browser: the app runs in a browser tab, whose clipboard is the only one that is the
            user's (browsers honour it on https:// and localhost pages).
    """
    environ = os.environ if environ is None else environ
    size = len(text.encode("utf-8"))
    if browser:
        send_osc52(text)
        return CopyResult("to the browser's clipboard", size)
    trusted = osc52_trusted(environ, size)
    if trusted:
        send_osc52(text)
        for sequence in multiplexer_sequences(text, environ):
            write_terminal(sequence)
    if not is_remote(environ) and system(text):
        return CopyResult("to the system clipboard", size)
    if trusted:
        where = " (tmux)" if environ.get("TMUX") else " (screen)" if environ.get("STY") else ""
        return CopyResult(f"via OSC 52{where}", size)
    return CopyResult("to a file", size, save_to_file(text))


def save_to_file(text: str) -> Path:
    """Keep the text where the user can pick it up when no clipboard route works."""
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
    path = paths.state_dir() / "clipboard" / f"copy-{stamp}.txt"
    write_private_file(path, text)
    return path
