"""Conversation store benchmark (issue #4): search, list and load times on a large history.

    .venv/bin/python -m bench.bench_store            # from the repository root

Builds a database of 10,000 conversations and 200,000 messages (one conversation of 2,000
messages, the rest ~20 each; Zipf-distributed words so that common words match most messages
and rare ones a handful) in a temporary directory, with one `executemany` transaction, then
times `Store.search` over ~20 queries of varied frequency, the first page of
`Store.list_conversations`, and `Store.active_path` of the long conversation. Medians of
`--runs` repetitions (after one warm-up) are printed with their targets.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from aijora_tui.core.store import Store

CONVERSATIONS = 10_000
MESSAGES = 200_000
LONG_CONVERSATION = 2_000
VOCABULARY = 20_000
SEARCH_TARGET_MS = 50.0
LIST_TARGET_MS = 50.0
PATH_TARGET_MS = 50.0
QUERY_RANKS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 19_000)
"""Frequency ranks of the single-word queries: from "in most messages" to "in a handful"."""


def vocabulary(rng: random.Random) -> list[str]:
    """Distinct pronounceable words, most frequent first."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choices(syllables, k=rng.randint(1, 4))))
    return sorted(words, key=lambda word: (len(word), word))


def message_rows(rng: random.Random, words: list[str]) -> Iterator[tuple[Any, ...]]:
    """(id, conversation, parent, role, content, tokens, time) for every message, as chains."""
    weights = list(itertools.accumulate(1 / rank for rank in range(1, len(words) + 1)))
    sizes = conversation_sizes()
    message_id = 0
    now = time.time() - MESSAGES
    for conversation_id, size in enumerate(sizes, start=1):
        parent = None
        for index in range(size):
            message_id += 1
            text = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(8, 80)))
            role = "user" if index % 2 == 0 else "assistant"
            yield (message_id, conversation_id, parent, role, text, len(text) // 4, now)
            parent = message_id
            now += 1


def conversation_sizes() -> list[int]:
    """Message counts: the long conversation first, the rest spread evenly."""
    each, extra = divmod(MESSAGES - LONG_CONVERSATION, CONVERSATIONS - 1)
    return [LONG_CONVERSATION] + [each + (i < extra) for i in range(CONVERSATIONS - 1)]


def build(path: Path, words: list[str], rng: random.Random) -> float:
    """Create the database through the store's own schema, then bulk-load it; seconds taken."""
    started = time.perf_counter()
    Store.open(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")  # the leaf ids point forward during the load
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO conversations (id, title, model, created_at, updated_at)"
            " VALUES (?, ?, 'bench-model', ?, ?)",
            ((i, f"Conversation {i}", i, i) for i in range(1, CONVERSATIONS + 1)),
        )
        conn.executemany(
            "INSERT INTO messages (id, conversation_id, parent_id, role, content, total_tokens,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ((*row, row[-1]) for row in message_rows(rng, words)),
        )
        conn.execute(
            "UPDATE conversations SET active_leaf_id ="
            " (SELECT max(id) FROM messages WHERE conversation_id = conversations.id)"
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return time.perf_counter() - started


def search_queries(words: list[str]) -> list[str]:
    """Single words from the most to the least common, pairs, prefixes, and FTS syntax."""
    return [
        *(words[rank - 1] for rank in QUERY_RANKS),
        f"{words[0]} {words[1]}",
        f"{words[9]} {words[499]}",
        f"{words[99]} {words[4999]}",
        words[200][:3],
        words[70][:3],  # prefix of the most common word that is long enough to be one
        f'{words[20]}" OR ({words[30]}',
        "zzzz-not-a-word",
    ]


def median_ms(call: Callable[[], object], runs: int) -> float:
    call()  # warm-up: page cache, statement cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(store: Store, words: list[str], runs: int) -> list[tuple[str, float, float | None]]:
    """(measure, median ms, target ms or None) rows; prints each search as it goes."""
    search_times = []
    for query in search_queries(words):
        hits = len(store.search(query))
        elapsed = median_ms(functools.partial(store.search, query), runs)
        search_times.append(elapsed)
        print(f"  search {query!r:32} {hits:3} hits {elapsed:8.2f} ms")
    return [
        ("search, median over queries", statistics.median(search_times), SEARCH_TARGET_MS),
        ("search, slowest query", max(search_times), None),
        (
            "list_conversations, first page",
            median_ms(store.list_conversations, runs),
            LIST_TARGET_MS,
        ),
        (
            "active_path, 2,000 messages",
            median_ms(lambda: store.active_path(1), runs),
            PATH_TARGET_MS,
        ),
    ]


def report(rows: list[tuple[str, float, float | None]]) -> bool:
    """Print the table; True when every target was met."""
    print(f"\n{'measure':32} {'median':>10} {'target':>10}  result")
    met = True
    for name, value, target in rows:
        if target is None:
            print(f"{name:32} {value:7.2f} ms {'-':>10}")
            continue
        met &= value < target
        verdict = "ok" if value < target else "MISSED"
        print(f"{name:32} {value:7.2f} ms {target:7.0f} ms  {verdict}")
    return met


def run(runs: int, seed: int) -> bool:
    rng = random.Random(seed)
    words = vocabulary(rng)
    with tempfile.TemporaryDirectory(prefix="aijora-bench-") as directory:
        path = Path(directory) / "history.sqlite3"
        seconds = build(path, words, rng)
        print(
            f"built {CONVERSATIONS:,} conversations, {MESSAGES:,} messages in {seconds:.1f} s "
            f"({path.stat().st_size / 1e6:.0f} MB); medians of {runs} runs\n"
        )
        with Store.open(path) as store:
            return report(measure(store, words, runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7, help="timed repetitions per measure")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    sys.exit(0 if run(args.runs, args.seed) else 1)


if __name__ == "__main__":
    main()
