"""Where generated images are written, and writing them without harm.

A file the user names (`-o FILE`) is replaced atomically if it is a regular file, and never when
it is a symlink, a directory, a FIFO or a device (`check_target` says so before any request is
made: an image is not text to pour into whatever is there). With several images, FILE's stem is
numbered: `cat.png` -> `cat-1.png`, `cat-2.png`. Without a name, images go to the data
directory's `images/`, named by the local time; a name is claimed with an exclusive create
before the image replaces it, so two runs in the same second never overwrite each other.
Writing itself is `files.write_private_file` (temporary file, fsync, rename).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from aijora_tui import paths
from aijora_tui.core.parts import ImagePart, sha256_of
from aijora_tui.files import write_private_file

EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}


class UnsafeTarget(Exception):
    """A path the user named cannot be written; `str()` is one line naming it."""


def numbered_targets(output: Path, count: int) -> list[Path]:
    """The files `count` images go to when the user named `output`."""
    if count == 1:
        return [output]
    return [output.with_name(f"{output.stem}-{n}{output.suffix}") for n in range(1, count + 1)]


def check_target(path: Path) -> None:
    """Refuse a path that must not be replaced: anything but a regular file (or nothing).

    Raises:
        UnsafeTarget: `path` is a symlink, directory, FIFO, socket or device, or its parent is
            not a directory.
    """
    try:
        mode: int | None = os.lstat(path).st_mode
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
        check_target(path)  # once more, as close to the write as possible
        write_private_file(path, image.data or b"")
    return paths


def write_dated(
    images: Sequence[ImagePart], directory: Path, now: datetime | None = None
) -> list[Path]:
    """Write `images` into `directory` under free names made of the local time."""
    stamp = (now or datetime.now()).strftime("%Y-%m-%d_%H-%M-%S")
    paths = []
    for number, image in enumerate(images, 1):
        stem = stamp if len(images) == 1 else f"{stamp}-{number}"
        path = _claim(directory, stem, EXTENSIONS.get(image.media_type, ""))
        write_private_file(path, image.data or b"")
        paths.append(path)
    return paths


def _claim(directory: Path, stem: str, suffix: str) -> Path:
    """A new, empty file `stem[_N]suffix` in `directory`, created exclusively."""
    directory.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 1000):
        path = directory / (f"{stem}{suffix}" if attempt == 1 else f"{stem}_{attempt}{suffix}")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free file name for {stem}{suffix} in {directory}")


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


def keep_image(data: bytes, media_type: str, directory: Path | None = None) -> Path:
    """The image as a file in the images folder (default: the data dir's `images/`), named by
    its content so the same image is written once (what copying an image in the chat gives)."""
    directory = directory or paths.data_dir() / "images"
    path = directory / f"{sha256_of(data)[:16]}{EXTENSIONS.get(media_type, '')}"
    if not path.is_file():
        write_private_file(path, data)
    return path
