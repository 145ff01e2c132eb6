"""Running the CLI against a hostile fake server, and measuring what it costs.

`run` starts `aijora-tui` as a subprocess with a clean environment (tests/cli_env.py). `measured`
does the same through `tests/hardening/measure.py`, a fresh interpreter that runs the command as
its only child and reports that child's peak RSS (`resource.getrusage(RUSAGE_CHILDREN)`): a
child of the test process itself would report the largest child this pytest worker ever had.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from aijora_tui.core.records import StoredMessage
from aijora_tui.core.store import Store
from tests.cli_env import ROOT

CLI = [sys.executable, "-m", "aijora_tui"]
TIMEOUT = 60
NOISE = ("Traceback", "Exception ignored", "Task was destroyed", "Error in sys.excepthook")


@dataclass
class Run:
    """What a CLI run printed, how it exited, and (when measured) its peak RSS in MB."""

    returncode: int
    stdout: bytes
    stderr: str
    peak_mb: float | None = None

    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("aijora-tui: error")]


def run(
    env: dict[str, str],
    *args: str,
    input: bytes | None = None,
    stdout: int = subprocess.PIPE,
    timeout: float = TIMEOUT,
) -> Run:
    """`aijora-tui ARGS...` to the end; stdin is /dev/null unless `input` is given."""
    result = subprocess.run(
        [*CLI, *args],
        env=env,
        cwd=ROOT,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=timeout,
        check=False,
    )
    return Run(result.returncode, result.stdout or b"", result.stderr.decode("utf-8", "replace"))


def measured(env: dict[str, str], tmp_path: Path, *args: str, timeout: float = TIMEOUT) -> Run:
    """`run`, with the peak RSS of the aijora-tui process."""
    report = tmp_path / "peak-rss"
    measure = [sys.executable, str(Path(__file__).with_name("measure.py")), str(report)]
    result = subprocess.run(
        [*measure, *CLI, *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    peak_kb = int(report.read_text())
    stderr = result.stderr.decode("utf-8", "replace")
    return Run(result.returncode, result.stdout, stderr, peak_kb / 1024)


def assert_clean(stderr: str, *secrets: str) -> None:
    """No traceback or interpreter noise, and none of `secrets`, on stderr."""
    for noise in NOISE:
        assert noise not in stderr, stderr
    for secret in secrets:
        assert secret not in stderr, stderr


def stored_reply(data_home: Path) -> StoredMessage:
    """The last message of the most recent conversation in the database under `data_home`."""
    with Store.open(data_home / "aijora-tui" / "history.sqlite3") as store:
        latest = store.latest_conversation_id()
        assert latest is not None
        return store.active_path(latest)[-1]


def write_config(tmp_path: Path, text: str) -> Path:
    """Write the config.toml that `cli_env(tmp_path, ...)` points at."""
    path = tmp_path / "config" / "aijora-tui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o600)
    return path


class Unblocker:
    """Opens a FIFO after a while, so that a reader stuck on it (the bug) ends; `fired` tells."""

    def __init__(self, fifo: Path) -> None:
        self.fired = False
        self._fifo = fifo
        self._timer = threading.Timer(15, self._release)
        self._timer.start()

    def _release(self) -> None:
        self.fired = True
        os.close(os.open(self._fifo, os.O_RDWR))

    def cancel(self) -> None:
        self._timer.cancel()
