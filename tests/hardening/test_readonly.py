"""Item: a read-only data directory (or filesystem) leaves `history`, `export` and `doctor`
working, since they only read.

They used to open the database for writing (creating, upgrading), so they failed there, and
`doctor` called a healthy database broken and advised moving it aside.

The data directory is made a read-only filesystem for the command alone: a bind mount in a mount
namespace of its own (`unshare -m`), since permission bits do not stop root. Without root the
permission bits are enough.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fake_server import FakeServer, text_stream
from tests.hardening.helpers import CLI, Run, assert_clean, run

READ_ONLY = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"'


def run_read_only(env: dict[str, str], folder: Path, *args: str) -> Run:
    """`aijora-tui ARGS...` with `folder` read-only."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            return run(env, *args)
        finally:
            folder.chmod(0o755)
    if (
        shutil.which("unshare") is None
        or subprocess.run(
            ["unshare", "-m", "sh", "-c", READ_ONLY, str(folder), "true"], check=False
        ).returncode
    ):
        pytest.skip("as root, a read-only folder needs a mount namespace (unshare -m)")
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", READ_ONLY, str(folder), *CLI, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return Run(result.returncode, result.stdout, result.stderr.decode("utf-8", "replace"))


@pytest.fixture
def data(server: FakeServer, env: dict[str, str], tmp_path: Path) -> Path:
    """The data folder, holding one saved exchange."""
    server.queue(text_stream(["kept ", "answer"]))
    assert run(env, "ask", "a question").returncode == 0
    folder = tmp_path / "data" / "aijora-tui"
    assert sorted(path.name for path in folder.iterdir()) == ["history.sqlite3"]
    return folder


def test_history_reads_a_read_only_database(env: dict[str, str], data: Path) -> None:
    result = run_read_only(env, data, "history")

    assert_clean(result.stderr)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().rstrip().endswith("a question")


@pytest.mark.parametrize("form", ["md", "json"])
def test_export_reads_a_read_only_database(env: dict[str, str], data: Path, form: str) -> None:
    result = run_read_only(env, data, "export", "--format", form)

    assert_clean(result.stderr)
    assert result.returncode == 0, result.stderr
    assert "kept answer" in result.stdout.decode()


def test_doctor_does_not_call_a_read_only_database_broken(env: dict[str, str], data: Path) -> None:
    result = run_read_only(env, data, "doctor", "--json")

    assert_clean(result.stderr)
    checks = {check["check"]: check for check in json.loads(result.stdout)}
    database = checks["database"]
    assert database["status"] == "warning", database
    assert "1 conversations; read-only: history and export work" in database["detail"]
    assert "move it aside" not in (database["fix"] or "")
    assert sorted(path.name for path in data.iterdir()) == ["history.sqlite3"]
