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
    """A table of bindings: where, keys, description, id."""
    lines: list[Content] = []
    for where, bindings in groups:
        lines.append(Content.styled(where, "bold $accent"))
        for binding in bindings:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            keys = ", ".join(key.strip() for key in binding.key.split(","))
            lines.append(
                Content.assemble(
                    (f"  {keys:<28}", "bold"),
                    f"{binding.description:<22}",
                    (binding.id or "", "$text-muted"),
                )
            )
        lines.append(Content(""))
    return Content("\n").join(lines)


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
