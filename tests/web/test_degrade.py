"""What depends on the terminal says what it does in a browser tab: copies go to the browser's
clipboard (never the server's, nor a multiplexer the server runs in), and doctor says what it
cannot check there."""

from __future__ import annotations

from aijora_tui.cli import doctor
from aijora_tui.clipboard import copy_text

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
