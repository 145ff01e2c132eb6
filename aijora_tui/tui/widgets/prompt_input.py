"""The multi-line prompt: Enter sends, Shift+Enter / Ctrl+J / Alt+Enter insert a newline.

It also gathers the message's attachments: `@` opens path completion (`path_completer.py`; Tab
or Enter takes the highlighted entry, a directory descends into it, a file is attached and its
`@token` removed from the text), a pasted path of an existing file (what a terminal pastes when
a file is dropped on it) is attached instead of inserted, and `attach()` takes a path from
anywhere else (the palette's "Attach file…"). Files are read and checked on a thread, so a large
image never stalls typing; a refused file is one notification and the text stays as it was.
The chips (`attachment_bar.py`) are mounted just above the prompt. `Submitted` carries the text
and the attachments.
"""

from __future__ import annotations

import asyncio
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import TextArea

from aijora_tui.core.attachments import (
    Attachment,
    AttachmentRefused,
    Limits,
    check_request_size,
    read_attachment,
)
from aijora_tui.tui.widgets.attachment_bar import AttachmentBar
from aijora_tui.tui.widgets.path_completer import PathCompleter, at_token, candidates

MAX_DROPPED_TEXT = 16 * 1024
"""A longer paste is text: no terminal pastes that much for a few dropped files."""
_COMPLETION_ACTIONS = {"complete", "completion_move", "close_completion"}


class PromptInput(TextArea):
    """Where the user writes; posts `PromptInput.Submitted` on Enter."""

    BINDINGS = [
        Binding(
            "enter", "submit", "Send", id="send-message", priority=True, tooltip="Send the message"
        ),
        Binding(
            "shift+enter,ctrl+j,alt+enter",
            "newline",
            "Newline",
            id="insert-newline",
            key_display="^J",
            priority=True,
            tooltip="Insert a new line in the message",
        ),
        # Only while the @ completion is open (see check_action); otherwise the keys go on.
        Binding("tab", "complete", show=False, priority=True),
        Binding("down", "completion_move(1)", show=False, priority=True),
        Binding("up", "completion_move(-1)", show=False, priority=True),
        Binding("escape", "close_completion", show=False, priority=True),
        Binding("backspace", "remove_last_attachment", show=False, priority=True),
    ]

    @dataclass
    class Submitted(Message):
        """The user asked to send `text` with `attachments`."""

        prompt_input: PromptInput
        text: str
        attachments: tuple[Attachment, ...] = field(default=())

        @property
        def control(self) -> PromptInput:
            return self.prompt_input

    def __init__(
        self, *, newline_key: str = "Ctrl+J", id: str | None = None, limits: Limits | None = None
    ) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            placeholder=f"Ask anything — Enter sends, {newline_key} adds a line",
            compact=True,
        )
        self.limits = limits or Limits()
        """Size limits of attachments (the settings' `[attachments]`)."""
        self.attachments: list[Attachment] = []
        self.completer = PathCompleter()
        self.attachment_bar = AttachmentBar(self._remove_attachment)
        self.cwd = _working_directory()
        """Where `@` paths start."""

    def on_mount(self) -> None:
        if isinstance(self.parent, Widget):
            self.parent.mount(self.attachment_bar, before=self)
        self.screen.mount(self.completer)

    # -- sending --------------------------------------------------------------------------

    def action_submit(self) -> None:
        if self.completer.is_open:
            self.action_complete()
            return
        # The binding runs on the app's queue; keys typed just before Enter may still wait in
        # this widget's queue, so read the text only after they have been handled.
        self.call_later(self._submit)

    def _submit(self) -> None:
        text = self.text
        if text.strip() or self.attachments:
            self.post_message(self.Submitted(self, text, tuple(self.attachments)))

    def action_newline(self) -> None:
        self.insert("\n")

    def clear(self) -> None:  # type: ignore[override]
        """Empty the prompt: its text and its attachments."""
        super().clear()
        self.set_attachments([])

    # -- attachments ----------------------------------------------------------------------

    def set_attachments(self, attachments: list[Attachment]) -> None:
        self.attachments = attachments
        self.attachment_bar.show(attachments)

    async def attach(self, path: str) -> bool:
        """Read `path` on a thread and add it; a refusal is notified and changes nothing."""
        try:
            part = await asyncio.to_thread(read_attachment, path, self.limits)
            check_request_size([*self.attachments, part], self.limits)
        except AttachmentRefused as error:
            self.notify(str(error), severity="error", timeout=8, markup=False)
            return False
        self.set_attachments([*self.attachments, part])
        return True

    def action_start_attach(self) -> None:
        """Begin an `@` path at the cursor (a word of its own), which opens the completion."""
        before = self._text_before_cursor()
        self.insert("@" if not before or before[-1].isspace() else " @")
        self.focus()

    def action_remove_last_attachment(self) -> None:
        if self.cursor_location == (0, 0) and not self.selected_text and self.attachments:
            self.set_attachments(self.attachments[:-1])

    async def _on_paste(self, event: events.Paste) -> None:
        paths = dropped_files(event.text)
        if paths:
            event.prevent_default()  # not inserted as text
            event.stop()
            for path in paths:
                await self.attach(path)

    def _remove_attachment(self, index: int) -> None:
        kept = [a for number, a in enumerate(self.attachments) if number != index]
        self.set_attachments(kept)
        if not kept:
            self.focus()

    # -- @ completion ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _COMPLETION_ACTIONS:
            return self.completer.is_open
        if action == "remove_last_attachment":
            return bool(self.attachments) and self.cursor_location == (0, 0)
        return super().check_action(action, parameters)

    def _text_before_cursor(self) -> str:
        row, column = self.cursor_location
        return self.document.get_line(row)[:column]

    def _update_completion(self) -> None:
        token = at_token(self._text_before_cursor())
        if token is None:
            self.completer.close()
            return
        self.completer.offer(candidates(token, self.cwd), self.cursor_screen_offset)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area is self:
            self._update_completion()

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        if event.text_area is self and self.completer.is_open:
            self._update_completion()

    def on_blur(self) -> None:
        self.completer.close()

    def action_completion_move(self, step: int) -> None:
        self.completer.move(step)

    def action_close_completion(self) -> None:
        self.completer.close()

    def action_complete(self) -> None:
        """Take the highlighted entry: descend into a directory, attach a file."""
        chosen = self.completer.chosen()
        token = at_token(self._text_before_cursor())
        if chosen is None or token is None:
            self.completer.close()
            return
        row, column = self.cursor_location
        start = (row, column - len(token) - 1)  # the @ too
        if chosen.is_dir:
            self.replace(f"@{chosen.path}", start, (row, column))
            return  # Changed -> the directory's entries are offered
        self.completer.close()
        self.delete(start, (row, column))
        self.run_worker(self.attach(str(self.cwd / chosen.path)), exit_on_error=False)


def _working_directory() -> Path:
    try:
        return Path.cwd()
    except OSError:  # removed from under us: completion starts at home instead
        return Path.home()


def dropped_files(text: str) -> list[str]:
    """The files named by pasted `text` when it is nothing but absolute paths of existing files
    (quoted, backslash-escaped, `~/...` or `file://` URIs: what terminals paste when files are
    dropped on them); else []. A bare relative name is text, never taken for a file."""
    if len(text) > MAX_DROPPED_TEXT:
        return []
    try:
        words = shlex.split(text)
    except ValueError:
        return []
    paths = []
    for word in words:
        if word.startswith("file://"):
            word = unquote(urlparse(word).path)
        path = Path(word).expanduser()
        if not path.is_absolute() or not path.is_file():
            return []
        paths.append(str(path))
    return paths
