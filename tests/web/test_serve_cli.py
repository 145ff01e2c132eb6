"""`aijora-tui serve` on the command line: refusals, the URL it prints, the command it runs per
tab, and a stop by Ctrl+C with no tab open. No browser here (test_browser.py has one)."""

from __future__ import annotations

import shlex
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from yarl import URL

from aijora_tui.cli.serve import app_command, page_url
from tests.cli_env import ROOT
from tests.core.helpers import API_KEY


def run_serve(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aijora_tui", "serve", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "example.com"])
def test_a_non_loopback_host_needs_public(serve_env: dict[str, str], host: str) -> None:
    result = run_serve(serve_env, "--host", host)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"--host {host} is not a loopback address" in result.stderr
    assert "--public" in result.stderr


@pytest.mark.parametrize("url", ["ftp://example.com", "example.com", "https://x.example/?a=1"])
def test_a_bad_public_url_is_refused(serve_env: dict[str, str], url: str) -> None:
    result = run_serve(serve_env, "--public-url", url)

    assert (result.returncode, result.stdout, result.stderr.count("\n")) == (2, "", 1)
    assert "--public-url must be an http:// or https:// URL" in result.stderr


def test_a_port_in_use_is_one_line(serve_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_serve(serve_env, "--port", str(port))

    assert (result.returncode, result.stdout, result.stderr.count("\n")) == (1, "", 1)
    assert f"cannot listen on 127.0.0.1 port {port}" in result.stderr


def test_serve_prints_the_url_and_stops_on_ctrl_c(serve_env: dict[str, str]) -> None:
    """Without importing Textual (only the app processes do), printing nothing but the URL on
    stdout, and with --public a warning about the key."""
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "aijora_tui", "serve", "--port=0", "--public"],
        cwd=ROOT,
        env=serve_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = URL(process.stdout.readline().strip())
    with urllib.request.urlopen(str(url), timeout=10) as response:
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(str(url.with_query(None)), timeout=10)
    assert refused.value.code == 403
    refused.value.close()

    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)

    assert process.returncode == 130
    assert stdout == ""
    imported = [line.rpartition("|")[2].strip() for line in stderr.splitlines()]
    assert "aiohttp" in imported, "importtime output must list the modules that were imported"
    assert [name for name in imported if name.split(".")[0] == "textual"] == []
    said = [line for line in stderr.splitlines() if not line.startswith("import time:")]
    assert any("anyone who can reach this port" in line for line in said), said
    assert not [line for line in said if "Traceback" in line or API_KEY in line]


def test_page_url() -> None:
    assert page_url("127.0.0.1", 8765, None, None) == "http://127.0.0.1:8765/"
    assert page_url("::1", 8080, None, "T") == "http://[::1]:8080/?token=T"
    assert page_url("localhost", 80, None, None) == "http://localhost/"
    assert page_url("0.0.0.0", 9000, None, "T") == "http://127.0.0.1:9000/?token=T"
    public = URL("https://chat.example.com/aijora/")
    assert page_url("0.0.0.0", 9000, public, "T") == "https://chat.example.com/aijora/?token=T"


def test_the_app_command_quotes_every_flag(tmp_path: Path) -> None:
    """textual-serve runs the command through /bin/sh: values reach the app as they are."""
    hostile = f"$(touch {tmp_path}/pwned); echo 'x\" `id`\n-"
    flags = {"model": hostile, "base_url": "-h", "system_prompt": None, "theme": "a b"}

    command = app_command(flags)

    assert shlex.split(command) == [
        "exec",
        sys.executable,
        "-P",
        "-m",
        "aijora_tui",
        f"--model={hostile}",
        "--base-url=-h",
        "--theme=a b",
    ]
    echoed = subprocess.run(
        ["sh", "-c", command.replace(f"exec {shlex.quote(sys.executable)}", "exec printf %s\\\\0")],
        capture_output=True,
        timeout=10,
        check=True,
    )
    assert echoed.stdout.split(b"\0")[3] == f"--model={hostile}".encode()
    assert not (tmp_path / "pwned").exists()
