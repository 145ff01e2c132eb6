"""`aijora-tui ask -a FILE` as a real subprocess against the fake server (the interface contract,
"Attachments and images"): the request carries a content array, part by part; a refused file
ends with exit 2, one line on stderr naming it, and no request at all.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.attach.samples import MINIMAL_PDF, decode_data_url, image_bytes, write
from tests.cli_env import cli_env
from tests.core.helpers import API_KEY
from tests.core.test_ask_cli import ask
from tests.fake_server import FakeServer


@pytest.fixture
def env(tmp_path: Path, server: FakeServer) -> dict[str, str]:
    return cli_env(tmp_path, server.base_url, API_KEY)


def sent_content(server: FakeServer) -> list[dict[str, object]]:
    [request] = server.chat_requests()
    messages = request.json()["messages"]
    assert messages[-1]["role"] == "user"
    content: list[dict[str, object]] = messages[-1]["content"]
    return content


def test_image_text_and_pdf_are_sent_part_by_part_in_order(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    png = image_bytes("PNG", colour="green")
    jpeg = image_bytes("JPEG")
    paths = [
        write(tmp_path / "shot one.png", png),
        write(tmp_path / "log.txt", b"line 1\n```inner```\n"),
        write(tmp_path / "doc.pdf", MINIMAL_PDF),
        write(tmp_path / "photo", jpeg),
    ]
    result = ask(env, "-a", paths[0], "--attach", paths[1], "-a", paths[2], "-a", paths[3], "what?")

    assert result.returncode == 0, result.stderr
    text, image, log, pdf, photo = sent_content(server)
    assert text == {"type": "text", "text": "what?"}
    assert image["type"] == "image_url"
    assert decode_data_url(image["image_url"]["url"]) == ("image/png", png)  # type: ignore[index]
    assert log == {
        "type": "text",
        "text": "File: log.txt\n````\nline 1\n```inner```\n````",
    }
    assert pdf["type"] == "file"
    assert pdf["file"]["filename"] == "doc.pdf"  # type: ignore[index]
    assert decode_data_url(pdf["file"]["file_data"]) == ("application/pdf", MINIMAL_PDF)  # type: ignore[index]
    assert decode_data_url(photo["image_url"]["url"]) == ("image/jpeg", jpeg)  # type: ignore[index]


def test_attachment_from_stdin_with_prompt_from_argv(
    server: FakeServer, env: dict[str, str]
) -> None:
    gif = image_bytes("GIF")
    result = ask(env, "-a", "-", "describe it", input=gif)

    assert result.returncode == 0, result.stderr
    text, image = sent_content(server)
    assert text == {"type": "text", "text": "describe it"}
    assert decode_data_url(image["image_url"]["url"]) == ("image/gif", gif)  # type: ignore[index]


def test_piped_text_still_joins_the_prompt_with_a_file_attached(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    result = ask(env, "-a", write(tmp_path / "a.txt", b"A"), "summarise", input=b"and this")

    assert result.returncode == 0, result.stderr
    text, attached = sent_content(server)
    assert text == {"type": "text", "text": "summarise\n\nand this"}
    assert attached == {"type": "text", "text": "File: a.txt\n```\nA\n```"}


def refused(result: subprocess.CompletedProcess[bytes], server: FakeServer) -> str:
    """The single stderr line of a refusal; and no request was made."""
    assert result.returncode == 2
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    assert server.requests == []
    return lines[0]


def test_every_file_is_checked_before_any_request(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    good = write(tmp_path / "ok.png", image_bytes())
    missing = str(tmp_path / "my 'notes'.txt")
    line = refused(ask(env, "-a", good, "-a", missing, "hi"), server)

    assert line == f'aijora-tui: error: cannot attach "{missing}": no such file'


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("big.png", None, "too large (30.0 MB"),
        ("corrupt.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "not a valid PNG image"),
        ("blob.bin", b"\x00\x01\x02\xff" * 10, "not a kind that can be sent"),
        ("empty.txt", b"", "the file is empty"),
    ],
)
def test_bad_files_exit_2_with_one_line(
    tmp_path: Path,
    server: FakeServer,
    env: dict[str, str],
    name: str,
    data: bytes | None,
    reason: str,
) -> None:
    path = tmp_path / name
    if data is None:
        with path.open("wb") as file:
            file.truncate(30 * 1024 * 1024)  # sparse: 30 MB without writing them
    else:
        path.write_bytes(data)
    line = refused(ask(env, "-a", str(path), "hi"), server)

    assert line.startswith(f'aijora-tui: error: cannot attach "{path}": ')
    assert reason in line


def test_devices_fifos_and_directories(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "it is a device" in refused(ask(env, "-a", "/dev/zero", "hi"), server)
    assert "FIFO" in refused(ask(env, "-a", str(fifo), "hi"), server)
    assert "directory" in refused(ask(env, "-a", str(tmp_path), "hi"), server)


def test_stdin_attachment_needs_a_prompt(server: FakeServer, env: dict[str, str]) -> None:
    line = refused(ask(env, "-a", "-", input=b"data"), server)
    assert line == "aijora-tui: error: with -a - the file comes from stdin; give PROMPT too"


def test_configured_limits_apply(tmp_path: Path, server: FakeServer, env: dict[str, str]) -> None:
    config = tmp_path / "config" / "aijora-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[attachments]\nmax_text_mb = 0.001\nmax_request_mb = 0.002\n")
    text = write(tmp_path / "a.txt", b"x" * 1000)
    assert ask(env, "-a", text, "hi").returncode == 0
    server.requests.clear()

    line = refused(ask(env, "-a", text, "-a", text, "-a", text, "hi"), server)
    assert "over the 2.0 KB request limit ([attachments] max_request_mb)" in line
    line = refused(ask(env, "-a", write(tmp_path / "b.txt", b"x" * 1100), "hi"), server)
    assert "text file is too large (1.1 KB; the limit is 1.0 KB" in line


def test_a_model_that_refuses_images_is_said_so_in_plain_words(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    from tests.fake_server import json_error

    picture = write(tmp_path / "shot.png", image_bytes("PNG"))
    server.queue(
        json_error(400, "Invalid content type. image_url is only supported by vision models")
    )
    result = ask(env, "-a", picture, "what is this?")
    assert result.returncode == 1
    [line] = result.stderr.decode().splitlines()
    assert line.startswith("aijora-tui: error: the server refused the attachments (Invalid content")
    assert line.endswith("the model may not take images or files: resend without attachments")


def test_an_image_for_a_model_without_vision_is_warned_about_then_sent(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    config = tmp_path / "config" / "aijora-tui" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[models."text-only"]\nvision = false\n', encoding="utf-8")
    picture = write(tmp_path / "shot.png", image_bytes("PNG"))
    result = ask(env, "--model", "text-only", "-a", picture, "what is this?")
    assert result.returncode == 0
    assert b"text-only does not take images" in result.stderr
    assert len(server.chat_requests()) == 1
