"""Escape while a large reply streams at wire speed: how soon it stops (target < 100 ms).

    .venv/bin/python -m bench.bench_cancel            # from the repository root; ~1 minute

The app runs headless (`run_test`, 160x45) against the project's fake server in its own process
(`tests/fake_server.py`), which sends an endless reply as fast as it can (1,000 characters an
event, an event every 0.2 ms: ~5 MB/s), as a hostile or broken server might. Two shapes: one
endless line (no line break, ever) and paragraphs of 1,000 characters. Once the reply holds
0.05, 0.5, 2 and 3.5 MB (the default bound is 4 MB), Escape is posted to the app, and measured:

- Escape to cancel: until the log's `cancel()` runs (the key went through the app's queue);
- to cancelled: until the reply's state is `cancelled` (the worker stopped, the session ended
  the reply);
- to header: until the message's header says so (what the user sees change);
- loop lateness: while the reply streamed, a task sleeping 5 ms over and over recorded how late
  each wake-up was (p50 and max): what a key press waits for.

Exit 0 when every Escape-to-header is under the target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from textual import events
from textual.pilot import Pilot

TARGET_MS = 100.0
SIZES_MB = (0.05, 0.5, 2.0, 3.5)
SHAPES: dict[str, str] = {"one endless line": "word " * 200, "paragraphs": "word " * 199 + "\n\n"}
TIMEOUT = 120.0


async def wait_for(condition: Callable[[], bool], deadline: float) -> float:
    """Poll every millisecond until `condition()`; the time it held (perf_counter)."""
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(0.001)
    return time.perf_counter()


def cancelled(entry: Any) -> Callable[[], bool]:
    return lambda: bool(entry.state == "cancelled")


def says_cancelled(view: Any) -> Callable[[], bool]:
    """The message's header says cancelled (no view: nothing to wait for)."""
    return lambda: view is None or "cancelled" in str(view.query_one(".message-header").render())


async def one_shape(pilot: Pilot[int], url: str, step: str) -> list[dict[str, float]]:
    from aijora_tui.tui.widgets import log_turns
    from bench.bench_tui import queue_script
    from tests.fake_server import chunk, endless

    app = pilot.app
    cancelled_at: list[float] = []
    original = log_turns.StreamingTurns.cancel

    def cancel(self: log_turns.StreamingTurns) -> None:
        cancelled_at.append(time.perf_counter())
        original(self)

    log_turns.StreamingTurns.cancel = cancel  # type: ignore[method-assign]
    rows = []
    try:
        for size in SIZES_MB:
            script = endless(chunk(step), seconds=TIMEOUT, interval=0.0002)
            queue_script(url, json.dumps(script.to_json()).encode())
            app.screen.query_one("PromptInput").text = "go"  # type: ignore[attr-defined]
            app.post_message(events.Key("enter", "\r"))  # pilot.press would wait for idle
            log = app.screen.query_one("#log")
            started = time.perf_counter()
            deadline = started + TIMEOUT
            lateness: list[float] = []
            while not (len(log.entries) >= 2 and len(log.entries[-1].content) >= size * 1e6):  # type: ignore[attr-defined]
                before = time.perf_counter()
                await asyncio.sleep(0.005)
                lateness.append(time.perf_counter() - before - 0.005)
                if time.perf_counter() > deadline:
                    raise TimeoutError("the reply did not grow in time")
            entry = log.entries[-1]  # type: ignore[attr-defined]
            view = log.view_for(entry)  # type: ignore[attr-defined]
            cancelled_at.clear()
            escape = time.perf_counter()
            app.post_message(events.Key("escape", None))
            state = await wait_for(cancelled(entry), escape + TIMEOUT)
            header = await wait_for(says_cancelled(view), escape + TIMEOUT)
            lateness.sort()
            rows.append(
                {
                    "MB": len(entry.content) / 1e6,
                    "to cancel": 1000 * (cancelled_at[0] - escape) if cancelled_at else -1,
                    "to cancelled": 1000 * (state - escape),
                    "to header": 1000 * (header - escape),
                    "lateness p50": 1000 * lateness[len(lateness) // 2] if lateness else 0.0,
                    "lateness max": 1000 * lateness[-1] if lateness else 0.0,
                }
            )
            await pilot.pause(0.5)
            await pilot.press("ctrl+n")
            await pilot.pause(0.5)
    finally:
        log_turns.StreamingTurns.cancel = original  # type: ignore[method-assign]
    return rows


async def run(url: str) -> dict[str, list[dict[str, float]]]:
    from aijora_tui.config import Settings
    from aijora_tui.tui.app import AijoraApp

    app = AijoraApp(Settings(api_key="sk-bench-0123456789", base_url=url, model="gpt-4o-mini"))
    results = {}
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(1.0)
        for name, step in SHAPES.items():
            results[name] = await one_shape(pilot, url, step)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.parse_args()
    home = tempfile.mkdtemp(prefix="aijora-bench-cancel-")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        os.environ[name] = os.path.join(home, name.lower())
    from bench.bench_tui import fake_server

    with fake_server() as url:
        results = asyncio.run(run(url))
    passed = True
    columns = ["MB", "to cancel", "to cancelled", "to header", "lateness p50", "lateness max"]
    print(f"{'shape':<18}" + "".join(f"{c:>14}" for c in columns) + "  (ms; MB held)")
    for name, rows in results.items():
        for row in rows:
            passed &= row["to header"] < TARGET_MS
            print(f"{name:<18}" + "".join(f"{row[c]:>14.2f}" for c in columns))
    print(f"\ntarget: Escape to the header saying cancelled < {TARGET_MS:.0f} ms: ", end="")
    print("PASS" if passed else "FAIL")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
