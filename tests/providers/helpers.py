"""Helpers for the provider tests: the config file, a closed port, the CLI as a subprocess."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from tests.cli_env import ROOT, cli_env

LOCAL_KEY = "sk-local-9876543210"
"""The key the `local` fixture's server wants."""


def config_path(tmp_path: Path) -> Path:
    """Where a CLI run with `cli_env(tmp_path, ...)` reads its config."""
    return tmp_path / "config" / "aijora-tui" / "config.toml"


def write_config(tmp_path: Path, text: str) -> Path:
    path = config_path(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return path


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def run_cli(
    tmp_path: Path, base_url: str, api_key: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """`aijora-tui ARGS` in a clean environment (aijora on `base_url` with `api_key`)."""
    environ = cli_env(tmp_path, base_url, api_key)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "aijora_tui", *args],
        env=environ,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
