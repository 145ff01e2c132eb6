"""Where generated images are written, and writing them without harm.

A file the user names (`-o FILE`) is replaced atomically if it is a regular file, and never when
it is a symlink, a directory, a FIFO or a device (`check_target` says so before any request is
made). With several images, FILE's stem is numbered: `cat.png` -> `cat-1.png`, `cat-2.png`.
Without a name, images go to the data directory's `images/`, named by the local time; such a
name is taken only if it is free (a hard link of the finished temporary file), so two runs in
the same second never overwrite each other.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from aijora_tui.core.parts import ImagePart

EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}
_MODE = 0o644
"""Images are not secrets: readable like any file the user saves."""


class UnsafeTarget(Exception):
    """A path the user named cannot be written; `str()` is one line naming it."""


def numbered_targets(output: Path, count: int) -> list[Path]:
    """The files `count` images go to when the user named `output`."""
    if count == 1:
        return [output]
    return [
        output.with_name(f"{output.stem}-{number}{output.suffix}") for number in range(1, count + 1)
    ]


def check_target(path: Path) -> None:
    """Refuse a path that must not be replaced: anything but a regular file (or nothing).

    Raises:
        UnsafeTarget: `path` is a symlink, directory, FIFO, socket or device, or its parent is
            not a directory.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise UnsafeTarget(f"cannot write {path}: {error.strerror}") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise UnsafeTarget(f"will not replace {path}: it is {_kind(mode)}, not a regular file")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise UnsafeTarget(f"cannot write {path}: {parent} is not a directory")


def write_named(images: Sequence[ImagePart], output: Path) -> list[Path]:
    """Write `images` to `output` (numbered when several); returns the paths written."""
    paths = numbered_targets(output, len(images))
    for image, path in zip(images, paths, strict=True):
        check_target(path)
        _write(path, image.data or b"", replace=True)
    return paths


def write_dated(
    images: Sequence[ImagePart], directory: Path, now: datetime | None = None
) -> list[Path]:
    """Write `images` into `directory` under free names made of the local time."""
    stamp = (now or datetime.now()).strftime("%Y-%m-%d_%H-%M-%S")
    paths = []
    for number, image in enumerate(images, 1):
        stem = stamp if len(images) == 1 else f"{stamp}-{number}"
        paths.append(
            _write_free(directory, stem, EXTENSIONS.get(image.media_type, ""), image.data or b"")
        )
    return paths


def _write_free(directory: Path, stem: str, suffix: str, data: bytes) -> Path:
    for attempt in range(1, 1000):
        path = directory / (f"{stem}{suffix}" if attempt == 1 else f"{stem}_{attempt}{suffix}")
        if _write(path, data, replace=False):
            return path
    raise FileExistsError(f"no free file name for {stem}{suffix} in {directory}")


def _write(path: Path, data: bytes, *, replace: bool) -> bool:
    """Write `data` to a temporary file beside `path`, then put it in place atomically.

    Returns False (and leaves nothing behind) when `replace` is off and `path` exists.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, _MODE)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            check_target(path)  # once more, as close to the replacement as possible
            os.replace(temporary, path)
            return True
        try:
            os.link(temporary, path)  # fails if the name is taken: never overwrites
        except FileExistsError:
            return False
        return True
    finally:
        Path(temporary).unlink(missing_ok=True)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symlink"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"
