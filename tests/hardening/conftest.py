"""A clean environment for CLI runs against the fake server (which `tests/conftest.py` gives)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_env import cli_env
from tests.core.helpers import API_KEY
from tests.fake_server import FakeServer


@pytest.fixture
def env(tmp_path: Path, server: FakeServer) -> dict[str, str]:
    return cli_env(tmp_path, server.base_url, API_KEY)
