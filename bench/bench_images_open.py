"""A conversation with 20 images opens as fast as one without (within 1.2x to first paint).

    .venv/bin/python -m bench.bench_images_open      # from the repository root; --runs N

Two stored conversations of 40 messages each, the same text, one with a 1 MB PNG attached to
each of its 20 questions: each is opened in a headless app (`ChatScreen.open_conversation`) and
the time to the first frame after it (`pilot.pause()`) is taken, alternating the two, median
of `--runs`. Stored images are read from the database and decoded only after that first paint
(`ImageView`), so the two should take about the same. Exit 0 when the ratio is at most 1.2.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from aijora_tui.config import Settings
from aijora_tui.core.parts import ImagePart, Part, TextPart
from aijora_tui.core.store import Store
from aijora_tui.tui.app import AijoraApp
from aijora_tui.tui.screens.chat import ChatScreen

TARGET = 1.2
QUESTIONS = 20


def noise_png(size: int) -> bytes:
    """A PNG of random pixels (noise does not compress) of about `size` bytes."""
    side = int((size / 3) ** 0.5)
    pixels = random.Random(7).randbytes(side * side * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def build(store: Store, image: bytes | None) -> int:
    """A conversation of `QUESTIONS` exchanges; with `image`, attached to every question."""
    conversation = store.create_conversation(model="m")
    parent = None
    for number in range(QUESTIONS):
        parts: list[Part] = [TextPart(f"Question {number}: what is in this picture?")]
        if image is not None:
            data = image + number.to_bytes(4, "big")  # twenty different blobs
            parts.append(ImagePart("image/png", len(data), f"shot-{number}.png", data=data))
        question = store.add_message(conversation, parent, "user", "", parts=parts)
        answer = store.add_message(
            conversation, question.id, "assistant", f"Answer {number}: **noise**, mostly.\n"
        )
        parent = answer.id
    return conversation


async def time_open(app: AijoraApp, conversation: int) -> float:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        await pilot.pause()
        started = time.perf_counter()
        await screen.open_conversation(conversation)
        await pilot.pause()
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            os.environ[name] = str(Path(home) / name.lower())
        with Store.open() as store:
            plain, pictures = build(store, None), build(store, noise_png(1024 * 1024))
        settings = Settings(api_key="sk-bench-0000000000", base_url="http://127.0.0.1:9/v1")
        times: dict[str, list[float]] = {"without images": [], "with 20 images": []}
        for _ in range(args.runs):
            for label, conversation in (("without images", plain), ("with 20 images", pictures)):
                times[label].append(asyncio.run(time_open(AijoraApp(settings), conversation)))
    medians = {label: statistics.median(values) for label, values in times.items()}
    ratio = medians["with 20 images"] / medians["without images"]
    print(f"{'conversation (40 messages)':<30} {'median ms':>10}   runs (ms)")
    for label, values in times.items():
        runs = " ".join(f"{value * 1000:.0f}" for value in values)
        print(f"{label:<30} {medians[label] * 1000:>10.0f}   {runs}")
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print(f"ratio {ratio:.2f}x (target <= {TARGET}x): {verdict}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
