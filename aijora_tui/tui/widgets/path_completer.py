"""`@` path completion for the prompt: a dropdown of the files and directories that fuzzily match
the `@token` before the cursor, relative to the working directory.

Neither ready-made completer fits a multi-line prompt: Textual's `Suggester` and the
`textual-autocomplete` package (4.x) both drive an `Input` (its `value`, `cursor_position` and
`Input.Changed`), and the prompt is a `TextArea` whose Enter is a priority binding. So this is a
plain `OptionList` shown as an overlay under the cursor, fed by `candidates()` (matching with
Textual's own `FuzzySearch`, the command palette's scorer); `PromptInput` owns the keys.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from textual.content import Content
from textual.fuzzy import FuzzySearch
from textual.geometry import Offset, Region, Spacing
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from aijora_tui.core.sanitize import sanitize

MAX_SCANNED = 2000
"""Directory entries looked at per listing: a huge directory cannot stall a key press."""
MAX_SHOWN = 40
AT_TOKEN = re.compile(r"(?:^|(?<=\s))@(\S*)\Z")
"""`@` at the start of a word, then the path typed so far, right before the cursor."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One entry of the dropdown."""

    path: str
    """Relative to the working directory as typed (`src/main.py`); directories end in `/`."""
    is_dir: bool
    label: Content


def at_token(text_before_cursor: str) -> str | None:
    """The path typed after an `@` that starts the word at the cursor; None without one."""
    match = AT_TOKEN.search(text_before_cursor)
    return match.group(1) if match else None


def candidates(token: str, cwd: Path, fuzzy: FuzzySearch | None = None) -> list[Candidate]:
    """Entries of the directory named in `token` whose names match its last segment, best
    first (directories before files on equal scores); hidden ones only when asked for."""
    folder, _, query = token.rpartition("/")
    prefix = f"{folder}/" if folder or token.startswith("/") else ""
    directory = cwd / os.path.expanduser(prefix) if prefix else cwd
    fuzzy = fuzzy or FuzzySearch()
    scored: list[tuple[float, bool, str, Candidate]] = []
    try:
        with os.scandir(directory) as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_SCANNED:
                    break
                name = entry.name
                if name.startswith(".") and not query.startswith("."):
                    continue
                score, offsets = fuzzy.match(query, name) if query else (1.0, ())
                if score <= 0:
                    continue
                is_dir = _is_dir(entry)
                label = Content(sanitize(name) + ("/" if is_dir else ""))
                for offset in offsets:
                    label = label.stylize("bold underline", offset, offset + 1)
                path = f"{prefix}{name}{'/' if is_dir else ''}"
                scored.append((score, is_dir, name.lower(), Candidate(path, is_dir, label)))
    except OSError:
        return []
    scored.sort(key=lambda item: (-item[0], not item[1], item[2]))
    return [candidate for *_, candidate in scored[:MAX_SHOWN]]


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


class PathCompleter(OptionList):
    """The dropdown; hidden while there is nothing to offer."""

    def __init__(self) -> None:
        super().__init__(id="path-completer", markup=False)
        self.can_focus = False
        self.shown: list[Candidate] = []

    @property
    def is_open(self) -> bool:
        return self.has_class("-shown")

    def offer(self, found: list[Candidate], cursor: Offset) -> None:
        """Show `found` just below `cursor` (a screen offset); hide when it is empty."""
        self.shown = found
        self.clear_options()
        if not found:
            self.close()
            return
        self.add_options([Option(candidate.label) for candidate in found])
        self.highlighted = 0
        self.add_class("-shown")
        width = min(70, max(24, max(len(c.path) for c in found) + 4))
        x, y, _, _ = Region(cursor.x - 1, cursor.y + 1, width, len(found) + 2).constrain(
            "inside", "none", Spacing.all(0), self.screen.scrollable_content_region
        )
        self.absolute_offset = Offset(x, y)

    def move(self, step: int) -> None:
        if self.shown:
            self.highlighted = ((self.highlighted or 0) + step) % len(self.shown)

    def chosen(self) -> Candidate | None:
        if not self.is_open or not self.shown:
            return None
        return self.shown[self.highlighted or 0]

    def close(self) -> None:
        self.remove_class("-shown")
        self.shown = []
