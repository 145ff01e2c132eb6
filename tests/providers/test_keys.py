"""Key sources (core/keys.py): a value, a variable, or a command run once, without a shell,
within a time limit; every failure is one line that never holds the command's output."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aijora_tui.core.errors import redact
from aijora_tui.core.keys import KeySource, KeyUnavailable, forget_session_keys

WHERE = "api_key_cmd of [providers.local]"


@pytest.fixture(autouse=True)
def fresh_session() -> Iterator[None]:
    forget_session_keys()
    yield
    forget_session_keys()


def command(script: str) -> KeySource:
    return KeySource("command", WHERE, argv=(sys.executable, "-c", script))


def test_a_command_key_is_its_trimmed_output_and_is_redacted_afterwards() -> None:
    key = command("print('  sk-from-pass-0123  ')").resolve()
    assert key == "sk-from-pass-0123"
    assert redact("the key sk-from-pass-0123 leaked") == "the key *** leaked"


def test_the_command_runs_once_per_session(tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    source = command(
        f"import pathlib; p = pathlib.Path({str(counter)!r}); "
        "p.write_text(p.read_text() + 'x' if p.exists() else 'x'); print('sk-once-0001')"
    )
    assert [source.resolve() for _ in range(3)] == ["sk-once-0001"] * 3
    assert counter.read_text() == "x"


def test_the_command_is_not_run_by_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    literal = f"sk-$(touch${{IFS}}{marker})"
    source = KeySource("command", WHERE, argv=("echo", literal))
    assert source.resolve() == literal
    assert not marker.exists()


@pytest.mark.parametrize(
    ("script", "message"),
    [
        (
            "import sys; print('sk-secret-out'); print('oops', file=sys.stderr); sys.exit(3)",
            f"{WHERE}: '{Path(sys.executable).name}' exited with status 3",
        ),
        ("print('   ')", f"{WHERE}: '{Path(sys.executable).name}' printed nothing"),
        (
            "print('sk-secret-out'); print('login: me')",
            f"{WHERE}: '{Path(sys.executable).name}' printed more than one line; "
            "it must print the key alone",
        ),
        (
            "print('sk secret out')",
            f"{WHERE}: '{Path(sys.executable).name}' output is not a usable key "
            "(spaces, controls or non-ASCII)",
        ),
        (
            "import os, signal; os.kill(os.getpid(), signal.SIGTERM)",
            f"{WHERE}: '{Path(sys.executable).name}' was stopped by signal 15",
        ),
    ],
)
def test_a_failing_command_is_one_line_without_its_output(script: str, message: str) -> None:
    with pytest.raises(KeyUnavailable) as caught:
        command(script).resolve()
    assert str(caught.value) == message
    assert "secret" not in str(caught.value) and "oops" not in str(caught.value)


def test_a_hanging_command_is_killed_with_what_it_started(tmp_path: Path) -> None:
    child_pid = tmp_path / "child"
    script = (
        "import subprocess, sys, pathlib; "
        "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"pathlib.Path({str(child_pid)!r}).write_text(str(c.pid)); "
        "import time; time.sleep(60)"
    )
    with pytest.raises(KeyUnavailable, match=r"did not finish in 0\.5 s"):
        command(script).resolve(timeout=0.5)
    pid = int(child_pid.read_text())
    deadline = time.monotonic() + 5  # SIGKILL takes effect when the process is next scheduled
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return status != "Z"


def test_a_missing_program_is_named() -> None:
    source = KeySource("command", WHERE, argv=("no-such-program-xyz", "show"))
    with pytest.raises(KeyUnavailable, match="cannot run 'no-such-program-xyz' \\(not found\\)"):
        source.resolve()


def test_a_failure_is_remembered_for_the_session(tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    source = command(
        f"import pathlib, sys; pathlib.Path({str(counter)!r}).open('a').write('x'); sys.exit(1)"
    )
    for _ in range(2):
        with pytest.raises(KeyUnavailable):
            source.resolve()
    assert counter.read_text() == "x"


def test_variable_and_value_sources() -> None:
    assert KeySource("env", WHERE, variable="LOCAL_KEY").resolve({"LOCAL_KEY": " sk-v "}) == "sk-v"
    with pytest.raises(KeyUnavailable, match="the variable LOCAL_KEY is not set"):
        KeySource("env", WHERE, variable="LOCAL_KEY").resolve({})
    assert KeySource("value", WHERE, "sk-inline").resolve() == "sk-inline"
    assert KeySource().resolve() is None
    assert "sk-inline" not in repr(KeySource("value", WHERE, "sk-inline"))


def test_descriptions_never_hold_the_key() -> None:
    assert KeySource("value", "api_key of [providers.x]", "sk-abc").describe() == (
        "api_key of [providers.x]"
    )
    assert KeySource("command", WHERE, argv=("/usr/bin/pass", "show", "x")).describe() == (
        f"{WHERE} (runs pass)"
    )
    assert KeySource("env", "e", variable="K").describe() == "e (variable K)"


def test_a_hanging_command_does_not_hold_up_another_providers(tmp_path: Path) -> None:
    import threading

    hanging = command("import time; time.sleep(60)")
    quick = command("print('sk-quick-0001')")
    failed: list[str] = []
    thread = threading.Thread(target=lambda: _expect_failure(hanging, failed), daemon=True)
    thread.start()
    started = time.monotonic()
    while not failed and time.monotonic() - started < 0.3:  # the hanging one is running
        time.sleep(0.02)
    assert quick.resolve() == "sk-quick-0001"
    assert not failed, "the quick command must not have waited for the hanging one"
    thread.join(10)
    assert failed == ["did not finish"]


def _expect_failure(source: KeySource, failed: list[str]) -> None:
    try:
        source.resolve(timeout=3)
    except KeyUnavailable as error:
        failed.append("did not finish" if "did not finish" in str(error) else str(error))
