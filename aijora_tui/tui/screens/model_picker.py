"""`ModelPicker`: every provider's models in one filterable list; returns the (provider, model).

Favourites are pinned on top (Ctrl+F toggles the highlighted one; kept in the config file),
recently used models come next, then each provider's models under a header saying how its list
stands. Lists not fetched in this session are fetched when the picker opens, concurrently, and
each provider's rows update as its answer arrives; Ctrl+R fetches them all again. The input keeps
the focus: typing filters, the arrow keys move the highlight, Enter chooses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static

from aijora_tui.tui.model_rows import Choice, RowBuilder, Rows

if TYPE_CHECKING:
    from aijora_tui.tui.app import AijoraApp

HINT = "Enter chooses · Ctrl+F favourite · Ctrl+R fetch the lists again · Esc closes"


class ModelPicker(ModalScreen[Choice | None]):
    """Type to filter, Enter to choose, Escape to keep the current model."""

    BINDINGS = [
        Binding("escape", "dismiss_picker", "Close", id="close-model-picker"),
        Binding("ctrl+f", "toggle_favourite", "Favourite", id="favourite-model"),
        Binding("ctrl+r", "refresh_lists", "Fetch lists", id="refresh-models"),
        Binding("down", "move('cursor_down')", show=False),
        Binding("up", "move('cursor_up')", show=False),
        Binding("pagedown", "move('page_down')", show=False),
        Binding("pageup", "move('page_up')", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows = Rows([], {}, None)
        """What the list shows now."""
        self._builder: RowBuilder | None = None

    @property
    def aijora(self) -> AijoraApp:
        return cast("AijoraApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="model-picker", classes="dialog"):
            yield Static("Choose a model", classes="dialog-title", markup=False)
            yield Input(placeholder="Filter models", id="model-filter")
            option_list = OptionList(id="model-list", markup=False)
            option_list.can_focus = False  # the input keeps the focus; arrows move the cursor
            yield option_list
            yield Static(HINT, classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.aijora.models_updated.subscribe(self, self._lists_changed)
        self.rebuild()
        stale = self.aijora.catalog.stale()
        if stale:
            self.aijora.fetch_model_lists(stale)

    def rebuild(self) -> None:
        """Start over from the app's lists, favourites and recent choices."""
        app = self.aijora
        catalog = app.catalog
        self._builder = RowBuilder(
            list(catalog.lists.values()),
            app.settings.favourites,
            catalog.recent,
            (app.provider, app.model),
        )
        self.show(self.query_one("#model-filter", Input).value)

    def show(self, query: str) -> None:
        """List the rows matching `query` (keeping the highlighted model where it still is)."""
        if self._builder is None:
            return
        option_list = self.query_one(OptionList)
        kept = self.highlighted_key()
        self.rows = self._builder.build(query)
        option_list.set_options(self.rows.options)
        index = self.rows.best
        if kept is not None and kept in self.rows.choices:
            index = option_list.get_option_index(kept)
        option_list.highlighted = index

    def highlighted_key(self) -> str | None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is None:
            return None
        return option_list.get_option_at_index(option_list.highlighted).id

    def highlighted(self) -> Choice | None:
        """The (provider, model) under the cursor."""
        key = self.highlighted_key()
        return self.rows.choices.get(key) if key is not None else None

    def _lists_changed(self, provider: str) -> None:
        self.rebuild()

    @on(Input.Changed, "#model-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        option_list = self.query_one(OptionList)
        option_list.highlighted = None  # the best match of the new query, not the old cursor
        self.show(event.value)

    @on(Input.Submitted, "#model-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        choice = self.highlighted()
        if choice is not None:
            self.dismiss(choice)
        elif event.value.strip():  # a model the server did not list
            self.dismiss((self.aijora.provider, event.value.strip()))

    @on(OptionList.OptionSelected, "#model-list")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        choice = self.rows.choices.get(event.option.id or "")
        if choice is not None:
            self.dismiss(choice)

    def action_move(self, how: str) -> None:
        option_list = self.query_one(OptionList)
        getattr(option_list, f"action_{how}")()

    def action_toggle_favourite(self) -> None:
        choice = self.highlighted()
        if choice is None:
            return
        pinned = self.aijora.toggle_favourite(*choice)
        self.rebuild()
        section = "fav" if pinned else f"p:{choice[0]}"
        key = f"{section}\x1f{choice[0]}\x1f{choice[1]}"
        if key in self.rows.choices:
            self.query_one(OptionList).highlighted = self.query_one(OptionList).get_option_index(
                key
            )
        word = "pinned on top" if pinned else "no longer a favourite"
        self.notify(f"{choice[1]}: {word}", timeout=2, markup=False)

    def action_refresh_lists(self) -> None:
        self.aijora.fetch_model_lists()

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
