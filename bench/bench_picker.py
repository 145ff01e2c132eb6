"""The model picker filtering 1,000 models: what one keystroke costs (target < 30 ms).

    .venv/bin/python -m bench.bench_picker            # from the repository root; ~20 s

The app runs headless (`run_test`, 120x40) against the project's fake server (in this process,
on 127.0.0.1), which lists 1,000 models in OpenRouter's shape (context, per-token prices,
modalities, parameters) for the aijora provider, and 50 more for a second provider. F2 opens the
picker; once both lists are in, queries are typed one character at a time, and each keystroke is
measured two ways:

- filter: `ModelPicker.show(query)` itself, i.e. fuzzy-scoring every model, building the rows and
  handing them to the `OptionList` (which measures every row's height). This is the work a
  keystroke adds; the target applies to it.
- key to frame: from `pilot.press(key)` until the app is idle again and a frame was drawn
  (`pilot.pause()`), i.e. the above plus Textual's key handling, the `Input` update and the
  frame. Pilot's own waiting is in it too, so a floor is shown: the same keystroke into an
  `Input` on an otherwise empty screen.

Medians and maxima over every keystroke of every query, in wall time, and for the filter also in
CPU time (`time.process_time`): on a shared machine the wall time of a single keystroke jumps
whenever the process is descheduled, which says nothing about the picker. Exit 0 when the
filter's CPU maximum is under the target.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input

QUERIES = ("gpt", "claude sonnet", "llama3", "qwen coder", "o3-mini", "zzz")
TARGET_MS = 30.0
MODELS = 1_000
VENDORS = ("openai", "anthropic", "google", "meta-llama", "mistralai", "qwen", "deepseek", "x-ai")
FAMILIES = ("gpt-4o", "claude-3.5-sonnet", "gemini-2.0-flash", "llama-3.1", "mixtral", "qwen-2.5")


def model_ids(count: int) -> list[str]:
    """Model ids shaped like a gateway's: vendor/family-variant-size."""
    return [
        f"{VENDORS[n % len(VENDORS)]}/{FAMILIES[n % len(FAMILIES)]}-v{n // 7}-{(n * 37) % 400}b"
        for n in range(count)
    ]


class Floor(App[None]):
    """One `Input` and nothing else: what a keystroke costs Pilot and Textual at the least."""

    def compose(self) -> ComposeResult:
        yield Input()


async def timed_keys(pilot: Pilot[Any], text: str) -> list[float]:
    times = []
    for key in text:
        started = time.perf_counter()
        await pilot.press("space" if key == " " else key)
        await pilot.pause()
        times.append((time.perf_counter() - started) * 1000)
    return times


async def measure(size: tuple[int, int]) -> dict[str, list[float]]:
    from aijora_tui.config import load_settings
    from aijora_tui.tui.app import AijoraApp
    from aijora_tui.tui.screens.model_picker import ModelPicker
    from tests.fake_server import FakeServer, model_list_body, rich_model

    results: dict[str, list[float]] = {
        "filter": [],
        "filter CPU": [],
        "key to frame": [],
        "floor": [],
    }
    with FakeServer() as aijora, FakeServer() as other:
        aijora.models_body = model_list_body(rich_model(m) for m in model_ids(MODELS))
        other.models_body = model_list_body({"id": f"local-{n}"} for n in range(50))
        config = Path(tempfile.mkdtemp()) / "config.toml"
        config.write_text(f'[providers.local]\nbase_url = "{other.base_url}"\nmodel = "x"\n')
        environ = {"AIJORA_API_KEY": "sk-bench", "AIJORA_BASE_URL": aijora.base_url}
        settings, _ = load_settings({}, environ, config)
        app = AijoraApp(settings)
        async with app.run_test(size=size) as pilot:
            await pilot.press("f2")
            picker = app.screen
            assert isinstance(picker, ModelPicker)
            deadline = time.monotonic() + 30
            while app.choice.catalog.stale() or any(
                entry.state == "fetching" for entry in app.choice.catalog.lists.values()
            ):
                if time.monotonic() > deadline:
                    raise SystemExit("the model lists did not arrive")
                await pilot.pause(0.05)
            await pilot.pause()
            assert len(picker.rows.choices) >= MODELS, len(picker.rows.choices)
            for query in QUERIES:
                for end in range(1, len(query) + 1):
                    started, cpu = time.perf_counter(), time.process_time()
                    picker.show(query[:end])
                    results["filter"].append((time.perf_counter() - started) * 1000)
                    results["filter CPU"].append((time.process_time() - cpu) * 1000)
                picker.show("")
                results["key to frame"] += await timed_keys(pilot, query)
                await pilot.press(*["backspace"] * len(query))
                await pilot.pause()
    floor = Floor()
    async with floor.run_test(size=size) as pilot:
        for query in QUERIES:
            results["floor"] += await timed_keys(pilot, query)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--width", type=int, default=120)
    parser.add_argument("--height", type=int, default=40)
    args = parser.parse_args()
    results = asyncio.run(measure((args.width, args.height)))
    keys = len(results["filter"])
    print(f"{MODELS} + 50 models, {keys} keystrokes over {len(QUERIES)} queries\n")
    print(f"{'figure':<14}{'median ms':>11}{'max ms':>9}")
    for name, values in results.items():
        print(f"{name:<14}{statistics.median(values):>11.1f}{max(values):>9.1f}")
    above = statistics.median(results["key to frame"]) - statistics.median(results["floor"])
    print(f"{'above floor':<14}{above:>11.1f}")
    worst = max(results["filter CPU"])
    passed = worst < TARGET_MS
    verdict = "pass" if passed else "FAIL"
    print(f"\nfilter CPU max {worst:.1f} ms, target < {TARGET_MS:g} ms: {verdict}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
