"""Fixtures of the provider tests: a second fake server (`local`, which wants its own key), and
config, data and state in each test's own directory, as the UI tests have them (the picker writes
favourites and the model cache there)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_server import FakeServer
from tests.providers.helpers import LOCAL_KEY
from tests.ui.conftest import isolated_dirs

__all__ = ["isolated_dirs", "local"]


@pytest.fixture
def local() -> Iterator[FakeServer]:
    """A second provider's server: two models, and a 401 without `LOCAL_KEY`."""
    with FakeServer() as fake:
        fake.models = ["llama3.2", "qwen2.5-coder"]
        fake.api_key = LOCAL_KEY
        yield fake
