"""`ask -a FILE`: the attachments of one prompt, read and checked before any request is made.

`read_for_ask()` reads every file in the order given (`-` is stdin) and checks the request size;
the first problem ends `ask` with exit 2 and one line naming the file. `user_content()` is the
user message as sent: the prompt's text part first, then the attachments in order.
"""

from __future__ import annotations

import base64
import re
import sys
from collections.abc import Sequence
from typing import Any, BinaryIO

from aijora_tui.core.attachments import STDIN, Attachment, Limits, read_attachments
from aijora_tui.core.parts import FilePart, ImagePart

_BACKTICKS = re.compile(r"`{3,}")


def read_for_ask(
    paths: Sequence[str], limits: Limits, stdin: BinaryIO | None = None
) -> list[Attachment]:
    """Every attachment of `paths`, in order; raises `AttachmentRefused` on the first problem."""
    if not paths:
        return []
    return read_attachments(paths, limits, sys.stdin.buffer if stdin is None else stdin)


def uses_stdin(paths: Sequence[str]) -> bool:
    """Whether an attachment is read from stdin (then the prompt cannot be)."""
    return STDIN in paths


# ---- Until core/request.py (the message parts -> OpenAI content mapping) is on main, `ask`
# ---- builds the content array itself. Delete from here when `ask` sends parts.


def user_content(prompt: str, attachments: Sequence[Attachment]) -> list[dict[str, Any]]:
    """The OpenAI content array of a prompt with attachments (DESIGN.md, "Attachments")."""
    return [{"type": "text", "text": prompt}, *(_wire_part(part) for part in attachments)]


def _wire_part(part: Attachment) -> dict[str, Any]:
    if isinstance(part, ImagePart):
        return {"type": "image_url", "image_url": {"url": _data_url(part.media_type, part.data)}}
    if part.text is not None:
        return {"type": "text", "text": fenced_text(part)}
    return {
        "type": "file",
        "file": {"filename": part.name, "file_data": _data_url(part.media_type, part.data)},
    }


def fenced_text(part: FilePart) -> str:
    """A text file as the model sees it: its name, then its text in a fence longer than any run
    of backticks inside, so that where the file ends is never in doubt."""
    text = part.text or ""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=2)
    fence = "`" * (longest + 1)
    newline = "" if text.endswith("\n") else "\n"
    return f"File: {part.name}\n{fence}\n{text}{newline}{fence}"


def _data_url(media_type: str, data: bytes | None) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data or b'').decode('ascii')}"
