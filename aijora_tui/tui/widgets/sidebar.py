"""`Sidebar`: the model in use, every message's token count, and the conversation's totals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from aijora_tui.core.context import FULL_AT, WARN_AT, ContextUse
from aijora_tui.core.conversation import Entry
from aijora_tui.core.prices import Cost, PriceLookup, total_costs
from aijora_tui.core.sanitize import sanitize
from aijora_tui.core.tokens import conversation_totals, message_tokens, reply_costs
from aijora_tui.tui.model_rows import tokens_short

_FLAGS = {"length": "truncated", "content_filter": "filtered"}
_STATES = {"cancelled": "cancelled", "interrupted": "cut", "failed": "failed", "streaming": "…"}


class Sidebar(Vertical):
    """Model choice and token counts; selecting a row selects that message."""

    @dataclass
    class MessageChosen(Message):
        """The user picked message `index` in the token list."""

        index: int

    def compose(self) -> ComposeResult:
        yield Static("Model", classes="sidebar-title", markup=False)
        yield Static(id="sidebar-model", markup=False)
        tools = Static(id="sidebar-tools", markup=False)
        tools.display = False
        yield tools
        conversation = Static(id="sidebar-conversation", markup=False)
        conversation.display = False
        yield conversation
        context = Static(id="sidebar-context", markup=False)
        context.display = False
        yield context
        yield Static("Tokens", classes="sidebar-title", markup=False)
        token_list = OptionList(id="sidebar-tokens", markup=False)
        token_list.can_focus = False  # Tab cycles prompt <-> messages; rows still take clicks
        yield token_list
        yield Static(id="sidebar-totals", markup=False)

    def show_model(self, model: str, available: int | None, provider: str = "aijora") -> None:
        """Show the provider and model of the next request (`available`: how many the
        provider lists)."""
        hint = "F2 to change" if available is None else f"F2 to change · {available} available"
        self.query_one("#sidebar-model", Static).update(
            Content.assemble(
                (model or "none chosen", "bold $accent"),
                "\n",
                (f"on {provider}\n{hint}", "$text-muted"),
            )
        )

    def show_tools(self, line: str | None) -> None:
        """The tools line (servers and how many tools each offers); None hides it."""
        tools = self.query_one("#sidebar-tools", Static)
        tools.display = line is not None
        if line is not None:
            tools.update(Content.assemble(("Tools ", "$text-muted"), sanitize(line)))

    def show_context(self, use: ContextUse) -> None:
        """The conversation's tokens against the model's context window (when it is known),
        coloured from 75% and 90%."""
        meter = self.query_one("#sidebar-context", Static)
        share = use.share
        meter.display = share is not None
        if share is None or use.limit is None:
            return
        about = "~" if use.estimated else ""
        meter.set_class(WARN_AT <= share < FULL_AT, "-warn")
        meter.set_class(share >= FULL_AT, "-full")
        meter.update(
            Content.assemble(
                ("Context ", "$text-muted"),
                f"{about}{tokens_short(use.tokens)} of {tokens_short(use.limit)} ({share:.0%})",
            )
        )

    def show_conversation(self, system_prompt: str | None, settings: Mapping[str, Any]) -> None:
        """This conversation's own settings (F8): its system prompt and sampling."""
        parts = [
            f"{key.replace('_', ' ')} {value:g}"
            if isinstance(value, float)
            else f"{key.replace('_', ' ')} {value}"
            for key, value in settings.items()
        ]
        if system_prompt:
            parts.insert(0, "system prompt")
        line = self.query_one("#sidebar-conversation", Static)
        line.display = bool(parts)
        line.update(Content.assemble(("Chat ", "$text-muted"), sanitize(" · ".join(parts))))

    def show_counts(self, entries: Sequence[Entry], prices: PriceLookup) -> None:
        """Redraw the per-message counts (and costs, for priced models) and the totals."""
        counts = message_tokens(entries)
        costs = reply_costs(entries, prices)
        options = [
            Option(_row(number, entry, count.label(), cost), id=str(number))
            for number, (entry, count, cost) in enumerate(zip(entries, counts, costs, strict=True))
        ]
        token_list = self.query_one("#sidebar-tokens", OptionList)
        highlighted = token_list.highlighted
        token_list.set_options(options)
        if highlighted is not None and highlighted < len(options):
            token_list.highlighted = highlighted
        self.query_one("#sidebar-totals", Static).update(_totals(entries, costs))

    @on(OptionList.OptionSelected, "#sidebar-tokens")
    def _row_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.MessageChosen(event.option_index))


def _row(number: int, entry: Entry, tokens: str, cost: Cost | None) -> Content:
    who = "You" if entry.role == "user" else "AI"
    style = "$user-message-color" if entry.role == "user" else "$assistant-message-color"
    parts: list[str | tuple[str, str]] = [
        (f"{number + 1:>3} ", "$text-muted"),
        (f"{who:<4}", style),
        (f"{tokens:>8}", "bold"),
    ]
    if cost is not None:
        parts.append((f" {cost.amount:.4f}", "$text-muted"))
    flag = _FLAGS.get(entry.finish_reason or "") or _STATES.get(entry.state)
    if flag:
        parts.append((f" {flag}", "$warning"))
    return Content.assemble(*parts)


def _totals(entries: Sequence[Entry], costs: Sequence[Cost | None]) -> Content:
    totals = conversation_totals(entries)
    if totals.prompt is None or totals.completion is None:
        return Content.styled("Total: unknown (no usage reported)", "$text-muted")
    lines: list[str | tuple[str, str]] = [
        ("Prompt     ", "$text-muted"),
        f"{totals.prompt:>9,}\n",
        ("Completion ", "$text-muted"),
        f"{totals.completion:>9,}\n",
        ("Total      ", "bold"),
        (f"{totals.prompt + totals.completion:>9,}", "bold"),
    ]
    known = [cost for cost in costs if cost is not None]
    if known:
        answered = sum(1 for entry in entries if entry.role == "assistant" and entry.content)
        for total in total_costs(known):
            currency = f" {total.currency}" if total.currency else ""
            lines.append((f"\nCost       {total.amount:>9.4f}{currency}", "bold"))
        if len(known) < answered:
            lines.append(("\n(priced replies only)", "$text-muted"))
    if totals.replies_without_usage:
        count = totals.replies_without_usage
        noun = "reply" if count == 1 else "replies"
        lines.append((f"\n+ {count} {noun} without usage", "$text-muted"))
    return Content.assemble(*lines)
