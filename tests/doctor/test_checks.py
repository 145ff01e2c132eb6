"""Doctor's checks as functions: the clipboard route, tmux advice, the report format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from aijora_tui.cli import doctor
from aijora_tui.cli.checks import OK, PROBLEM, WARNING, Check
from aijora_tui.cli.doctor import (
    clipboard_check,
    format_report,
    newline_check,
    tmux_check,
)
from aijora_tui.core.errors import register_secret
from aijora_tui.terminal import TerminalFacts, TmuxClipboard, terminal_facts
from tests.core.helpers import API_KEY

LOCAL = {"TERM": "xterm-256color"}
SSH = {"TERM": "xterm-256color", "SSH_CONNECTION": "10.0.0.1 5000 10.0.0.2 22"}
TMUX = {"TERM": "tmux-256color", "TMUX": "/tmp/tmux-1000/default,1,0"}


def facts(environ: dict[str, str], options: dict[str, str] | None = None) -> TerminalFacts:
    table = options or {}
    return terminal_facts(environ, run=lambda args: table.get(args[3]) if options else None)


def no_system_clipboard() -> str | None:
    return None


def system_must_not_be_asked() -> str | None:
    raise AssertionError("pyperclip must not be consulted over SSH")


@pytest.mark.parametrize(
    ("environ", "options", "system", "status", "words"),
    [
        (LOCAL, None, lambda: "xclip", OK, "the system clipboard (pyperclip: xclip)"),
        (LOCAL, None, no_system_clipboard, OK, "OSC 52 through the terminal (no clipboard tool"),
        (SSH, None, system_must_not_be_asked, OK, "OSC 52 through the terminal (over SSH)"),
        ({**SSH, "STY": "1.pts"}, None, system_must_not_be_asked, OK, "OSC 52 through screen"),
        (
            {**TMUX, "SSH_TTY": "/dev/pts/1"},
            {"set-clipboard": "on"},
            system_must_not_be_asked,
            OK,
            "OSC 52 through tmux",
        ),
        (
            {**TMUX, "SSH_TTY": "/dev/pts/1"},
            {"set-clipboard": "external", "allow-passthrough": "off"},
            system_must_not_be_asked,
            PROBLEM,
            "which tmux drops",
        ),
        (TMUX, None, no_system_clipboard, WARNING, "tmux's options unknown"),
        ({"TERM": "linux"}, None, no_system_clipboard, WARNING, "copies are saved in"),
        (
            {**SSH, "TERM_PROGRAM": "Apple_Terminal"},
            None,
            system_must_not_be_asked,
            WARNING,
            "cannot take OSC 52",
        ),
    ],
)
def test_clipboard_route(
    environ: dict[str, str],
    options: dict[str, str] | None,
    system: Callable[[], str | None],
    status: str,
    words: str,
) -> None:
    check = clipboard_check(facts(environ, options), environ, system)
    assert check.status == status
    assert words in check.detail
    assert (check.fix is None) is (status == OK)
    if "tmux" in words and status != OK:
        assert check.fix == "tmux set -g set-clipboard on"


def test_file_fallback_names_the_state_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    check = clipboard_check(facts({"TERM": "dumb"}), {"TERM": "dumb"}, no_system_clipboard)
    assert str(tmp_path / "aijora-tui" / "clipboard") in check.detail
    assert check.fix is not None and "xclip" in check.fix
    assert not (tmp_path / "aijora-tui").exists(), "doctor creates nothing"


@pytest.mark.parametrize(
    ("options", "status", "words"),
    [
        (TmuxClipboard("on", "off"), OK, "reach the tmux buffer and your terminal"),
        (TmuxClipboard("external", "on"), OK, "reach your terminal (not the tmux buffer)"),
        (TmuxClipboard("external", "off"), WARNING, "stop at tmux"),
        (TmuxClipboard("off", "off"), WARNING, "stop at tmux"),
        (TmuxClipboard(None, None), WARNING, "tmux not found or not answering"),
    ],
)
def test_tmux_advice(options: TmuxClipboard, status: str, words: str) -> None:
    check = tmux_check(options)
    assert check.status == status
    assert words in check.detail
    if status != OK:
        assert check.fix is not None and "tmux set -g set-clipboard on" in check.fix


def test_newline_advice_says_how_it_knows() -> None:
    guessed = newline_check(facts(LOCAL))
    assert guessed.status == WARNING
    assert "guessed from the environment" in guessed.detail
    assert guessed.fix == "use Ctrl+J for a newline"

    asked = newline_check(terminal_facts(LOCAL, probe=lambda: True))
    assert asked.status == OK
    assert "asked the terminal" in asked.detail


def test_pyperclip_mechanism_copies_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyperclip

    def copy_xclip(text: str) -> None:
        raise AssertionError("doctor must not copy")

    monkeypatch.setattr(pyperclip, "determine_clipboard", lambda: (copy_xclip, None))
    assert doctor.pyperclip_mechanism() == "xclip"

    class Unavailable:
        def __bool__(self) -> bool:
            return False

    monkeypatch.setattr(pyperclip, "determine_clipboard", lambda: (Unavailable(), Unavailable()))
    assert doctor.pyperclip_mechanism() is None


def test_report_format() -> None:
    checks = [
        Check("server", OK, "reachable"),
        Check("API key", PROBLEM, "refused\x1b[2J here", "export AIJORA_API_KEY=<your key>"),
        Check("model", WARNING, "not checked"),
    ]
    plain = format_report(checks, doctor._ASCII_MARKS, colour=False)
    assert plain.splitlines() == [
        "+ server   reachable",
        "x API key  refused here",
        "           fix: export AIJORA_API_KEY=<your key>",
        "! model    not checked",
        "1 problem, 1 warning",
    ]
    coloured = format_report(checks, doctor._MARKS, colour=True)
    assert coloured.splitlines()[1].startswith("\x1b[31m✗\x1b[0m API key")


def test_a_failing_check_becomes_a_line_without_the_key() -> None:
    register_secret(API_KEY)

    def broken() -> list[Check]:
        raise ValueError(f"boom\nBearer {API_KEY}")

    [check] = doctor._safely("database", broken)
    assert check == Check(
        "database",
        PROBLEM,
        "could not be checked (ValueError: boom Bearer ***)",
        "please report this",
    )


def test_marks_fall_back_to_ascii() -> None:
    assert doctor._marks("ascii") == doctor._ASCII_MARKS
    assert doctor._marks("utf-8") == doctor._MARKS
