"""`ModelPicker`: every provider's models in one filterable list; returns the (provider, model).

Favourites are pinned on top (Ctrl+F toggles the highlighted one; kept in the config file),
recently used models come next, then each provider's models under a header saying how its list
stands. Lists not fetched in this session are fetched when the picker opens, concurrently, and
each provider's rows update as its answer arrives; Ctrl+R fetches them all again. The input keeps
the focus: typing filters, the arrow keys move the highlight, Enter chooses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from aijora_tui.tui.model_rows import Choice, RowBuilder, Rows
from aijora_tui.tui.widgets.row_list import RowList

if TYPE_CHECKING:
    from aijora_tui.tui.model_choice import ModelChoice

HINT = "Enter chooses · Ctrl+F favourite · Ctrl+R fetch the lists again · Esc closes"


class ModelPicker(ModalScreen[Choice | None]):
    """Type to filter, Enter to choose, Escape to keep the current model."""

    BINDINGS = [
        Binding("escape", "dismiss_picker", "Close", id="close-model-picker"),
        Binding("ctrl+f", "toggle_favourite", "Favourite", id="favourite-model"),
        Binding("ctrl+r", "refresh_lists", "Fetch lists", id="refresh-models"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
    ]

    def __init__(self, choice: ModelChoice) -> None:
        super().__init__()
        self.choice = choice
        self.rows = Rows([], [], {}, None)
        """What the list shows now."""
        self._builder: RowBuilder | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="model-picker", classes="dialog"):
            yield Static("Choose a model", classes="dialog-title", markup=False)
            yield Input(placeholder="Filter models", id="model-filter")
            yield RowList(id="model-list")  # the input keeps the focus; arrows move the cursor
            yield Static(HINT, classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.choice.lists_updated.subscribe(self, self._lists_changed)
        self.rebuild()
        stale = self.choice.catalog.stale()
        if stale:
            self.choice.fetch_model_lists(stale)

    def rebuild(self) -> None:
        """Start over from the app's lists, favourites and recent choices."""
        choice = self.choice
        catalog = choice.catalog
        self._builder = RowBuilder(
            list(catalog.lists.values()),
            choice.favourites,
            catalog.recent,
            (choice.provider, choice.model),
        )
        self.show(self.query_one("#model-filter", Input).value)

    def show(self, query: str, keep: bool = True) -> None:
        """List the rows matching `query`; the cursor stays on its model if `keep` and the model
        is still listed, else goes to the best match."""
        if self._builder is None:
            return
        kept = self.highlighted_key() if keep else None
        self.rows = self._builder.build(query)
        index = self.rows.index(kept) if kept is not None else None
        self.query_one(RowList).set_rows(
            self.rows.lines,
            [key in self.rows.choices for key in self.rows.keys],
            self.rows.best if index is None else index,
        )

    def highlighted_key(self) -> str | None:
        index = self.query_one(RowList).highlighted
        return self.rows.keys[index] if index is not None else None

    def highlighted(self) -> Choice | None:
        """The (provider, model) under the cursor."""
        key = self.highlighted_key()
        return self.rows.choices.get(key) if key is not None else None

    def _lists_changed(self, provider: str) -> None:
        self.rebuild()

    @on(Input.Changed, "#model-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.show(event.value, keep=False)  # the best match of the new query, not the old cursor

    @on(Input.Submitted, "#model-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        choice = self.highlighted()
        if choice is not None:
            self.dismiss(choice)
        elif event.value.strip():  # a model the server did not list
            self.dismiss((self.choice.provider, event.value.strip()))

    @on(RowList.Chosen, "#model-list")
    def _row_chosen(self, event: RowList.Chosen) -> None:
        choice = self.rows.choices.get(self.rows.keys[event.index])
        if choice is not None:
            self.dismiss(choice)

    def action_move(self, step: int) -> None:
        self.query_one(RowList).move(step)

    def action_page(self, direction: int) -> None:
        self.query_one(RowList).page(direction)

    def action_toggle_favourite(self) -> None:
        choice = self.highlighted()
        if choice is None:
            return
        pinned = self.choice.toggle_favourite(*choice)
        self.rebuild()
        section = "fav" if pinned else f"p:{choice[0]}"
        index = self.rows.index(f"{section}\x1f{choice[0]}\x1f{choice[1]}")
        if index is not None:
            self.query_one(RowList).highlight(index)
        word = "pinned on top" if pinned else "no longer a favourite"
        self.notify(f"{choice[1]}: {word}", timeout=2, markup=False)

    def action_refresh_lists(self) -> None:
        self.choice.fetch_model_lists()

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
