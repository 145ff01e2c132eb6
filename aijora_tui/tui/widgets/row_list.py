"""`RowList`: one-line rows drawn with Textual's Line API, for lists of a thousand entries.

An `OptionList` measures the height of every option whenever its options change (wrapping each
one), which for the model picker's 1,000 rows cost more than a keystroke may
(bench/bench_picker.py). Here every row is one line by construction: setting the rows only sets
the virtual height, and a frame renders the rows in view (cached until the rows change). Rows
that cannot be chosen (headers) are skipped by the cursor. The widget never takes the focus: its
owner moves the cursor (`move`, `page`) while another widget (the filter input) keeps the keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import events
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual


class RowList(ScrollView, can_focus=False):
    """Rows of `Content`, one line each; a highlighted row; a click chooses a row."""

    COMPONENT_CLASSES = {"row-list--highlight", "row-list--header"}

    @dataclass
    class Chosen(Message):
        """Row `index` was clicked."""

        row_list: RowList
        index: int

        @property
        def control(self) -> RowList:
            return self.row_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Content] = []
        self.choosable: list[bool] = []
        self.highlighted: int | None = None
        """The row under the cursor (a choosable one), or None."""
        self._strips: dict[tuple[int, bool, int], Strip] = {}

    def set_rows(
        self, rows: Sequence[Content], choosable: Sequence[bool], highlighted: int | None
    ) -> None:
        """Show `rows` (`choosable[i]`: row i can have the cursor) with the cursor on
        `highlighted`, brought into view."""
        self.rows = list(rows)
        self.choosable = list(choosable)
        self._strips.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows))
        self.highlight(highlighted)
        self.refresh()

    def highlight(self, index: int | None) -> None:
        """Put the cursor on row `index` (None: nowhere) and scroll it into view."""
        if index is not None and not (0 <= index < len(self.rows) and self.choosable[index]):
            index = None
        self.highlighted = index
        if index is not None:
            height = max(1, self.scrollable_content_region.height)
            top = self.scroll_offset.y
            if index < top:
                self.scroll_to(y=index, animate=False, immediate=True)
            elif index >= top + height:
                self.scroll_to(y=index - height + 1, animate=False, immediate=True)
        self.refresh()

    def move(self, step: int) -> None:
        """Move the cursor `step` choosable rows down (up when negative), stopping at the ends."""
        if not self.rows:
            return
        index = self.highlighted
        if index is None:
            index = -1 if step > 0 else len(self.rows)
        direction = 1 if step > 0 else -1
        remaining = abs(step)
        found = self.highlighted
        position = index + direction
        while 0 <= position < len(self.rows) and remaining:
            if self.choosable[position]:
                found, remaining = position, remaining - 1
            position += direction
        self.highlight(found)

    def page(self, direction: int) -> None:
        """Move the cursor about one screen of rows down (1) or up (-1)."""
        self.move(direction * max(1, self.scrollable_content_region.height - 1))

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, self.rich_style)
        lit = index == self.highlighted
        key = (index, lit, width)
        strip = self._strips.get(key)
        if strip is None:
            component = (
                "row-list--highlight"
                if lit
                else ("row-list--header" if not self.choosable[index] else None)
            )
            style = self.get_visual_style(component) if component is not None else self.visual_style
            strip = Visual.to_strips(self, self.rows[index], width, 1, style, pad=True)[0]
            strip = strip.crop_extend(0, width, style.rich_style)
            self._strips[key] = strip
        return strip

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self.scroll_offset.y + offset.y
        if 0 <= index < len(self.rows) and self.choosable[index]:
            self.highlight(index)
            self.post_message(self.Chosen(self, index))
