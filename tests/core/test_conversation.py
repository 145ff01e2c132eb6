"""Request history from entries, and token counts per message."""

from __future__ import annotations

from aijora_tui.core.conversation import Entry
from aijora_tui.core.models import ChatMessage, Usage
from aijora_tui.core.prices import Cost, Price, total_costs
from aijora_tui.core.request import request_messages
from aijora_tui.core.tokens import conversation_totals, estimate_tokens, message_tokens, reply_costs


def test_history_leaves_out_reasoning_and_empty_failures_and_joins_same_roles() -> None:
    entries = [
        Entry("user", "first"),
        Entry("assistant", "", state="failed", error="HTTP 500"),
        Entry("user", "second"),
        Entry("assistant", "half", reasoning="secret thoughts", state="interrupted"),
        Entry("assistant", " and the rest"),
        Entry("user", "third"),
    ]
    assert request_messages(entries, "be brief") == [
        ChatMessage("system", "be brief"),
        ChatMessage("user", "first\n\nsecond"),
        ChatMessage("assistant", "half and the rest"),
        ChatMessage("user", "third"),
    ]
    assert request_messages([], None) == []


def test_user_share_of_prompt_tokens_is_derived_from_consecutive_usages() -> None:
    entries = [
        Entry("user", "hello there"),
        Entry("assistant", "hi", usage=Usage(12, 3, 15)),
        Entry("user", "and then?"),
        Entry("assistant", "more", usage=Usage(22, 5, 27)),
    ]
    labels = [count.label() for count in message_tokens(entries)]
    assert labels == ["12", "3", "7", "5"]  # 22 - 12 - 3 = 7


def test_unknown_usage_is_an_estimate_or_unknown_never_zero() -> None:
    entries = [
        Entry("user", "a" * 40),
        Entry("assistant", "b" * 80),  # a reply without usage
        Entry("user", "c" * 8),
        Entry("assistant", "", state="streaming"),
    ]
    counts = message_tokens(entries)
    assert [c.label() for c in counts] == ["~10", "~20", "~2", "?"]
    assert not any(c.exact for c in counts)


def test_totals_and_costs() -> None:
    entries = [
        Entry("user", "q", model=None),
        Entry("assistant", "a", model="m", usage=Usage(1000, 2000, 3000)),
        Entry("assistant", "b", model="unpriced", usage=Usage(5, 5, 10)),
        Entry("assistant", "", state="failed"),
        Entry("assistant", "cut short", state="interrupted"),
    ]
    totals = conversation_totals(entries)
    assert (totals.prompt, totals.completion, totals.replies_without_usage) == (1005, 2005, 1)
    costs = reply_costs(entries, {"m": Price(0.15, 0.6, "USD")})
    assert costs[0] is None and costs[2] is None and costs[3] is None
    assert costs[1] is not None and abs(costs[1].amount - 0.00135) < 1e-12
    assert costs[1].currency == "USD"


def test_a_cost_the_server_reports_wins_over_a_computed_one() -> None:
    reported = Usage.from_wire(
        {"prompt_tokens": 1000, "completion_tokens": 2000, "total_tokens": 3000, "cost": 0.5}
    )
    gateway = Usage.from_wire({"prompt_tokens": 1, "completion_tokens": 1, "total_cost": "0.1"})
    assert reported is not None and reported.cost == 0.5 and reported.to_dict()["cost"] == 0.5
    assert gateway is not None and gateway.cost is None  # a string is not a reported cost
    for odd in (-1, float("nan"), float("inf"), True, 10**9):
        usage = Usage.from_wire({"prompt_tokens": 1, "completion_tokens": 1, "cost": odd})
        assert usage is not None and usage.cost is None
    entries = [
        Entry("assistant", "a", model="m", usage=reported),
        Entry("assistant", "b", model="free", usage=Usage(1, 1, 2, cost=0.25)),
    ]
    costs = reply_costs(entries, {"m": Price(0.15, 0.6, "RUB")})
    assert costs == [Cost(0.5, "RUB"), Cost(0.25, None)]
    assert total_costs([*costs, None, Cost(1.0, "RUB")]) == [Cost(1.5, "RUB"), Cost(0.25, None)]


def test_estimates_count_cjk_characters_as_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("你好世界") == 4
    assert estimate_tokens("abcd" * 10) == 10
