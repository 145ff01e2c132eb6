"""`aijora_tui.terminal`: facts from fake environs and a fake tmux, no real terminal needed."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import pytest

from aijora_tui.terminal import (
    TmuxClipboard,
    colour_depth,
    guess_kitty_keyboard,
    multiplexer,
    newline_key_hint,
    run_command,
    terminal_facts,
    tmux_clipboard,
)

TMUX = {"TMUX": "/tmp/tmux-1000/default,1234,0", "TERM": "tmux-256color"}
WEB = {"TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver"}
"""What textual-serve sets for each app process it starts."""


class FakeTmux:
    """Answers `tmux show-options -gv NAME` from a table; None for an unknown option (old tmux)
    or for everything (no tmux at all)."""

    def __init__(self, options: dict[str, str] | None) -> None:
        self.options = options
        self.calls: list[list[str]] = []

    def __call__(self, args: Sequence[str]) -> str | None:
        self.calls.append(list(args))
        assert list(args[:3]) == ["tmux", "show-options", "-gv"]
        return None if self.options is None else self.options.get(args[3])


@pytest.mark.parametrize(
    ("environ", "depth"),
    [
        ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, "truecolor"),
        ({"TERM": "xterm", "COLORTERM": "24bit"}, "truecolor"),
        ({"TERM": "xterm-256color"}, "256"),
        ({"TERM": "tmux-256color"}, "256"),
        ({"TERM": "xterm-kitty"}, "256"),  # over SSH, where COLORTERM is not forwarded
        ({"TERM": "xterm"}, "16"),
        ({"TERM": "linux"}, "16"),
        ({"TERM": "xterm-direct"}, "16"),  # as Rich reads it
        ({}, "16"),
        ({"TERM": "dumb"}, "none"),
        ({"TERM": "unknown", "COLORTERM": "truecolor"}, "truecolor"),
        ({"TERM": "xterm-256color", "TEXTUAL_COLOR_SYSTEM": "standard"}, "16"),
        ({"TERM": "xterm", "TEXTUAL_COLOR_SYSTEM": "truecolor"}, "truecolor"),
        ({"TERM": "xterm", "TEXTUAL_COLOR_SYSTEM": "auto"}, "16"),
    ],
)
def test_colour_depth(environ: dict[str, str], depth: str) -> None:
    assert colour_depth(environ) == depth


def test_multiplexer() -> None:
    assert multiplexer(TMUX) == "tmux"
    assert multiplexer({"STY": "1234.pts-0.host"}) == "screen"
    assert multiplexer({"TMUX": "", "TERM": "xterm"}) is None


@pytest.mark.parametrize(
    ("set_clipboard", "passthrough", "buffer", "terminal"),
    [
        ("on", "off", True, True),
        ("on", "on", True, True),
        ("external", "off", False, False),
        ("external", "on", False, True),
        ("off", "all", False, True),
        ("off", "off", False, False),
    ],
)
def test_tmux_options_decide_where_osc52_goes(
    set_clipboard: str, passthrough: str, buffer: bool, terminal: bool
) -> None:
    tmux = FakeTmux({"set-clipboard": set_clipboard, "allow-passthrough": passthrough})
    options = tmux_clipboard(tmux)

    assert options == TmuxClipboard(set_clipboard, passthrough)
    assert options.reaches_buffer is buffer
    assert options.reaches_terminal is terminal
    assert [call[3] for call in tmux.calls] == ["set-clipboard", "allow-passthrough"]


def test_tmux_older_than_3_3_has_no_passthrough() -> None:
    options = tmux_clipboard(FakeTmux({"set-clipboard": "external"}))
    assert options == TmuxClipboard("external", "off")
    assert not options.reaches_terminal


def test_tmux_missing_or_silent() -> None:
    tmux = FakeTmux(None)
    options = tmux_clipboard(tmux)

    assert options == TmuxClipboard(None, None)
    assert not options.reaches_terminal
    assert len(tmux.calls) == 1, "no second question when the first got no answer"


def test_facts_ask_tmux_only_inside_tmux() -> None:
    tmux = FakeTmux({"set-clipboard": "on", "allow-passthrough": "off"})
    outside = terminal_facts({"TERM": "xterm-256color"}, run=tmux)
    assert outside.tmux is None and outside.multiplexer is None
    assert tmux.calls == []

    inside = terminal_facts({**TMUX, "SSH_TTY": "/dev/pts/3"}, run=tmux)
    assert inside.multiplexer == "tmux"
    assert inside.tmux == TmuxClipboard("on", "off")
    assert inside.remote
    assert inside.colour_depth == "256"


@pytest.mark.parametrize(
    ("environ", "likely", "words"),
    [
        ({"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, True, "kitty (by KITTY_WINDOW_ID)"),
        ({"TERM": "xterm-kitty", "SSH_CONNECTION": "a 1 b 22"}, True, "kitty (by TERM="),
        ({"TERM": "xterm-ghostty", "TERM_PROGRAM": "ghostty"}, True, "Ghostty"),
        (
            {"TERM": "xterm-256color", "GHOSTTY_RESOURCES_DIR": "/usr/share/ghostty"},
            True,
            "Ghostty",
        ),
        ({"TERM": "foot"}, True, "foot"),
        ({"TERM": "alacritty"}, True, "Alacritty"),
        ({"TERM": "xterm-256color", "WEZTERM_PANE": "0"}, False, "enable_kitty_keyboard"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, False, "WezTerm"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "Apple_Terminal"}, False, "no terminal known"),
        ({**TMUX, "KITTY_WINDOW_ID": "1"}, False, "tmux does not pass"),
        ({"STY": "1.pts", "TERM": "xterm-kitty"}, False, "screen does not pass"),
        ({}, False, "no terminal known"),
        ({**WEB, "TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, False, "xterm.js"),
    ],
)
def test_kitty_keyboard_guess(environ: dict[str, str], likely: bool, words: str) -> None:
    guessed, reason = guess_kitty_keyboard(environ)
    assert guessed is likely
    assert words in reason
    assert newline_key_hint(environ) == ("Shift+Enter" if likely else "Ctrl+J")
    facts = terminal_facts(environ, run=FakeTmux(None))
    assert facts.newline_key == ("shift+enter" if likely else "ctrl+j")
    assert not facts.kitty_probed


@pytest.mark.parametrize("answer", [True, False])
def test_a_probe_answer_overrides_the_guess(answer: bool) -> None:
    environ = {"TERM": "xterm-256color"} if answer else {"TERM": "xterm-kitty"}
    facts = terminal_facts(environ, probe=lambda: answer)

    assert facts.kitty_keyboard is answer
    assert facts.kitty_probed
    assert "kitty keyboard query" in facts.kitty_reason
    assert facts.newline_key == ("shift+enter" if answer else "ctrl+j")


def test_no_probe_answer_falls_back_on_the_guess() -> None:
    facts = terminal_facts({"TERM": "xterm-kitty"}, probe=lambda: None)
    assert facts.kitty_keyboard and not facts.kitty_probed


def test_run_command() -> None:
    assert run_command([sys.executable, "-c", "print('on')"]) == "on"
    assert run_command([sys.executable, "-c", "raise SystemExit(1)"]) is None
    assert run_command(["/nonexistent/tmux", "show-options"]) is None
