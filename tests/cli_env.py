"""The environment for running `aijora-tui` as a subprocess in a test."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli_env(
    tmp_path: Path, base_url: str, api_key: str, *, drop: tuple[str, ...] = (), **extra: str
) -> dict[str, str]:
    """This process's environment without AIJORA_/XDG_/PYTHON* settings (and the prefixes in
    `drop`), plus XDG dirs under `tmp_path` and the server and key to use — so no test sees
    the developer's own setup."""
    prefixes = ("AIJORA_", "XDG_", "PYTHON", *drop)
    clean = {name: value for name, value in os.environ.items() if not name.startswith(prefixes)}
    clean.update(
        PYTHONPATH=str(ROOT),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        AIJORA_BASE_URL=base_url,
        AIJORA_API_KEY=api_key,
        **extra,
    )
    return clean
