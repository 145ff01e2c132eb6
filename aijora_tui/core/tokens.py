"""Token counts per message: the server's usage where it says enough, an estimate otherwise.

An assistant reply's count is its `completion_tokens`. A user message's count is derived from
consecutive usages: the prompt of turn k holds the prompt of turn k-1, the reply k-1 and the new
user message, so the share is `prompt_k - prompt_{k-1} - completion_{k-1}`. Anything else is an
estimate (about four characters per token, one per CJK character), marked as such.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aijora_tui.core.conversation import Entry
from aijora_tui.core.prices import Cost, PriceLookup

_WIDE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True, slots=True)
class TokenCount:
    """A count for one message; `exact` is False for an estimate, `value` None when unknown."""

    value: int | None
    exact: bool

    def label(self) -> str:
        if self.value is None:
            return "?"
        return f"{self.value:,}" if self.exact else f"~{self.value:,}"


def estimate_tokens(text: str) -> int:
    """A rough token count for text no server has counted."""
    if not text:
        return 0
    wide = len(_WIDE.findall(text))
    return max(1, round((len(text) - wide) / 4 + wide))


def message_tokens(entries: Sequence[Entry]) -> list[TokenCount]:
    """One `TokenCount` per entry, in order."""
    counts: list[TokenCount] = []
    # The prompt and reply of the previous turn; None once a turn had no usage (no baseline).
    previous_prompt: int | None = 0
    previous_completion: int | None = 0
    pending_user: list[int] = []  # indexes of user messages since the last usage
    for index, entry in enumerate(entries):
        if entry.role == "assistant":
            usage = entry.usage
            if usage is None:
                exact = entry.state == "streaming" or not entry.content
                counts.append(TokenCount(None if exact else estimate_tokens(entry.content), False))
                previous_prompt = previous_completion = None
                pending_user.clear()
                continue
            counts.append(TokenCount(usage.completion_tokens, True))
            if len(pending_user) == 1 and previous_prompt is not None:
                share = usage.prompt_tokens - previous_prompt - (previous_completion or 0)
                if share > 0:
                    counts[pending_user[0]] = TokenCount(share, True)
            previous_prompt, previous_completion = usage.prompt_tokens, usage.completion_tokens
            pending_user.clear()
        else:
            counts.append(TokenCount(estimate_tokens(entry.content), False))
            if entry.role == "user":
                pending_user.append(index)
    return counts


@dataclass(frozen=True, slots=True)
class Totals:
    """Server-reported totals over a conversation's replies (None when no reply reported)."""

    prompt: int | None
    completion: int | None
    replies_without_usage: int


def conversation_totals(entries: Sequence[Entry]) -> Totals:
    prompt = completion = 0
    missing = 0
    reported = False
    for entry in entries:
        if entry.role != "assistant" or entry.state == "streaming" or not entry.content:
            continue  # a reply that failed before any text cost nothing we can count
        if entry.usage is None:
            missing += 1
            continue
        reported = True
        prompt += entry.usage.prompt_tokens
        completion += entry.usage.completion_tokens
    if not reported:
        return Totals(None, None, missing)
    return Totals(prompt, completion, missing)


def reply_costs(entries: Sequence[Entry], prices: PriceLookup) -> list[Cost | None]:
    """Each reply's cost: the one the server reported in its usage, else its tokens (prompt and
    completion of its request) at the model's price; None where neither is known."""
    costs: list[Cost | None] = []
    for entry in entries:
        usage = entry.usage if entry.role == "assistant" else None
        price = prices.get(entry.model or "") if usage is not None else None
        if usage is None:
            costs.append(None)
        elif usage.cost is not None:
            costs.append(Cost(usage.cost, price.currency if price else None))
        elif price is not None:
            amount = price.cost(usage.prompt_tokens, usage.completion_tokens)
            costs.append(Cost(amount, price.currency))
        else:
            costs.append(None)
    return costs
