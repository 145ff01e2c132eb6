"""What depends on the terminal says what it does in a browser tab: copies go to the browser's
clipboard (never the server's, nor a multiplexer the server runs in), doctor says what it cannot
check there, and what an app process writes to stderr reaches serve's stderr as safe lines."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from aijora_tui.cli import doctor
from aijora_tui.clipboard import copy_text
from aijora_tui.core.errors import register_secret
from aijora_tui.web.guard import Guard
from aijora_tui.web.server import LOGGERS, AppErrors, AppServer
from tests.core.helpers import API_KEY

WEB = {"TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver"}
SERVER_IN_TMUX = {"TERM": "tmux-256color", "TMUX": "/tmp/tmux-1000/default,1,0", "DISPLAY": ":0"}


def test_a_copy_in_the_browser_goes_only_to_the_browser() -> None:
    osc52: list[str] = []
    raw: list[str] = []
    system: list[str] = []

    def system_copy(text: str) -> bool:
        system.append(text)
        return True

    result = copy_text(
        "héllo", osc52.append, raw.append, SERVER_IN_TMUX, system=system_copy, browser=True
    )

    assert osc52 == ["héllo"]
    assert (raw, system) == ([], []), "the server's tmux and clipboard are not the user's"
    assert result.describe() == "copied 6 B to the browser's clipboard"

    in_terminal = copy_text("héllo", osc52.append, raw.append, SERVER_IN_TMUX, system=system_copy)
    assert in_terminal.route == "to the system clipboard" and raw, "the terminal route is unchanged"


def test_doctor_in_a_browser_tab_says_what_it_cannot_check() -> None:
    """No tty probe, no tmux question: the terminal is the browser's."""
    (check,) = doctor.terminal_checks({**WEB, **SERVER_IN_TMUX})

    assert (check.check, check.status, check.fix) == ("terminal", doctor.OK, None)
    assert "cannot be checked from here" in check.detail
    assert "browser's clipboard" in check.detail


@pytest.fixture
def serve_logging() -> Iterator[None]:
    """serve's logging set-up for one test; the loggers are given back as they were."""
    loggers = [logging.getLogger(name) for name in LOGGERS]
    saved = [(logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    yield
    for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


@pytest.mark.usefixtures("serve_logging")
def test_an_apps_stderr_becomes_safe_lines_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """textual-serve copies it to stdout, which must hold only the URL."""
    AppServer("true", host="127.0.0.1", port=0, guard=Guard(), public_url=None).initialize_logging()
    register_secret(API_KEY)

    AppErrors().write(f"Traceback?\n\x1b]52;c;aGk=\x07boom {API_KEY}\n\n")

    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "aijora-tui serve: app: Traceback?",
        "aijora-tui serve: app: boom ***",
    ]
