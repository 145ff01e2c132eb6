"""Launch time of a TUI in a pseudo-terminal: fork to the prompt placeholder on screen.

Shared by bench_tui.py (d) and bench_history.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Sequence

PLACEHOLDER = "Ask anything"
"""Text of the prompt's placeholder: on screen means ready to type."""
APP_COMMAND = ("-m", "aijora_tui")
PR_SET_PDEATHSIG = 1
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[P^_X][^\x1b]*\x1b\\|\x1b."
)


def die_with_parent() -> None:
    """In a child before exec: SIGTERM it when the benchmark dies, however (Linux prctl)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def launch_once(
    env: dict[str, str],
    command: Sequence[str] = APP_COMMAND,
    *,
    size: tuple[int, int] = (120, 40),
    timeout: float = 20.0,
) -> float:
    """Seconds from fork to the prompt placeholder on a `size` pseudo-terminal.

    `command` is what follows the interpreter (`-m aijora_tui`, say); the child runs in
    `env["HOME"]`.
    """
    argv = [sys.executable, *command]
    started = time.perf_counter()
    pid, master = pty.fork()
    if pid == 0:  # the child: size its terminal, become the app
        try:
            die_with_parent()
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
            os.chdir(env["HOME"])
            os.execve(sys.executable, argv, env)
        finally:
            os._exit(127)
    output = bytearray()
    try:
        deadline = started + timeout
        while (left := deadline - time.perf_counter()) > 0:
            if not select.select([master], [], [], left)[0]:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            output += data
            if PLACEHOLDER in _ESCAPES.sub("", output.decode("utf-8", "replace")):
                return time.perf_counter() - started
        text = _ESCAPES.sub("", output.decode("utf-8", "replace"))
        raise RuntimeError(f"no {PLACEHOLDER!r} within {timeout:g} s: {text[-500:]!r}")
    finally:
        _quit(pid, master)


def _quit(pid: int, master: int) -> None:
    """Ctrl+Q, then SIGTERM, then SIGKILL to the one child started; reap it."""
    with contextlib.suppress(OSError):
        os.write(master, b"\x11")
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):  # drain, so the child never blocks on output
                if select.select([master], [], [], 0.05)[0]:
                    os.read(master, 65536)
            if os.waitpid(pid, os.WNOHANG)[0]:
                os.close(master)
                return
    os.close(master)
