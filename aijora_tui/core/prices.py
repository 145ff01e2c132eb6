"""Model prices, for showing what a conversation cost."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    """What a model costs per million tokens, in the user's currency."""

    input: float
    output: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1_000_000

    def to_table(self) -> dict[str, float]:
        """The config-file form."""
        return {"input": self.input, "output": self.output}
