"""Sampling a running app with py-spy, and a summary of where its CPU went.

py-spy (the `bench` extra) reads the stacks of another process from outside, so the app runs
exactly as it would in the terminal, without a profiler inside it. Samples are taken only while
a thread runs (idle waits are left out), so shares are shares of the CPU the app used.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

RATE = 250
"""Samples per second."""
TOP = 22
ATTACH = 0.5
"""Seconds py-spy is given to attach before the stretch to record begins."""
_LINE = re.compile(r"(?P<stack>.*) (?P<count>\d+)$")
_FRAME = re.compile(r"(?P<function>.*) \((?P<file>[^():]*)(?::\d+)?\)$")
_PREFIX = re.compile(r".*/(?:lib/python3\.\d+/(?:site-packages/)?|(?=aijora_tui/))")
"""What comes before `textual/...`, `asyncio/...` or `aijora_tui/...` in a frame's path."""


def py_spy() -> str:
    """The py-spy next to this interpreter (installed with the `bench` extra), or on PATH."""
    local = Path(sys.executable).with_name("py-spy")
    found = str(local) if local.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy is not installed: pip install -e '.[bench]'")
    return found


class Spy:
    """Records one stretch of a process at a time into `folder/<name>.txt` (raw stacks)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.files: list[Path] = []
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, pid: int, name: str) -> None:
        """Start sampling process `pid`; returns once py-spy is attached."""
        path = self.folder / f"{name}.txt"
        command = [py_spy(), "record", "--pid", str(pid), "--rate", str(RATE), "--gil"]
        self._process = subprocess.Popen(
            [*command, "--nonblocking", "--format", "raw", "--output", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.files.append(path)
        # py-spy says nothing when attached unless on a terminal: give it a moment, then make
        # sure it is still there (it exits at once when it cannot read the process).
        time.sleep(ATTACH)
        if self._process.poll() is not None:
            error = self._process.stderr.read() if self._process.stderr else b""
            raise RuntimeError(f"py-spy could not sample: {error.decode(errors='replace')}")

    def stop(self) -> None:
        """Stop sampling and wait for the samples to be written."""
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stderr is not None:
            process.stderr.close()

    def report(self) -> str:
        """Per recorded stretch: the functions with the most samples, on their own and with
        everything they called."""
        parts = []
        for path in self.files:
            if path.exists():
                parts.append(summarize(path.stem, path.read_text(encoding="utf-8")))
        return "\n".join(parts)


def summarize(name: str, raw: str, top: int = TOP) -> str:
    """Top functions of py-spy's raw output (`frame;frame;... count` lines), by self and
    inclusive samples. Line numbers are dropped, so a function counts once per stack."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        count = int(match["count"])
        frames = [_name(frame) for frame in match["stack"].split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return f"\n{name}: no samples"
    seconds = total / RATE
    lines = [f"\n{name}: {total} samples (~{seconds:.1f} s on CPU)", "  self:"]
    lines += [f"    {100 * n / total:5.1f} %  {frame}" for frame, n in own.most_common(top)]
    lines.append("  inclusive:")
    lines += [f"    {100 * n / total:5.1f} %  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines)


def _name(frame: str) -> str:
    """`render (textual/widget.py:123)` -> `render (textual/widget.py)`, paths shortened."""
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = _PREFIX.sub("", match["file"])
    return f"{match['function']} ({path})"
