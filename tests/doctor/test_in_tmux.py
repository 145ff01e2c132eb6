"""`aijora-tui doctor` in a real terminal: a private tmux server, so that the tmux options are
really queried and the kitty keyboard probe really talks to a terminal (tmux answers the device
attributes query, not the kitty one) and leaves the tty as it found it."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.helpers import ROOT

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]
DONE = "DOCTOR-EXIT"


@pytest.fixture
def socket() -> Iterator[str]:
    name = f"aijora-doctor-{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True, timeout=10)


def run_in_tmux(socket: str, env: dict[str, str], tmp_path: Path, config: str) -> str:
    """Run doctor in a 250-column tmux window; returns the screen once it has finished."""
    exports = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in env.items())
    script = tmp_path / "run.sh"
    script.write_text(
        f"{exports}cd {shlex.quote(str(ROOT))}\n"
        'before="$(stty -g)"\n'
        f"{shlex.quote(sys.executable)} -m aijora_tui doctor\n"
        'code=$?\n[ "$(stty -g)" = "$before" ] && echo TTY-RESTORED\n'
        f'echo "{DONE} $code"\nsleep 60\n'
    )
    conf = tmp_path / "tmux.conf"
    conf.write_text(config)
    start = ["new-session", "-d", "-s", "doctor", "-x", "250", "-y", "50", f"sh {script}"]
    subprocess.run(["tmux", "-L", socket, "-f", str(conf), *start], check=True, timeout=10)
    deadline = time.monotonic() + 30
    screen = ""
    while DONE not in screen and time.monotonic() < deadline:
        time.sleep(0.2)
        screen = subprocess.run(
            ["tmux", "-L", socket, "capture-pane", "-p", "-J", "-t", "doctor"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
    assert DONE in screen, screen
    return screen


def screen_line(screen: str, label: str) -> str:
    [found] = [line for line in screen.splitlines() if line[2:].startswith(label + " ")]
    return found


@pytest.mark.parametrize(
    ("config", "tmux_line", "clipboard_mark", "code"),
    [
        ("", "! tmux", "✗", 1),  # tmux's defaults: set-clipboard external, no passthrough
        ("set -g set-clipboard on\n", "✓ tmux", "✓", 0),
    ],
)
def test_doctor_inside_tmux(
    socket: str,
    env: dict[str, str],
    tmp_path: Path,
    config: str,
    tmux_line: str,
    clipboard_mark: str,
    code: int,
) -> None:
    env["SSH_TTY"] = "/dev/pts/9"  # remote, so the copy route is OSC 52 whatever is installed
    del env["TERM"]  # tmux sets its own
    screen = run_in_tmux(socket, env, tmp_path, config)

    assert screen_line(screen, "tmux").startswith(tmux_line)
    assert screen_line(screen, "clipboard").startswith(clipboard_mark)
    assert "inside tmux, over SSH" in screen_line(screen, "terminal")
    newline = screen_line(screen, "newline key")
    assert "ignored the kitty keyboard query (asked the terminal)" in newline
    assert "TTY-RESTORED" in screen
    assert f"{DONE} {code}" in screen
