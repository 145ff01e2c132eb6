"""`ConsentCard`: asks the user before a tool call runs, inline in the conversation.

It shows the server, the tool and the arguments (pretty JSON; the model's raw text when it is not
JSON), all untrusted: sanitized and never parsed as markup, and cut to `MAX_LINES` lines of
`MAX_LINE` characters so a huge argument cannot flood the log. Keys (while it has focus):
`y` allow once, `a` always allow (the tool joins the server's `auto_approve`), `n` deny. The
answer is posted as `ConsentCard.Decided`; the card then shows it and takes no more keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from aijora_tui.core.errors import one_line
from aijora_tui.core.sanitize import sanitize
from aijora_tui.core.tools.consent import Decision
from aijora_tui.tui.widgets.answer_card import AnswerCard

MAX_LINES = 40
"""Lines of arguments shown."""
MAX_LINE = 400
"""Characters of one argument line shown."""
_ANSWERS = {
    Decision.ALLOW_ONCE: ("✓ allowed once", "-allowed"),
    Decision.ALWAYS_ALLOW: ("✓ always allowed (saved to auto_approve)", "-allowed"),
    Decision.DENY: ("✗ denied", "-denied"),
}


def pretty_arguments(arguments: str) -> str:
    """The arguments as indented JSON (or as written, when they are not JSON), sanitized and
    cut to `MAX_LINES` lines of at most `MAX_LINE` characters."""
    try:
        text = json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except ValueError:
        text = arguments
    if not text.strip() or text == "{}":
        return "(no arguments)"
    lines = sanitize(text).splitlines()
    shown = [line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…" for line in lines]
    if len(shown) > MAX_LINES:
        shown = [*shown[:MAX_LINES], f"… {len(lines) - MAX_LINES} more lines"]
    return "\n".join(shown)


class ConsentCard(AnswerCard):
    """One pending tool call waiting for the user's answer."""

    BINDINGS = [
        Binding("y", "decide('allow-once')", "Allow once", id="tool-allow-once"),
        Binding("a", "decide('always-allow')", "Always allow", id="tool-always-allow"),
        Binding("n", "decide('deny')", "Deny", id="tool-deny"),
    ]

    @dataclass
    class Decided(Message):
        """The user answered the card."""

        card: ConsentCard
        call_id: str
        """The `ToolCallPart.id` the answer is for."""
        decision: Decision

        @property
        def control(self) -> ConsentCard:
            return self.card

    def __init__(self, call_id: str, server: str, tool: str, arguments: str) -> None:
        super().__init__(classes="tool-consent")
        self.call_id = call_id
        self.server = server
        self.tool = tool
        self.arguments = arguments
        """The arguments exactly as the model wrote them."""
        self.decision: Decision | None = None

    def compose(self) -> ComposeResult:
        title = Content.assemble(
            ("Run tool ", "$text-muted"),
            (one_line(self.tool, 80), "bold"),
            (" from ", "$text-muted"),
            (one_line(self.server, 80), "bold"),
            ("?", "$text-muted"),
        )
        yield Static(title, classes="tool-consent-title", markup=False)
        yield Static(Content(pretty_arguments(self.arguments)), classes="tool-consent-arguments")
        self.answer_line.update(Content("y allow once · a always allow · n deny"))
        yield self.answer_line

    def action_decide(self, answer: str) -> None:
        """Answer the card (the bindings; also for the screen, e.g. to deny on Escape)."""
        self.decide(Decision(answer))

    def decide(self, decision: Decision) -> None:
        """Record `decision` once, show it, and post `Decided`."""
        if self.decision is not None:
            return
        self.decision = decision
        self.settle(*_ANSWERS[decision])
        self.post_message(self.Decided(self, self.call_id, decision))
