"""When and how long to wait before sending a failed request again.

The policy follows openai-python's: retry connection failures, 408, 409, 429 and 5xx; honour
`x-should-retry`; take the delay from `retry-after-ms`, then `retry-after` (seconds or an HTTP
date); otherwise back off exponentially with jitter. A server that asks for a longer wait than
`MAX_RETRY_AFTER` is not retried automatically: the user is told how long to wait instead.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Mapping

RETRYABLE_STATUS = frozenset({408, 409, 429})
MAX_RETRY_AFTER = 60.0
"""Longest server-requested wait that is still retried automatically, in seconds."""
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asks us to wait, from `retry-after-ms` or `retry-after`; or None."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return _seconds(float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return _seconds(float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, OverflowError):
        return None
    return _seconds(when.timestamp() - (time.time() if now is None else now))


def _seconds(value: float) -> float | None:
    """A wait the server asked for, or None when it is not a finite number (`nan`, `1e999`)."""
    return max(0.0, value) if math.isfinite(value) else None


def should_retry(status: int | None, headers: Mapping[str, str] | None = None) -> bool:
    """Whether a failure with this HTTP status (None = no response at all) may be retried."""
    if headers is not None:
        verdict = headers.get("x-should-retry")
        if verdict == "true":
            return True
        if verdict == "false":
            return False
    if status is None:
        return True
    return status in RETRYABLE_STATUS or status >= 500


def backoff_delay(attempt: int, retry_after: float | None) -> float | None:
    """Delay before retry number `attempt` (1-based); None when the wait is too long to retry."""
    if retry_after is not None:
        return retry_after if retry_after <= MAX_RETRY_AFTER else None
    delay = min(INITIAL_DELAY * 2.0 ** (attempt - 1), MAX_DELAY)
    return delay * (1 - 0.25 * random.random())
