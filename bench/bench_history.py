"""History benchmark (issue #4): launch, history list, search and a long conversation, one run.

    .venv/bin/python -m bench.bench_history        # from the repository root; --help for options

1. A database of 10,000 conversations / 200,000 messages built with `bench_store`'s generator
   in a temporary XDG_DATA_HOME; the assistant messages of the 2,000-message conversation and
   of one 20-message conversation are then rewritten as chat-answer Markdown.
2. `python -m aijora_tui` in a 120x40 pseudo-terminal until "Ask anything" is drawn, median of
   `--launch-runs`, alternating with the same launch on an empty history as the baseline.
3. In child processes running `AijoraApp.run_test(size=(120, 40))`: Ctrl+L until the first page
   of the list is drawn (3 times); 10 words of every frequency typed into the search box until
   their hits are drawn, split into debounce, store call and drawing, next to `Store.search`
   alone; `ChatScreen.open_conversation` of the long conversation until its last message is
   drawn (the first open of the process, then warm ones); `scroll_to(y=0)` again and again
   (each time the log pages in the messages before its window) until message 0 is drawn. When
   a page is in and the view still sits at y=0, a further jump pages in nothing (as PageUp or
   the wheel would not): that is reported as a stall, and the view is nudged to go on.
4. Peak RSS (`ru_maxrss`) of the child that opened and scrolled the 2,000-message conversation
   against the child that did the same with the 20-message one; also the objects the garbage
   collector tracks and the full collections that ran while a conversation opened.

"Drawn" means the first frame (`App._display`) after which the condition holds. Everything is
local: the API URL points at a closed port on 127.0.0.1, the XDG directories and HOME are in a
temporary directory, every wait and child process has a timeout. Exit status 0 only when every
target is met. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import pstats
import random
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aijora_tui.core.async_store import AsyncStore
from aijora_tui.core.records import SearchHit
from aijora_tui.core.search import HIGHLIGHT_END, HIGHLIGHT_START
from bench import bench_store
from bench.launch import PLACEHOLDER, launch_once

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.app import App
    from textual.pilot import Pilot
    from textual.screen import Screen
    from textual.widget import Widget

    from aijora_tui.tui.app import AijoraApp
    from aijora_tui.tui.screens.chat import ChatScreen
    from aijora_tui.tui.widgets.message_log import MessageLog

ROOT = Path(__file__).resolve().parent.parent
SIZE = (120, 40)
LONG_ID = 1
"""`bench_store.conversation_sizes()` puts the 2,000-message conversation first."""
SHORT_SIZE = 20
SEARCH_RANKS = (1, 3, 10, 30, 100, 300, 1_000, 3_000, 10_000, 19_000)
"""Frequency ranks (in `bench_store`'s Zipf vocabulary) of the words searched."""
SEARCH_LIMIT = 100
"""Hits the history screen asks `AsyncStore.search` for (`HistoryScreen.search`)."""
STORE_RUNS = 5
HISTORY_OPENS = 3
REOPENS = 3
"""Warm opens of the long conversation, after the cold one (and after peak RSS is taken)."""

TARGET_SEARCH_MS = 50.0
TARGET_OPEN_S = 0.5
TARGET_MEMORY_RATIO = 1.5

LAUNCH_TIMEOUT = 20.0
WORKER_TIMEOUT = 240.0
STEP_TIMEOUT = 20.0
"""Seconds any one awaited UI step may take before the worker gives up."""
SCROLL_TIMEOUT = 150.0
MAX_SCROLL_STEPS = 400
POLL = 0.005
"""Seconds between checks of a condition that may come true without a repaint."""

Kind = Literal["search", "long", "short"]


# ---- the database ------------------------------------------------------------------------------


def _sentence(rng: random.Random, words: Sequence[str]) -> str:
    picked = rng.choices(words, k=rng.randint(6, 16))
    spot = rng.randrange(len(picked))
    word = picked[spot]
    picked[spot] = rng.choice((f"**{word}**", f"`{word}()`", f"*{word}*", word, word))
    text = " ".join(picked)
    return text[0].upper() + text[1:] + rng.choice("....?!")


def _paragraph(rng: random.Random, words: Sequence[str]) -> str:
    return " ".join(_sentence(rng, words) for _ in range(rng.randint(2, 4)))


def _bullets(rng: random.Random, words: Sequence[str]) -> str:
    ordered = rng.random() < 0.3
    return "\n".join(
        f"{f'{n}.' if ordered else '-'} {_sentence(rng, words)}"
        for n in range(1, rng.randint(3, 6) + 1)
    )


def _code(rng: random.Random, words: Sequence[str]) -> str:
    lines = [f"def {rng.choice(words)}_{rng.choice(words)}(value, count=3):"]
    for _ in range(rng.randint(3, 12)):
        name, other = rng.choice(words), rng.choice(words)
        lines.append(f'    {name} = {other}.get("{name}", {rng.randint(0, 99)})')
    lines.append(f"    return {rng.choice(words)}(value)")
    language = rng.choice(("python", "python", "javascript", "bash", ""))
    return f"```{language}\n" + "\n".join(lines) + "\n```"


def _table(rng: random.Random, words: Sequence[str]) -> str:
    columns = rng.randint(3, 4)
    rows = [
        "| " + " | ".join(rng.choice(words).title() for _ in range(columns)) + " |",
        "|" + "|".join("---" for _ in range(columns)) + "|",
    ]
    for _ in range(rng.randint(2, 5)):
        cells = (
            rng.choice((rng.choice(words), f"`{rng.randint(0, 9999)}`")) for _ in range(columns)
        )
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _quote(rng: random.Random, words: Sequence[str]) -> str:
    return "> " + _sentence(rng, words)


BLOCKS = ((_paragraph, 0.45), (_bullets, 0.2), (_code, 0.15), (_table, 0.1), (_quote, 0.1))


def markdown_reply(rng: random.Random, words: Sequence[str]) -> str:
    """A chat answer of 300-2,000 characters: a heading, then paragraphs, lists, code, tables."""
    makers = [maker for maker, _ in BLOCKS]
    weights = [weight for _, weight in BLOCKS]
    size = rng.randint(300, 2_000)
    title = " ".join(rng.choices(words, k=rng.randint(2, 5))).title()
    blocks = [f"{'#' * rng.choice((2, 3))} {title}"]
    length = len(blocks[0])
    while length < size:
        blocks.append(rng.choices(makers, weights)[0](rng, words))
        length += len(blocks[-1]) + 2
    return "\n\n".join(blocks)


def short_conversation_id() -> int:
    """The first conversation `bench_store` gives `SHORT_SIZE` messages."""
    sizes = bench_store.conversation_sizes()
    assert sizes[LONG_ID - 1] == bench_store.LONG_CONVERSATION
    return next(i for i, size in enumerate(sizes, start=1) if size == SHORT_SIZE)


def build_database(path: Path, seed: int) -> tuple[float, int]:
    """`bench_store.build`, then Markdown replies in the long and the short conversation.

    Returns (seconds, characters of the long conversation).
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    words = bench_store.vocabulary(rng)
    bench_store.build(path, words, rng)
    markdown_words = words[:3_000]  # common words: the replies read like the rest of the text
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        ids = conn.execute(
            "SELECT id FROM messages WHERE conversation_id IN (?, ?) AND role = 'assistant'",
            (LONG_ID, short_conversation_id()),
        ).fetchall()
        replies = [(markdown_reply(rng, markdown_words), row[0]) for row in ids]
        conn.execute("BEGIN")
        conn.executemany(
            "UPDATE messages SET content = ?, total_tokens = length(?) / 4 WHERE id = ?",
            ((text, text, message_id) for text, message_id in replies),
        )
        conn.execute("COMMIT")
        (chars,) = conn.execute(
            "SELECT sum(length(content)) FROM messages WHERE conversation_id = ?", (LONG_ID,)
        ).fetchone()
    finally:
        conn.close()
    return time.perf_counter() - started, int(chars)


def search_words(seed: int) -> list[str]:
    """The words of `SEARCH_RANKS`, from the vocabulary `build_database` used."""
    words = bench_store.vocabulary(random.Random(seed))
    return [words[rank - 1] for rank in SEARCH_RANKS]


# ---- the headless app (child processes) --------------------------------------------------------


@dataclass
class Expected:
    condition: Callable[[], bool]
    future: asyncio.Future[float]


class Frames:
    """Times the first frame (`App._display`) after which a condition holds."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._waiting: list[Expected] = []
        original = app._display

        def display(screen: Screen[Any], renderable: RenderableType | None) -> None:
            original(screen, renderable)
            if renderable is not None and self._waiting:
                self._check(time.perf_counter())

        app._display = display  # type: ignore[method-assign]

    def _check(self, now: float) -> None:
        for expected in self._waiting:
            if not expected.future.done() and expected.condition():
                expected.future.set_result(now)
        self._waiting = [e for e in self._waiting if not e.future.done()]

    def expect(self, condition: Callable[[], bool]) -> Expected:
        """Call before the action that should lead to `condition`; then `drawn()`."""
        expected = Expected(condition, asyncio.get_running_loop().create_future())
        self._waiting.append(expected)
        return expected

    async def drawn(self, expected: Expected, what: str, timeout: float = STEP_TIMEOUT) -> float:
        """perf_counter() of the first frame after which the condition held.

        Should the condition come true with no repaint on its way (a worker that only ends,
        say), a repaint is asked for: the figure is then late by at most one poll and a frame.
        """
        deadline = time.perf_counter() + timeout
        while not expected.future.done():
            left = deadline - time.perf_counter()
            if left <= 0:
                expected.future.cancel()
                raise TimeoutError(f"{what}: not drawn within {timeout:g} s")
            await asyncio.wait([expected.future], timeout=min(POLL, left))
            if not expected.future.done() and expected.condition():
                self._app.screen.refresh()
        return expected.future.result()


async def until(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> None:
    """Let the app run until `condition()` holds (not timed)."""
    deadline = time.monotonic() + STEP_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {STEP_TIMEOUT:g} s")
        await pilot.pause(0.01)


def on_screen(widget: Widget | None) -> bool:
    """The widget is laid out and at least partly inside its container's visible area."""
    from textual.errors import NoWidget

    if widget is None or not widget.is_mounted:
        return False
    try:
        return bool(widget.screen.find_widget(widget).visible_region)
    except NoWidget:
        return False


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class FullCollections:
    """Pauses of the full (generation 2) garbage collections while installed: (start, s)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, float]] = []
        self._started = 0.0

    def install(self) -> None:
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            now = time.perf_counter()
            if phase == "start":
                self._started = now
            else:
                self.pauses.append((self._started, now - self._started))

    def between(self, start: float, end: float) -> float:
        return sum(seconds for began, seconds in self.pauses if start <= began < end)


FULL_GC = FullCollections()


class TimedStore(AsyncStore):
    """The app's store, recording every search the UI makes: (query, start, end, hits)."""

    def __init__(self, store: AsyncStore) -> None:
        super().__init__(store._store, store._executor)
        self.searches: list[tuple[str, float, float, int]] = []

    async def search(
        self,
        query: str,
        limit: int = 50,
        *,
        start: str = HIGHLIGHT_START,
        end: str = HIGHLIGHT_END,
    ) -> list[SearchHit]:
        began = time.perf_counter()
        hits = await super().search(query, limit, start=start, end=end)
        self.searches.append((query, began, time.perf_counter(), len(hits)))
        return hits


def store_search_ms(words: Sequence[str]) -> list[tuple[str, int, float]]:
    """(word, hits, median ms) of `Store.search` alone, in this process, no UI."""
    from aijora_tui.core.store import Store

    rows = []
    with Store.open() as store:
        for word in words:
            hits = len(store.search(word, SEARCH_LIMIT))  # also the warm-up
            times = []
            for _ in range(STORE_RUNS):
                started = time.perf_counter()
                store.search(word, SEARCH_LIMIT)
                times.append((time.perf_counter() - started) * 1000)
            rows.append((word, hits, statistics.median(times)))
    return rows


async def history_and_search(
    app: AijoraApp, pilot: Pilot[Any], frames: Frames, words: Sequence[str]
) -> dict[str, Any]:
    """Ctrl+L to the first page of the list (several times), then the words typed one by one."""
    from textual.widgets import Input

    from aijora_tui.tui.screens.chat import ChatScreen
    from aijora_tui.tui.screens.history import PAGE, HistoryScreen

    chat = app.screen
    assert isinstance(chat, ChatScreen)
    assert chat.message_log.recorder.store is not None
    timed = TimedStore(chat.message_log.recorder.store)
    chat.message_log.recorder.store = timed

    def listed() -> bool:
        screen = app.screen
        return isinstance(screen, HistoryScreen) and screen.option_list.option_count >= PAGE

    opens = []
    for attempt in range(HISTORY_OPENS):
        if attempt:
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is chat, "closing the history")
            await pilot.pause()
        expected = frames.expect(listed)
        started = time.perf_counter()
        await pilot.press("ctrl+l")
        opens.append(await frames.drawn(expected, "the first page of the history") - started)
    history = app.screen
    assert isinstance(history, HistoryScreen)
    box = history.query_one("#history-search", Input)
    box.focus()

    def first_key() -> str:
        option_list = history.option_list
        if not option_list.option_count:
            return ""
        return option_list.get_option_at_index(0).id or "-"

    queries = []
    for word in words:
        box.value = ""
        await until(pilot, lambda: first_key().startswith("c"), "the list after clearing")
        await pilot.pause()
        if len(word) > 1:
            await pilot.press(*word[:-1])
        done_before = len(timed.searches)

        def hits_drawn(word: str = word, before: int = done_before) -> bool:
            return (
                len(timed.searches) > before
                and timed.searches[-1][0] == word
                and first_key() in ("h0", "-")
            )

        expected = frames.expect(hits_drawn)
        started = time.perf_counter()
        await pilot.press(word[-1])
        shown = await frames.drawn(expected, f"the hits for {word!r}")
        _, began, ended, hits = timed.searches[-1]
        queries.append(
            {
                "word": word,
                "hits": hits,
                "round_trip": shown - started,
                "until_store": began - started,
                "store": ended - began,
                "draw": shown - ended,
            }
        )
    return {"history_opens": opens, "queries": queries}


@dataclass
class Opened:
    """Seconds from `ChatScreen.open_conversation` to each point."""

    returned: float
    first_paint: float
    """The first frame with the last message on screen."""
    idle: float
    """`pilot.pause()` returned after the first paint."""
    full_gc: float
    """Spent in full garbage collections before the first paint."""


async def open_conversation(
    pilot: Pilot[Any], frames: Frames, chat: ChatScreen, conversation: int
) -> Opened:
    log = chat.message_log
    before = log.entries

    def last_drawn() -> bool:
        entries = log.entries
        return entries is not before and bool(entries) and on_screen(log.view_for(entries[-1]))

    expected = frames.expect(last_drawn)
    started = time.perf_counter()
    await chat.open_conversation(conversation)
    returned = time.perf_counter()
    first_paint = await frames.drawn(expected, f"the last message of conversation {conversation}")
    await pilot.pause()
    return Opened(
        returned - started,
        first_paint - started,
        time.perf_counter() - started,
        FULL_GC.between(started, first_paint),
    )


async def open_and_scroll(
    app: AijoraApp, pilot: Pilot[Any], frames: Frames, conversation: int, other: int | None
) -> dict[str, Any]:
    """Open a conversation until its last message is drawn, then scroll to its first one.

    With `other`, then open `other` and the conversation again, `REOPENS` times: warm opens.
    """
    from aijora_tui.tui.screens.chat import ChatScreen
    from aijora_tui.tui.widgets.message_view import MessageView

    chat = app.screen
    assert isinstance(chat, ChatScreen)
    log = chat.message_log
    ready_rss = peak_rss_mb()
    opened = await open_conversation(pilot, frames, chat, conversation)
    count = len(log.entries)
    scroll = await scroll_to_start(pilot, frames, log)
    result = {
        "messages": count,
        **asdict(opened),
        **scroll,
        "mounted_after": len(log.query(MessageView)),
        "objects_after": len(gc.get_objects()),
        "ready_rss": ready_rss,
        "peak_rss": peak_rss_mb(),
        "warm": [],
    }
    for _ in range(REOPENS if other is not None else 0):
        assert other is not None
        await open_conversation(pilot, frames, chat, other)
        result["warm"].append(asdict(await open_conversation(pilot, frames, chat, conversation)))
    return result


async def scroll_to_start(pilot: Pilot[Any], frames: Frames, log: MessageLog) -> dict[str, Any]:
    """`scroll_to(y=0)` again and again until entry 0 is drawn at the top.

    Each jump to the top makes the log mount the page before its window (a "window" worker)
    and, after the next refresh, shift the view down by what it added, so that the next jump
    pages in again. A step is timed from the jump to the first frame with the page mounted
    and the worker done; the app is then let settle (not timed). When the view is still at
    y=0 after that, a further jump changes nothing and nothing more pages in, as with PageUp or
    the wheel at the top: that is counted as a stall, and the view is nudged (y=1, then y=0)
    so that the measurement goes on.
    """
    entries = log.entries
    workers = log.app.workers
    first = next(i for i, entry in enumerate(entries) if log.view_for(entry) is not None)
    deadline = time.perf_counter() + SCROLL_TIMEOUT
    steps: list[float] = []
    stalls = 0
    first_stall: int | None = None

    def at_start() -> bool:
        return log.scroll_y == 0 and on_screen(log.view_for(entries[0]))

    while first > 0:
        if len(steps) >= MAX_SCROLL_STEPS:
            raise TimeoutError(f"message 0 not reached in {MAX_SCROLL_STEPS} steps")
        if log.scroll_y == 0:
            stalls += 1
            first_stall = first if first_stall is None else first_stall
            log.scroll_to(y=1, animate=False)
        top = first

        def paged(top: int = top) -> bool:
            idle = not any(w.group == "window" and not w.is_finished for w in workers)
            return idle and log.view_for(entries[top - 1]) is not None

        expected = frames.expect(paged)
        started = time.perf_counter()
        log.scroll_to(y=0, animate=False)
        left = deadline - started
        steps.append(await frames.drawn(expected, f"the page before {top}", left) - started)
        await pilot.pause()  # the log's shift after the refresh
        while first > 0 and log.view_for(entries[first - 1]) is not None:
            first -= 1
    expected = frames.expect(at_start)
    started = time.perf_counter()
    log.scroll_to(y=0, animate=False)
    left = max(0.1, deadline - started)
    steps.append(await frames.drawn(expected, "message 0 at the top", left) - started)
    return {
        "scroll": sum(steps),
        "pages": len(steps) - 1,
        "slowest_page": max(steps),
        "stalls": stalls,
        "first_stall": first_stall,
    }


async def session(kind: Kind, base_url: str, seed: int) -> dict[str, Any]:
    from aijora_tui.config import Settings
    from aijora_tui.tui.app import AijoraApp
    from aijora_tui.tui.screens.chat import ChatScreen

    FULL_GC.install()
    result: dict[str, Any] = {"kind": kind}
    if kind == "search":
        result["store_search"] = store_search_ms(search_words(seed))
    app = AijoraApp(Settings(api_key="x", base_url=base_url, model="bench-model"))
    frames = Frames(app)
    async with app.run_test(size=SIZE) as pilot:
        chat = app.screen
        assert isinstance(chat, ChatScreen), chat
        await until(pilot, lambda: chat.message_log.recorder.store is not None, "opening the store")
        await pilot.pause()
        if kind == "search":
            result |= await history_and_search(app, pilot, frames, search_words(seed))
        else:
            short = short_conversation_id()
            if kind == "long":
                result |= await open_and_scroll(app, pilot, frames, LONG_ID, short)
            else:
                result |= await open_and_scroll(app, pilot, frames, short, None)
        result.setdefault("peak_rss", peak_rss_mb())
    return result


def worker(kind: Kind, base_url: str, seed: int, profile: bool) -> None:
    """Run one session in this process and print `RESULT {json}` (profile on stderr)."""
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    result = asyncio.run(session(kind, base_url, seed))
    if profiler is not None:
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
    print(f"RESULT {json.dumps(result)}", flush=True)


def run_worker(
    kind: Kind, env: dict[str, str], base_url: str, seed: int, profile: bool
) -> dict[str, Any]:
    """One session in a child process (so peaks of RSS do not mix); its `RESULT`."""
    command = [sys.executable, "-m", "bench.bench_history", "--worker", kind]
    command += ["--base-url", base_url, "--seed", str(seed)]
    if profile:
        command.append("--profile-worker")
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=WORKER_TIMEOUT
    )
    if profile:
        print(done.stderr, file=sys.stderr)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise RuntimeError(f"worker {kind} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("RESULT "))
    return result


def closed_port_url() -> str:
    """An API URL on 127.0.0.1 where nothing listens: the app's model request fails at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def child_env(home: Path, base_url: str) -> dict[str, str]:
    """XDG dirs and HOME in `home`, no user settings, bytecode allowed, the fake API."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIJORA_", "XDG_")) and key not in ("PYTHONDONTWRITEBYTECODE",)
    }
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    env |= {
        "HOME": str(home),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "PYTHONPATH": str(ROOT),
        "AIJORA_API_KEY": "x",
        "AIJORA_BASE_URL": base_url,
    }
    env.pop("TMUX", None)
    env.pop("NO_COLOR", None)
    return env


# ---- the report --------------------------------------------------------------------------------


@dataclass
class Row:
    figure: str
    value: str
    target: str = "-"
    passed: bool | None = None


def table(rows: Sequence[Row]) -> str:
    head = ("figure", "value", "target", "pass")
    cells = [
        (r.figure, r.value, r.target, "" if r.passed is None else ("PASS" if r.passed else "FAIL"))
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [head, *cells]) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def report(
    launch: tuple[list[float], list[float]],
    search: dict[str, Any],
    long: dict[str, Any],
    short: dict[str, Any],
) -> list[Row]:
    history_launch, empty_launch = (statistics.median(runs) for runs in launch)
    store = [row[2] for row in search["store_search"]]
    queries = search["queries"]

    def median_ms(key: str) -> str:
        return ms(statistics.median(q[key] for q in queries))

    trips = [q["round_trip"] for q in queries]
    warm = statistics.median(opened["first_paint"] for opened in long["warm"])
    ratio = long["peak_rss"] / short["peak_rss"]
    pages = long["pages"]
    stalled = long["stalls"] > 0
    return [
        Row(
            f"launch to {PLACEHOLDER!r} drawn, median of {len(launch[0])}",
            f"{history_launch:.2f} s (empty history {empty_launch:.2f} s)",
        ),
        Row(
            f"history: Ctrl+L to first page drawn, median of {len(search['history_opens'])}",
            ms(statistics.median(search["history_opens"])),
        ),
        Row(
            f"search: Store.search alone, median of {len(store)} words",
            f"{statistics.median(store):.1f} ms (slowest {max(store):.1f} ms)",
            f"< {TARGET_SEARCH_MS:.0f} ms",
            statistics.median(store) < TARGET_SEARCH_MS,
        ),
        Row(
            "search: last key to hits drawn (UI), median",
            f"{ms(statistics.median(trips))} (slowest {ms(max(trips))})",
        ),
        Row("  of which key to store call (debounce)", median_ms("until_store")),
        Row("  of which store call from the UI", median_ms("store")),
        Row("  of which store result to hits drawn", median_ms("draw")),
        Row(
            f"open {long['messages']:,} messages: first paint, first open",
            f"{long['first_paint']:.2f} s (call returned {long['returned']:.2f} s)",
            f"< {TARGET_OPEN_S} s",
            long["first_paint"] < TARGET_OPEN_S,
        ),
        Row(
            f"open {long['messages']:,} messages: first paint, warm, median of {REOPENS}",
            f"{warm:.2f} s",
            f"< {TARGET_OPEN_S} s",
            warm < TARGET_OPEN_S,
        ),
        Row(
            f"open {short['messages']} messages: first paint, first open",
            f"{short['first_paint']:.2f} s",
        ),
        Row(
            "scroll end to start: scroll_to(y=0) alone pages in",
            f"stops at message {long['first_stall']} ({long['stalls']}/{pages} pages nudged)"
            if stalled
            else f"yes ({pages} pages)",
            "message 0",
            not stalled,
        ),
        Row(
            "scroll end to start, to message 0 drawn" + (" (nudged)" if stalled else ""),
            f"{long['scroll']:.1f} s, {pages} pages, {ms(long['scroll'] / max(1, pages))}/page"
            f" (slowest {ms(long['slowest_page'])})",
        ),
        Row(
            f"peak RSS {long['messages']:,} opened+scrolled / {short['messages']} messages",
            f"{long['peak_rss']:.0f} / {short['peak_rss']:.0f} MB = {ratio:.2f}x",
            f"<= {TARGET_MEMORY_RATIO}x",
            ratio <= TARGET_MEMORY_RATIO,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--launch-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--profile",
        default="",
        help="comma-separated workers (search,long,short) to run under cProfile (to stderr)",
    )
    parser.add_argument("--worker", choices=("search", "long", "short"), help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--profile-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.base_url, args.seed, args.profile_worker)
        return 0

    started = time.perf_counter()
    base_url = closed_port_url()
    with tempfile.TemporaryDirectory(prefix="aijora-history-bench-") as directory:
        home, empty = Path(directory) / "home", Path(directory) / "empty"
        env, empty_env = child_env(home, base_url), child_env(empty, base_url)
        for path in (home, empty):
            for name in ("xdg_config_home", "xdg_data_home", "xdg_state_home", "xdg_cache_home"):
                (path / name).mkdir(parents=True)
        database = home / "xdg_data_home" / "aijora-tui" / "history.sqlite3"
        database.parent.mkdir(mode=0o700)
        seconds, chars = build_database(database, args.seed)
        print(
            f"built {bench_store.CONVERSATIONS:,} conversations, {bench_store.MESSAGES:,} messages"
            f" in {seconds:.0f} s ({database.stat().st_size / 1e6:.0f} MB); conversation"
            f" {LONG_ID}: {bench_store.LONG_CONVERSATION:,} messages, {chars / 1e6:.1f} MB,"
            f" Markdown replies; conversation {short_conversation_id()}: {SHORT_SIZE} messages",
            flush=True,
        )
        launches: tuple[list[float], list[float]] = ([], [])
        for _ in range(args.launch_runs):
            launches[0].append(launch_once(env, timeout=LAUNCH_TIMEOUT))
            launches[1].append(launch_once(empty_env, timeout=LAUNCH_TIMEOUT))
        print(
            "launch: history "
            + " ".join(f"{s:.2f}" for s in launches[0])
            + " s; empty "
            + " ".join(f"{s:.2f}" for s in launches[1])
            + " s",
            flush=True,
        )
        results: dict[Kind, dict[str, Any]] = {}
        kinds: tuple[Kind, ...] = ("search", "long", "short")
        for kind in kinds:
            profile = kind in args.profile.split(",")
            results[kind] = run_worker(kind, env, base_url, args.seed, profile)
            print(f"worker {kind} done ({time.perf_counter() - started:.0f} s in all)", flush=True)
    search = results["search"]
    for word, hits, elapsed in search["store_search"]:
        query = next(q for q in search["queries"] if q["word"] == word)
        print(
            f"  {word!r:12} {hits:3} hits  store {elapsed:6.1f} ms | UI: round trip"
            f" {ms(query['round_trip']):>7} = to store {ms(query['until_store']):>6}"
            f" + store {ms(query['store']):>6} + draw {ms(query['draw']):>6}"
        )
    print(f"  history opens: {' '.join(ms(s) for s in search['history_opens'])}")
    for kind in ("long", "short"):
        res = results[kind]
        print(
            f"  {kind}: {res['messages']} messages, {res['mounted_after']} views mounted;"
            f" {res['pages']} pages scrolled in {res['scroll']:.2f} s (slowest"
            f" {ms(res['slowest_page'])}, {res['stalls']} nudged);"
            f" peak RSS {res['ready_rss']:.0f} MB ready, {res['peak_rss']:.0f} MB after"
            f" scrolling; {res['objects_after']:,} objects tracked by the GC after"
        )
        for name, opened in [("first open", res), *(("warm open", o) for o in res["warm"])]:
            print(
                f"    {name:10}: returned {opened['returned']:.2f} s, first paint"
                f" {opened['first_paint']:.2f} s (full GC {ms(opened['full_gc'])}),"
                f" idle {opened['idle']:.2f} s"
            )
    rows = report(launches, search, results["long"], results["short"])
    print()
    print(table(rows))
    print(f"\nwhole run {time.perf_counter() - started:.0f} s")
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
