"""Streaming benchmark (issue #2): decoding throughput and `ask` start-up, in one run.

    .venv/bin/python -m bench.bench_stream            # from the repository root

(a) Chunks per second for a 100,000-delta Aijora-shaped stream served over loopback by a separate
process (`bench/stream_server.py`) that writes each event as its own HTTP chunk, as a model server
does, for `ChatClient.stream_chat`, the official `openai` SDK, and a raw `httpx` `aiter_bytes()`
read of the same bytes (the floor: no parsing at all). Each client runs `--runs` times,
interleaved, after one warm-up request; medians are compared. For scale: a plain socket read of
the same reply (the server's own pace), the same body parsed in memory by httpx-sse + `json.loads`
alone (the ceiling of the mandated stack), and ours and raw on the same bytes in 64 KiB writes.
(b) Wall time of a fresh `aijora-tui ask hi` process for a one-delta reply against `curl -sN`
doing the same POST, interleaved, medians compared; `bench/bare_client.py` (asyncio, httpx and
httpx-sse, nothing else) runs alongside as the floor of any asyncio client on that stack.

Everything talks to 127.0.0.1 only and every step has a timeout. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import httpx
from httpx_sse import EventSource

from aijora_tui.core.client import ChatClient
from aijora_tui.core.events import TextDelta
from aijora_tui.core.models import ChatMessage
from bench.stream_server import (
    BIG_MODEL,
    BULK_MODEL,
    ONE_DELTA,
    ONE_MODEL,
    WARM_CHUNKS,
    WARM_MODEL,
    Stream,
    build_stream,
)

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "bench-key"
RUN_TIMEOUT = 60.0
"""Seconds any one measured request or process may take before the benchmark gives up."""
TARGET_VS_RAW = 0.5
TARGET_VS_OPENAI = 2.0
TARGET_ASK_OVERHEAD_MS = 150.0

Run = Callable[[str], Awaitable[tuple[int, int]]]
"""One streamed request for a model id -> (content deltas seen, characters or bytes seen)."""


@dataclass
class Row:
    """One line of the result table; `passed` is None for figures without a target."""

    figure: str
    value: str
    target: str = ""
    passed: bool | None = None


# ---- the server process ------------------------------------------------------------------------


@contextmanager
def stream_server(chunks: int) -> Iterator[str]:
    """Run `bench.stream_server` as a child process; yields its base URL on 127.0.0.1."""
    command = [sys.executable, "-m", "bench.stream_server", "--chunks", str(chunks)]
    process = subprocess.Popen([*command, "--lifetime", "300"], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        yield f"http://127.0.0.1:{_read_port(process, timeout=30)}/v1"
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _read_port(process: subprocess.Popen[bytes], timeout: float) -> int:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise RuntimeError(f"the stream server did not start within {timeout:g} s")
    line = process.stdout.readline().decode()
    if not line.startswith("PORT "):
        raise RuntimeError(f"the stream server failed to start: {line!r}")
    return int(line.split()[1])


def _request_body(model: str) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": True}


# ---- (a) decoding throughput -------------------------------------------------------------------


async def run_ours(client: ChatClient, model: str) -> tuple[int, int]:
    """`ChatClient.stream_chat`, counting the text deltas the app would render."""
    deltas = chars = 0
    async for event in client.stream_chat([ChatMessage("user", "hi")], model):
        if isinstance(event, TextDelta):
            deltas += 1
            chars += len(event.text)
    return deltas, chars


async def run_openai(client: Any, model: str) -> tuple[int, int]:
    """The official SDK's documented streaming loop (`choices` is empty on usage-only chunks)."""
    deltas = chars = 0
    response = await client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "hi"}], stream=True
    )
    async with response:
        async for chunk in response:
            if chunk.choices:
                content = chunk.choices[0].delta.content
                if content:
                    deltas += 1
                    chars += len(content)
    return deltas, chars


async def run_raw(client: httpx.AsyncClient, model: str) -> tuple[int, int]:
    """The floor: the same response's bytes, read and thrown away (deltas are not counted)."""
    size = 0
    async with client.stream("POST", "/chat/completions", json=_request_body(model)) as response:
        async for piece in response.aiter_bytes():
            size += len(piece)
    return -1, size


def read_socket(base_url: str, model: str) -> tuple[int, int]:
    """The server alone: the same POST on a plain socket, read to the end, nothing parsed.

    Shows how fast the server sends, so that a raw rate close to it would say "server-bound".
    """
    url = httpx.URL(base_url)
    payload = json.dumps(_request_body(model)).encode()
    head = (
        f"POST {url.path}/chat/completions HTTP/1.1\r\nHost: {url.host}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    )
    size = 0
    with socket.create_connection((url.host, url.port or 80), timeout=RUN_TIMEOUT) as sock:
        sock.sendall(head.encode() + payload)
        while piece := sock.recv(1 << 16):
            size += len(piece)
    return -1, size


@dataclass
class Reader:
    """One timed figure of (a): a client reading one of the big streams."""

    run: Run
    model: str = BIG_MODEL
    counts: str = "deltas"
    """What `run` returns besides -1 or the deltas: "deltas", "bytes" (the body's) or "wire"."""


async def throughput(base_url: str, chunks: int, runs: int) -> dict[str, list[float]]:
    """Chunks/s of each reader, `runs` interleaved rounds after one warm-up request each.

    Each client is built once, outside the timing, as an app would; a round times one whole
    request, from sending it to the last event, and checks that nothing was lost.
    """
    from openai import AsyncOpenAI  # half a second to import; only needed here

    big, warm = build_stream(chunks), build_stream(WARM_CHUNKS)
    ours = ChatClient(base_url, API_KEY, read_timeout=RUN_TIMEOUT, max_retries=0)
    sdk = AsyncOpenAI(base_url=base_url, api_key=API_KEY, timeout=RUN_TIMEOUT, max_retries=0)
    raw = httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(RUN_TIMEOUT, connect=5.0))
    readers = {
        "ours": Reader(lambda model: run_ours(ours, model)),
        "openai": Reader(lambda model: run_openai(sdk, model)),
        "raw": Reader(lambda model: run_raw(raw, model), counts="bytes"),
        "socket": Reader(
            lambda model: asyncio.to_thread(read_socket, base_url, model), counts="wire"
        ),
        "ours bulk": Reader(lambda model: run_ours(ours, model), BULK_MODEL),
        "raw bulk": Reader(lambda model: run_raw(raw, model), BULK_MODEL, counts="bytes"),
    }
    rates: dict[str, list[float]] = {name: [] for name in readers}
    try:
        for reader in readers.values():
            _check(reader, await asyncio.wait_for(reader.run(WARM_MODEL), RUN_TIMEOUT), warm)
        for _ in range(runs):
            for name, reader in readers.items():
                gc.collect()  # no collection of the previous run's garbage inside this one
                started = time.perf_counter()
                seen = await asyncio.wait_for(reader.run(reader.model), RUN_TIMEOUT)
                elapsed = time.perf_counter() - started
                _check(reader, seen, big)
                rates[name].append(chunks / elapsed)
    finally:
        await ours.aclose()
        await sdk.close()
        await raw.aclose()
    return rates


def in_memory_ceiling(chunks: int, runs: int) -> list[float]:
    """Chunks/s of httpx-sse + `json.loads` alone on the big body, in memory (no socket, no loop).

    No client that parses this stream with the project's mandated pieces can be faster.
    """
    body = build_stream(chunks).body
    rates = []
    for _ in range(runs):
        response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
        gc.collect()
        started = time.perf_counter()
        for sse in EventSource(response).iter_sse():
            if sse.data != "[DONE]":
                json.loads(sse.data)
        rates.append(chunks / (time.perf_counter() - started))
    return rates


def _check(reader: Reader, seen: tuple[int, int], stream: Stream) -> None:
    """Fail loudly when a client lost or invented data: a fast wrong answer is no figure."""
    deltas, size = seen
    if reader.counts == "wire":  # headers and chunk framing included: at least the body
        if deltas != -1 or size <= len(stream.body):
            raise RuntimeError(f"socket: read {size} bytes for a {len(stream.body)}-byte body")
        return
    expected = (
        (-1, len(stream.body)) if reader.counts == "bytes" else (stream.deltas, stream.text_chars)
    )
    if seen != expected:
        raise RuntimeError(
            f"{reader.model}: read {deltas} deltas / {size} units, expected {expected}"
        )


def throughput_rows(rates: dict[str, list[float]]) -> list[Row]:
    median = {name: statistics.median(values) for name, values in rates.items()}
    vs_raw = median["ours"] / median["raw"]
    vs_openai = median["ours"] / median["openai"]

    def measured(figure: str, name: str) -> Row:
        runs = " ".join(f"{rate / 1000:,.0f}k" for rate in rates[name])
        return Row(figure, _rate(median[name]), f"runs {runs}")

    return [
        measured("ours: ChatClient.stream_chat", "ours"),
        measured("openai SDK: AsyncOpenAI stream", "openai"),
        measured("raw: httpx aiter_bytes (floor)", "raw"),
        measured("server alone: socket recv, no HTTP", "socket"),
        measured("ceiling: httpx-sse+json, in memory", "ceiling"),
        Row("ours / raw", f"{vs_raw:.2f}x", f">= {TARGET_VS_RAW:g}x", vs_raw >= TARGET_VS_RAW),
        Row(
            "ours / openai",
            f"{vs_openai:.2f}x",
            f">= {TARGET_VS_OPENAI:g}x",
            vs_openai >= TARGET_VS_OPENAI,
        ),
        measured("ours, 64 KiB writes", "ours bulk"),
        measured("raw, 64 KiB writes", "raw bulk"),
        Row("ours / raw, 64 KiB writes", f"{median['ours bulk'] / median['raw bulk']:.2f}x"),
    ]


def _rate(value: float) -> str:
    return f"{value:,.0f} chunks/s"


# ---- (b) ask start-up ----------------------------------------------------------------------------


def ask_command() -> list[str]:
    """The installed `aijora-tui` script next to this interpreter, else `python -m aijora_tui`."""
    script = Path(sys.executable).with_name("aijora-tui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "aijora_tui"]


def bare_command() -> list[str]:
    """`bare_client.py`, started the way `ask` is (`-m` costs runpy's import), for a fair floor."""
    if len(ask_command()) == 1:
        return [sys.executable, str(ROOT / "bench" / "bare_client.py")]
    return [sys.executable, "-m", "bench.bare_client"]


def ask_environment(base_url: str, home: Path) -> dict[str, str]:
    """The caller's environment with every aijora-tui setting and XDG directory pinned.

    Bytecode caching is switched back on (`PYTHONDONTWRITEBYTECODE` dropped): an installed
    package has its `.pyc` files, and compiling the sources on every run is not start-up cost.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIJORA_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(AIJORA_BASE_URL=base_url, AIJORA_API_KEY=API_KEY, AIJORA_MODEL=ONE_MODEL)
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        env[f"XDG_{name}_HOME"] = str(home / name.lower())
    return env


def curl_command(base_url: str) -> list[str]:
    return [
        "curl", "-sN", "--max-time", "10",
        "-H", "Content-Type: application/json",
        "-H", f"Authorization: Bearer {API_KEY}",
        "-H", "Accept: text/event-stream",
        "-d", json.dumps(_request_body(ONE_MODEL)),
        f"{base_url}/chat/completions",
    ]  # fmt: skip


def _timed(command: list[str], env: dict[str, str], expect: bytes) -> float:
    """Run one process to the end; seconds of wall time. Raises unless it printed `expect`."""
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, timeout=30
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or expect not in done.stdout:
        detail = (done.stderr or done.stdout).decode(errors="replace").strip()[-300:]
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {detail}")
    return elapsed


def ask_startup(base_url: str, runs: int, home: Path) -> dict[str, list[float]]:
    """Wall seconds of `ask hi`, the bare httpx client and curl for the same reply, interleaved."""
    env = ask_environment(base_url, home)
    commands = {
        "ask": [*ask_command(), "ask", "hi"],
        "bare": bare_command(),
        "curl": curl_command(base_url),
    }
    reply = ONE_DELTA.encode()
    for command in commands.values():
        _timed(command, env, reply)  # warm-up: bytecode caches, page cache
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(_timed(command, env, reply))
    return times


def ask_rows(times: dict[str, list[float]]) -> list[Row]:
    ask, bare, curl = (statistics.median(times[name]) * 1000 for name in ("ask", "bare", "curl"))
    overhead = ask - curl
    return [
        Row("ask: `aijora-tui ask hi`, wall", f"{ask:.0f} ms", _spread(times["ask"])),
        Row("bare asyncio httpx+httpx-sse client", f"{bare:.0f} ms", _spread(times["bare"])),
        Row("curl -sN, same POST, wall", f"{curl:.0f} ms", _spread(times["curl"])),
        Row("bare - curl (an asyncio client's floor)", f"{bare - curl:.0f} ms"),
        Row(
            "ask - curl",
            f"{overhead:.0f} ms",
            f"<= {TARGET_ASK_OVERHEAD_MS:g} ms",
            overhead <= TARGET_ASK_OVERHEAD_MS,
        ),
    ]


def _spread(seconds: list[float]) -> str:
    return f"min {min(seconds) * 1000:.0f} max {max(seconds) * 1000:.0f}"


def import_profile(base_url: str, home: Path, top: int = 12) -> list[str]:
    """The `ask` process's slowest imports by cumulative time (`python -X importtime`)."""
    program = ask_command()[1:] if len(ask_command()) > 1 else ask_command()
    command = [sys.executable, "-X", "importtime", *program, "ask", "hi"]
    done = subprocess.run(
        command,
        env=ask_environment(base_url, home),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
    )
    entries: list[tuple[int, int, str]] = []
    for line in done.stderr.decode(errors="replace").splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit():
            depth = (len(name) - len(name.lstrip()) - 1) // 2
            entries.append((int(cumulative), depth, name.strip()))
    entries.sort(reverse=True)
    return [f"{us / 1000:7.1f} ms  {'  ' * depth}{name}" for us, depth, name in entries[:top]]


# ---- report -----------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    header = Row("figure", "value", "target", None)
    lines = [header, *rows]
    figure, value, target = (
        max(len(getattr(row, column)) for row in lines) for column in ("figure", "value", "target")
    )
    out = []
    for row in lines:
        verdict = "result" if row is header else {True: "PASS", False: "FAIL", None: ""}[row.passed]
        out.append(
            f"{row.figure:<{figure}}  {row.value:>{value}}  {row.target:<{target}}  {verdict}"
        )
    out.insert(1, "-" * len(out[0]))
    return "\n".join(line.rstrip() for line in out)


def versions() -> str:
    packages = ("httpx", "httpx-sse", "openai")
    found = " ".join(f"{name} {metadata.version(name)}" for name in packages)
    return f"Python {platform.python_version()}, {found}, {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chunks", type=int, default=100_000, help="deltas in the big stream")
    parser.add_argument("--runs", type=int, default=3, help="timed requests per stream client")
    parser.add_argument("--ask-runs", type=int, default=10, help="timed processes for ask/curl")
    parser.add_argument("--importtime", action="store_true", help="always show ask's imports")
    args = parser.parse_args(argv)
    if shutil.which("curl") is None:
        parser.error("curl is needed for the ask figure")
    if find_spec("openai") is None:
        parser.error("the openai SDK is needed for the comparison: pip install -e '.[bench]'")

    started = time.perf_counter()
    print(versions(), flush=True)
    with stream_server(args.chunks) as base_url, tempfile.TemporaryDirectory() as home:
        rates = asyncio.run(throughput(base_url, args.chunks, args.runs))
        rates["ceiling"] = in_memory_ceiling(args.chunks, args.runs)
        times = ask_startup(base_url, args.ask_runs, Path(home))
        rows = throughput_rows(rates) + ask_rows(times)
        slow_start = rows[-1].passed is False
        imports = import_profile(base_url, Path(home)) if slow_start or args.importtime else []
    print(
        f"\n(a) {args.chunks:,} deltas, one HTTP chunk each unless said, median of {args.runs} "
        f"interleaved runs; (b) median of "
        f"{args.ask_runs} interleaved runs of `{' '.join(ask_command())} ask hi`\n"
    )
    print(table(rows))
    if imports:
        print("\nask: slowest imports, cumulative (python -X importtime):")
        print("\n".join(imports))
    print(f"\nwhole benchmark: {time.perf_counter() - started:.1f} s")
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
