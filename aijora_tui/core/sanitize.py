"""Make untrusted text (model output, server messages) inert for a terminal.

No Textual or Rich widget strips escape sequences: raw OSC 52 would write the
user's clipboard, OSC 0 would retitle the window, CSI could clear the screen. `sanitize()` removes
CSI/OSC/other escape sequences, replaces remaining C0/C1 controls (except tab and newline) and
lone surrogates with U+FFFD, and drops bidi overrides. `StreamSanitizer` does the same for text
arriving in deltas, where one escape sequence may be split across two deltas.
"""

from __future__ import annotations

import re

_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c)"  # OSC/DCS/SOS/PM/APC
    r"|\x1b[ -/]*[0-~]",  # other ESC sequences (ESC c, ESC ( B, ...)
    re.S,
)
# Lone surrogates (from JSON escapes) are replaced too: they cannot be encoded as UTF-8.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_NEEDS_WORK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# An escape sequence that has started but not ended at the end of the text so far.
_INCOMPLETE_TAIL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*\Z"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])(?:[^\x07\x9c\x1b]|\x1b(?!\\))*\Z"
    r"|\x1b[ -/]*\Z"
    r"|\r\Z",
    re.S,
)
_MAX_HELD = 4096
"""A string sequence (OSC...) longer than this is not waited for: it is flushed and stripped."""


def sanitize(text: str) -> str:
    """Return `text` with escape sequences removed and control characters replaced."""
    if not _NEEDS_WORK.search(text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "")
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _BIDI.sub("", text)
    return _CONTROL.sub("\ufffd", text)


class StreamSanitizer:
    """Sanitizes a stream of deltas, holding back an escape sequence until it is complete."""

    __slots__ = ("_held",)

    def __init__(self) -> None:
        self._held = ""

    def feed(self, delta: str) -> str:
        """Sanitize the next delta; returns the text that is safe to show now."""
        if not self._held and not _NEEDS_WORK.search(delta):
            return delta
        text = self._held + delta
        match = _INCOMPLETE_TAIL.search(text)
        if match and len(text) - match.start() <= _MAX_HELD:
            self._held = text[match.start() :]
            text = text[: match.start()]
        else:
            self._held = ""
        return sanitize(text)

    def flush(self) -> str:
        """Release whatever is held (at the end of the stream), sanitized."""
        text, self._held = self._held, ""
        return sanitize(text)
