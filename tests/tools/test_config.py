"""`[mcp.servers.NAME]` and `[tools]` in config.toml: typed, checked, reported by name."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from aijora_tui.config import ConfigFileError, load_settings
from aijora_tui.core.tools.config import McpServer, ToolLimits, remember_auto_approve

GOOD = """
model = "m"

[mcp.servers.notes]
command = "python3"
args = ["-m", "notes_server"]
env = { NOTES_DIR = "/srv/notes" }
cwd = "/srv"
auto_approve = ["read_note"]

[mcp.servers.web]
url = "http://127.0.0.1:9000/mcp"
headers = { Authorization = "Bearer abc" }

[tools]
max_tool_rounds = 4
tool_timeout = 2.5
"""


def load(tmp_path: Path, text: str) -> tuple[dict[str, McpServer], ToolLimits, list[str]]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    settings, warnings = load_settings(environ={}, config_path=path)
    return dict(settings.mcp), settings.tools, [w.removeprefix(f"{path}: ") for w in warnings]


def test_servers_and_limits_read(tmp_path: Path) -> None:
    servers, limits, warnings = load(tmp_path, GOOD)

    assert warnings == []
    assert servers["notes"] == McpServer(
        "notes",
        command="python3",
        args=("-m", "notes_server"),
        env={"NOTES_DIR": "/srv/notes"},
        cwd="/srv",
        auto_approve=frozenset({"read_note"}),
    )
    assert servers["notes"].transport == "stdio"
    assert servers["web"].url == "http://127.0.0.1:9000/mcp"
    assert servers["web"].headers == {"Authorization": "Bearer abc"}
    assert servers["web"].transport == "http"
    assert "Bearer" not in repr(servers["web"]) and "srv/notes" not in repr(servers["notes"])
    assert limits == ToolLimits(max_tool_rounds=4, tool_timeout=2.5)


def test_defaults_without_tables(tmp_path: Path) -> None:
    servers, limits, warnings = load(tmp_path, 'model = "m"\n')
    assert (servers, limits, warnings) == ({}, ToolLimits(10, 60.0), [])


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('command = "x"\nurl = "http://h/mcp"', "give exactly one of 'command'"),
        ("args = []", "give exactly one of 'command'"),
        ('command = ""', "'command' must be a non-empty string"),
        ("command = 3", "'command' must be a non-empty string"),
        ('command = "x"\nargs = "-m server"', "'args' must be a list of strings"),
        ('command = "x"\nenv = { A = 1 }', "'env' must be a table of strings"),
        ('command = "x"\nheaders = { A = "b" }', "unknown or misplaced key 'headers'"),
        ('url = "http://h/mcp"\nargs = []', "unknown or misplaced key 'args'"),
        ('url = "file:///etc/passwd"', "'url' must be an http:// or https:// URL"),
        ('command = "x"\nauto_approve = "all"', "'auto_approve' must be a list of strings"),
        ('command = "x"\nshell = true', "unknown or misplaced key 'shell'"),
    ],
)
def test_bad_server_reported_by_name_others_kept(tmp_path: Path, table: str, problem: str) -> None:
    text = f'[mcp.servers.bad]\n{table}\n\n[mcp.servers.good]\ncommand = "ok"\n'
    servers, _limits, warnings = load(tmp_path, text)

    assert list(servers) == ["good"]
    assert len(warnings) == 1
    assert warnings[0].startswith("MCP server 'bad' ignored: ")
    assert problem in warnings[0]


@pytest.mark.parametrize(
    ("table", "warning"),
    [
        ("max_tool_rounds = 0", "'tools.max_tool_rounds' must be 1 to 100, ignored"),
        ("max_tool_rounds = 2.5", "'tools.max_tool_rounds' must be a whole number, ignored"),
        ("max_tool_rounds = true", "'tools.max_tool_rounds' must be a whole number, ignored"),
        ("tool_timeout = -1", "'tools.tool_timeout' must be above 0 and at most a day, ignored"),
        ('tool_timeout = "60"', "'tools.tool_timeout' must be a number of seconds, ignored"),
        ("colour = 1", "'tools.colour' is not a known setting, ignored"),
    ],
)
def test_bad_limits_keep_defaults(tmp_path: Path, table: str, warning: str) -> None:
    _servers, limits, warnings = load(tmp_path, f"[tools]\n{table}\n")
    assert limits == ToolLimits()
    assert warnings == [warning]


def test_sections_of_the_wrong_type(tmp_path: Path) -> None:
    servers, limits, warnings = load(tmp_path, 'mcp = "x"\ntools = 3\n')
    assert (servers, limits) == ({}, ToolLimits())
    assert warnings == ["'mcp' must be a table, ignored", "'tools' must be a table, ignored"]


def test_remember_auto_approve_keeps_everything_else(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD + '\n[future]\nkey = "kept"\n', encoding="utf-8")
    os.chmod(path, 0o644)

    remember_auto_approve("notes", "write_note", path)
    remember_auto_approve("notes", "write_note", path)  # twice: listed once
    remember_auto_approve("web", "search", path)

    table = tomllib.loads(path.read_text(encoding="utf-8"))
    assert table["mcp"]["servers"]["notes"]["auto_approve"] == ["read_note", "write_note"]
    assert table["mcp"]["servers"]["web"]["auto_approve"] == ["search"]
    assert table["mcp"]["servers"]["notes"]["env"] == {"NOTES_DIR": "/srv/notes"}
    assert table["future"] == {"key": "kept"}
    assert table["tools"] == {"max_tool_rounds": 4, "tool_timeout": 2.5}
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_remember_auto_approve_for_a_server_gone_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('model = "m"\n', encoding="utf-8")
    with pytest.raises(KeyError):
        remember_auto_approve("notes", "x", path)
    assert path.read_text(encoding="utf-8") == 'model = "m"\n'
    path.write_text("model = \n", encoding="utf-8")
    with pytest.raises(ConfigFileError):
        remember_auto_approve("notes", "x", path)
