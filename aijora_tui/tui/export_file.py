"""The palette's export: the same rules for the file as `aijora-tui export -o`.

The file is written by `files.write_private_file` (mode 0600, a symlink written through, a device
or FIFO written directly), and a file already at the path is replaced only once the user says so.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import App

from aijora_tui.files import write_private_file
from aijora_tui.tui.screens.history import ConfirmDialog


def save_export(app: App[object], path: Path, text: str) -> None:
    """Write `text` to `path`, asking first when something is there; the outcome is notified."""

    def write(confirmed: bool | None) -> None:
        if not confirmed:
            app.notify(f"Not exported: {path} kept as it was", timeout=4, markup=False)
            return
        try:
            write_private_file(path, text)
        except OSError as error:
            reason = error.strerror or str(error)
            app.notify(f"Export failed: {path}: {reason}", severity="error", markup=False)
            return
        app.notify(f"Exported to {path}", timeout=5, markup=False)

    if os.path.lexists(path):
        question = f"{path} already exists. Replace it?"
        app.push_screen(ConfirmDialog(question, yes="Replace", no="Keep"), write)
    else:
        write(True)
