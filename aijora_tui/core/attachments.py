"""Attachments: a file (or stdin) read safely and turned into a `FilePart` or `ImagePart`.

The kind is decided by the content, never by the name: UTF-8 text without NUL bytes becomes a
text file part, PNG/JPEG/GIF/WebP (by their magic bytes, then checked by Pillow) an image part,
`%PDF-` a PDF file part; anything else is refused. Every refusal is an `AttachmentRefused` whose
message names the file and says why in a few words, so callers print it as one line.

Reading never trusts the file: it is opened without blocking (a FIFO with no writer cannot hang
the open), must be a regular file (devices such as `/dev/zero`, FIFOs and sockets are refused
before a byte is read), its size is checked before reading, and the read itself stops one byte
past the limit, so a file that grows meanwhile cannot exhaust memory. Limits come from the
`[attachments]` table of the config file (`limits_from_table`), in megabytes (MiB).

Only the standard library is imported up front (`ask` loads this module); Pillow is loaded when
an image is attached.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from aijora_tui.core.parts import FilePart, ImagePart, sha256_of
from aijora_tui.core.sanitize import sanitize

MB = 1024 * 1024
STDIN = "-"
"""The path that means "read the attachment's bytes from standard input"."""
_READ_CHUNK = 1024 * 1024
_LIMIT_CEILING_MB = 1024
"""No configured limit may exceed this: every size is bounded, even a misconfigured one."""

Attachment = FilePart | ImagePart


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits, in bytes, from `[attachments]` in the config file."""

    max_image: int = 20 * MB
    """An image or a PDF (sent as base64)."""
    max_text: int = 2 * MB
    """A text file (sent inline)."""
    max_request: int = 50 * MB
    """All attachments of one message together, as they are sent (base64 included)."""

    @property
    def max_file(self) -> int:
        """The most any one file may be, whatever its kind: reads stop just past it."""
        return max(self.max_image, self.max_text)


_LIMIT_KEYS = {
    "max_image_mb": "max_image",
    "max_text_mb": "max_text",
    "max_request_mb": "max_request",
}


def limits_from_table(table: Any) -> tuple[Limits, list[str]]:
    """The limits of an `[attachments]` config table, and one problem per bad key (named).

    A bad or unknown key is reported and left at its default; the others still apply.
    """
    if not isinstance(table, Mapping):
        return Limits(), ["'attachments' must be a table, ignored"]
    values: dict[str, int] = {}
    problems: list[str] = []
    for key, value in table.items():
        field = _LIMIT_KEYS.get(key)
        if field is None:
            problems.append(f"'attachments.{key}' is not a known setting, ignored")
        elif (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 < value <= _LIMIT_CEILING_MB
        ):
            problems.append(
                f"'attachments.{key}' must be a number of megabytes above 0 and at most "
                f"{_LIMIT_CEILING_MB}, ignored"
            )
        else:
            values[field] = int(value * MB)
    return Limits(**values), problems


class AttachmentRefused(Exception):
    """Attachments that cannot be sent; `str()` is one line for a person (it names the file)."""

    @classmethod
    def file(cls, path: str, reason: str) -> AttachmentRefused:
        """The file at `path` cannot be attached, for `reason`."""
        return cls(f"cannot attach {display_path(path)}: {reason}")


def display_path(path: str) -> str:
    """`path` quoted for a message line: inert (no controls), undecodable bytes as U+FFFD."""
    if path == STDIN:
        return "stdin"
    readable = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return f'"{sanitize(readable)}"'


def read_attachment(path: str, limits: Limits, stdin: BinaryIO | None = None) -> Attachment:
    """Read `path` (or `stdin` when `path` is "-") and classify it.

    Raises:
        AttachmentRefused: missing, unreadable, not a regular file, empty, too large, corrupt,
            or of a kind that cannot be sent.
    """
    if path == STDIN:
        if stdin is None:
            raise AttachmentRefused.file(path, "no standard input to read")
        data = _read_stdin(stdin, limits.max_file)
        name = "stdin"
    else:
        data = _read_file(path, limits.max_file)
        name = os.path.basename(os.path.normpath(path)) or path
        name = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if not data:
        raise AttachmentRefused.file(path, "the file is empty")
    return classify(path, name, data, limits)


def read_attachments(
    paths: Sequence[str], limits: Limits, stdin: BinaryIO | None = None
) -> list[Attachment]:
    """Read every path in order, then check the request size; the first problem is raised."""
    if list(paths).count(STDIN) > 1:
        raise AttachmentRefused.file(STDIN, "'-' (stdin) can be given only once")
    parts = [read_attachment(path, limits, stdin) for path in paths]
    check_request_size(parts, limits)
    return parts


def classify(path: str, name: str, data: bytes, limits: Limits) -> Attachment:
    """The part for `data` by its content (see the module docstring)."""
    image_type = sniff_image(data)
    if image_type is not None:
        _check_size(path, len(data), limits.max_image, "max_image_mb", "image")
        verify_image(path, data, image_type)
        if path == STDIN:
            name = f"stdin.{image_type.partition('/')[2]}"
        return ImagePart(image_type, len(data), name, sha256_of(data), data=data)
    if data.startswith(b"%PDF-"):
        _check_size(path, len(data), limits.max_image, "max_image_mb", "PDF")
        if path == STDIN:
            name = "stdin.pdf"
        return FilePart(name, "application/pdf", len(data), sha256=sha256_of(data), data=data)
    text = _as_text(data)
    if text is None:
        raise AttachmentRefused.file(
            path, "not a kind that can be sent (text, PNG, JPEG, GIF, WebP or PDF)"
        )
    _check_size(path, len(data), limits.max_text, "max_text_mb", "text file")
    return FilePart(name, "text/plain", len(data), text=text)


def sniff_image(data: bytes) -> str | None:
    """The media type of PNG, JPEG, GIF or WebP bytes by their magic numbers; None otherwise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


_PILLOW_FORMATS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}


def verify_image(path: str, data: bytes, media_type: str) -> None:
    """Let Pillow read the header (and for PNG check every chunk's CRC): a corrupt or truncated
    image is refused here rather than by the server after an upload.

    Raises:
        AttachmentRefused: the image is damaged, or absurdly large in pixels.
    """
    import io
    import warnings

    from PIL import Image  # only when an image is attached: it costs ~10 ms to load

    kind = _PILLOW_FORMATS[media_type]
    try:
        with warnings.catch_warnings():
            # Pillow only warns about a decompression bomb below twice its pixel limit.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AttachmentRefused.file(path, f"the {kind} image has too many pixels") from None
    except Exception:  # Pillow raises many kinds (SyntaxError, OSError, struct.error...)
        raise AttachmentRefused.file(
            path, f"not a valid {kind} image (damaged or cut short)"
        ) from None


def check_request_size(parts: Iterable[Attachment], limits: Limits) -> None:
    """Refuse attachments whose encoded size together exceeds `limits.max_request`."""
    total = sum(wire_size(part) for part in parts)
    if total > limits.max_request:
        raise AttachmentRefused(
            f"the attachments come to {human_size(total)} as sent, over the "
            f"{human_size(limits.max_request)} request limit ([attachments] max_request_mb)",
        )


def wire_size(part: Attachment) -> int:
    """Bytes a part adds to the request: text as it is, binary data as base64."""
    if isinstance(part, FilePart) and part.text is not None:
        return len(part.text.encode("utf-8"))
    return (part.size + 2) // 3 * 4


def human_size(size: int) -> str:
    """`size` bytes for a person: 812 B, 14.2 KB, 3.0 MB."""
    if size < 1024:
        return f"{size} B"
    if size < MB:
        return f"{size / 1024:.1f} KB"
    return f"{size / MB:.1f} MB"


def describe(part: Attachment) -> str:
    """What a chip or a list shows: kind and size, e.g. "PNG image, 1.2 MB"."""
    if isinstance(part, ImagePart):
        kind = part.media_type.partition("/")[2].upper() + " image"
    elif part.text is not None:
        kind = "text"
    else:
        kind = "PDF"
    return f"{kind}, {human_size(part.size)}"


def _check_size(path: str, size: int, limit: int, key: str, kind: str) -> None:
    if size > limit:
        raise AttachmentRefused.file(
            path,
            f"the {kind} is too large ({human_size(size)}; the limit is {human_size(limit)}, "
            f"[attachments] {key})",
        )


def _as_text(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


_KINDS = (
    (stat.S_ISDIR, "it is a directory"),
    (stat.S_ISFIFO, "it is a FIFO (named pipe); pipe it in with -a - instead"),
    (stat.S_ISCHR, "it is a device, not a file"),
    (stat.S_ISBLK, "it is a device, not a file"),
    (stat.S_ISSOCK, "it is a socket, not a file"),
)

_ERRORS = {
    errno.ENOENT: "no such file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ELOOP: "too many levels of symbolic links (a symlink loop?)",
    errno.EISDIR: "it is a directory",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.ENAMETOOLONG: "the name is too long",
}


def _read_file(path: str, limit: int) -> bytes:
    """The bytes of the regular file `path`, refused past `limit` (checked before and during)."""
    if not path:
        raise AttachmentRefused.file(path, "no file name")
    try:
        # O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as error:
        raise AttachmentRefused.file(path, _reason(error)) from None
    try:
        mode = os.fstat(fd)
        for is_kind, reason in _KINDS:
            if is_kind(mode.st_mode):
                raise AttachmentRefused.file(path, reason)
        if not stat.S_ISREG(mode.st_mode):
            raise AttachmentRefused.file(path, "not a regular file")
        if mode.st_size > limit:
            raise AttachmentRefused.file(path, _too_large(mode.st_size, limit))
        return _read_bounded(path, lambda size: os.read(fd, size), limit, mode.st_size)
    except OSError as error:
        raise AttachmentRefused.file(path, _reason(error)) from None
    finally:
        os.close(fd)


def _read_stdin(stdin: BinaryIO, limit: int) -> bytes:
    try:
        if stdin.isatty():
            raise AttachmentRefused.file(
                STDIN, "stdin is a terminal; pipe the file in (-a - < FILE)"
            )
        return _read_bounded(STDIN, stdin.read, limit)
    except OSError as error:
        raise AttachmentRefused.file(STDIN, _reason(error)) from None


def _read_bounded(path: str, read: Any, limit: int, expected: int = 0) -> bytes:
    """Read until EOF, but never more than `limit` + 1 bytes (then refuse).

    The first read asks for all `expected` bytes (a regular file's size) at once: one call that
    releases the GIL for the whole copy, where many small reads appended to a buffer would take
    it again and again and make the event loop wait (bench/bench_attach.py).
    """
    pieces: list[bytes] = []
    total = 0
    size = min(expected, limit) + 1
    while total <= limit:
        piece: bytes = read(min(size, limit + 1 - total))
        if not piece:
            return pieces[0] if len(pieces) == 1 else b"".join(pieces)
        pieces.append(piece)
        total += len(piece)
        size = _READ_CHUNK
    raise AttachmentRefused.file(path, _too_large(total, limit, at_least=True))


def _too_large(size: int, limit: int, *, at_least: bool = False) -> str:
    amount = f"over {human_size(limit)}" if at_least else human_size(size)
    return f"too large ({amount}; the largest file that can be attached is {human_size(limit)})"


def _reason(error: OSError) -> str:
    return _ERRORS.get(error.errno or 0) or (error.strerror or "cannot be read").lower()
