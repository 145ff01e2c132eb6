"""A private tmux server to run programs in real terminals and read their screens quickly.

The screen is read through one tmux control-mode client (`tmux -C`): a `capture-pane` is then a
line written to a pipe and a block read back (tens of microseconds), instead of a new `tmux`
process per look (milliseconds of CPU, on the same two cores as the program measured). The
control client sits in a session of its own, so the output of the measured panes is not
copied to it.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.launch import die_with_parent

COMMAND_TIMEOUT = 10.0
"""Seconds one tmux command may take before the benchmark gives up."""


class Tmux:
    """One tmux server on its own socket (no user config); panes are named sessions."""

    def __init__(self, env: dict[str, str], size: tuple[int, int]) -> None:
        self.socket = f"bench-frames-{uuid.uuid4().hex[:8]}"
        self.size = size
        self._env = env
        self._run("-f", "/dev/null", "new-session", "-d", "-s", "ctl", "sleep", "86400")
        self._run("set-option", "-g", "default-terminal", "tmux-256color")
        self._run("set-option", "-g", "remain-on-exit", "on")
        self._control = subprocess.Popen(
            ["tmux", "-L", self.socket, "-C", "attach", "-t", "ctl"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            preexec_fn=die_with_parent,
        )
        self._buffer = b""
        token = uuid.uuid4().hex
        self._send(f"display-message -p '{token}'")
        while self._block(line="sync") != [token]:
            pass  # the answer to the client's own attach comes first: skip it

    def _run(self, *args: str) -> str:
        """A tmux command as its own process (for set-up, where arguments need no quoting)."""
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            env=self._env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=True,
        )
        return done.stdout

    def command(self, line: str) -> list[str]:
        """Run one tmux command through the control client; its output lines."""
        self._send(line)
        return self._block(line)

    def _send(self, line: str) -> None:
        assert self._control.stdin is not None
        self._control.stdin.write(line.encode() + b"\n")
        self._control.stdin.flush()

    def _block(self, line: str) -> list[str]:
        """The next answer to a command of this client (notifications skipped, and the blocks
        of commands it did not send, flagged 0, such as its own attach)."""
        deadline = time.monotonic() + COMMAND_TIMEOUT
        output: list[str] | None = None
        while True:
            raw = self._line(deadline)
            if raw.startswith("%begin"):
                output = [] if raw.endswith(" 1") else None
            elif output is not None and raw.startswith(("%end", "%error")):
                if raw.startswith("%error"):
                    raise RuntimeError(f"tmux: {line!r}: {' '.join(output)}")
                return output
            elif output is not None:
                output.append(raw)
            # anything else is a notification (%session-changed, ...): not ours

    def _line(self, deadline: float) -> str:
        assert self._control.stdout is not None
        fd = self._control.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError("tmux did not answer")
            data = os.read(fd, 65536)
            if not data:
                raise RuntimeError("the tmux control client ended")
            self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def open(self, name: str, argv: Sequence[str], cwd: Path) -> None:
        """Start `argv` as the process of a new `name` pane (its pid is the pane's)."""
        width, height = self.size
        self._run(
            *("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height)),
            *("-c", str(cwd), *argv),
        )

    def respawn(self, name: str, argv: Sequence[str]) -> None:
        """Start `argv` afresh in pane `name` (killing what runs there)."""
        for arg in argv:
            if "'" in arg or "\n" in arg:
                raise ValueError(f"cannot pass {arg!r} through tmux quoting")
        self.command(f"respawn-pane -k -t {name} " + " ".join(f"'{arg}'" for arg in argv))

    def screen(self, name: str) -> str:
        """What pane `name` shows now (wrapped lines joined)."""
        return "\n".join(self.command(f"capture-pane -p -J -t {name}"))

    def keys(self, name: str, *keys: str, literal: bool = False) -> None:
        """Type `keys` (tmux key names, or text when `literal`)."""
        flag = "-l " if literal else ""
        for key in keys:
            if "'" in key:
                raise ValueError(f"cannot pass {key!r} through tmux quoting")
            self.command(f"send-keys -t {name} {flag}'{key}'")

    def pid(self, name: str) -> int:
        return int(self.command(f"display-message -p -t {name} '#{{pane_pid}}'")[0])

    def dead(self, name: str) -> bool:
        return self.command(f"display-message -p -t {name} '#{{pane_dead}}'") == ["1"]

    def clear(self, name: str) -> None:
        self.command(f"clear-history -t {name}")

    def close(self) -> None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            self._run("kill-server")
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            self._control.wait(5)
        if self._control.poll() is None:
            self._control.kill()
            self._control.wait(5)
        for stream in (self._control.stdin, self._control.stdout):
            if stream is not None:
                stream.close()


def poll(check: Callable[[], bool], timeout: float, what: str, interval: float) -> float:
    """Call `check` every `interval` s until it holds; the time it did. Bounded by `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return time.monotonic()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:g} s")
        time.sleep(interval)


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """CPU time (user + system) of process `pid`, or of its reaped children, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    first = 13 if children else 11  # cutime, cstime / utime, stime (fields 16-17 / 14-15)
    return (int(fields[first]) + int(fields[first + 1])) / os.sysconf("SC_CLK_TCK")
