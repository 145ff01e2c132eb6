"""`probe_kitty_keyboard()` in a child whose controlling terminal is a pty this test plays.

The test reads the query the child writes, answers as a terminal would (or stays silent), and
checks the answer and that the child's tty settings came back unchanged.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest

from aijora_tui.terminal import probe_kitty_keyboard
from tests.core.helpers import ROOT

CHILD = """
import fcntl, os, sys, termios
from aijora_tui.terminal import probe_kitty_keyboard

fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # the pty becomes our terminal, and we its foreground
before = termios.tcgetattr(0)
result = probe_kitty_keyboard(0, 1, timeout=float(sys.argv[1]))
os.write(1, f"RESULT {result} {termios.tcgetattr(0) == before}\\n".encode())
"""
QUERY = b"\x1b[?u\x1b[c"
DEVICE_ATTRIBUTES = b"\x1b[?62;22c"


def read_until(fd: int, marker: bytes, timeout: float = 10) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                seen += os.read(fd, 1024)
            except OSError:  # EIO: the child closed its side
                break
    return seen


def probe_in_child(reply: bytes | None, timeout: float = 5.0) -> str:
    """Run the probe in a child on a fresh pty; `reply` is what the 'terminal' answers."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color"}
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(timeout)],
            stdin=slave,
            stdout=slave,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        query = read_until(master, QUERY)
        assert query.endswith(QUERY), query
        if reply is not None:
            os.write(master, reply)
        output = read_until(master, b"\n")
        _, stderr = child.communicate(timeout=10)
    finally:
        os.close(master)
    assert stderr == b"", stderr.decode()
    return output.decode().strip()


def test_a_kitty_terminal_answers_the_flags_query() -> None:
    assert probe_in_child(b"\x1b[?0u" + DEVICE_ATTRIBUTES) == "RESULT True True"


def test_a_terminal_without_the_protocol_answers_device_attributes_only() -> None:
    assert probe_in_child(DEVICE_ATTRIBUTES) == "RESULT False True"


def test_a_silent_terminal_gives_no_answer_within_the_timeout() -> None:
    started = time.monotonic()
    assert probe_in_child(None, timeout=0.3) == "RESULT None True"
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("which", ["stdin", "stdout"])
def test_no_probe_unless_both_ends_are_a_terminal(which: str) -> None:
    read_end, write_end = os.pipe()
    master, slave = pty.openpty()
    try:
        fds = (read_end, slave) if which == "stdin" else (slave, write_end)
        assert probe_kitty_keyboard(*fds, timeout=0.1) is None
        assert not select.select([master], [], [], 0.1)[0], "nothing was written to the tty"
    finally:
        for fd in (read_end, write_end, master, slave):
            os.close(fd)


def test_no_probe_on_a_terminal_we_do_not_control() -> None:
    """This process is not in the pty's foreground: asking would stop it with SIGTTOU."""
    master, slave = pty.openpty()
    try:
        assert probe_kitty_keyboard(slave, slave, timeout=0.1) is None
        assert not select.select([master], [], [], 0.1)[0]
    finally:
        os.close(master)
        os.close(slave)
