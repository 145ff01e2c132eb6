"""`aijora-tui image PROMPT` as a real subprocess against the fake server: both answer shapes,
the files written, and every hostile answer reduced to one line and exit 1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.attach.samples import image_bytes
from tests.cli_env import cli_env
from tests.core.helpers import API_KEY, ROOT
from tests.fake_server import (
    SAMPLE_PNG,
    FakeServer,
    Hold,
    Script,
    b64_item,
    image_answer,
    json_body,
    json_error,
)

IMAGE = [sys.executable, "-m", "aijora_tui", "image"]


@pytest.fixture
def env(tmp_path: Path, server: FakeServer) -> dict[str, str]:
    config = tmp_path / "config" / "aijora-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("read_timeout = 2\n")  # a download that never answers ends in 2 s
    return cli_env(tmp_path, server.base_url, API_KEY)


@pytest.fixture
def other_host() -> Iterator[FakeServer]:
    """A second server: another origin, as an image CDN would be."""
    with FakeServer() as fake:
        yield fake


def image(env: dict[str, str], *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*IMAGE, *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        check=False,
    )


def written(result: subprocess.CompletedProcess[bytes]) -> list[Path]:
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    return [Path(line) for line in result.stdout.decode().splitlines()]


def failed(result: subprocess.CompletedProcess[bytes], code: int = 1) -> str:
    assert result.returncode == code, result.stderr
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("aijora-tui: error: ")
    assert API_KEY not in lines[0]
    return lines[0].removeprefix("aijora-tui: error: ")


def test_b64_answer_is_written_to_the_named_file(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    target = tmp_path / "out dir" / "a cat.png"
    [path] = written(image(env, "a cat", "-o", str(target), "--size", "512x512", "--model", "m"))

    assert path == target
    assert target.read_bytes() == SAMPLE_PNG
    [request] = server.image_requests()
    assert request.json() == {
        "model": "m",
        "prompt": "a cat",
        "n": 1,
        "size": "512x512",
        "response_format": "b64_json",
    }
    assert request.headers["authorization"] == f"Bearer {API_KEY}"


def test_several_images_number_the_stem(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    jpeg, gif = image_bytes("JPEG"), image_bytes("GIF")
    server.queue(image_answer(b64_item(SAMPLE_PNG), b64_item(jpeg), b64_item(gif)))
    paths = written(image(env, "cats", "-n", "3", "-o", str(tmp_path / "cat.png")))

    assert paths == [tmp_path / f"cat-{number}.png" for number in (1, 2, 3)]
    assert [path.read_bytes() for path in paths] == [SAMPLE_PNG, jpeg, gif]
    assert server.image_requests()[0].json()["n"] == 3


def test_default_location_is_the_data_dir_by_time(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    first = written(image(env, "one"))
    second = written(image(env, "two", "-n", "2"))

    images = tmp_path / "data" / "aijora-tui" / "images"
    assert [path.parent for path in first + second] == [images] * 3
    assert len(set(first + second)) == 3  # never the same name, even within one second
    assert all(path.suffix == ".png" and path.read_bytes() == SAMPLE_PNG for path in first + second)
    assert first[0].stem[:4].isdigit()  # e.g. 2026-05-01_14-03-22


def test_url_answer_is_downloaded_without_the_key_elsewhere(
    tmp_path: Path, server: FakeServer, other_host: FakeServer, env: dict[str, str]
) -> None:
    webp = image_bytes("WEBP")
    other_host.routes["/img/1.webp"] = Script(
        [webp], headers={"content-type": "image/webp"}, chunked=False
    )
    server.queue(image_answer({"url": other_host.url("/img/1.webp")}))
    [path] = written(image(env, "x", "-o", str(tmp_path / "x.webp")))

    assert path.read_bytes() == webp
    [download] = other_host.requests
    assert "authorization" not in download.headers


def test_server_refusing_response_format_is_asked_again_without_it(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    server.routes["/cdn/a.png"] = Script([SAMPLE_PNG], headers={}, chunked=False)
    server.queue(
        json_error(400, "Unknown parameter: 'response_format'."),
        image_answer({"url": server.url("/cdn/a.png")}),
    )
    [path] = written(image(env, "x", "-o", str(tmp_path / "a.png")))

    assert path.read_bytes() == SAMPLE_PNG
    first, second = server.image_requests()
    assert first.json()["response_format"] == "b64_json"
    assert "response_format" not in second.json()
    assert server.requests[-1].headers["authorization"] == f"Bearer {API_KEY}"  # same origin


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            Script(
                [b"<html><body>502 Bad Gateway</body></html>"],
                headers={"content-type": "text/html"},
            ),
            "the server answered with text/html instead of images",
        ),
        (
            image_answer({"b64_json": "not base64 at all!"}),
            "image 1: the server's b64_json is not base64",
        ),
        (image_answer(b64_item(b"<svg></svg>")), "image 1 from the server is not a PNG"),
        (json_body({"data": []}), "the server's answer holds no images"),
        (
            image_answer({"revised_prompt": "x"}),
            "image 1 of the answer has neither b64_json nor url",
        ),
        (
            json_error(402, "Недостаточно средств", kind="insufficient_balance"),
            "insufficient balance",
        ),
    ],
)
def test_hostile_answers_are_one_line_and_exit_1(
    tmp_path: Path, server: FakeServer, env: dict[str, str], answer: Script, reason: str
) -> None:
    server.queue(answer)
    message = failed(image(env, "x", "-o", str(tmp_path / "x.png")))

    assert reason in message
    assert not (tmp_path / "x.png").exists()


def test_a_url_host_that_never_answers_times_out(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    server.routes["/slow.png"] = Script([Hold(30)], headers={"content-type": "image/png"})
    server.queue(image_answer({"url": server.url("/slow.png")}))
    message = failed(image(env, "x", "-o", str(tmp_path / "x.png")))

    assert message == "image 1: 127.0.0.1 did not answer in time; try again later"


def test_a_url_answering_html_is_not_an_image(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    server.routes["/page"] = Script([b"<html>login</html>"], headers={"content-type": "text/html"})
    server.queue(image_answer({"url": server.url("/page")}))

    assert "image 1 from the server is not a PNG" in failed(image(env, "x"))


def test_output_that_must_not_be_replaced_is_refused_before_the_request(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "link.png"
    link.symlink_to(victim)
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)

    assert "it is a symlink" in failed(image(env, "x", "-o", str(link)), code=2)
    assert "it is a FIFO" in failed(image(env, "x", "-o", str(fifo)), code=2)
    assert "it is a directory" in failed(image(env, "x", "-o", str(tmp_path)), code=2)
    assert victim.read_text() == "keep me"
    assert server.image_requests() == []


def test_an_existing_regular_file_is_replaced_atomically(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    target = tmp_path / "x.png"
    target.write_bytes(b"old")
    written(image(env, "x", "-o", str(target)))

    assert target.read_bytes() == SAMPLE_PNG
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporaries


@pytest.mark.parametrize(
    "args",
    [
        ["x", "-n", "0"],
        ["x", "-n", "11"],
        ["x", "--size", "big"],
        ["x", "--size", "0x5"],
        [" "],
        [],
    ],
)
def test_bad_usage_exits_2_without_a_request(
    server: FakeServer, env: dict[str, str], args: list[str]
) -> None:
    result = image(env, *args)

    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert server.requests == []


def test_format_differing_from_the_name_is_noted(
    tmp_path: Path, server: FakeServer, env: dict[str, str]
) -> None:
    server.queue(image_answer(b64_item(image_bytes("JPEG"))))
    result = image(env, "x", "-o", str(tmp_path / "x.png"))

    assert written(result) == [tmp_path / "x.png"]
    assert (
        result.stderr.decode()
        == f"aijora-tui: warning: {tmp_path / 'x.png'} holds a JPEG image (written as sent)\n"
    )
