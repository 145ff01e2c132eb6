"""The model picker's rows: favourites, then recently used, then every provider's models.

Each provider's group starts with a header that says how its list stands (how many models,
fetching, or why it failed), so a failing provider shows as such while the others are usable.
With a query, rows are those whose id (or display name) fuzzy-matches it, best first within a
group, with Textual's `FuzzySearch` (the command palette's matcher), after a regular expression
has cheaply ruled out the ids that do not hold the query's letters in order. A row's `Content` is
built once and reused while the query changes: a keystroke over 1,000 models only re-scores them
and lists the rows (bench/bench_picker.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from textual.content import Content
from textual.fuzzy import FuzzySearch

from aijora_tui.catalog import ModelList
from aijora_tui.core.models import ModelInfo

Choice = tuple[str, str]
"""(provider, model id)."""


@dataclass(frozen=True)
class Rows:
    """What the list shows, and which row to highlight (None: no model matches)."""

    lines: list[Content]
    keys: list[str]
    """One per line: `section\x1fprovider\x1fmodel`, or `section\x1fheader`."""
    choices: dict[str, Choice]
    """Row key -> the model it picks (headers are not in it)."""
    best: int | None

    def index(self, key: str) -> int | None:
        return self.keys.index(key) if key in self.choices else None


class RowBuilder:
    """Builds the rows for a query; keeps the options it made for the next keystroke."""

    def __init__(
        self,
        lists: Sequence[ModelList],
        favourites: Mapping[str, Sequence[str]],
        recent: Sequence[Choice],
        current: Choice,
    ) -> None:
        self.lists = list(lists)
        self.current = current
        known = {(entry.provider, info.id): info for entry in lists for info in entry.models}
        self._infos = known
        usable = {entry.provider for entry in lists if entry.state != "broken"}
        self.favourites = [(p, m) for p, ids in favourites.items() if p in usable for m in ids]
        pinned = set(self.favourites)
        self.recent = [c for c in recent if c not in pinned and c[0] in usable]
        self._lines: dict[str, Content] = {}
        self._search = FuzzySearch(case_sensitive=False)

    def build(self, query: str) -> Rows:
        """The rows for `query`; the one to highlight is the best match, or without a query
        the current model (else the first)."""
        query = query.strip()
        lines: list[Content] = []
        keys: list[str] = []
        choices: dict[str, Choice] = {}
        best: int | None = None
        best_score = 0.0
        at_current = False
        sections: list[tuple[str, Content, Iterable[Choice]]] = [
            ("fav", _title("★ Favourites"), self.favourites),
            ("recent", _title("Recent"), self.recent),
        ]
        sections += [
            (f"p:{entry.provider}", _header(entry), [(entry.provider, m.id) for m in entry.models])
            for entry in self.lists
        ]
        for section, title, members in sections:
            scored = self._scored(query, members)
            if scored or section.startswith("p:"):  # a provider's state shows even if empty
                lines.append(title)
                keys.append(f"{section}\x1fheader")
            for score, choice in scored:
                if query:
                    if best is None or score > best_score:
                        best, best_score = len(lines), score
                elif best is None or (choice == self.current and not at_current):
                    best, at_current = len(lines), choice == self.current
                key = f"{section}\x1f{choice[0]}\x1f{choice[1]}"
                lines.append(self._line(key, section, choice))
                keys.append(key)
                choices[key] = choice
        return Rows(lines, keys, choices, best)

    def _scored(self, query: str, members: Iterable[Choice]) -> list[tuple[float, Choice]]:
        if not query:
            return [(0.0, choice) for choice in members]
        letters = "".join(query.split())
        could = re.compile(".*?".join(map(re.escape, letters)), re.IGNORECASE).search
        match = self._search.match
        scored = []
        for choice in members:
            if could(choice[1]) and (score := match(query, choice[1])[0]) > 0:
                scored.append((score, choice))
        scored.sort(key=lambda item: -item[0])
        return scored

    def _line(self, key: str, section: str, choice: Choice) -> Content:
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = self._row(choice, show_provider=not section.startswith("p:"))
        return line

    def _row(self, choice: Choice, show_provider: bool) -> Content:
        provider, model = choice
        pinned = choice in self.favourites
        parts: list[str | tuple[str, str]] = [
            ("★ " if pinned else "  ", "$warning"),
            (model, "bold") if choice == self.current else model,
        ]
        if show_provider:
            parts.append((f" · {provider}", "$text-muted"))
        if choice == self.current:
            parts.append((" (current)", "$text-muted"))
        info = self._infos.get(choice)
        details = describe(info) if info is not None else ""
        if details:
            parts.append((f"  {details}", "$text-muted"))
        return Content.assemble(*parts)


def describe(info: ModelInfo) -> str:
    """Context length, price per million tokens in / out, images and tools, where known."""
    details = []
    if info.context_length is not None:
        details.append(f"{tokens_short(info.context_length)} ctx")
    if info.price is not None:
        price = info.price
        if price.input == 0 and price.output == 0:
            details.append("free")
        else:
            currency = f" {price.currency}" if price.currency else ""
            details.append(f"{price.input:.4g}/{price.output:.4g}{currency} per 1M")
    if info.vision:
        details.append("images")
    if info.tools:
        details.append("tools")
    return " · ".join(details)


def tokens_short(count: int) -> str:
    """128000 -> "128k", 1048576 -> "1M", 8192 -> "8k"."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:.3g}M"
    if count >= 1_000:
        return f"{count / 1_000:.0f}k"
    return str(count)


def _title(text: str) -> Content:
    return Content.styled(text, "bold $secondary")


def _header(entry: ModelList) -> Content:
    count = len(entry.models)
    noun = "model" if count == 1 else "models"
    status = {
        "unknown": ("not fetched yet", "$text-muted"),
        "cached": (f"{count} {noun} (saved list)", "$text-muted"),
        "fetching": (
            f"fetching… ({count} saved)" if count else "fetching…",
            "$text-muted",
        ),
        "loaded": (f"{count} {noun}", "$text-muted"),
        "failed": (
            f"✗ {entry.error}" + (f" (showing {count} saved)" if count else ""),
            "$error",
        ),
        "broken": (f"✗ not usable: {entry.error}", "$error"),
    }[entry.state]
    return Content.assemble((entry.provider, "bold $secondary"), " · ", status)
