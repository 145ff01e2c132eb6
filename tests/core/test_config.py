"""Settings: defaults < config.toml < environment < flags; the config file written safely.

Every test runs with a clean environment (no AIJORA_*, XDG_* pointing into tmp_path), so the
user's real config can neither leak in nor be touched.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

import pytest

from aijora_tui import paths
from aijora_tui.config import (
    DEFAULT_MODEL,
    DEFAULT_THEME,
    ConfigFileError,
    Settings,
    load_settings,
    save_settings,
)
from aijora_tui.core.client import DEFAULT_BASE_URL, DEFAULT_READ_TIMEOUT
from aijora_tui.files import write_private_file


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("AIJORA_"):
            monkeypatch.delenv(name)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))


@pytest.fixture
def config_file() -> Path:
    return paths.config_file()


def write_config(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# ---- where files live -------------------------------------------------------------------------


def test_xdg_directories_are_honoured(tmp_path: Path) -> None:
    assert paths.config_dir() == tmp_path / "xdg_config_home" / "aijora-tui"
    assert paths.config_file() == tmp_path / "xdg_config_home" / "aijora-tui" / "config.toml"
    assert paths.user_themes_dir() == tmp_path / "xdg_config_home" / "aijora-tui" / "themes"
    assert paths.data_dir() == tmp_path / "xdg_data_home" / "aijora-tui"
    assert paths.database_file() == tmp_path / "xdg_data_home" / "aijora-tui" / "history.sqlite3"
    assert paths.state_dir() == tmp_path / "xdg_state_home" / "aijora-tui"


def test_paths_create_nothing(tmp_path: Path) -> None:
    paths.config_file()
    paths.database_file()
    paths.state_dir()
    assert list(tmp_path.iterdir()) == []


def test_aijora_config_file_overrides_the_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    custom = tmp_path / "elsewhere" / "my.toml"
    monkeypatch.setenv("AIJORA_CONFIG_FILE", str(custom))
    assert paths.config_file() == custom
    write_config(custom, 'model = "from-custom-file"\n')
    settings, warnings = load_settings()
    assert (settings.model, warnings) == ("from-custom-file", [])


def test_load_and_save_use_the_xdg_config_file(config_file: Path) -> None:
    save_settings({"model": "saved-model"})
    assert config_file.is_file()
    settings, _ = load_settings()
    assert settings.model == "saved-model"
    assert settings.sources["model"] == "config"


# ---- precedence -------------------------------------------------------------------------------


def test_defaults() -> None:
    settings, warnings = load_settings(environ={})
    assert warnings == []
    assert settings == Settings()
    assert settings.api_key is None
    assert settings.base_url == DEFAULT_BASE_URL == "https://api.aijora.com/api/v1"
    assert settings.model == DEFAULT_MODEL
    assert settings.theme == DEFAULT_THEME
    assert settings.read_timeout == DEFAULT_READ_TIMEOUT
    assert settings.sources == {}


LAYERS = ["config", "env", "flag"]


@pytest.mark.parametrize(
    "present",
    [(), ("config",), ("env",), ("flag",), ("config", "env"), ("config", "flag"),
     ("env", "flag"), ("config", "env", "flag")],
    ids=lambda present: "+".join(present) or "none",
)  # fmt: skip
@pytest.mark.parametrize(
    ("key", "variable", "default"),
    [
        ("model", "AIJORA_MODEL", DEFAULT_MODEL),
        ("base_url", "AIJORA_BASE_URL", DEFAULT_BASE_URL),
        ("api_key", "AIJORA_API_KEY", None),
    ],
)
def test_precedence(
    config_file: Path, present: tuple[str, ...], key: str, variable: str, default: str | None
) -> None:
    def value(layer: str) -> str:  # a base URL must be a URL
        return f"http://from-{layer}.example/v1" if key == "base_url" else f"from-{layer}"

    if "config" in present:
        write_config(config_file, f'{key} = "{value("config")}"\n')
    environ = {variable: value("env")} if "env" in present else {}
    flags = {key: value("flag")} if "flag" in present else {key: None}

    settings, warnings = load_settings(flags, environ)

    winner = max(present, key=LAYERS.index) if present else None
    assert warnings == []
    assert getattr(settings, key) == (value(winner) if winner else default)
    assert settings.sources.get(key) == winner


def test_environment_is_read_from_os_environ(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(config_file, 'model = "from-config"\n')
    monkeypatch.setenv("AIJORA_MODEL", "from-env")
    monkeypatch.setenv("AIJORA_API_KEY", "sk-env")
    settings, _ = load_settings({"model": None})
    assert (settings.model, settings.api_key) == ("from-env", "sk-env")


def test_empty_environment_variable_is_ignored(config_file: Path) -> None:
    write_config(config_file, 'model = "from-config"\n')
    settings, _ = load_settings(environ={"AIJORA_MODEL": "", "AIJORA_API_KEY": ""})
    assert settings.model == "from-config"
    assert settings.api_key is None


def test_every_config_key_is_read(config_file: Path) -> None:
    write_config(
        config_file,
        """
api_key = "sk-file"
base_url = "http://127.0.0.1:9/v1"
model = "m"
system_prompt = "Be brief."
theme = "aijora-nord"
temperature = 0
max_tokens = 512
read_timeout = 30
models = ["a", "b"]

[keymap]
send-message = "ctrl+s"
""",
    )
    settings, warnings = load_settings(environ={})
    assert warnings == []
    assert settings == Settings(
        api_key="sk-file",
        base_url="http://127.0.0.1:9/v1",
        model="m",
        system_prompt="Be brief.",
        theme="aijora-nord",
        temperature=0.0,
        max_tokens=512,
        read_timeout=30.0,
        models=("a", "b"),
        keymap={"send-message": "ctrl+s"},
    )
    assert isinstance(settings.temperature, float)
    assert set(settings.sources.values()) == {"config"}


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("model = 5", "model"),
        ("temperature = true", "temperature"),
        ("temperature = '0.5'", "temperature"),
        ("max_tokens = 1.5", "max_tokens"),
        ("max_tokens = false", "max_tokens"),
        ("models = 'a'", "models"),
        ("models = ['a', 1]", "models"),
        ("keymap = ['x']", "keymap"),
        ("read_timeout = 'soon'", "read_timeout"),
    ],
)
def test_wrong_type_is_a_warning_not_a_crash(config_file: Path, line: str, key: str) -> None:
    write_config(config_file, f'{line}\ntheme = "kept"\n')
    settings, warnings = load_settings(environ={})
    assert warnings == [f"{config_file}: '{key}' has the wrong type, ignored"]
    assert getattr(settings, key) == getattr(Settings(), key)
    assert settings.theme == "kept"


def test_broken_toml_is_reported_and_other_sources_apply(config_file: Path) -> None:
    write_config(config_file, 'model = "unterminated\n')
    settings, warnings = load_settings({"base_url": "http://flag/v1"}, {"AIJORA_MODEL": "env"})
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{config_file}: not valid TOML (")
    assert (settings.model, settings.base_url) == ("env", "http://flag/v1")


def test_unknown_keys_are_ignored_when_loading(config_file: Path) -> None:
    write_config(config_file, 'future_option = 1\nmodel = "m"\n[future_table]\nx = 1\n')
    settings, warnings = load_settings(environ={})
    assert (settings.model, warnings) == ("m", [])


# ---- writing ----------------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def read_table(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_save_creates_a_private_file(config_file: Path) -> None:
    assert not config_file.parent.exists()
    written = save_settings({"api_key": "sk-secret", "models": ("a", "b")})
    assert written == config_file
    assert mode(config_file) == 0o600
    assert read_table(config_file) == {"api_key": "sk-secret", "models": ["a", "b"]}


def test_save_tightens_an_existing_readable_file(config_file: Path) -> None:
    write_config(config_file, 'model = "m"\n')
    config_file.chmod(0o644)
    save_settings({"api_key": "sk-secret"})
    assert mode(config_file) == 0o600


def test_save_keeps_unknown_keys_and_tables(config_file: Path) -> None:
    write_config(
        config_file,
        """
model = "old"
future_option = 42
theme = "aijora-nord"

[future_table]
nested = ["x", "y"]

[keymap]
quit = "ctrl+q"
""",
    )
    save_settings({"model": "new", "theme": None, "max_tokens": 100})
    assert read_table(config_file) == {
        "model": "new",
        "future_option": 42,
        "max_tokens": 100,
        "future_table": {"nested": ["x", "y"]},
        "keymap": {"quit": "ctrl+q"},
    }


def test_save_replaces_the_file_atomically(config_file: Path) -> None:
    write_config(config_file, 'model = "old"\n')
    before = config_file.stat().st_ino
    save_settings({"model": "new"})
    assert config_file.stat().st_ino != before, "written to a new file and renamed over"
    assert sorted(p.name for p in config_file.parent.iterdir()) == ["config.toml"]


def test_failed_write_leaves_the_old_file_and_no_temporary(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(config_file, 'model = "old"\n')

    def refuse(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        save_settings({"model": "new"})
    assert config_file.read_text(encoding="utf-8") == 'model = "old"\n'
    assert sorted(p.name for p in config_file.parent.iterdir()) == ["config.toml"]


def test_save_refuses_to_overwrite_a_broken_file(config_file: Path) -> None:
    write_config(config_file, "this is = = not toml\n")
    with pytest.raises(ConfigFileError):
        save_settings({"model": "new"})
    assert config_file.read_text(encoding="utf-8") == "this is = = not toml\n"


def test_save_then_load_round_trip(config_file: Path) -> None:
    save_settings({"model": "m1", "temperature": 0.7, "keymap": {"send-message": "ctrl+s"}})
    settings, warnings = load_settings(environ={})
    assert warnings == []
    assert (settings.model, settings.temperature) == ("m1", 0.7)
    assert settings.keymap == {"send-message": "ctrl+s"}


def test_write_private_file_creates_parents(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "secret.txt"
    write_private_file(target, "x")
    assert target.read_text(encoding="utf-8") == "x"
    assert mode(target) == 0o600
