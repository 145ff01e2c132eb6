"""Table-driven tests of the retry policy: Retry-After parsing, which failures retry, back-off."""

from __future__ import annotations

import email.utils
import random

import httpx
import pytest

from aijora_tui.core import retry
from aijora_tui.core.retry import backoff_delay, parse_retry_after, should_retry

NOW = 1_800_000_000.0
"""A fixed "now" for HTTP-date cases (2027-01-15)."""


def http_date(offset: float) -> str:
    return email.utils.formatdate(NOW + offset, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"retry-after": ""}, None),
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": " 7 "}, 7.0),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after": "600"}, 600.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "300"}, 0.3),
        ({"retry-after-ms": "-5"}, 0.0),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "soon", "retry-after": "9"}, 9.0),
        ({"retry-after-ms": "soon"}, None),
        ({"retry-after": http_date(30)}, 30.0),
        ({"retry-after": http_date(-30)}, 0.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
        ({"retry-after": "tomorrow"}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now=NOW) == expected


def test_parse_retry_after_header_names_are_case_insensitive() -> None:
    assert parse_retry_after(httpx.Headers({"Retry-After": "4"}), now=NOW) == 4.0
    assert parse_retry_after(httpx.Headers({"Retry-After-Ms": "40"}), now=NOW) == 0.04


def test_parse_retry_after_http_date_uses_the_clock() -> None:
    import time

    header = email.utils.formatdate(time.time() + 100, usegmt=True)
    wait = parse_retry_after({"retry-after": header})
    assert wait is not None
    assert 95 <= wait <= 100


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (None, None, True),  # no response at all: connection refused, reset before headers
        (408, None, True),
        (409, None, True),
        (429, None, True),
        (500, None, True),
        (502, None, True),
        (503, None, True),
        (504, None, True),
        (400, None, False),
        (401, None, False),
        (402, None, False),
        (403, None, False),
        (404, None, False),
        (422, None, False),
        (400, {"x-should-retry": "true"}, True),
        (503, {"x-should-retry": "false"}, False),
        (429, {"x-should-retry": "maybe"}, True),
        (401, {}, False),
    ],
)
def test_should_retry(status: int | None, headers: dict[str, str] | None, expected: bool) -> None:
    assert should_retry(status, headers) is expected


@pytest.mark.parametrize(
    ("attempt", "retry_after", "expected"),
    [
        (1, 0.0, 0.0),
        (1, 2.0, 2.0),
        (5, 1.5, 1.5),
        (1, retry.MAX_RETRY_AFTER, retry.MAX_RETRY_AFTER),
        (1, retry.MAX_RETRY_AFTER + 0.001, None),
        (1, 600.0, None),
    ],
)
def test_backoff_honours_the_server(
    attempt: int, retry_after: float | None, expected: float | None
) -> None:
    assert backoff_delay(attempt, retry_after) == expected


@pytest.mark.parametrize(
    ("attempt", "longest"),
    [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 8.0), (30, 8.0)],
)
def test_backoff_is_exponential_capped_with_jitter(
    monkeypatch: pytest.MonkeyPatch, attempt: int, longest: float
) -> None:
    monkeypatch.setattr(random, "random", lambda: 0.0)
    assert backoff_delay(attempt, None) == longest
    monkeypatch.setattr(random, "random", lambda: 0.999999)
    shortest = backoff_delay(attempt, None)
    assert shortest is not None
    assert shortest == pytest.approx(longest * 0.75, rel=1e-5)


def test_backoff_jitter_stays_in_range() -> None:
    for attempt in range(1, 8):
        cap = min(0.5 * 2 ** (attempt - 1), 8.0)
        for _ in range(50):
            delay = backoff_delay(attempt, None)
            assert delay is not None
            assert cap * 0.75 <= delay <= cap
