"""In the real chat screen: the chips sit above the prompt, the palette's "Attach file…" opens
the `@` completion, and a chosen file becomes a chip (README, "Attachments")."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette

from aijora_tui.config import Settings
from aijora_tui.core.parts import ImagePart
from aijora_tui.tui.widgets.attachment_bar import AttachmentBar, Chip
from aijora_tui.tui.widgets.path_completer import PathCompleter
from tests.attach.samples import image_bytes
from tests.ui.conftest import make_test_app
from tests.ui.helpers import chat, highlighted_command, wait_until


async def test_attach_file_from_the_palette(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "diagram.png").write_bytes(image_bytes("PNG"))
    monkeypatch.chdir(work)
    app = make_test_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = chat(app).prompt_input
        column = prompt.parent
        assert column is not None
        assert list(column.children).index(prompt) - 1 == list(column.children).index(
            app.screen.query_one(AttachmentBar)
        )
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Attach file")
        await wait_until(pilot, lambda: highlighted_command(app) == "Attach file…")
        await pilot.press("enter")
        completer = chat(app).query_one(PathCompleter)
        await wait_until(pilot, lambda: [c.path for c in completer.shown] == ["diagram.png"])
        await pilot.press("tab")
        await wait_until(pilot, lambda: len(prompt.attachments) == 1)

        assert isinstance(prompt.attachments[0], ImagePart)
        assert prompt.text == ""
        [chip] = chat(app).query(Chip)
        assert str(chip.visual).startswith("diagram.png  PNG image, ")
