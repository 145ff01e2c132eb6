"""Fixtures shared by every test directory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_server import FakeServer


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """The project's fake OpenAI-compatible server, on 127.0.0.1, for one test."""
    with FakeServer() as fake:
        yield fake
