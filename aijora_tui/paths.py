"""Where aijora-tui keeps its files (XDG on Linux, via platformdirs); nothing is made on import."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "aijora-tui"


def config_dir() -> Path:
    """`$XDG_CONFIG_HOME/aijora-tui` (usually `~/.config/aijora-tui`)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """`$XDG_DATA_HOME/aijora-tui`: the conversation database."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    """`$XDG_STATE_HOME/aijora-tui`: the model list cache, clipboard fallback files, crash.log."""
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The settings file; `AIJORA_CONFIG_FILE` overrides the location."""
    override = os.environ.get("AIJORA_CONFIG_FILE")
    return Path(override) if override else config_dir() / "config.toml"


def user_themes_dir() -> Path:
    """Where users drop their own theme files."""
    return config_dir() / "themes"


def database_file() -> Path:
    """The SQLite file with every conversation."""
    return data_dir() / "history.sqlite3"
