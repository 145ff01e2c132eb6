"""Model prices, for showing what a reply and a conversation cost.

A price comes from the server's model list (`model_list.py`, in the currency the server names,
else US dollars) or from `[prices]` in the config file (in `price_currency`). A cost the server
reports in `usage` wins over one computed from a price (`tokens.reply_costs`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Price:
    """What a model costs per million tokens; `currency` None: the user's (not named)."""

    input: float
    output: float
    currency: str | None = None

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1_000_000

    def to_table(self) -> dict[str, float]:
        """The config-file form."""
        return {"input": self.input, "output": self.output}


class PriceLookup(Protocol):
    """Finds a model's price: a plain mapping of model id to price, or a `Catalog`."""

    def get(self, model: str, /) -> Price | None: ...


@dataclass(frozen=True)
class Cost:
    """An amount of money; `currency` None when nobody named it."""

    amount: float
    currency: str | None = None

    def label(self, digits: int = 4) -> str:
        return f"{self.amount:.{digits}f}" + (f" {self.currency}" if self.currency else "")


def total_costs(costs: Iterable[Cost | None]) -> list[Cost]:
    """The sum of `costs` per currency, in the order the currencies first appear."""
    sums: dict[str | None, float] = {}
    for cost in costs:
        if cost is not None:
            sums[cost.currency] = sums.get(cost.currency, 0.0) + cost.amount
    return [Cost(amount, currency) for currency, amount in sums.items()]
