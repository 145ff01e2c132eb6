"""`ImageView`: an image part in the conversation, small by default and full width on Enter.

How it is drawn depends on the terminal, decided once before the app starts
(`prepare_inline_images()`), because asking a terminal what it can draw means writing a query
and reading the reply from stdin, which Textual owns once it runs:

- "graphics": a terminal known to draw images (kitty, Ghostty, WezTerm, iTerm2, foot, Konsole,
  mlterm; not inside tmux or screen, not over SSH): `textual-image` is imported then, and its
  import-time probe (Device Attributes for sixel, a kitty graphics query) picks the protocol. It
  is imported nowhere else: on any other terminal that probe would wait out its timeouts and so
  delay start-up by a few hundred milliseconds (and is why no half-cell renderer of it is used).
- "cells": everywhere else, the picture in coloured half-block cells (`▀`: foreground the upper
  pixel, background the lower), from a thumbnail Pillow makes on a thread.
- a placeholder chip (name, kind, size, pixels) when there are no bytes to draw (an image known
  only by URL), the bytes are not a readable image, or the terminal has fewer than 256 colours.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from aijora_tui.core.attachments import describe
from aijora_tui.core.parts import ImagePart
from aijora_tui.core.sanitize import sanitize
from aijora_tui.image_files import keep_image

BlobLoader = Callable[[str], Awaitable[bytes | None]]
"""Reads the stored bytes with a SHA-256 (None when they are gone)."""

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

Mode = Literal["graphics", "cells"]
THUMBNAIL_PIXELS = 640
"""Longest side of the decoded copy kept in memory: enough for full width on any terminal."""
SMALL_ROWS, SMALL_COLUMNS = 10, 40
FULL_ROWS = 60

_mode: Mode = "cells"
_graphics_widget: Any = None
"""textual-image's widget class for the terminal's protocol, in "graphics" mode."""

_GRAPHICS_TERMINALS: tuple[tuple[str, str | None], ...] = (
    ("KITTY_WINDOW_ID", None),
    ("TERM", "xterm-kitty"),
    ("GHOSTTY_RESOURCES_DIR", None),
    ("TERM", "xterm-ghostty"),
    ("TERM_PROGRAM", "WezTerm"),
    ("TERM_PROGRAM", "iTerm.app"),
    ("TERM", "foot"),
    ("TERM", "foot-extra"),
    ("KONSOLE_VERSION", None),
    ("TERM", "mlterm"),
)
"""(variable, value or None for "set at all"): terminals that draw kitty graphics or sixel."""


def graphics_terminal(environ: Mapping[str, str]) -> bool:
    """Whether the environment names a terminal that can draw images, reached directly."""
    if environ.get("TMUX") or environ.get("STY") or environ.get("SSH_CONNECTION"):
        return False
    return any(
        (value is None and environ.get(name)) or (value is not None and environ.get(name) == value)
        for name, value in _GRAPHICS_TERMINALS
    )


def prepare_inline_images(environ: Mapping[str, str] | None = None) -> Mode:
    """Choose how images are drawn; call before the app runs (see the module docstring)."""
    global _mode, _graphics_widget
    environ = os.environ if environ is None else environ
    stdout = sys.__stdout__
    _mode, _graphics_widget = "cells", None
    if stdout is None or not stdout.isatty() or not graphics_terminal(environ):
        return _mode
    try:
        from textual_image import renderable, widget
    except Exception:  # a terminal that answers oddly must not stop the app
        return _mode
    if renderable.Image in (renderable.TGPImage, renderable.SixelImage):
        _mode, _graphics_widget = "graphics", widget.Image
    return _mode


def decode_thumbnail(data: bytes) -> tuple[PILImage, tuple[int, int]]:
    """The image shrunk to `THUMBNAIL_PIXELS` at most, and its real size (runs on a thread).

    Raises:
        OSError, ValueError, ...: whatever Pillow raises for bytes it cannot read.
    """
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        size = image.size
        image.seek(0)  # the first frame of an animation
        thumbnail = image.convert("RGB")
    thumbnail.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    return thumbnail, size


class HalfBlocks:
    """A Rich renderable: `image` in `columns` x `rows` cells, two pixels a cell."""

    def __init__(self, image: PILImage, columns: int, rows: int) -> None:
        self._image = image.resize((max(1, columns), max(1, rows) * 2))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width, height = self._image.size
        pixels: Any = self._image.load()
        for y in range(0, height - 1, 2):
            for x in range(width):
                top, bottom = pixels[x, y], pixels[x, y + 1]
                yield Segment(
                    "▀", Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))
                )
            yield Segment.line()


def cell_size(image: PILImage, columns: int, rows: int) -> tuple[int, int]:
    """Cells (columns, rows) that fit `image` into `columns` x `rows`, keeping its shape
    (a cell is about twice as tall as wide: two pixels a cell)."""
    width, height = image.size
    scale = min(columns / width, rows * 2 / height)
    return max(1, round(width * scale)), max(1, round(height * scale / 2))


class _Picture(Widget):
    """The half-block drawing of a decoded image, sized to the view's mode."""

    def __init__(self, image: PILImage) -> None:
        super().__init__()
        self.image = image
        self.full = False

    def _cells(self) -> tuple[int, int]:
        parent = self.parent
        available = (parent.content_size.width if isinstance(parent, Widget) else 0) or 80
        if self.full:
            return cell_size(self.image, available, FULL_ROWS)
        return cell_size(self.image, min(SMALL_COLUMNS, available), SMALL_ROWS)

    def get_content_width(self, container: Any, viewport: Any) -> int:
        return self._cells()[0]

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return self._cells()[1]

    def render(self) -> HalfBlocks:
        return HalfBlocks(self.image, *self._cells())


class ImageView(Vertical, can_focus=True):
    """One image part: the picture (or a placeholder chip) and a caption."""

    DEFAULT_CSS = """
    ImageView { height: auto; width: 1fr; padding: 0 0 1 0; }
    ImageView:focus > .image-caption { text-style: bold; }
    ImageView > .image-caption { color: $text-muted; }
    ImageView > .image-placeholder { width: auto; padding: 0 1; background: $boost; }
    """
    BINDINGS = [
        Binding("enter", "toggle_size", "Full size", id="image-full-size"),
        Binding("ctrl+y", "copy_path", "Copy path", id="image-copy-path"),
    ]

    def __init__(self, part: ImagePart, load: BlobLoader | None = None) -> None:
        super().__init__(classes="image-view")
        self.part = part
        self._load = load
        """Reads stored bytes (an image from the history has only their address)."""
        self.state: Literal["decoding", "shown", "placeholder"] = "decoding"
        self._picture: Widget | None = None
        self._caption = Static(self._caption_text(None), classes="image-caption", markup=False)

    def compose(self) -> ComposeResult:
        yield self._caption

    def on_mount(self) -> None:
        colours = self.app.console.color_system
        if colours not in ("256", "truecolor"):
            self._show_placeholder()
        elif self.part.data is not None:
            self._decode(self.part.data)
        elif self.part.sha256 and self._load is not None:
            self._load_stored(self.part.sha256)
        else:
            self._show_placeholder()

    @work(exit_on_error=False, group="image-load")
    async def _load_stored(self, sha256: str) -> None:
        """After the first paint: a conversation with images opens as fast as one without."""
        data = await self._load(sha256) if self._load is not None else None
        if data is None:
            self._show_placeholder()
        else:
            self._decode(data)

    async def action_copy_path(self) -> None:
        """Copy the image's file path: the image is written to the images folder first (once,
        named by its content), so it can be opened or pasted anywhere."""
        data = self.part.data
        if data is None and self.part.sha256 and self._load is not None:
            data = await self._load(self.part.sha256)
        if data is None:
            self.notify("This image's bytes are not in the history", severity="warning")
            return
        path = await asyncio.to_thread(keep_image, data, self.part.media_type)
        self.app.copy_to_clipboard(str(path))

    @work(thread=True, exit_on_error=False, group="image-decode")
    def _decode(self, data: bytes) -> None:
        try:
            image, size = decode_thumbnail(data)
        except Exception:  # Pillow raises many kinds for damaged bytes
            self.app.call_from_thread(self._show_placeholder)
            return
        self.app.call_from_thread(self._show, image, size)

    def _show(self, image: PILImage, size: tuple[int, int]) -> None:
        if not self.is_attached:
            return
        if _mode == "graphics" and _graphics_widget is not None:
            self._picture = _graphics_widget(image, classes="image-graphics")
            self._size_graphics()
        else:
            self._picture = _Picture(image)
        self.mount(self._picture, before=self._caption)
        self._caption.update(self._caption_text(size))
        self.state = "shown"

    def _show_placeholder(self) -> None:
        if not self.is_attached:
            return
        self.mount(
            Static(Content(f"[image] {self._label()}"), classes="image-placeholder", markup=False),
            before=self._caption,
        )
        self.state = "placeholder"

    def _size_graphics(self) -> None:
        if self._picture is not None:
            full = self.has_class("-full")
            self._picture.styles.width = "100%" if full else SMALL_COLUMNS
            self._picture.styles.height = "auto"
            self._picture.styles.max_height = FULL_ROWS if full else SMALL_ROWS

    def action_toggle_size(self) -> None:
        """Full width, or back to the small preview."""
        self.toggle_class("-full")
        if isinstance(self._picture, _Picture):
            self._picture.full = self.has_class("-full")
            self._picture.refresh(layout=True)
        else:
            self._size_graphics()

    def _label(self) -> str:
        return f"{sanitize(self.part.name or 'image')} · {describe(self.part)}"

    def _caption_text(self, pixels: tuple[int, int] | None) -> str:
        shape = f" · {pixels[0]}×{pixels[1]}" if pixels else ""
        hint = "  (Enter: full size)" if pixels else ""
        return f"{self._label()}{shape}{hint}"
