"""Micro-benchmark of aijora_tui.tui.render: Markdown render time and BlockSplitter cost per delta.

    .venv/bin/python -m bench.bench_render            # from the repository root

(a) `render_markdown` wall time (median of several runs) for 1k, 10k and 80k-char replies
mixing prose, lists, tables, quotes and code, at 100 columns.
(b) `BlockSplitter.feed` cost per delta over a 20,000-delta (4-char) stream whose last third
is one long open code fence (the case where `Markdown.append` re-parses the whole block on
every delta). The mean cost per delta is shown for 2,000-delta windows
(median over the runs): flat numbers mean the cost does not grow with the reply.
"""

from __future__ import annotations

import argparse
import statistics
import time

from aijora_tui.tui.render import BlockSplitter, render_markdown

_SECTION = """\
## Section {n}

Some **bold** and *italic* prose with `inline code`, a [link](https://example.com/{n}) and
enough words to wrap a few times at a typical terminal width of one hundred columns or so.

1. First step with a command:

   ```bash
   pip install aijora-tui=={n}.0
   ```

2. Second step
   - nested bullet
   - another one

| name | value | notes |
|------|------:|-------|
| a{n} | {n} | short |

> A quoted remark about section {n}.

```python
def section_{n}(x: int) -> int:
    return x * {n}  # multiply
```

"""


def document(size: int) -> str:
    """A reply of exactly `size` characters made of varied sections."""
    parts: list[str] = []
    total = 0
    n = 0
    while total < size:
        parts.append(_SECTION.format(n=n))
        total += len(parts[-1])
        n += 1
    return "".join(parts)[:size]


def stream(deltas: int, delta_size: int = 4) -> list[str]:
    """A reply cut into deltas; its last third is a single growing code fence."""
    prose_size = deltas * delta_size * 2 // 3
    code_lines = "".join(f"    value_{i} = compute({i})  # step {i}\n" for i in range(5_000))
    text = document(prose_size) + "\n\n```python\n" + code_lines
    text = text[: deltas * delta_size]
    return [text[i : i + delta_size] for i in range(0, len(text), delta_size)]


def bench_render(sizes: list[int], width: int, runs: int) -> None:
    """Print median render time per document size."""
    print(f"render_markdown at width {width} (median of {runs} runs)")
    print(f"{'chars':>8} {'lines':>7} {'ms':>9} {'µs/char':>8}")
    for size in sizes:
        source = document(size)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            rendered = render_markdown(source, width)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"{size:>8} {rendered.height:>7} {median * 1e3:>9.2f} {median * 1e6 / size:>8.2f}")


def bench_splitter(deltas: int, window: int, runs: int) -> None:
    """Print the feed cost per delta in consecutive windows of the stream (median of runs)."""
    pieces = stream(deltas)
    windows = range(0, len(pieces), window)
    costs: dict[int, list[float]] = {first: [] for first in windows}
    rows: dict[int, tuple[int, int]] = {}
    for _ in range(runs):
        splitter = BlockSplitter()
        settled = 0
        for first in windows:
            batch = pieces[first : first + window]
            start = time.perf_counter()
            for piece in batch:
                settled += len(splitter.feed(piece))
            costs[first].append((time.perf_counter() - start) / len(batch))
            rows[first] = (settled, len(splitter.tail))
        remaining = len(splitter.flush())
    print(f"\nBlockSplitter.feed over {len(pieces):,} deltas ({sum(map(len, pieces)):,} chars)")
    print(f"{'deltas':>15} {'µs/delta':>9} {'settled':>8} {'tail chars':>11}   (median of {runs})")
    for first in windows:
        label = f"{first:,}-{min(first + window, len(pieces)):,}"
        settled, tail = rows[first]
        cost = statistics.median(costs[first]) * 1e6
        print(f"{label:>15} {cost:>9.2f} {settled:>8} {tail:>11,}")
    print(f"flush: {remaining} block(s)")


def main() -> None:
    """Run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--width", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--deltas", type=int, default=20_000)
    parser.add_argument("--window", type=int, default=2_000)
    options = parser.parse_args()
    bench_render([1_000, 10_000, 80_000], options.width, options.runs)
    bench_splitter(options.deltas, options.window, options.runs)


if __name__ == "__main__":
    main()
