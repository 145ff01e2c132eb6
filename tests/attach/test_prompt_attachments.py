"""The prompt's attachments, driven with Pilot: `@` completion, chips, dropped paths, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical

from aijora_tui.core.attachments import Limits
from aijora_tui.core.parts import FilePart, ImagePart
from aijora_tui.tui.widgets.attachment_bar import AttachmentBar, Chip
from aijora_tui.tui.widgets.path_completer import PathCompleter, at_token, candidates
from aijora_tui.tui.widgets.prompt_input import PromptInput, dropped_files
from tests.attach.samples import image_bytes
from tests.ui.helpers import ChatWidgetsApp, wait_until


class PromptApp(ChatWidgetsApp):
    """The prompt alone, as a screen would compose it."""

    def __init__(self, cwd: Path, limits: Limits | None = None) -> None:
        super().__init__()
        self.cwd = cwd
        self.limits = limits
        self.submitted: list[PromptInput.Submitted] = []
        self.notes: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            prompt = PromptInput(id="prompt", limits=self.limits)
            prompt.cwd = self.cwd
            yield prompt

    def on_prompt_input_submitted(self, event: PromptInput.Submitted) -> None:
        self.submitted.append(event)

    def notify(self, message: str, **options: object) -> None:
        self.notes.append(message)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print('hi')\n")
    (tmp_path / "src" / "notes.md").write_text("# notes\n")
    (tmp_path / "shot.png").write_bytes(image_bytes("PNG"))
    (tmp_path / "screenshot final.png").write_bytes(image_bytes("PNG", colour="blue"))
    (tmp_path / ".hidden").write_text("x")
    return tmp_path


def shown(app: PromptApp) -> list[str]:
    completer = app.screen.query_one(PathCompleter)
    return [candidate.path for candidate in completer.shown] if completer.is_open else []


def chips(app: PromptApp) -> list[str]:
    return [str(chip.visual) for chip in app.prompt.attachment_bar.query(Chip)]


def test_at_token_and_fuzzy_candidates(tree: Path) -> None:
    assert at_token("look at @src/ma") == "src/ma"
    assert at_token("@") == ""
    assert at_token("mail@example") is None
    assert at_token("@x y") is None

    assert [c.path for c in candidates("", tree)] == [
        "src/",
        "screenshot final.png",
        "shot.png",
    ]
    assert candidates("shpng", tree)[0].path == "shot.png"
    assert [c.path for c in candidates("src/mn", tree)] == ["src/main.py"]
    assert [c.path for c in candidates(".h", tree)] == [".hidden"]
    assert candidates("nowhere/x", tree) == []


async def test_at_opens_completion_tab_descends_and_attaches(tree: Path) -> None:
    app = PromptApp(tree)
    async with app.run_test() as pilot:
        await pilot.press("h", "i", "space", "@")
        await wait_until(pilot, lambda: shown(app) == ["src/", "screenshot final.png", "shot.png"])
        await pilot.press("s", "r")
        await wait_until(pilot, lambda: shown(app)[:1] == ["src/"])
        await pilot.press("tab")  # a directory: descend
        await wait_until(pilot, lambda: shown(app) == ["src/main.py", "src/notes.md"])
        assert app.prompt.text == "hi @src/"
        await pilot.press("down", "enter")  # a file: attach it, the @token goes
        await wait_until(pilot, lambda: len(app.prompt.attachments) == 1)

        assert app.prompt.text == "hi "
        assert shown(app) == []
        [part] = app.prompt.attachments
        assert isinstance(part, FilePart)
        assert (part.name, part.text) == ("notes.md", "# notes\n")
        assert chips(app) == ["notes.md  text, 8 B"]
        assert app.submitted == []  # Enter chose; it did not send


async def test_escape_closes_completion_and_keys_go_back_to_the_text(tree: Path) -> None:
    app = PromptApp(tree)
    async with app.run_test() as pilot:
        await pilot.press("@")
        await wait_until(pilot, lambda: bool(shown(app)))
        await pilot.press("escape")
        await wait_until(pilot, lambda: shown(app) == [])
        await pilot.press("x", "enter")
        await wait_until(pilot, lambda: len(app.submitted) == 1)
        assert app.submitted[0].text == "@x"


async def test_submitted_carries_attachments_and_chips_are_removable(tree: Path) -> None:
    app = PromptApp(tree)
    async with app.run_test() as pilot:
        prompt = app.prompt
        assert await prompt.attach(str(tree / "shot.png"))
        assert await prompt.attach(str(tree / "src" / "main.py"))
        await pilot.pause()
        size = prompt.attachments[0].size
        assert chips(app) == [f"shot.png  PNG image, {size} B", "main.py  text, 12 B"]
        bar = app.query_one(AttachmentBar)
        assert bar.has_class("-has-attachments")

        await pilot.press("shift+tab")  # the chips come just before the prompt
        await wait_until(pilot, lambda: isinstance(app.focused, Chip))
        assert app.focused is not None and app.focused.index == 1  # type: ignore[attr-defined]
        await pilot.press("left", "delete")
        await wait_until(pilot, lambda: len(prompt.attachments) == 1)
        assert [a.name for a in prompt.attachments] == ["main.py"]

        prompt.focus()
        await pilot.press("x", "home", "backspace")  # at the very start: drops the last chip
        await wait_until(pilot, lambda: prompt.attachments == [])
        assert prompt.text == "x"
        assert not bar.has_class("-has-attachments")

        assert await prompt.attach(str(tree / "shot.png"))
        await pilot.press("end", "enter")
        await wait_until(pilot, lambda: len(app.submitted) == 1)
        [sent] = app.submitted
        assert sent.text == "x"
        assert [type(a) for a in sent.attachments] == [ImagePart]
        assert sent.attachments[0].data == (tree / "shot.png").read_bytes()


async def test_refused_file_keeps_the_text(tree: Path) -> None:
    app = PromptApp(tree, Limits(max_image=10, max_text=10, max_request=100))
    async with app.run_test() as pilot:
        await pilot.press("k", "e", "e", "p")
        assert not await app.prompt.attach(str(tree / "shot.png"))
        assert not await app.prompt.attach(str(tree / "nothing here"))
        await pilot.pause()

        assert app.prompt.text == "keep"
        assert app.prompt.attachments == []
        assert app.notes == [
            f'cannot attach "{tree}/shot.png": too large ({(tree / "shot.png").stat().st_size} B; '
            "the largest file that can be attached is 10 B)",
            f'cannot attach "{tree}/nothing here": no such file',
        ]


async def test_a_dropped_file_path_becomes_an_attachment(tree: Path) -> None:
    app = PromptApp(tree)
    async with app.run_test() as pilot:
        app.post_message(events.Paste(f"'{tree}/screenshot final.png' "))
        await wait_until(pilot, lambda: len(app.prompt.attachments) == 1)
        assert app.prompt.text == ""
        assert app.prompt.attachments[0].name == "screenshot final.png"

        app.post_message(events.Paste("shot.png is relative, so it is text"))
        await wait_until(pilot, lambda: app.prompt.text != "")
        assert app.prompt.text == "shot.png is relative, so it is text"
        assert len(app.prompt.attachments) == 1


def test_dropped_files_forms(tree: Path) -> None:
    spaced = tree / "screenshot final.png"
    assert dropped_files(f"{str(spaced).replace(' ', chr(92) + ' ')}") == [str(spaced)]
    assert dropped_files(f"file://{str(spaced).replace(' ', '%20')}") == [str(spaced)]
    assert dropped_files(f"'{spaced}' '{tree}/shot.png'") == [str(spaced), f"{tree}/shot.png"]
    assert dropped_files(f"{tree}/src") == []  # a directory is not a file
    assert dropped_files("shot.png") == []
    assert dropped_files("it's unbalanced") == []
    assert dropped_files(f"'{tree}/shot.png' " * 2000) == []  # that much pasted is text
