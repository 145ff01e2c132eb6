"""TUI benchmark: streaming replies into the real app, and launch time, in one run.

    .venv/bin/python -m bench.bench_tui            # from the repository root; --help for options

(a) 2,000 and 20,000 deltas of realistic Markdown (~4 characters each), sent as fast as a fake
    server in its own process can, into `AijoraApp` running headless (`run_test(size=(120, 40))`,
    a prompt typed with Pilot, Enter pressed). CPU seconds of the app process from Enter to the
    last frame after the reply ended. Baseline, same run: the same bytes from the same server read
    with httpx + httpx-sse and written to Textual's stock `Markdown.get_stream()` in a minimal app
    (one anchored `VerticalScroll` holding one `Markdown`).
(b) 4,000 deltas paced at 100/s (one chunk, then `Pause(0.01)`): CPU share of one core over the
    stream, and event-loop stall p99 (a task in the app's loop sleeping 5 ms, recording lateness).
(c) The same paced stream with a 500-message conversation open (`MessageLog.load`).
(d) `python -m aijora_tui` in a pseudo-terminal (120x40) until the prompt placeholder is drawn,
    median of 5; plus the top cumulative imports of `aijora_tui.tui.app` from `-X importtime`.

Every streaming scenario runs in its own child process (`--worker`), after a warm-up reply in the
same app, so one scenario's garbage and widgets cannot slow the next. Everything talks to
127.0.0.1 only; every wait is bounded. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import json
import os
import pstats
import random
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.launch import PLACEHOLDER, die_with_parent, launch_once

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "bench-key-0123456789"
MODEL = "gpt-4o-mini"
SIZE = (120, 40)
PROMPT = "Tell me everything"
PACE = 0.01
"""Seconds the fake server pauses after each paced delta (100 deltas/s)."""
STALL_INTERVAL = 0.005
WORKER_TIMEOUT = 420.0
"""Seconds a child scenario process may run before it is killed."""
STREAM_TIMEOUT = 300.0
"""Seconds a measured stream may take before the worker gives up."""
LAUNCH_TIMEOUT = 15.0

TARGET_GROWTH = 1.3
TARGET_VS_STOCK = 10.0
TARGET_WALL_20K = 4.0
TARGET_CPU_SHARE = 0.30
TARGET_STALL_P99_MS = 50.0
TARGET_HISTORY_RATIO = 1.5
TARGET_LAUNCH = 0.6


# ---- realistic Markdown ------------------------------------------------------------------------

_WORD_TEXT = """
the a an of to in for with on by from as is are was be this that it its we you they can
will should would may data model server client request response stream token value result
function method class module package file line error message list table code block output
input user system cache memory thread loop event queue buffer widget screen layout render
frame delta parser config setting option default change update fix test check run build
simple quick small large fast slow first last next each every other same new old better
"""
WORDS = tuple(_WORD_TEXT.split())
LANGUAGES = ("python", "javascript", "bash", "rust", "")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    spot = rng.randrange(len(words))
    roll = rng.random()
    if roll < 0.15:
        words[spot] = f"**{words[spot]}**"
    elif roll < 0.3:
        words[spot] = f"`{words[spot]}()`"
    elif roll < 0.38:
        words[spot] = f"*{words[spot]}*"
    elif roll < 0.43:
        words[spot] = f"[{words[spot]}](https://example.com/{words[spot]})"
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".....?!")


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))


def _bullets(rng: random.Random) -> str:
    ordered = rng.random() < 0.3
    lines = []
    for number in range(1, rng.randint(3, 6) + 1):
        marker = f"{number}." if ordered else "-"
        lines.append(f"{marker} {_sentence(rng)}")
        if rng.random() < 0.2:
            lines.append(f"   - {_sentence(rng)}")
    return "\n".join(lines)


def _code(rng: random.Random, language: str | None = None) -> str:
    language = rng.choice(LANGUAGES) if language is None else language
    lines = []
    indent = 0
    for _ in range(rng.randint(4, 16)):
        name, other = rng.choice(WORDS), rng.choice(WORDS)
        roll = rng.random()
        if roll < 0.2:
            lines.append("    " * indent + f"def {name}_{other}(value, count=3):")
            indent = min(indent + 1, 3)
        elif roll < 0.35 and indent:
            lines.append("    " * indent + f"return {name}(value) + {rng.randint(0, 99)}")
            indent -= 1
        elif roll < 0.5:
            lines.append("    " * indent + f"# {_sentence(rng)[:60]}")
        else:
            lines.append("    " * indent + f'{name} = {other}.get("{name}", {rng.randint(0, 9)})')
    return f"```{language}\n" + "\n".join(lines) + "\n```"


def _table(rng: random.Random) -> str:
    columns = rng.randint(3, 4)
    header = "| " + " | ".join(rng.choice(WORDS).title() for _ in range(columns)) + " |"
    rule = "|" + "|".join(rng.choice(("---", ":---", "---:")) for _ in range(columns)) + "|"
    rows = [
        "| "
        + " | ".join(
            rng.choice((rng.choice(WORDS), str(rng.randint(0, 9999)), f"`{rng.choice(WORDS)}`"))
            for _ in range(columns)
        )
        + " |"
        for _ in range(rng.randint(3, 6))
    ]
    return "\n".join([header, rule, *rows])


def _heading(rng: random.Random) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5)))
    return "#" * rng.choice((2, 2, 3)) + " " + words.title()


def _quote(rng: random.Random) -> str:
    return "> " + _sentence(rng) + "\n> " + _sentence(rng)


BLOCKS: tuple[tuple[Callable[[random.Random], str], float], ...] = (
    (_paragraph, 0.45),
    (_bullets, 0.18),
    (_code, 0.15),
    (_heading, 0.10),
    (_table, 0.06),
    (_quote, 0.06),
)


def markdown_text(rng: random.Random, chars: int) -> str:
    """At least `chars` characters of chat-reply Markdown, blocks a blank line apart."""
    makers = [maker for maker, _ in BLOCKS]
    weights = [weight for _, weight in BLOCKS]
    blocks: list[str] = []
    size = 0
    while size < chars:
        block = rng.choices(makers, weights)[0](rng)
        blocks.append(block)
        size += len(block) + 2
    return "\n\n".join(blocks) + "\n"


def make_deltas(count: int, seed: int = 2024) -> list[str]:
    """`count` deltas of 2-6 characters (mean 4) cut from one realistic reply."""
    rng = random.Random(seed)
    return split_deltas(markdown_text(rng, count * 6 + 100), rng, count)


def split_deltas(text: str, rng: random.Random, count: int | None = None) -> list[str]:
    """`text` cut into deltas of 2-6 characters (mean 4); only the first `count` if given."""
    deltas: list[str] = []
    position = 0
    while position < len(text) and (count is None or len(deltas) < count):
        size = rng.choice((2, 3, 4, 4, 5, 6))
        deltas.append(text[position : position + size])
        position += size
    return deltas


def warm_deltas() -> list[str]:
    """A short reply with every kind of block and a code block in every language.

    Streamed before the measured reply so that first-use costs (Pygments lexers, regexes,
    CSS for new widget classes) are not counted as streaming costs.
    """
    rng = random.Random(99)
    blocks = [maker(rng) for maker, _ in BLOCKS]
    for language in LANGUAGES:
        blocks.append(_code(rng, language))
    return split_deltas("\n\n".join(blocks) + "\n", rng)


def history_entries(count: int, seed: int = 7) -> list[Any]:
    """`count` finished messages, alternating user / assistant (300-900 chars of Markdown)."""
    from aijora_tui.core.conversation import Entry

    rng = random.Random(seed)
    entries = []
    for index in range(count):
        if index % 2 == 0:
            entries.append(Entry("user", _sentence(rng)))
            continue
        size = rng.randint(300, 900)
        makers = (_paragraph, _bullets, _code, _sentence, _table, _quote)
        text = _heading(rng)
        for _ in range(12):  # blocks that still fit under `size`
            block = rng.choice(makers)(rng)
            if len(text) + 2 + len(block) <= size:
                text += "\n\n" + block
        while len(text) < 300:
            text += "\n\n" + _sentence(rng)
        entries.append(Entry("assistant", text, model=MODEL))
    return entries


# ---- the fake server ---------------------------------------------------------------------------


def script_json(deltas: list[str], pace: float) -> bytes:
    """`tests.fake_server.Script` JSON streaming `deltas` (with `Pause(pace)` after each)."""
    from tests.fake_server import DONE, Pause, Script, Step, chunk, usage

    steps: list[Step] = []
    for delta in deltas:
        steps.append(chunk(delta))
        if pace:
            steps.append(Pause(pace))
    steps += [chunk(finish="stop", usage=usage(10, len(deltas))), DONE]
    return json.dumps(Script(steps).to_json()).encode()


def queue_script(base_url: str, body: bytes) -> None:
    request = urllib.request.Request(f"{base_url}/_control/script", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass


@contextlib.contextmanager
def fake_server() -> Iterator[str]:
    """`python -m tests.fake_server --port 0` as a child process; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_server", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=die_with_parent,
    )
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(30):
                raise RuntimeError("the fake server did not start within 30 s")
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"the fake server failed to start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}/v1"
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stdout is not None:
            process.stdout.close()


# ---- measuring inside a worker -----------------------------------------------------------------


@dataclass
class Result:
    """What one streaming scenario measured (seconds unless named otherwise)."""

    scenario: str
    deltas: int
    chars: int
    cpu: float = 0.0
    """Process CPU from Enter (or the first write) to the last frame."""
    wall: float = 0.0
    frames: int = 0
    stall_p99_ms: float = 0.0
    stall_max_ms: float = 0.0
    stall_busy_p99_ms: float = 0.0
    """p99 of the part of each stall the process spent on the CPU (not descheduled)."""
    gc_full: int = 0
    """Full (generation 2) garbage collections while measuring, and their CPU time."""
    gc_full_ms: float = 0.0
    gc_full_max_ms: float = 0.0
    applied: int = 0
    """Deltas on screen when measuring stopped (less than `deltas` only when time-boxed)."""
    boxed: bool = False
    """Stopped at the CPU budget: `cpu` is then a lower bound."""
    widgets: int = 0
    followed: bool = True
    """The log was scrolled to the end when the reply ended (it followed the stream)."""
    load_cpu: float = 0.0
    """(c) CPU to load the history, not part of `cpu`."""
    ok: bool = True
    note: str = ""


@dataclass
class Probe:
    """Counts frames (calls to `App._display`) and samples event-loop lateness while active."""

    active: bool = False
    frames: int = 0
    last_cpu: float = 0.0
    last_wall: float = 0.0
    stalls: list[tuple[float, float]] = field(default_factory=list)
    """(lateness, process CPU used meanwhile) of each 5 ms sleep."""
    collections: list[float] = field(default_factory=list)
    """CPU seconds of each full garbage collection."""
    _task: asyncio.Task[None] | None = None
    _gc_started: float = 0.0

    def attach(self, app: Any) -> None:
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if self.active and renderable is not None:
                self.frames += 1
                self.last_cpu = time.process_time()
                self.last_wall = time.perf_counter()

        app._display = display

    def start(self) -> tuple[float, float]:
        """Start counting; returns (cpu, wall) now."""
        self.active = True
        self._task = asyncio.create_task(self._sample())
        gc.callbacks.append(self._on_gc)
        self.last_cpu, self.last_wall = time.process_time(), time.perf_counter()
        return self.last_cpu, self.last_wall

    def stop(self) -> None:
        self.active = False
        if self._task is not None:
            self._task.cancel()
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.thread_time()
        elif info["generation"] == 2:
            self.collections.append(time.thread_time() - self._gc_started)

    async def _sample(self) -> None:
        while self.active:
            started, cpu = time.perf_counter(), time.process_time()
            await asyncio.sleep(STALL_INTERVAL)
            late = time.perf_counter() - started - STALL_INTERVAL
            self.stalls.append((late, min(late, time.process_time() - cpu)))

    def fill(self, result: Result, cpu0: float, wall0: float) -> None:
        result.cpu = self.last_cpu - cpu0
        result.wall = self.last_wall - wall0
        result.frames = self.frames
        late = sorted(stall for stall, _ in self.stalls) or [0.0]
        busy = sorted(cpu for _, cpu in self.stalls) or [0.0]
        result.stall_p99_ms = 1000 * _p99(late)
        result.stall_max_ms = 1000 * late[-1]
        result.stall_busy_p99_ms = 1000 * _p99(busy)
        result.gc_full = len(self.collections)
        result.gc_full_ms = 1000 * sum(self.collections)
        result.gc_full_max_ms = 1000 * max(self.collections, default=0.0)


def _p99(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def _wait(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:g} s")
        await asyncio.sleep(0.02)


async def run_ours(base_url: str, count: int, pace: float, history: int) -> Result:
    """The real app: type a prompt, Enter, until the reply is folded and drawn."""
    from aijora_tui.config import Settings
    from aijora_tui.tui.app import AijoraApp
    from aijora_tui.tui.screens.chat import ChatScreen

    deltas = make_deltas(count)
    name = f"ours {count}" + (" paced" if pace else "") + (f" +{history} msgs" if history else "")
    result = Result(name, count, sum(map(len, deltas)))
    app = AijoraApp(Settings(api_key=API_KEY, base_url=base_url, model=MODEL))
    probe = Probe()
    probe.attach(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ChatScreen), screen
        log = screen.message_log

        async def reply(body: bytes, timeout: float, measure: bool) -> tuple[Any, float, float]:
            entries_before = len(log.entries)
            queue_script(base_url, body)
            await pilot.press(*PROMPT)
            gc.collect()
            cpu0, wall0 = probe.start() if measure else (0.0, 0.0)
            await pilot.press("enter")

            def ended() -> bool:
                entries = log.entries
                return len(entries) >= entries_before + 2 and entries[-1].state != "streaming"

            await _wait(ended, timeout, "the end of the reply")
            await pilot.pause()
            return log.entries[-1], cpu0, wall0

        warm = script_json(warm_deltas(), 0.0)
        await reply(warm, 60, measure=False)
        load_cpu = time.process_time()
        await log.load(history_entries(history))
        await pilot.pause()
        result.load_cpu = time.process_time() - load_cpu
        entry, cpu0, wall0 = await reply(script_json(deltas, pace), STREAM_TIMEOUT, measure=True)
        await pilot.pause()
        probe.stop()
        probe.fill(result, cpu0, wall0)
        result.applied = count
        result.widgets = len(list(screen.walk_children()))
        result.followed = log.scroll_y >= log.max_scroll_y
        expected = "".join(deltas)
        result.ok = entry.state == "completed" and entry.content == expected
        if not result.ok:
            result.note = f"state {entry.state}, {len(entry.content)}/{len(expected)} chars"
    return result


async def run_stock(base_url: str, count: int, budget: float) -> Result:
    """Textual's `MarkdownStream`, one `write()` per delta, fed by httpx + httpx-sse."""
    import httpx
    from httpx_sse import aconnect_sse
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Markdown

    class StockApp(App[None]):
        def compose(self) -> ComposeResult:
            with VerticalScroll():
                yield Markdown()

        def on_mount(self) -> None:
            self.query_one(VerticalScroll).anchor()

    deltas = make_deltas(count)
    expected = "".join(deltas)
    result = Result(f"stock {count}", count, len(expected))
    app = StockApp()
    probe = Probe()
    probe.attach(app)
    request = {"model": MODEL, "messages": [{"role": "user", "content": PROMPT}], "stream": True}

    async with (
        app.run_test(size=SIZE) as pilot,
        httpx.AsyncClient(timeout=httpx.Timeout(60, connect=5)) as client,
    ):
        scroll = app.query_one(VerticalScroll)

        async def stream_into(md: Markdown, total: int, boxed_at: float | None) -> bool:
            """Feed the queued reply (`total` characters) into `md`; False when stopped at
            the CPU budget."""
            stream = Markdown.get_stream(md)
            url = f"{base_url}/chat/completions"
            async with aconnect_sse(client, "POST", url, json=request) as source:
                async for sse in source.aiter_sse():
                    if sse.data == "[DONE]":
                        break
                    choices = json.loads(sse.data)["choices"]
                    content = choices[0]["delta"].get("content") if choices else None
                    if content:
                        await stream.write(content)
                    if boxed_at is not None and time.process_time() > boxed_at:
                        return False
            deadline = time.monotonic() + STREAM_TIMEOUT
            idle_polls = 0
            while idle_polls < 2:  # stream drained: nothing pending, no append running, twice
                if boxed_at is not None and time.process_time() > boxed_at:
                    return False
                if time.monotonic() > deadline:
                    raise TimeoutError("the stock stream did not drain")
                await asyncio.sleep(0.02)
                idle = not stream._pending and not stream._new_markup.is_set()
                done = len(md.source) >= total
                idle_polls = idle_polls + 1 if idle and done and not md.lock.is_locked else 0
            await stream.stop()
            return True

        warm = warm_deltas()
        warm_md = Markdown()
        await scroll.mount(warm_md)
        queue_script(base_url, script_json(warm, 0.0))
        await stream_into(warm_md, sum(map(len, warm)), None)
        await warm_md.remove()
        await pilot.pause()
        md = app.query_one(Markdown)
        queue_script(base_url, script_json(deltas, 0.0))
        gc.collect()
        cpu0, wall0 = probe.start()
        finished = await stream_into(md, len(expected), cpu0 + budget)
        if finished:
            await pilot.pause()
        else:
            probe.last_cpu, probe.last_wall = time.process_time(), time.perf_counter()
        probe.stop()
        probe.fill(result, cpu0, wall0)
        result.boxed = not finished
        source = md.source
        result.applied = sum(1 for _ in _prefix_deltas(deltas, len(source)))
        result.widgets = len(list(app.screen.walk_children()))
        result.ok = source == expected if finished else expected.startswith(source)
        if not finished:
            result.note = f"stopped at the {budget:g} s CPU budget"
            print(f"RESULT {json.dumps(asdict(result))}", flush=True)
            os._exit(0)  # skip tearing down ~2,000 widgets
    return result


def _prefix_deltas(deltas: list[str], chars: int) -> Iterator[str]:
    """The deltas that make up the first `chars` characters."""
    seen = 0
    for delta in deltas:
        if seen >= chars:
            return
        seen += len(delta)
        yield delta


def worker(args: argparse.Namespace) -> None:
    """Run one scenario in this process and print `RESULT {json}`."""

    async def scenario() -> Result:
        if args.worker == "stock":
            return await run_stock(args.base_url, args.deltas, args.stock_budget)
        with tempfile.TemporaryDirectory(prefix="bench-tui-worker-") as home:
            for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
                os.environ[name] = os.path.join(home, name.lower())  # no user settings
            return await run_ours(args.base_url, args.deltas, args.pace, args.history)

    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    result = asyncio.run(scenario())
    if profiler is not None:
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(35)
        stats.sort_stats("cumulative").print_stats(45)
        if args.profile != "-":
            stats.dump_stats(args.profile)
    print(f"RESULT {json.dumps(asdict(result))}", flush=True)


def run_worker(base_url: str, env: dict[str, str], *options: str) -> Result:
    """One scenario in a child process; its `RESULT` line."""
    command = [sys.executable, "-m", "bench.bench_tui", "--worker", *options, base_url]
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT,
        preexec_fn=die_with_parent,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise RuntimeError(f"worker {options} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result = Result(**json.loads(lines[-1].removeprefix("RESULT ")))
    elapsed = time.perf_counter() - started
    print(f"  {describe(result)}  [{elapsed:.0f} s]", flush=True)
    return result


def describe(result: Result) -> str:
    """One line with everything a scenario measured."""
    note = f"  {result.note}" if result.note else ""
    follow = "" if result.followed else "  DID NOT FOLLOW the stream"
    return (
        f"{result.scenario:<24} cpu {result.cpu:6.2f} s  wall {result.wall:6.2f} s  "
        f"frames {result.frames:4}  stall p99 {result.stall_p99_ms:5.0f} ms "
        f"(on CPU {result.stall_busy_p99_ms:3.0f}) max {result.stall_max_ms:4.0f} ms  "
        f"full GCs {result.gc_full:2} = {result.gc_full_ms:4.0f} ms "
        f"(max {result.gc_full_max_ms:3.0f})"
        f"  widgets {result.widgets}{follow}{note}"
    )


# ---- (d) launch --------------------------------------------------------------------------------

FLOOR_COMMAND = (
    "-c",
    "from textual.app import App\n"
    "from textual.widgets import Footer, TextArea\n"
    "class Floor(App[None]):\n"
    "    def compose(self):\n"
    f"        yield TextArea(placeholder={PLACEHOLDER!r}, compact=True)\n"
    "        yield Footer()\n"
    "Floor().run()\n",
)
"""The least a Textual app showing the same placeholder costs: the floor for (d)."""


def import_top(env: dict[str, str], top: int = 10) -> list[str]:
    """The `top` imports of `aijora_tui.tui.app` by cumulative time, from `-X importtime`."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import aijora_tui.tui.app"],
        env=env,
        cwd=env["HOME"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    rows: list[tuple[int, int, str]] = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((int(parts[1]), int(parts[0]), parts[2].rstrip()))
    rows.sort(reverse=True)
    return [
        f"  {cumulative / 1000:7.1f} ms cumulative {own / 1000:6.1f} ms self  {name}"
        for cumulative, own, name in rows[:top]
    ]


# ---- the report --------------------------------------------------------------------------------


@dataclass
class Row:
    figure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    passed: bool | None = None


def table(rows: list[Row], columns: Sequence[str] = ("value", "baseline")) -> str:
    """The rows aligned under a header; `columns` names the value and baseline columns."""
    cells = [[r.figure, r.value, r.baseline, r.ratio, r.target, _verdict(r)] for r in rows]
    head = ["figure", *columns, "ratio", "target", "pass"]
    widths = [max(len(str(row[i])) for row in [head, *cells]) for i in range(6)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(head, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def _verdict(row: Row) -> str:
    return "" if row.passed is None else ("PASS" if row.passed else "FAIL")


def _cpu(result: Result) -> str:
    bound = ">= " if result.boxed else ""
    applied = f" ({result.applied:,}/{result.deltas:,} deltas)" if result.boxed else ""
    return f"{bound}{result.cpu:.2f} s CPU{applied}"


def stream_rows(
    ours: dict[int, Result], stock: dict[int, Result], paced: Result | None, hist: Result | None
) -> list[Row]:
    rows: list[Row] = []
    small, big = min(ours, default=0), max(ours, default=0)
    for count, result in sorted(ours.items()):
        base = stock.get(count)
        ratio = base.cpu / result.cpu if base and result.cpu else None
        rows.append(
            Row(
                f"(a) {count:,} deltas, ours vs stock MarkdownStream",
                _cpu(result),
                _cpu(base) if base else "",
                "" if ratio is None else f"{'>= ' if base and base.boxed else ''}{ratio:.1f}x less",
                f">= {TARGET_VS_STOCK:g}x less" if count == big else "",
                None if count != big or ratio is None else ratio >= TARGET_VS_STOCK,
            )
        )
    if small and big and small != big:
        per = {n: 1e6 * r.cpu / r.deltas for n, r in ours.items()}
        growth = per[big] / per[small]
        rows.append(
            Row(
                f"(a) ours CPU per delta, {big:,} vs {small:,}",
                f"{per[big]:.0f} µs",
                f"{per[small]:.0f} µs",
                f"{growth:.2f}",
                f"<= {TARGET_GROWTH:g}",
                growth <= TARGET_GROWTH,
            )
        )
        if small in stock and big in stock:
            base_per = {n: 1e6 * stock[n].cpu / max(stock[n].applied, 1) for n in (small, big)}
            rows.append(
                Row(
                    f"(a) stock CPU per delta, {big:,} vs {small:,}",
                    f"{base_per[big]:.0f} µs",
                    f"{base_per[small]:.0f} µs",
                    f"{base_per[big] / base_per[small]:.2f}",
                )
            )
    if big:
        result = ours[big]
        base = stock.get(big)
        rows.append(
            Row(
                f"(a) wall, {big:,} deltas on screen",
                f"{result.wall:.2f} s",
                f"{'>= ' if base.boxed else ''}{base.wall:.2f} s" if base else "",
                "",
                f"< {TARGET_WALL_20K:g} s",
                result.wall < TARGET_WALL_20K,
            )
        )
        rows.append(
            Row(
                f"(a) loop stall p99 / max, {big:,} deltas",
                f"{result.stall_p99_ms:.0f} / {result.stall_max_ms:.0f} ms",
                f"{base.stall_p99_ms:.0f} / {base.stall_max_ms:.0f} ms" if base else "",
            )
        )
    for label, maybe in (("(b)", paced), ("(c)", hist)):
        if maybe is None:
            continue
        result = maybe
        share = result.cpu / result.wall if result.wall else 0.0
        rate = result.deltas / result.wall if result.wall else 0.0
        extra = f" +{result.scenario.split('+')[1]}" if "+" in result.scenario else ""
        rows.append(
            Row(
                f"{label} CPU share, {result.deltas:,} deltas at {rate:.0f}/s{extra}",
                f"{100 * share:.0f} % ({result.cpu:.2f} s / {result.wall:.1f} s)",
                "",
                "",
                f"< {100 * TARGET_CPU_SHARE:.0f} %" if label == "(b)" else "",
                share < TARGET_CPU_SHARE if label == "(b)" else None,
            )
        )
        rows.append(
            Row(
                f"{label} loop stall p99 (max){extra}",
                f"{result.stall_p99_ms:.1f} ms ({result.stall_max_ms:.0f} ms)",
                "",
                "",
                f"< {TARGET_STALL_P99_MS:g} ms" if label == "(b)" else "",
                result.stall_p99_ms < TARGET_STALL_P99_MS if label == "(b)" else None,
            )
        )
    followed = [
        (label, r) for label, r in (("(a)", ours.get(big)), ("(b)", paced), ("(c)", hist)) if r
    ]
    if followed:
        rows.append(
            Row(
                "log followed the reply to its end",
                ", ".join(f"{label} {'yes' if r.followed else 'NO'}" for label, r in followed),
                "",
                "",
                "yes",
                all(r.followed for _, r in followed),
            )
        )
    if paced and hist:
        ratio = hist.cpu / paced.cpu
        rows.append(
            Row(
                "(c) paced stream CPU with 500 messages open vs (b)",
                f"{hist.cpu:.2f} s",
                f"{paced.cpu:.2f} s",
                f"{ratio:.2f}",
                f"<= {TARGET_HISTORY_RATIO:g}",
                ratio <= TARGET_HISTORY_RATIO,
            )
        )
        rows.append(
            Row("(c) load 500 messages (not in the figure above)", f"{hist.load_cpu:.2f} s CPU")
        )
    return rows


def launch_row(times: list[float], floor: list[float]) -> Row:
    median, base = statistics.median(times), statistics.median(floor)
    return Row(
        f"(d) launch to '{PLACEHOLDER}', median of {len(times)}",
        f"{median:.3f} s",
        f"{base:.3f} s bare Textual",
        f"{median / base:.1f}x",
        f"< {TARGET_LAUNCH:g} s",
        median < TARGET_LAUNCH,
    )


def _spread(seconds: list[float]) -> str:
    return "runs " + ", ".join(f"{t:.2f}" for t in seconds) + " s"


def child_env(home: Path) -> dict[str, str]:
    """The environment of every child: XDG dirs in `home`, no user settings, bytecode allowed."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AIJORA_") and key not in ("PYTHONDONTWRITEBYTECODE", "TMUX")
    }
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    env["HOME"] = str(home)
    env["TERM"] = "xterm-256color"
    env["COLORTERM"] = "truecolor"
    env["PYTHONPATH"] = str(ROOT)
    env.pop("NO_COLOR", None)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=2000, help="deltas of the short reply")
    parser.add_argument("--big", type=int, default=20000, help="deltas of the long reply")
    parser.add_argument("--paced", type=int, default=4000, help="deltas of the paced reply")
    parser.add_argument("--history-size", type=int, default=500, help="messages for (c)")
    parser.add_argument(
        "--stock-budget",
        type=float,
        default=150.0,
        help="CPU seconds after which the stock baseline stops (its figure is then a bound)",
    )
    parser.add_argument("--launch-runs", type=int, default=5)
    parser.add_argument("--only", default="abcd", help="parts to run, e.g. 'ab'")
    parser.add_argument("--worker", choices=("ours", "stock"), help=argparse.SUPPRESS)
    parser.add_argument("--deltas", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--pace", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--history", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument(
        "--profile", metavar="FILE", help="with --worker: cProfile to stderr (and FILE unless -)"
    )
    parser.add_argument("base_url", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return 0

    started = time.perf_counter()
    rows: list[Row] = []
    imports: list[str] = []
    ours: dict[int, Result] = {}
    stock: dict[int, Result] = {}
    paced: Result | None = None
    hist: Result | None = None
    with tempfile.TemporaryDirectory(prefix="bench-tui-") as tmp, fake_server() as base_url:
        env = child_env(Path(tmp))
        budget = ("--stock-budget", str(args.stock_budget))
        if "a" in args.only:
            print("(a) streaming as fast as the server sends", flush=True)
            for count in (args.small, args.big):
                ours[count] = run_worker(base_url, env, "ours", "--deltas", str(count))
                stock[count] = run_worker(base_url, env, "stock", "--deltas", str(count), *budget)
        if "b" in args.only or "c" in args.only:
            print(f"(b)/(c) {args.paced:,} deltas paced at {1 / PACE:.0f}/s", flush=True)
            paced_args = ("ours", "--deltas", str(args.paced), "--pace", str(PACE))
            if "b" in args.only:
                paced = run_worker(base_url, env, *paced_args)
            if "c" in args.only:
                history = ("--history", str(args.history_size))
                hist = run_worker(base_url, env, *paced_args, *history)
        rows += stream_rows(ours, stock, paced, hist)
        if "d" in args.only:
            print("(d) launch in a pseudo-terminal", flush=True)
            launch_env = {**env, "AIJORA_API_KEY": API_KEY, "AIJORA_BASE_URL": base_url}
            launch_once(
                launch_env, timeout=LAUNCH_TIMEOUT
            )  # warm-up: bytecode, page cache, models cache
            launch_once(launch_env, FLOOR_COMMAND, timeout=LAUNCH_TIMEOUT)
            times: list[float] = []
            floor: list[float] = []
            for _ in range(args.launch_runs):  # interleaved, so load changes hit both alike
                times.append(launch_once(launch_env, timeout=LAUNCH_TIMEOUT))
                floor.append(launch_once(launch_env, FLOOR_COMMAND, timeout=LAUNCH_TIMEOUT))
            rows.append(launch_row(times, floor))
            print(f"  aijora-tui {_spread(times)}; bare Textual app {_spread(floor)}", flush=True)
            imports = import_top(env)
    print()
    print(table(rows))
    results = [r for r in [*ours.values(), *stock.values(), paced, hist] if r is not None]
    broken = [r for r in results if not r.ok or not r.followed]
    for result in broken:
        if not result.ok:
            print(f"WARNING: {result.scenario}: wrong text on screen ({result.note})")
        if not result.followed:
            print(f"WARNING: {result.scenario}: the log did not follow the reply to its end")
    if imports:
        print("\nimport aijora_tui.tui.app, top 10 cumulative (python -X importtime):")
        print("\n".join(imports))
    print(f"\n{_versions()}; {time.perf_counter() - started:.0f} s in all")
    return 0 if all(r.passed is not False for r in rows) and not broken else 1


def _versions() -> str:
    from importlib import metadata

    load = os.getloadavg()
    textual = metadata.version("textual")
    return f"Python {sys.version.split()[0]}, textual {textual}, load average {load[0]:.1f}"


if __name__ == "__main__":
    sys.exit(main())
