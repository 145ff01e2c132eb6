"""Files the app writes or reads on the user's behalf, and what it must never do to them.

Writing (`write_private_file`, used by `export -o`, settings saves, clipboard files, the crash
log and the model cache): a regular file, or nothing, is replaced atomically (a temporary file
beside it, fsync, rename) with mode 0600, since most of what we write is private. A symlink is
written through to its target (a dotfiles `config.toml` stays a link, and the key lives in one
place); a device or FIFO (`/dev/stdout`, a pipe someone reads) is written directly, as a shell
redirection would: renaming over it would replace the device itself.

Reading (`read_regular_file`): only regular files, opened without blocking, so that a FIFO named
like a config or theme file cannot hang the app, and only up to a size.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def write_private_file(path: Path, text: str | bytes) -> Path:
    """Write `text` (UTF-8) at `path` as described above; returns the file actually written.

    Raises:
        OSError: the file cannot be written (`strerror` says why in a few words).
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        mode: int | None = os.stat(path).st_mode  # follows symlinks
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(path, "wb") as stream:  # a directory raises IsADirectoryError here
            stream.write(data)
        return path
    target = Path(os.path.realpath(path))  # a symlink, even a dangling one, is written through
    _replace(target, data)
    return target


def _replace(path: Path, data: bytes) -> None:
    import tempfile  # only writers need it; `ask` never writes a file

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of `path` if it is a regular file (a symlink to one is fine) of at most
    `limit` bytes.

    Raises:
        FileNotFoundError: nothing is there.
        OSError: anything else is there, it is too large, or it cannot be read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit // 1024} KB", str(path))
    return data
