"""`HelpScreen`: every key binding with its id (for the `keymap` setting) and what it does."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


def binding_rows(groups: Iterable[tuple[str, Iterable[BindingType]]]) -> Content:
    """A table of bindings: where, keys, description, id; columns as wide as their content."""
    table = [
        (where, [b for b in bindings if isinstance(b, Binding) and b.description])
        for where, bindings in groups
    ]
    rows = [(_keys(b), b.tooltip or b.description, b.id or "") for _, group in table for b in group]
    key_width = max((len(keys) for keys, _, _ in rows), default=0) + 2
    text_width = max((len(text) for _, text, _ in rows), default=0) + 2
    lines: list[Content] = []
    for where, bindings in table:
        lines.append(Content.styled(where, "bold $accent"))
        for binding in bindings:
            text = binding.tooltip or binding.description
            lines.append(
                Content.assemble(
                    (f"  {_keys(binding):<{key_width}}", "bold"),
                    f"{text:<{text_width}}",
                    (binding.id or "", "$text-muted"),
                )
            )
        lines.append(Content(""))
    return Content("\n").join(lines)


def _keys(binding: Binding) -> str:
    return ", ".join(key.strip() for key in binding.key.split(","))


class HelpScreen(ModalScreen[None]):
    """Keys, by where they work."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", id="close-help")]

    def __init__(self, groups: list[tuple[str, Iterable[BindingType]]]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog"):
            yield Static("Keys", classes="dialog-title", markup=False)
            yield Static(
                'Override any key in config.toml: [keymap] <id> = "key". '
                "Every action is also in the command palette (Ctrl+P).",
                classes="dialog-hint",
                markup=False,
            )
            yield Static(binding_rows(self.groups), markup=False)
