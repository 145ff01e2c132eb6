"""The tool widgets on their own: the consent card and the collapsed result view (Pilot)."""

from __future__ import annotations

import json
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widget import Widget

import aijora_tui.tui
from aijora_tui.core.tools.consent import Decision
from aijora_tui.tui.widgets.tool_consent import MAX_LINES, ConsentCard
from aijora_tui.tui.widgets.tool_result import EXPANDED_LINES, ToolResultView

CSS = Path(aijora_tui.tui.__file__).parent / "aijora.tcss"


class Harness(App[None]):
    """The widgets under test, with the app's stylesheet; records answers and copies."""

    CSS_PATH = CSS

    def __init__(self, *widgets: Widget) -> None:
        super().__init__()
        self.widgets = widgets
        self.decided: list[tuple[str, Decision]] = []
        self.copied: list[str] = []

    def compose(self) -> ComposeResult:
        yield from self.widgets

    def on_consent_card_decided(self, message: ConsentCard.Decided) -> None:
        self.decided.append((message.call_id, message.decision))

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)


def shown(widget: Widget, selector: str | None = None) -> str:
    target = widget.query_one(selector, Widget) if selector else widget
    return str(target.render())


async def test_card_shows_server_tool_and_pretty_arguments() -> None:
    card = ConsentCard("call_1", "notes", "read_note", '{"id": 7, "path": "a/b"}')
    async with Harness(card).run_test() as pilot:
        await pilot.pause()
        assert shown(card, ".tool-consent-title") == "Run tool read_note from notes?"
        assert shown(card, ".tool-consent-arguments") == '{\n  "id": 7,\n  "path": "a/b"\n}'
        assert shown(card, ".tool-consent-keys") == "y allow once · a always allow · n deny"


async def test_untrusted_arguments_are_inert() -> None:
    hostile = json.dumps({"text": "[bold red]x[/] \x1b]52;c;ZXZpbA==\x07 \x1b[2J done"})
    card = ConsentCard("c", "s[b]", "t\x1b[31m", hostile)
    raw = ConsentCard("d", "s", "t", "not json \x1b]52;c;ZXZpbA==\x07[i]x[/i]")
    async with Harness(card, raw).run_test() as pilot:
        await pilot.pause()
        arguments = shown(card, ".tool-consent-arguments")
        assert "[bold red]x[/]" in arguments  # markup shown as text, not applied
        assert "\x1b" not in arguments
        assert "\\u001b]52" in arguments  # JSON shows the escape as an escape, inert
        title = shown(card, ".tool-consent-title")
        assert "\x1b" not in title and "s[b]" in title
        assert shown(raw, ".tool-consent-arguments") == "not json [i]x[/i]"


async def test_raw_arguments_when_not_json_and_long_ones_cut() -> None:
    broken = ConsentCard("c1", "s", "t", '{"a": 1')
    huge = ConsentCard("c2", "s", "t", json.dumps({str(i): i for i in range(200)}))
    empty = ConsentCard("c3", "s", "t", "")
    async with Harness(broken, huge, empty).run_test() as pilot:
        await pilot.pause()
        assert shown(broken, ".tool-consent-arguments") == '{"a": 1'
        lines = shown(huge, ".tool-consent-arguments").splitlines()
        assert len(lines) == MAX_LINES + 1
        assert lines[-1] == f"… {202 - MAX_LINES} more lines"
        assert shown(empty, ".tool-consent-arguments") == "(no arguments)"


async def test_keys_answer_once() -> None:
    once = ConsentCard("c1", "s", "t", "{}")
    always = ConsentCard("c2", "s", "t", "{}")
    deny = ConsentCard("c3", "s", "t", "{}")
    async with Harness(once, always, deny).run_test() as pilot:
        app = pilot.app
        assert isinstance(app, Harness)
        once.focus()
        await pilot.press("y")
        await pilot.press("n")  # answered already: ignored, and not passed to another card
        always.focus()
        await pilot.press("a")
        deny.focus()
        await pilot.press("n")
        await pilot.pause()
        assert app.decided == [
            ("c1", Decision.ALLOW_ONCE),
            ("c2", Decision.ALWAYS_ALLOW),
            ("c3", Decision.DENY),
        ]
        assert shown(once, ".tool-consent-keys") == "✓ allowed once"
        assert shown(always, ".tool-consent-keys") == "✓ always allowed (saved to auto_approve)"
        assert shown(deny, ".tool-consent-keys") == "✗ denied"
        assert once.has_class("-allowed") and deny.has_class("-denied")
        assert not once.can_focus


async def test_result_collapsed_expands_and_copies() -> None:
    text = "\n".join(f"line {i}" for i in range(5000))
    view = ToolResultView("big", text, seconds=0.25)
    async with Harness(view).run_test() as pilot:
        app = pilot.app
        assert isinstance(app, Harness)
        size = f"{len(text.encode()) / 1024:.1f} KB"
        assert shown(view).splitlines() == [
            f"✓ big · {size} · 0.25 s",
            "line 0",
            "line 1",
            "line 2",
            "… 4997 more lines (Enter shows more)",
        ]
        view.focus()
        await pilot.press("enter")
        expanded = shown(view).splitlines()
        assert len(expanded) == EXPANDED_LINES + 2
        assert expanded[-1] == f"… {5000 - EXPANDED_LINES} more lines (Ctrl+Y copies all)"
        assert view.has_class("-expanded")
        await pilot.press("ctrl+y")
        assert app.copied == [text]
        await pilot.press("enter")
        assert len(shown(view).splitlines()) == 5


async def test_result_error_and_untrusted_text() -> None:
    view = ToolResultView("fail", "[b]boom[/b]\x1b]0;title\x07 end", is_error=True)
    short = ToolResultView("echo", "hi")
    async with Harness(view, short).run_test() as pilot:
        await pilot.pause()
        assert shown(view).splitlines() == ["✗ fail · 25 B", "[b]boom[/b] end"]
        assert view.has_class("-error")
        assert shown(short) == "✓ echo · 2 B\nhi"
