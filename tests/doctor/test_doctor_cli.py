"""`aijora-tui doctor` as a real subprocess against the fake server on 127.0.0.1.

Each check is one line with a mark; a warning or problem is followed by its fix; exit 1 only
when some line is ✗. The key never shows, whatever the server echoes back.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from aijora_tui.core.schema import LATEST_VERSION
from tests.core.helpers import API_KEY, ROOT
from tests.core.test_ask_cli import closed_port
from tests.doctor.conftest import ModelsServer
from tests.fake_server import json_error

DOCTOR = [sys.executable, "-m", "aijora_tui", "doctor"]
TIMEOUT = 30
LABELS = ("config", "API key", "server", "model", "terminal", "newline key", "clipboard")


def doctor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*DOCTOR, *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.stderr == "", result.stderr  # no traceback, no asyncio noise, nothing at all
    assert API_KEY not in result.stdout
    assert "\x1b" not in result.stdout, "no colours when stdout is not a terminal"
    return result


def line(result: subprocess.CompletedProcess[str], label: str) -> str:
    """The one report line of check `label`."""
    [found] = [text for text in result.stdout.splitlines() if text[2:].startswith(label + " ")]
    return found


def fix(result: subprocess.CompletedProcess[str], label: str) -> str:
    """The fix printed under the line of check `label`."""
    lines = result.stdout.splitlines()
    following = lines[lines.index(line(result, label)) + 1]
    assert following.lstrip().startswith("fix: "), following
    return following.lstrip().removeprefix("fix: ")


def config_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config" / "aijora-tui" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    path.chmod(mode)
    return path


# ---- the server and the key -----------------------------------------------------------------


def test_good_key_is_accepted(server: ModelsServer, env: dict[str, str]) -> None:
    result = doctor(env)

    assert result.returncode == 0, result.stdout
    assert line(result, "API key").startswith("✓ ")
    assert "from AIJORA_API_KEY; accepted by GET /models (3 models)" in line(result, "API key")
    assert "reachable, GET /models took" in line(result, "server")
    assert line(result, "model").startswith("✓ ")
    assert "gpt-4o-mini (default): offered by the server" in line(result, "model")
    [request] = server.models_requests()
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert server.chat_requests() == []
    for label in LABELS:
        assert any(text[2:].startswith(label) for text in result.stdout.splitlines()), label
    assert result.stdout.endswith("\n")


def test_refused_key_is_a_problem_naming_the_variable(
    server: ModelsServer, env: dict[str, str]
) -> None:
    server.models_scripts.append(json_error(401, f"Invalid API key: {API_KEY}"))
    result = doctor(env)

    assert result.returncode == 1
    assert line(result, "API key").startswith("✗ ")
    assert "refused" in line(result, "API key")
    assert "***" in line(result, "API key"), "the server's echo of the key is redacted"
    assert "AIJORA_API_KEY" in fix(result, "API key")
    assert line(result, "server").startswith("✓ "), "a refusal proves the server is reachable"


@pytest.mark.parametrize(
    ("status", "words", "advice"),
    [(402, "balance is empty", "top up"), (403, "access denied", "disabled")],
)
def test_balance_and_access_refusals(
    server: ModelsServer, env: dict[str, str], status: int, words: str, advice: str
) -> None:
    server.models_scripts.append(json_error(status, "nope"))
    result = doctor(env)

    assert result.returncode == 1
    assert line(result, "API key").startswith("✗ ")
    assert words in line(result, "API key")
    assert advice in fix(result, "API key")


def test_unreachable_server_is_one_line(env: dict[str, str]) -> None:
    env["AIJORA_BASE_URL"] = f"http://127.0.0.1:{closed_port()}/v1"
    result = doctor(env)

    assert result.returncode == 1
    server_line = line(result, "server")
    assert server_line.startswith("✗ ")
    assert "cannot reach 127.0.0.1" in server_line
    assert "AIJORA_BASE_URL" in fix(result, "server")
    assert line(result, "API key").startswith("! "), "the key could not be verified"
    assert "not checked" in line(result, "model")


def test_missing_key_for_aijora_is_a_problem_without_contacting_it(env: dict[str, str]) -> None:
    del env["AIJORA_API_KEY"], env["AIJORA_BASE_URL"]
    result = doctor(env)

    assert result.returncode == 1
    assert line(result, "API key").startswith("✗ API key")
    assert "not set" in line(result, "API key")
    assert "AIJORA_API_KEY" in fix(result, "API key")
    assert "not contacted" in line(result, "server")


def test_no_key_is_fine_for_a_server_that_needs_none(env: dict[str, str]) -> None:
    del env["AIJORA_API_KEY"]
    result = doctor(env)

    assert result.returncode == 0, result.stdout
    assert "not set; none needed" in line(result, "API key")


def test_server_without_a_model_list_is_a_warning(
    server: ModelsServer, env: dict[str, str]
) -> None:
    server.models = None
    result = doctor(env)

    assert result.returncode == 0, result.stdout
    assert line(result, "server").startswith("! ")
    assert "HTTP 404" in line(result, "server")
    assert "API root" in fix(result, "server")
    assert "not verified" in line(result, "API key")


def test_model_flag_applies_and_a_missing_model_gets_a_suggestion(env: dict[str, str]) -> None:
    result = doctor(env, "--model", "deepseek-r2")

    assert result.returncode == 1
    assert "deepseek-r2 (--model): not among the server's 3 models" in line(result, "model")
    assert "e.g. deepseek-r1" in fix(result, "model")


def test_base_url_flag_applies(env: dict[str, str]) -> None:
    result = doctor(env, "--base-url", "ftp://example")

    assert result.returncode == 1
    assert "invalid base URL" in line(result, "server")
    assert "--base-url" in fix(result, "server")


# ---- the config file ------------------------------------------------------------------------


def test_key_in_a_world_readable_config_is_a_warning(
    server: ModelsServer, env: dict[str, str], tmp_path: Path
) -> None:
    del env["AIJORA_API_KEY"]
    path = config_file(tmp_path, f'api_key = "{API_KEY}"\n', mode=0o644)
    result = doctor(env)

    assert result.returncode == 0, result.stdout
    assert line(result, "config permissions").startswith("! ")
    assert "mode 0644" in line(result, "config permissions")
    assert fix(result, "config permissions") == f"chmod 600 {path}"
    assert f"from api_key in {path}; accepted" in line(result, "API key")
    assert server.models_requests()[0].headers["authorization"] == f"Bearer {API_KEY}"


def test_private_config_with_a_key_is_fine(env: dict[str, str], tmp_path: Path) -> None:
    config_file(tmp_path, f'api_key = "{API_KEY}"\nmodel = "deepseek-r1"\n')
    result = doctor(env)

    assert result.returncode == 0, result.stdout
    assert line(result, "config permissions").startswith("✓ ")
    assert "2 keys, all known" in line(result, "config keys")


def test_broken_toml_is_a_problem_and_the_other_checks_still_run(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = config_file(tmp_path, "model = \n")
    result = doctor(env)

    assert result.returncode == 1
    assert line(result, "config file").startswith("✗ ")
    assert "not valid TOML" in line(result, "config file")
    assert str(path) in fix(result, "config file")
    assert line(result, "API key").startswith("✓ ")


def test_unknown_and_ill_typed_keys_are_warnings(env: dict[str, str], tmp_path: Path) -> None:
    config_file(tmp_path, 'modle = "x"\ntemperature = "hot"\n')
    result = doctor(env)

    assert result.returncode == 0, result.stdout
    keys = line(result, "config keys")
    assert keys.startswith("! ")
    assert "'temperature' has the wrong type" in keys
    assert "unknown key 'modle'" in keys
    assert "model" in fix(result, "config keys")


# ---- the database ---------------------------------------------------------------------------


def database(tmp_path: Path) -> Path:
    return tmp_path / "data" / "aijora-tui" / "history.sqlite3"


def test_a_missing_database_is_not_created(env: dict[str, str], tmp_path: Path) -> None:
    result = doctor(env)

    assert "none yet" in line(result, "database")
    assert not database(tmp_path).parent.exists()


def test_a_database_reports_size_schema_and_conversations(
    env: dict[str, str], tmp_path: Path
) -> None:
    from aijora_tui.core.store import Store

    with Store.open(database(tmp_path)) as store:
        store.create_conversation()
    result = doctor(env)

    assert line(result, "database").startswith("✓ ")
    assert f"schema version {LATEST_VERSION}, 1 conversations" in line(result, "database")


def test_a_database_from_a_newer_version_is_a_problem(env: dict[str, str], tmp_path: Path) -> None:
    database(tmp_path).parent.mkdir(parents=True)
    with sqlite3.connect(database(tmp_path)) as conn:
        conn.execute("PRAGMA user_version = 99")
    result = doctor(env)

    assert result.returncode == 1
    assert "newer" in line(result, "database")
    assert fix(result, "database") == "upgrade aijora-tui"


def test_a_file_that_is_not_a_database_is_a_problem(env: dict[str, str], tmp_path: Path) -> None:
    database(tmp_path).parent.mkdir(parents=True)
    database(tmp_path).write_bytes(b"not sqlite at all, " * 100)
    result = doctor(env)

    assert result.returncode == 1
    assert line(result, "database").startswith("✗ ")
    assert "move it aside" in fix(result, "database")


# ---- the terminal, as the environment describes it ------------------------------------------


def test_terminal_lines_follow_the_environment(env: dict[str, str]) -> None:
    env.update(TERM="xterm-kitty", COLORTERM="truecolor", SSH_CONNECTION="10.0.0.1 1 10.0.0.2 22")
    result = doctor(env)

    assert "truecolor (TERM=xterm-kitty COLORTERM=truecolor), over SSH" in line(result, "terminal")
    assert line(result, "newline key").startswith("✓ ")
    assert "guessed from the environment" in line(result, "newline key")
    assert "OSC 52 through the terminal (over SSH)" in line(result, "clipboard")


def test_plain_terminal_advises_ctrl_j(env: dict[str, str]) -> None:
    result = doctor(env)

    assert line(result, "newline key").startswith("! ")
    assert fix(result, "newline key") == "use Ctrl+J for a newline"


def test_tmux_without_a_tmux_binary_is_a_warning(env: dict[str, str]) -> None:
    env.update(TMUX="/nonexistent/socket,1,0", PATH=str(Path(sys.executable).parent))
    result = doctor(env)

    assert line(result, "tmux").startswith("! ")
    assert "could not be read" in line(result, "tmux")
    assert "tmux set -g set-clipboard on" in fix(result, "tmux")
    assert "OSC 52 through tmux" in line(result, "clipboard")


# ---- the output -----------------------------------------------------------------------------


def test_json_output(server: ModelsServer, env: dict[str, str]) -> None:
    server.models_scripts.append(json_error(401, f"bad key {API_KEY}"))
    result = doctor(env, "--json")

    assert result.returncode == 1
    checks = json.loads(result.stdout)
    assert [set(check) for check in checks] == [{"check", "status", "detail", "fix"}] * len(checks)
    assert {check["status"] for check in checks} <= {"ok", "warning", "problem"}
    by_name = {check["check"]: check for check in checks}
    assert by_name["API key"]["status"] == "problem"
    assert "AIJORA_API_KEY" in by_name["API key"]["fix"]
    assert by_name["server"]["fix"] is None


def test_every_line_is_a_check_a_fix_or_the_summary(env: dict[str, str]) -> None:
    env["AIJORA_BASE_URL"] = f"http://127.0.0.1:{closed_port()}/v1"
    result = doctor(env)

    *lines, last = result.stdout.splitlines()
    for text in lines:
        assert text[:2] in ("✓ ", "! ", "✗ ") or text.lstrip().startswith("fix: "), text
    assert last.startswith("1 problem, ")


def test_doctor_does_not_import_textual(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *DOCTOR[1:]],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    imported = [
        text.rpartition("|")[2].strip()
        for text in result.stderr.splitlines()
        if text.startswith("import time:")
    ]
    assert "httpx" in imported
    assert [name for name in imported if name.split(".")[0] == "textual"] == []
