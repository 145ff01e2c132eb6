"""Items: every config value is checked with a range and reported by name; config and theme
folders are read for regular files only.

Invalid UTF-8 in config.toml killed `ask`, `doctor` and the TUI; `temperature = nan`,
`read_timeout = nan|inf|-1|1e300|0` crashed or misled while `doctor` called them "well-typed" and
the settings form took them; a FIFO named `themes/x.toml` (or config.toml) hung the start.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from aijora_tui.config import Settings, load_settings
from aijora_tui.tui.themes import load_themes
from tests.fake_server import FakeServer
from tests.hardening.helpers import Unblocker, assert_clean, run, write_config

BAD_VALUES = [
    ("temperature", "nan"),
    ("temperature", "inf"),
    ("temperature", "-1"),
    ("temperature", "2.5"),
    ("read_timeout", "nan"),
    ("read_timeout", "inf"),
    ("read_timeout", "-1"),
    ("read_timeout", "1e300"),
    ("read_timeout", "0"),
    ("stall_timeout", "0"),
    ("stall_timeout", "-inf"),
    ("max_reply_mb", "-4"),
    ("max_reply_mb", "nan"),
    ("max_tokens", "0"),
    ("max_tokens", "-5"),
    ("base_url", '"ftp://example.com/v1"'),
    ("base_url", '"http://"'),
    ("model", '""'),
    ("theme", '"a\\u001b[2Jb"'),
    ("models", '["ok", ""]'),
    ("prices", "{ m = { input = nan, output = 1 } }"),
]


@pytest.mark.parametrize(("key", "value"), BAD_VALUES, ids=lambda item: str(item))
def test_a_bad_value_is_named_and_ignored(tmp_path: Path, key: str, value: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"{key} = {value}\n")

    settings, warnings = load_settings({}, {}, config)

    assert getattr(settings, key) == getattr(Settings(), key)
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{config}: '{key}' = ")
    assert warnings[0].endswith(", ignored")


def test_good_values_are_taken(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "temperature = 0\nread_timeout = 0.5\nstall_timeout = 86400\nmax_reply_mb = 0.25\n"
        'max_tokens = 1\nbase_url = "http://127.0.0.1:1/v1"\nmodel = "m"\n'
    )

    settings, warnings = load_settings({}, {}, config)

    assert warnings == []
    assert (settings.temperature, settings.read_timeout, settings.stall_timeout) == (0, 0.5, 86400)
    assert (settings.max_reply_mb, settings.max_tokens) == (0.25, 1)


def test_ask_sends_no_bad_number(server: FakeServer, env: dict[str, str], tmp_path: Path) -> None:
    config = write_config(tmp_path, "temperature = nan\nread_timeout = -1\n")

    result = run(env, "ask", "hi")

    assert_clean(result.stderr)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"aijora-tui: warning: {config}: 'temperature' = nan must be a number from 0 to 2, ignored",
        f"aijora-tui: warning: {config}: 'read_timeout' = -1 must be a number more than 0 to "
        "86400, ignored",
    ]
    assert "temperature" not in server.chat_requests()[0].json()


def test_doctor_names_every_bad_value(
    server: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    write_config(tmp_path, "temperature = inf\nread_timeout = 1e300\nmax_tokens = 0\n")

    result = run(env, "doctor", "--json")

    assert_clean(result.stderr)
    checks = {check["check"]: check for check in json.loads(result.stdout)}
    keys = checks["config keys"]
    assert keys["status"] == "warning"
    for name in ("'temperature' = inf", "'read_timeout' = 1e+300", "'max_tokens' = 0"):
        assert name in keys["detail"]


def test_invalid_utf8_in_the_config_is_reported(
    server: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    config = write_config(tmp_path, "")
    config.write_bytes(b'model = "caf\xe9"\n')
    line = f"{config}: not valid UTF-8 (byte 13 cannot be read)"

    asked = run(env, "ask", "hi")
    checked = run(env, "doctor", "--json")

    assert_clean(asked.stderr)
    assert asked.returncode == 0
    assert asked.stderr.splitlines() == [f"aijora-tui: warning: {line}"]
    assert_clean(checked.stderr)
    checks = {check["check"]: check for check in json.loads(checked.stdout)}
    assert (checks["config file"]["status"], checks["config file"]["detail"]) == ("problem", line)
    assert load_settings({}, {}, config)[1] == [line]


def test_a_fifo_config_file_is_not_read(
    server: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    config = tmp_path / "config" / "aijora-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    os.mkfifo(config)

    result = run(env, "ask", "hi", timeout=30)

    assert_clean(result.stderr)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"aijora-tui: warning: {config}: cannot read (not a regular file)"
    ]


def test_a_fifo_theme_is_skipped_not_waited_for(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text('primary = "#336699"\n')
    fifo = tmp_path / "x.toml"
    os.mkfifo(fifo)
    unblocker = Unblocker(fifo)
    try:
        result = load_themes(tmp_path)
    finally:
        unblocker.cancel()

    assert not unblocker.fired, "load_themes waited on the FIFO"
    assert list(result.themes) == ["good"]
    assert [str(error) for error in result.errors] == [f"{fifo}: cannot read (not a regular file)"]
