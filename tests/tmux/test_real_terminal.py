"""Real-terminal tests: the installed app in tmux, against the fake server in its own process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fake_server import Script, text_stream, usage

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]
ROOT = Path(__file__).resolve().parents[2]


def wait_for(check: Callable[[], bool], timeout: float = 20.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()


@pytest.fixture
def server_url() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_server", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("PORT "), line
        yield f"http://127.0.0.1:{int(line.split()[1])}/v1"
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def queue(base_url: str, script: Script) -> None:
    request = urllib.request.Request(
        f"{base_url}/_control/script",
        data=json.dumps(script.to_json()).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


class Tmux:
    """One tmux server (own socket) running the app in a 120x40 window."""

    def __init__(self, tmp: Path) -> None:
        self.socket = f"aijora-test-{uuid.uuid4().hex[:8]}"
        self.tmp = tmp

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        return result.stdout

    def start(self, command: list[str], env: dict[str, str]) -> None:
        """Run `command` as the pane's own process (its pid is the app's), in `ROOT`."""
        exports = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        self.run(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "app",
            "-x",
            "120",
            "-y",
            "40",
            "-c",
            str(ROOT),
            *exports,
            *command,
        )
        self.run("set-option", "-g", "set-clipboard", "on")

    def pid(self) -> int:
        return int(self.run("display-message", "-p", "-t", "app", "#{pane_pid}").strip())

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "app")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "app", *keys)

    def kill(self) -> None:
        self.run("kill-server")

    def restart(self, command: list[str], env: dict[str, str]) -> None:
        """Start afresh on a new socket: a server being killed can still take the old one."""
        self.kill()
        self.socket = f"aijora-test-{uuid.uuid4().hex[:8]}"
        self.start(command, env)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(tmp_path)
    yield session
    session.kill()


def app_env(tmp_path: Path, base_url: str) -> dict[str, str]:
    return {
        "AIJORA_API_KEY": "sk-tmux-test-key",
        "AIJORA_BASE_URL": base_url,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "TERM": "xterm-256color",
        "PYTHONPATH": str(ROOT),
    }


def test_type_a_prompt_and_read_the_reply(tmux: Tmux, server_url: str, tmp_path: Path) -> None:
    queue(server_url, text_stream(["The answer ", "is **forty", "-two**."], usage_=usage(9, 4)))
    tmux.start([sys.executable, "-m", "aijora_tui"], app_env(tmp_path, server_url))
    assert wait_for(lambda: "Ask anything" in tmux.screen()), tmux.screen()
    tmux.keys("What is the answer?")
    tmux.keys("Enter")
    assert wait_for(lambda: "The answer is forty-two." in tmux.screen()), tmux.screen()
    screen = tmux.screen()
    assert "What is the answer?" in screen
    assert "**" not in screen  # rendered as Markdown, not shown raw


def test_copy_reaches_tmux_buffer_via_osc52(tmux: Tmux, server_url: str, tmp_path: Path) -> None:
    reply = "Copy me: `pip install aijora-tui`"
    queue(server_url, text_stream([reply[:10], reply[10:]]))
    tmux.start([sys.executable, "-m", "aijora_tui"], app_env(tmp_path, server_url))
    assert wait_for(lambda: "Ask anything" in tmux.screen()), tmux.screen()
    tmux.keys("give me the command")
    tmux.keys("Enter")
    assert wait_for(lambda: "pip install aijora-tui" in tmux.screen()), tmux.screen()
    tmux.keys("C-y")
    assert wait_for(lambda: "copied" in tmux.screen()), tmux.screen()
    assert wait_for(lambda: tmux.run("show-buffer") == reply), tmux.run("show-buffer")


def test_killed_mid_stream_keeps_what_was_streamed(
    tmux: Tmux, server_url: str, tmp_path: Path
) -> None:
    from aijora_tui.core.store import Store
    from tests.fake_server import Pause, chunk

    queue(server_url, Script([chunk("Streamed before the crash. "), Pause(60), chunk("never")]))
    env = app_env(tmp_path, server_url)
    tmux.start([sys.executable, "-m", "aijora_tui"], env)
    assert wait_for(lambda: "Ask anything" in tmux.screen()), tmux.screen()
    tmux.keys("tell me a long story")
    tmux.keys("Enter")
    assert wait_for(lambda: "Streamed before the crash." in tmux.screen()), tmux.screen()
    time.sleep(1.2)  # more than the autosave interval
    os.kill(tmux.pid(), signal.SIGKILL)
    database = tmp_path / "data" / "aijora-tui" / "history.sqlite3"
    with Store.open(database) as store:
        conversation = store.latest_conversation_id()
        assert conversation is not None
        path = store.active_path(conversation)
        assert [(m.role, m.content) for m in path] == [
            ("user", "tell me a long story"),
            ("assistant", "Streamed before the crash. "),
        ]
        assert store.load_draft(None) == ""
    tmux.restart([sys.executable, "-m", "aijora_tui"], env)
    assert wait_for(lambda: "Ask anything" in tmux.screen()), tmux.screen()
    tmux.keys("C-l")
    assert wait_for(lambda: "tell me a long story" in tmux.screen()), tmux.screen()
    tmux.keys("Enter")
    assert wait_for(lambda: "interrupted" in tmux.screen()), tmux.screen()
    assert "Streamed before the crash." in tmux.screen()


def test_attach_an_image_with_at_completion_and_send_it(
    tmux: Tmux, server_url: str, tmp_path: Path
) -> None:
    """`@` in a real terminal: the dropdown, Tab attaches, the chip shows, and the request
    carries the image after the prompt's text, byte for byte."""
    from tests.attach.samples import decode_data_url, image_bytes

    work = tmp_path / "work"
    work.mkdir()
    png = image_bytes("PNG", size=(16, 16), colour="green")
    (work / "shot.png").write_bytes(png)
    queue(server_url, text_stream(["A green square."]))
    command = ["sh", "-c", f"cd '{work}' && exec '{sys.executable}' -m aijora_tui"]
    tmux.start(command, app_env(tmp_path, server_url))
    assert wait_for(lambda: "Ask anything" in tmux.screen()), tmux.screen()
    tmux.keys("-l", "what is @sh")
    assert wait_for(lambda: "shot.png" in tmux.screen()), tmux.screen()
    tmux.keys("Tab")
    assert wait_for(lambda: f"shot.png  PNG image, {len(png)} B" in tmux.screen()), tmux.screen()
    tmux.keys("-l", "this?")
    tmux.keys("Enter")
    assert wait_for(lambda: "A green square." in tmux.screen()), tmux.screen()

    with urllib.request.urlopen(f"{server_url}/_control/requests", timeout=5) as response:
        received = json.loads(response.read())
    [chat] = [r for r in received if r["path"].endswith("/chat/completions")]
    text, image = json.loads(chat["body"])["messages"][-1]["content"]
    assert text == {"type": "text", "text": "what is this?"}
    assert decode_data_url(image["image_url"]["url"]) == ("image/png", png)
