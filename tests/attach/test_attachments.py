"""`core/attachments.py`: real files on disk, classified by content; hostile paths refused."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest

from aijora_tui.config import load_settings
from aijora_tui.core.attachments import (
    MB,
    AttachmentRefused,
    Limits,
    check_request_size,
    describe,
    limits_from_table,
    read_attachment,
    read_attachments,
)
from aijora_tui.core.parts import FilePart, ImagePart, sha256_of
from tests.attach.samples import FORMATS, MINIMAL_PDF, image_bytes, write

LIMITS = Limits()


@pytest.mark.parametrize("kind", list(FORMATS))
def test_images_are_recognised_by_content_not_name(tmp_path: Path, kind: str) -> None:
    data = image_bytes(kind)
    part = read_attachment(write(tmp_path / "picture.txt", data), LIMITS)

    assert isinstance(part, ImagePart)
    assert part.media_type == FORMATS[kind]
    assert (part.name, part.size, part.data) == ("picture.txt", len(data), data)
    assert part.sha256 == sha256_of(data)


def test_text_file_keeps_its_text_and_name(tmp_path: Path) -> None:
    text = "Привет\nline two `code`\n"
    part = read_attachment(write(tmp_path / "notes.png", text.encode()), LIMITS)

    assert part == FilePart("notes.png", "text/plain", len(text.encode()), text=text)
    assert describe(part) == f"text, {len(text.encode())} B"


def test_pdf_is_a_binary_file_part(tmp_path: Path) -> None:
    part = read_attachment(write(tmp_path / "report.bin", MINIMAL_PDF), LIMITS)

    assert isinstance(part, FilePart)
    assert (part.name, part.media_type, part.text, part.data) == (
        "report.bin",
        "application/pdf",
        None,
        MINIMAL_PDF,
    )
    assert describe(part) == f"PDF, {len(MINIMAL_PDF)} B"


def test_paths_with_spaces_and_quotes(tmp_path: Path) -> None:
    path = tmp_path / 'it\'s a "quoted" name.txt'
    part = read_attachment(write(path, b"ok"), LIMITS)

    assert part.name == 'it\'s a "quoted" name.txt'
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment(str(tmp_path / "it's missing.txt"), LIMITS)
    assert str(refused.value) == f'cannot attach "{tmp_path}/it\'s missing.txt": no such file'


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: str(p / "absent"), "no such file"),
        (lambda p: str(p), "it is a directory"),
        (lambda p: write(p / "empty", b""), "the file is empty"),
        (lambda p: write(p / "blob", bytes(range(256))), "not a kind that can be sent"),
        (lambda p: write(p / "utf16.txt", "hi".encode("utf-16")), "not a kind that can be sent"),
        (lambda p: write(p / "latin1.txt", "caf\xe9".encode("latin-1")), "not a kind"),
        (lambda p: write(p / "bad.png", image_bytes("PNG")[:30]), "not a valid PNG image"),
        (lambda p: write(p / "bad.gif", b"GIF89a" + b"\0" * 3), "not a valid GIF image"),
        (lambda p: "/dev/zero", "it is a device, not a file"),
    ],
)
def test_refusals_name_the_file_and_the_reason(tmp_path: Path, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment(path, LIMITS)

    message = str(refused.value)
    assert message.startswith(f'cannot attach "{path}": ')
    assert reason in message
    assert "\n" not in message


def test_corrupt_png_header_crc(tmp_path: Path) -> None:
    data = bytearray(image_bytes("PNG"))
    data[29] ^= 0xFF  # inside the IHDR chunk: its CRC no longer matches
    with pytest.raises(AttachmentRefused, match="not a valid PNG image"):
        read_attachment(write(tmp_path / "x.png", bytes(data)), LIMITS)


def test_symlink_loop_and_unreadable_file(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(AttachmentRefused, match="symlink loop"):
        read_attachment(str(loop), LIMITS)
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.txt"
        locked.write_text("secret")
        locked.chmod(0)
        with pytest.raises(AttachmentRefused, match="permission denied"):
            read_attachment(str(locked), LIMITS)


def test_a_fifo_without_a_writer_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def attach() -> None:
        try:
            read_attachment(str(fifo), LIMITS)
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=attach, daemon=True)
    worker.start()
    worker.join(10)

    assert not worker.is_alive(), "opening a FIFO without a writer must not block"
    assert isinstance(outcome[0], AttachmentRefused)
    assert "FIFO" in str(outcome[0])


def test_size_limits_by_kind(tmp_path: Path) -> None:
    limits = Limits(max_image=100, max_text=1000, max_request=10_000)
    assert read_attachment(write(tmp_path / "a.txt", b"x" * 1000), limits).size == 1000
    image = image_bytes(size=(40, 40), colour="blue")
    assert 100 < len(image) < 1000
    with pytest.raises(AttachmentRefused, match=r"image is too large .*max_image_mb\)$"):
        read_attachment(write(tmp_path / "b.png", image), limits)
    with pytest.raises(AttachmentRefused, match=r"PDF is too large"):
        read_attachment(write(tmp_path / "c.pdf", MINIMAL_PDF + b" " * 100), limits)

    limits = Limits(max_image=1000, max_text=100, max_request=10_000)
    with pytest.raises(AttachmentRefused, match=r"text file is too large .*max_text_mb\)$"):
        read_attachment(write(tmp_path / "d.txt", b"x" * 101), limits)
    with pytest.raises(AttachmentRefused, match=r"too large \(1001 B; the largest"):
        read_attachment(write(tmp_path / "e.bin", b"\0" * 1001), limits)


def test_a_file_is_never_read_past_the_limit(tmp_path: Path) -> None:
    """/proc files report size 0 and may be any length: the read stops one byte past the limit."""
    limits = Limits(max_image=64, max_text=64, max_request=1000)
    with pytest.raises(AttachmentRefused, match="over 64 B"):
        read_attachment("/proc/self/maps", limits)


def test_stdin_attachment_is_bounded_and_named(tmp_path: Path) -> None:
    png = image_bytes("PNG")
    part = read_attachment("-", LIMITS, io.BytesIO(png))
    assert isinstance(part, ImagePart)
    assert (part.name, part.data) == ("stdin.png", png)
    assert read_attachment("-", LIMITS, io.BytesIO(b"hello")).name == "stdin"

    limits = Limits(max_image=10, max_text=10, max_request=100)
    with pytest.raises(AttachmentRefused, match="stdin: too large"):
        read_attachment("-", limits, io.BytesIO(b"x" * 11))
    with pytest.raises(AttachmentRefused, match="only once"):
        read_attachments(["-", "-"], LIMITS, io.BytesIO(b"x"))


def test_request_size_counts_base64(tmp_path: Path) -> None:
    image = read_attachment(write(tmp_path / "a.png", image_bytes(size=(64, 64))), LIMITS)
    encoded = (image.size + 2) // 3 * 4
    check_request_size([image], Limits(max_request=encoded))
    with pytest.raises(
        AttachmentRefused, match=r"request limit \(\[attachments\] max_request_mb\)"
    ):
        check_request_size([image], Limits(max_request=encoded - 1))


def test_attachments_are_read_in_order(tmp_path: Path) -> None:
    paths = [write(tmp_path / "1.txt", b"one"), write(tmp_path / "2.gif", image_bytes("GIF"))]
    parts = read_attachments(paths, LIMITS)
    assert [part.name for part in parts] == ["1.txt", "2.gif"]


def test_limits_from_config_table() -> None:
    limits, problems = limits_from_table({"max_image_mb": 5, "max_text_mb": 0.5})
    assert limits == Limits(max_image=5 * MB, max_text=MB // 2, max_request=50 * MB)
    assert problems == []

    limits, problems = limits_from_table(
        {"max_image_mb": "big", "max_text_mb": -1, "max_request_mb": True, "colour": 1}
    )
    assert limits == Limits()
    assert problems == [
        "'attachments.max_image_mb' must be a number of megabytes above 0 and at most 1024, "
        "ignored",
        "'attachments.max_text_mb' must be a number of megabytes above 0 and at most 1024, ignored",
        "'attachments.max_request_mb' must be a number of megabytes above 0 and at most 1024, "
        "ignored",
        "'attachments.colour' is not a known setting, ignored",
    ]
    assert limits_from_table(3) == (Limits(), ["'attachments' must be a table, ignored"])


def test_settings_read_the_attachments_table(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[attachments]\nmax_text_mb = 1\nmax_image_mb = 9999\n")
    settings, warnings = load_settings(environ={}, config_path=config)

    assert settings.attachments == Limits(max_text=MB)
    assert warnings == [
        f"{config}: 'attachments.max_image_mb' must be a number of megabytes above 0 and at "
        "most 1024, ignored"
    ]


def test_data_url_in_slices_equals_one_base64() -> None:
    import base64

    from aijora_tui.core.request import data_url

    for size in (0, 1, 3 * 256 * 1024, 3 * 256 * 1024 + 2, 2_500_001):
        data = os.urandom(size)
        expected = f"data:image/png;base64,{base64.b64encode(data).decode()}"
        assert data_url("image/png", data) == expected
