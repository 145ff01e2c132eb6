"""`ModelPicker`: a filterable list of the server's models; returns the chosen id."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


class ModelPicker(ModalScreen[str | None]):
    """Type to filter, Enter to choose, Escape to keep the current model."""

    BINDINGS = [
        Binding("escape", "dismiss_picker", "Close", id="close-model-picker"),
        Binding("down", "focus_list", show=False),
    ]

    def __init__(self, models: Sequence[str], current: str) -> None:
        super().__init__()
        self.models = list(dict.fromkeys([*models, current]))
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="model-picker", classes="dialog"):
            yield Static("Choose a model", classes="dialog-title", markup=False)
            yield Input(placeholder="Filter models", id="model-filter")
            yield OptionList(id="model-list", markup=False)
            yield Static(
                "Enter chooses · Esc keeps the current model", classes="dialog-hint", markup=False
            )

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        words = query.lower().split()
        matches = [m for m in self.models if all(word in m.lower() for word in words)]
        option_list = self.query_one(OptionList)
        option_list.set_options(
            Option(
                Content.assemble(m, (" (current)", "$text-muted") if m == self.current else ""),
                id=m,
            )
            for m in matches
        )
        if matches:
            option_list.highlighted = matches.index(self.current) if self.current in matches else 0

    @on(Input.Changed, "#model-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#model-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is not None:
            option = option_list.get_option_at_index(option_list.highlighted)
            self.dismiss(option.id)
        elif event.value.strip():
            self.dismiss(event.value.strip())  # a model the server did not list

    @on(OptionList.OptionSelected, "#model-list")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_focus_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
