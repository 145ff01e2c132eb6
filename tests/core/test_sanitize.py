"""The sanitizer: untrusted text never reaches a terminal as a control sequence.

`sanitize()` is table-driven; `StreamSanitizer` must give the same result however the text is
split into deltas (every split point of every table entry, plus a hypothesis property), and its
output must never contain an escape or control character, whatever the input.
"""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aijora_tui.core.sanitize import StreamSanitizer, sanitize

CASES: list[tuple[str, str, str]] = [
    ("plain", "Привет, world!", "Привет, world!"),
    (
        "markup-is-text",
        "[bold]x[/bold] [link=file:///etc]y[/link]",
        "[bold]x[/bold] [link=file:///etc]y[/link]",
    ),
    ("tab-and-newline-kept", "a\tb\nc", "a\tb\nc"),
    ("crlf-to-lf", "a\r\nb", "a\nb"),
    ("lone-cr-removed", "progress 10%\rprogress 99%", "progress 10%progress 99%"),
    ("csi-clear-screen", "\x1b[2Jx", "x"),
    ("csi-sgr", "\x1b[1;31mred\x1b[0m", "red"),
    ("csi-private", "\x1b[?1049hx\x1b[?25l", "x"),
    ("c1-csi", "\x9b2Jx", "x"),
    ("osc-title-bel", "\x1b]0;pwned\x07x", "x"),
    ("osc-52-clipboard-st", "\x1b]52;c;cHduZWQ=\x1b\\x", "x"),
    ("osc-8-hyperlink", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"),
    ("c1-osc", "\x9d0;t\x9cx", "x"),
    ("dcs", "\x1bPq#0;2;0;0;0\x1b\\x", "x"),
    ("apc", "\x1b_Gf=100;AAAA\x1b\\x", "x"),
    ("esc-reset", "\x1bcx", "x"),
    ("esc-charset", "\x1b(Bx", "x"),
    ("esc-keypad", "\x1b=x", "x"),
    ("lone-esc", "a\x1b", "a\ufffd"),
    ("nul-bel-bs", "a\x00b\x07c\x08d", "a\ufffdb\ufffdc\ufffdd"),
    ("del-and-c1", "a\x7fb\x85c", "a\ufffdb\ufffdc"),
    ("bidi-overrides-dropped", "abc\u202edcba\u202c \u2066x\u2069", "abcdcba x"),
    ("lone-surrogate", "a\ud83db", "a\ufffdb"),
    ("emoji-kept", "ok \U0001f600", "ok \U0001f600"),
    ("line-separator-kept", "a\u2028b", "a\u2028b"),
    ("unterminated-osc", "\x1b]0;title", "0;title"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_sanitize(text: str, expected: str) -> None:
    assert sanitize(text) == expected


def test_sanitize_returns_clean_text_unchanged() -> None:
    text = "no controls here: Привет"
    assert sanitize(text) is text


def stream(pieces: list[str]) -> str:
    sanitizer = StreamSanitizer()
    return "".join(sanitizer.feed(piece) for piece in pieces) + sanitizer.flush()


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_stream_sanitizer_any_two_way_split(text: str, expected: str) -> None:
    for cut in range(len(text) + 1):
        assert stream([text[:cut], text[cut:]]) == expected, f"split at {cut}"


@pytest.mark.parametrize(
    "text",
    [
        "\x1b]52;c;cHduZWQ=\x1b\\x",
        "ab\x1b[1;31mred\x1b[0mcd",
        "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
        "a\r\nb\x1b(B\x9b2J",
    ],
)
def test_stream_sanitizer_one_char_per_delta(text: str) -> None:
    assert stream(list(text)) == sanitize(text)


def test_stream_sanitizer_passes_plain_deltas_through() -> None:
    sanitizer = StreamSanitizer()
    assert sanitizer.feed("Hello, ") == "Hello, "
    assert sanitizer.feed("мир") == "мир"
    assert sanitizer.flush() == ""


def test_stream_sanitizer_holds_an_unfinished_sequence() -> None:
    sanitizer = StreamSanitizer()
    assert sanitizer.feed("a\x1b]0;ti") == "a"
    assert sanitizer.feed("tle") == ""
    assert sanitizer.feed("\x07b") == "b"
    assert sanitizer.feed("c\x1b[") == "c"
    assert sanitizer.flush() == ""  # ESC [ at the very end: stripped like any ESC sequence


def test_stream_sanitizer_does_not_hold_forever() -> None:
    sanitizer = StreamSanitizer()
    shown = sanitizer.feed("\x1b]0;" + "x" * 5000)
    assert shown.endswith("x" * 100), "an endless OSC is released, not buffered without bound"
    assert "\x1b" not in shown


# Characters that build and break escape sequences, plus ordinary text.
ALPHABET = st.sampled_from(
    ["\x1b", "[", "]", "\\", "\x07", "\x9b", "\x9c", "\x9d", "P", "_", "(", "0", ";", "2", "J",
     "m", "a", " ", "\n", "\t", "\u202e", "\x00", "\x7f", "й"]
)  # fmt: skip
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@st.composite
def split_text(draw: st.DrawFn, alphabet: st.SearchStrategy[str]) -> list[str]:
    text = "".join(draw(st.lists(alphabet, max_size=40)))
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=6)))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=300, deadline=None)
@given(split_text(ALPHABET))
def test_stream_sanitizer_equals_whole_text_sanitizer(pieces: list[str]) -> None:
    assert stream(pieces) == sanitize("".join(pieces))


@settings(max_examples=300, deadline=None)
@given(split_text(st.one_of(ALPHABET, st.just("\r"), st.characters(max_codepoint=0x10FFFF))))
def test_stream_sanitizer_output_is_always_inert(pieces: list[str]) -> None:
    sanitizer = StreamSanitizer()
    for piece in pieces:
        assert not UNSAFE.search(sanitizer.feed(piece))
    assert not UNSAFE.search(sanitizer.flush())
