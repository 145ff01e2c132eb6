"""API keys from where the user keeps them: written in the config, in a variable, or a command.

A key command (`api_key_cmd`, e.g. `pass show openrouter`) runs without a shell, with no stdin
and its stderr thrown away, in a session of its own (so that a timeout kills whatever it
started), at most `KEY_COMMAND_TIMEOUT` seconds. Its stdout, trimmed, is the key: it must be one
line of printable ASCII. It runs once per process, on first use; its failure is kept as well, so
a command that hangs costs the wait once. Nothing it prints ever reaches a message: errors name
the command's program and what went wrong, never its output.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from aijora_tui.core.errors import ConfigError, register_secret

if TYPE_CHECKING:
    import subprocess

KEY_COMMAND_TIMEOUT = 10.0
MAX_KEY_LENGTH = 4096
KeyKind = Literal["none", "value", "env", "command"]


class KeyUnavailable(ConfigError):
    """The key could not be had from its source; the message says which source and why."""


@dataclass(frozen=True)
class KeySource:
    """Where one provider's key comes from. `where` names it for people, e.g.
    "api_key_cmd of [providers.local]"; the key itself is never in a repr or a message."""

    kind: KeyKind = "none"
    where: str = ""
    value: str | None = field(default=None, repr=False)
    variable: str | None = None
    argv: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        """The key is known without running or reading anything."""
        return self.kind in ("none", "value")

    def describe(self) -> str:
        """What the source is, for doctor and the settings screen (never the key)."""
        if self.kind == "none":
            return "no key"
        if self.kind == "env":
            return f"{self.where} (variable {self.variable})"
        if self.kind == "command":
            return f"{self.where} (runs {os.path.basename(self.argv[0])})"
        return self.where

    def resolve(
        self, environ: Mapping[str, str] | None = None, timeout: float = KEY_COMMAND_TIMEOUT
    ) -> str | None:
        """The key (None for no key). Blocks while a command runs, up to `timeout` seconds.

        Raises:
            KeyUnavailable: the variable is unset, or the command failed, hung or printed nothing.
        """
        if self.kind == "value":
            return self.value
        if self.kind == "env":
            value = (os.environ if environ is None else environ).get(self.variable or "", "")
            if not value.strip():
                raise KeyUnavailable(f"{self.where}: the variable {self.variable} is not set")
            return _checked(value.strip(), f"{self.where}: the variable {self.variable}")
        if self.kind == "command":
            return _session_key(self.argv, self.where, timeout)
        return None


_session_keys: dict[tuple[str, ...], str | KeyUnavailable] = {}
_command_locks: dict[tuple[str, ...], threading.Lock] = {}
_locks_lock = threading.Lock()


def _session_key(argv: tuple[str, ...], where: str, timeout: float) -> str:
    """Run `argv` once per process. Callers of the same command (from several threads) wait for
    its one run; another provider's command runs meanwhile, so one that hangs holds up no other."""
    with _locks_lock:
        lock = _command_locks.setdefault(argv, threading.Lock())
    with lock:
        result = _session_keys.get(argv)
        if result is None:
            try:
                result = run_key_command(argv, where, timeout)
            except KeyUnavailable as error:
                result = error
            _session_keys[argv] = result
    if isinstance(result, KeyUnavailable):
        raise KeyUnavailable(result.message)
    return result


def forget_session_keys() -> None:
    """Drop what key commands gave (tests run several "sessions" in one process)."""
    with _locks_lock:
        _session_keys.clear()


def run_key_command(argv: tuple[str, ...], where: str, timeout: float) -> str:
    """Run a key command now and return its trimmed output (see the module docstring)."""
    import subprocess  # here: `ask` without a key command starts faster without it

    program = os.path.basename(argv[0])
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as error:
        reason = "not found" if isinstance(error, FileNotFoundError) else error.strerror
        raise KeyUnavailable(f"{where}: cannot run '{program}' ({reason})") from None
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise KeyUnavailable(f"{where}: '{program}' did not finish in {timeout:g} s") from None
    if process.returncode != 0:
        status = process.returncode
        how = f"was stopped by signal {-status}" if status < 0 else f"exited with status {status}"
        raise KeyUnavailable(f"{where}: '{program}' {how}")
    text = output.decode("utf-8", "replace").strip()
    if not text:
        raise KeyUnavailable(f"{where}: '{program}' printed nothing")
    if "\n" in text or "\r" in text:
        raise KeyUnavailable(
            f"{where}: '{program}' printed more than one line; it must print the key alone"
        )
    return _checked(text, f"{where}: '{program}' output")


def _checked(key: str, what: str) -> str:
    """A key must fit in an HTTP header: printable ASCII without spaces, of a sane length."""
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable() or " " in key:
        raise KeyUnavailable(f"{what} is not a usable key (spaces, controls or non-ASCII)")
    register_secret(key)
    return key


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the command and everything it started, and reap it."""
    import signal
    import subprocess

    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    try:
        process.communicate(timeout=2)
    except subprocess.TimeoutExpired:  # a grandchild outside the group holds stdout open
        if process.stdout is not None:
            process.stdout.close()
        process.wait(timeout=2)
