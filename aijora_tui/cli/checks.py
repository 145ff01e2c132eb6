"""One finding of `aijora-tui doctor`: a line of the report, an object of `--json`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "warning", "problem"]
OK: Status = "ok"
WARNING: Status = "warning"
PROBLEM: Status = "problem"


@dataclass(frozen=True)
class Check:
    """The outcome of one check: one line of the report, one object of `--json`."""

    check: str
    status: Status
    detail: str
    fix: str | None = None
