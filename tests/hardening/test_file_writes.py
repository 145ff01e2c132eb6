"""Item: a file we write never replaces what the user put at the path.

`export -o` onto a symlink, a device or a FIFO used to replace it with a regular file, and a
symlinked config.toml (dotfiles) became a copy on the first settings save. Now a symlink is written
through, a device or FIFO written directly, and only a regular file is replaced (atomically, 0600).
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from aijora_tui.config import load_settings, save_settings
from aijora_tui.files import write_private_file
from tests.fake_server import FakeServer
from tests.hardening.helpers import assert_clean, run


@pytest.fixture
def conversation(server: FakeServer, env: dict[str, str]) -> None:
    """One saved exchange to export."""
    assert run(env, "ask", "export me").returncode == 0


class FifoReader:
    """Reads a FIFO on a thread until the writer closes it."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        self.data = b""
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with open(self.path, "rb") as stream:
            self.data = stream.read()

    def join(self) -> bytes:
        self._thread.join(10)
        assert not self._thread.is_alive()
        return self.data


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[FifoReader]:
    reader = FifoReader(tmp_path / "pipe")
    yield reader
    if reader._thread.is_alive():  # the test failed before writing: let the thread end
        with open(reader.path, "wb"):
            pass


@pytest.mark.usefixtures("conversation")
def test_export_writes_through_a_symlink(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "chat.md"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "chat.md"
    link.symlink_to(target)

    result = run(env, "export", "-o", str(link))

    assert_clean(result.stderr)
    assert result.returncode == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert "export me" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.usefixtures("conversation")
def test_export_writes_into_a_fifo(env: dict[str, str], fifo: FifoReader) -> None:
    result = run(env, "export", "-o", str(fifo.path))

    assert_clean(result.stderr)
    assert result.returncode == 0
    assert b"export me" in fifo.join()
    assert stat.S_ISFIFO(os.lstat(fifo.path).st_mode)


@pytest.mark.usefixtures("conversation")
def test_export_writes_into_a_device(env: dict[str, str], tmp_path: Path) -> None:
    device = tmp_path / "null"
    try:  # a node for the null device of our own: the real /dev/null is not ours to risk
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root (the FIFO test covers the same path)")

    result = run(env, "export", "-o", str(device))

    assert_clean(result.stderr)
    assert result.returncode == 0
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_a_symlinked_config_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "aijora.toml"
    real.parent.mkdir()
    real.write_text('api_key = "sk-1"\nmodel = "a"\n')
    link = tmp_path / "config.toml"
    link.symlink_to(real)

    save_settings({"model": "b"}, link)

    assert link.is_symlink()
    settings, warnings = load_settings({}, {}, real)
    assert (settings.model, settings.api_key, warnings) == ("b", "sk-1", [])
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "dotfiles"]


def test_a_dangling_symlink_gets_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "made.txt")

    assert write_private_file(link, "hello") == tmp_path / "made.txt"

    assert link.is_symlink() and (tmp_path / "made.txt").read_text() == "hello"


def test_a_regular_file_is_replaced_privately(tmp_path: Path) -> None:
    path = tmp_path / "out.md"
    path.write_text("old")
    path.chmod(0o644)

    write_private_file(path, "new")

    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]  # no temporary file left
