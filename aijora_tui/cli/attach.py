"""`ask -a FILE`: the attachments of one prompt, read and checked before any request is made.

`read_for_ask()` reads every file in the order given (`-` is stdin) and checks the request size;
the first problem ends `ask` with exit 2 and one line naming the file. The session sends them
after the prompt's text, in order (`core/request.py`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import BinaryIO

from aijora_tui.core.attachments import STDIN, Attachment, Limits, read_attachments


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
