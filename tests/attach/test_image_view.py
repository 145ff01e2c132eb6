"""`ImageView` in a real app: half-block cells from a decoded thumbnail, full size on Enter, a
placeholder chip when there is nothing to draw; and how the terminal's mode is chosen."""

from __future__ import annotations

import pytest
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from aijora_tui.core.parts import ImagePart, sha256_of
from aijora_tui.tui.widgets.image_view import (
    ImageView,
    cell_size,
    decode_thumbnail,
    graphics_terminal,
    prepare_inline_images,
)
from tests.attach.samples import image_bytes
from tests.ui.helpers import ChatWidgetsApp, wait_until


@pytest.fixture(autouse=True)
def colours(monkeypatch: pytest.MonkeyPatch) -> None:
    """A true-colour terminal, unless a test says otherwise."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")


def part(data: bytes | None, name: str = "chart.png") -> ImagePart:
    return ImagePart("image/png", len(data or b""), name, sha256_of(data or b""), data=data)


class ViewApp(ChatWidgetsApp):
    def __init__(self, *parts: ImagePart) -> None:
        super().__init__()
        self.parts = parts

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            for image in self.parts:
                yield ImageView(image)


async def test_picture_is_small_then_full_size_on_enter() -> None:
    data = image_bytes("PNG", size=(400, 200), colour="red")
    app = ViewApp(part(data))
    async with app.run_test(size=(100, 40)) as pilot:
        view = app.query_one(ImageView)
        await wait_until(pilot, lambda: view.state == "shown")
        await pilot.pause()
        picture = view.children[0]
        assert (picture.size.width, picture.size.height) == (40, 10)
        caption = str(view.children[1].render())
        assert caption == f"chart.png · PNG image, {len(data)} B · 400×200  (Enter: full size)"
        frame = app.export_screenshot()  # drawn in cells: one ▀ per cell, red on red
        assert frame.count("▀") >= 40 * 10

        view.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert (picture.size.width, picture.size.height) == (100, 25)  # 2:1, two pixels a row
        await pilot.press("enter")
        await pilot.pause()
        assert (picture.size.width, picture.size.height) == (40, 10)


async def test_placeholder_for_a_url_only_image_and_for_damaged_bytes() -> None:
    url_only = ImagePart("image/png", 0, "remote.png", url="https://example.invalid/x.png")
    broken = part(b"\x89PNG\r\n\x1a\n" + b"\0" * 30, "broken.png")
    app = ViewApp(url_only, broken)
    async with app.run_test() as pilot:
        first, second = app.query(ImageView)
        await wait_until(pilot, lambda: first.state == second.state == "placeholder")
        await pilot.pause()
        assert str(first.children[0].render()) == "[image] remote.png · PNG image, 0 B"
        assert str(second.children[0].render()).startswith("[image] broken.png · PNG image")


async def test_a_terminal_of_few_colours_gets_the_placeholder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("COLORTERM")
    app = ViewApp(part(image_bytes("PNG")))
    async with app.run_test() as pilot:
        view = app.query_one(ImageView)
        await wait_until(pilot, lambda: view.state == "placeholder")


def test_thumbnail_and_cell_geometry() -> None:
    image, size = decode_thumbnail(image_bytes("GIF", size=(2000, 500)))
    assert size == (2000, 500)
    assert image.size == (640, 160)
    assert cell_size(image, 40, 10) == (40, 5)  # 640x160 is 4:1; a cell is two pixels tall
    assert cell_size(image, 100, 60) == (100, 12)
    tall, _ = decode_thumbnail(image_bytes("PNG", size=(100, 400)))
    assert cell_size(tall, 40, 10) == (5, 10)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"TERM": "xterm-kitty"}, True),
        ({"TERM_PROGRAM": "WezTerm"}, True),
        ({"KONSOLE_VERSION": "230804"}, True),
        ({"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"}, False),
        ({"TERM": "xterm-kitty", "SSH_CONNECTION": "1 2 3 4"}, False),
        ({"TERM": "xterm-256color"}, False),
        ({}, False),
    ],
)
def test_graphics_terminals_by_environment(environ: dict[str, str], expected: bool) -> None:
    assert graphics_terminal(environ) is expected


def test_without_a_terminal_images_are_cells_and_nothing_is_probed() -> None:
    """Under pytest stdout is not a tty: textual-image (whose import probes) stays unloaded."""
    import sys

    assert prepare_inline_images({"TERM": "xterm-kitty"}) == "cells"
    assert "textual_image" not in sys.modules
