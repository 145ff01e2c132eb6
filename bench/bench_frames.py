"""Streaming in a real terminal: the installed app under tmux beside `curl -N`, in one run.

    .venv/bin/python -m bench.bench_frames         # ~4 minutes; --runs, --profile DIR, --help

The app (the `aijora-tui` script next to this interpreter) runs in a 160x45 tmux pane, driven
by keys, against the project's fake server (`tests/fake_server.py`, its own process, one HTTP
chunk per event). "On screen" means visible in the pane (`capture-pane`, polled every few
milliseconds); client CPU comes from /proc/<pid>/stat of the app (of curl: its shell's reaped
children). Each run: launch the app until "Ask anything" shows; a 1,000-delta burst as the first
message (first token after Enter); Ctrl+N; a 20,000-delta burst; Ctrl+N; 5,000 deltas paced at
200/s; Ctrl+N; the 1,000-delta burst again (warm); quit. Then a bare Textual app's launch (the
floor) and `curl -N` on the same three streams. Every reply is checked against what was sent
(`aijora-tui export`). The table gives medians of `--runs` runs. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.bench_stream import ask_command
from bench.bench_tui import (
    API_KEY,
    FLOOR_COMMAND,
    MODEL,
    Row,
    child_env,
    fake_server,
    import_top,
    make_deltas,
    queue_script,
    table,
)
from bench.launch import PLACEHOLDER
from bench.profile_spy import Spy
from bench.tmux_driver import Tmux, cpu_seconds, poll

SIZE = (160, 45)
PROMPT = "Tell me everything"
FIRST, LAST = "Zfirstq", "Zlastq"
"""Marker words: the first and the last delta of every reply."""
EMPTY_HINT = "Start a conversation below."
"""Shown by the chat screen when the conversation is empty (after Ctrl+N)."""
SHORT, BURST, PACED, RATE = 1_000, 20_000, 5_000, 200.0
POLL = 0.003
"""Seconds between looks at the screen."""
REPLY_TIMEOUT = 120.0

TARGET_CPU_PACED = 4.0
TARGET_LAG = 0.1
TARGET_BURST_VS_CURL = 5.0
TARGET_FIRST = 0.1
TARGET_LAUNCH = 0.4


@dataclass
class Reply:
    """What one streamed reply measured (seconds)."""

    first: float | None = None
    """From Enter (curl: its start) to the first delta on screen; None if never seen."""
    last: float = 0.0
    """From Enter (curl: its start) to the last delta on screen."""
    lag: float = 0.0
    """Last delta on screen minus the server's write of it."""
    cpu: float = 0.0
    """Client CPU from Enter to the last delta on screen (curl: the whole process)."""
    rate: float | None = None
    """Deltas per second the server actually sent (paced streams only)."""


@dataclass
class Figures:
    """Every figure of every run, by name."""

    values: dict[str, list[float]] = field(default_factory=dict)
    intact: list[bool] = field(default_factory=list)

    def add(self, name: str, value: float | None) -> None:
        if value is not None:
            self.values.setdefault(name, []).append(value)

    def add_reply(self, name: str, reply: Reply) -> None:
        for part in ("first", "last", "lag", "cpu", "rate"):
            self.add(f"{name} {part}", getattr(reply, part))

    def median(self, name: str) -> float | None:
        values = self.values.get(name)
        return statistics.median(values) if values else None


def deltas_for(count: int) -> list[str]:
    """`count` deltas of realistic Markdown, the first and the last being the markers."""
    return [FIRST, "\n\n", *make_deltas(count - 4), "\n\n", LAST]


def script(deltas: list[str], rate: float) -> bytes:
    """The fake server's script: one event per delta (at `rate`/s when given), finish, [DONE]."""
    from tests.fake_server import DONE, At, Script, Step, chunk, usage

    steps: list[Step] = []
    for number, delta in enumerate(deltas):
        if rate:
            steps.append(At(number / rate))
        steps.append(chunk(delta))
    steps += [chunk(finish="stop", usage=usage(10, len(deltas))), DONE]
    return json.dumps(Script(steps).to_json()).encode()


def last_request(base_url: str) -> tuple[float, float]:
    """(started, finished) of the server's latest chat request, on the shared monotonic clock."""
    with urllib.request.urlopen(f"{base_url}/_control/requests", timeout=10) as response:
        requests = json.loads(response.read())
    chat = [r for r in requests if r["path"].endswith("/chat/completions")]
    if not chat or chat[-1]["finished"] is None:
        raise RuntimeError("the server did not finish the reply")
    return float(chat[-1]["started"]), float(chat[-1]["finished"])


class Bench:
    """One tmux server, the fake server, and the streams; runs the app and curl."""

    def __init__(self, base_url: str, home: Path, tmux: Tmux) -> None:
        self.base_url = base_url
        self.home = home
        self.tmux = tmux
        self.env = {
            **child_env(home),
            "AIJORA_API_KEY": API_KEY,
            "AIJORA_BASE_URL": base_url,
            "AIJORA_MODEL": MODEL,
        }
        self.streams = {count: deltas_for(count) for count in (SHORT, BURST, PACED)}
        floor = home / "floor.py"
        floor.write_text(FLOOR_COMMAND[1], encoding="utf-8")
        self.floor = [sys.executable, str(floor)]
        self.app = ask_command()
        self.spy: Spy | None = None
        """Set to profile the app's replies (one extra run, not in the figures)."""
        for name in ("app", "curl"):
            tmux.open(name, ["sleep", "86400"], home)

    def _screen(self, name: str) -> Callable[[str], bool]:
        return lambda text: text in self.tmux.screen(name)

    def launch(self, argv: list[str]) -> float:
        """Seconds from starting `argv` in the app pane to the placeholder on screen."""
        tmux, visible = self.tmux, self._screen("app")
        tmux.respawn("app", ["sleep", "86400"])  # a clean screen, nothing left of the last app
        tmux.clear("app")
        started = time.monotonic()
        tmux.respawn("app", argv)
        return poll(lambda: visible(PLACEHOLDER), 20, "the prompt", POLL) - started

    def quit(self) -> None:
        self.tmux.keys("app", "C-q")
        poll(lambda: self.tmux.dead("app"), 20, "the app's exit", 0.05)

    def app_reply(self, count: int, rate: float = 0.0, name: str = "") -> Reply:
        """Type the prompt, Enter; time the first and last delta on screen; check the reply."""
        tmux, visible = self.tmux, self._screen("app")
        deltas = self.streams[count]
        queue_script(self.base_url, script(deltas, rate))
        pid = tmux.pid("app")
        tmux.keys("app", PROMPT, literal=True)
        poll(lambda: visible(PROMPT), 10, "the typed prompt", POLL)
        wait_idle(pid)
        if self.spy is not None:
            self.spy.start(pid, name)
        cpu, enter = cpu_seconds(pid), time.monotonic()
        tmux.keys("app", "Enter")
        reply = Reply()
        first: list[float] = []

        def last_seen() -> bool:
            screen = tmux.screen("app")
            if not first and FIRST in screen:
                first.append(time.monotonic())
            return LAST in screen

        shown = poll(last_seen, REPLY_TIMEOUT, "the last delta", POLL)
        reply.cpu = cpu_seconds(pid) - cpu
        if self.spy is not None:
            self.spy.stop()
        reply.first = first[0] - enter if first else None
        reply.last = shown - enter
        self._wire(reply, shown, len(deltas), rate)
        self.check(deltas)
        tmux.keys("app", "C-n")
        poll(lambda: visible(EMPTY_HINT), 20, "the new conversation", POLL)
        return reply

    def curl_reply(self, count: int, rate: float = 0.0) -> Reply:
        """`curl -N` printing the same stream in the curl pane; CPU of the whole process."""
        tmux, visible = self.tmux, self._screen("curl")
        deltas = self.streams[count]
        queue_script(self.base_url, script(deltas, rate))
        tmux.respawn("curl", ["sleep", "86400"])
        tmux.clear("curl")
        started = time.monotonic()
        tmux.respawn("curl", ["/bin/sh", str(self.curl_script())])
        shown = poll(lambda: visible(f'"{LAST}"'), REPLY_TIMEOUT, "curl's last delta", POLL)
        poll(lambda: visible("curl exited"), 30, "curl's end", 0.02)
        reply = Reply(last=shown - started, cpu=cpu_seconds(tmux.pid("curl"), children=True))
        self._wire(reply, shown, len(deltas), rate)
        return reply

    def curl_script(self) -> Path:
        body = self.home / "request.json"
        request = {"model": MODEL, "messages": [{"role": "user", "content": PROMPT}]}
        body.write_text(json.dumps({**request, "stream": True}), encoding="utf-8")
        path = self.home / "curl.sh"
        path.write_text(
            f"curl -sN --max-time 300 -H 'Content-Type: application/json' "
            f"-H 'Authorization: Bearer {API_KEY}' -d @{body} {self.base_url}/chat/completions\n"
            "echo; echo curl exited; exec sleep 86400\n",
            encoding="utf-8",
        )
        return path

    def _wire(self, reply: Reply, shown: float, count: int, rate: float) -> None:
        started, finished = last_request(self.base_url)
        reply.lag = shown - finished
        if rate:
            reply.rate = count / max(finished - started, 1e-9)

    def check(self, deltas: list[str]) -> None:
        """The reply as the app saved it must be exactly what was sent (`aijora-tui export`)."""
        expected = "".join(deltas)

        def saved() -> bool:
            done = subprocess.run(
                [*self.app, "export", "--format", "json"],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            messages = json.loads(done.stdout)["messages"] if done.returncode == 0 else []
            last = messages[-1] if messages else {}
            return last.get("state") == "completed" and last.get("content") == expected

        poll(saved, 30, "the reply saved intact", 0.2)


def wait_idle(pid: int, quiet: float = 0.3, timeout: float = 20.0) -> None:
    """Until process `pid` used (almost) no CPU for `quiet` seconds: earlier work is done."""
    deadline = time.monotonic() + timeout
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = cpu_seconds(pid)
        if now - before <= 0.02:
            return
        before = now


def one_run(bench: Bench, figures: Figures) -> None:
    figures.add("launch", bench.launch(bench.app))
    figures.add_reply("short cold", bench.app_reply(SHORT, name="short-cold"))
    figures.add_reply("burst", bench.app_reply(BURST, name="burst"))
    figures.add_reply("paced", bench.app_reply(PACED, RATE, name="paced"))
    figures.add_reply("short warm", bench.app_reply(SHORT, name="short-warm"))
    bench.quit()
    figures.add("floor", bench.launch(bench.floor))
    bench.quit()
    figures.add_reply("curl burst", bench.curl_reply(BURST))
    figures.add_reply("curl paced", bench.curl_reply(PACED, RATE))
    figures.add_reply("curl short", bench.curl_reply(SHORT))


def rows(figures: Figures) -> list[Row]:
    """The table: figure, aijora-tui, curl -N (or the floor), ratio, target, pass."""
    med = figures.median
    out: list[Row] = []

    def row(label: str, ours: str, base: str | None, limit: float | None, goal: str = "") -> None:
        value, reference = med(ours), med(base) if base else None
        if value is None:
            return
        out.append(
            Row(
                label,
                f"{value:.3f} s",
                "-" if reference is None else f"{reference:.3f} s",
                f"{value / reference:.1f}x" if reference else "",
                goal or ("" if limit is None else f"<= {limit:g} s"),
                None if limit is None else value <= limit,
            )
        )

    first, burst, paced = (
        "1,000-delta burst: first token after Enter",
        f"{BURST:,}-delta burst",
        f"{PACED:,} deltas at {RATE:.0f}/s",
    )
    row("launch to ready to type (base: bare Textual app)", "launch", "floor", TARGET_LAUNCH)
    row(f"{first} (1st message)", "short cold first", None, TARGET_FIRST)
    row(f"{first} (later message)", "short warm first", None, TARGET_FIRST)
    row("1,000-delta burst: last token on screen", "short warm last", "curl short last", None)
    curl_burst = med("curl burst last")
    limit = None if curl_burst is None else TARGET_BURST_VS_CURL * curl_burst
    goal = f"<= {TARGET_BURST_VS_CURL:g}x curl"
    row(f"{burst}: last token on screen", "burst last", "curl burst last", limit, goal)
    row(f"{burst}: last token behind the wire", "burst lag", "curl burst lag", None)
    row(f"{burst}: client CPU", "burst cpu", "curl burst cpu", None)
    row(f"{paced}: client CPU", "paced cpu", "curl paced cpu", TARGET_CPU_PACED)
    row(f"{paced}: last token behind the wire", "paced lag", "curl paced lag", TARGET_LAG)
    return out


def spreads(figures: Figures) -> Iterator[str]:
    for name, values in figures.values.items():
        yield f"  {name:<22} " + ", ".join(f"{value:.3f}" for value in values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="runs to take medians of")
    parser.add_argument(
        "--profile",
        metavar="DIR",
        type=Path,
        help="after the runs, one more with py-spy sampling the app's replies; summaries "
        "printed, raw samples kept in DIR",
    )
    args = parser.parse_args(argv)
    for tool in ("tmux", "curl"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} is not installed")
    started = time.perf_counter()
    figures = Figures()
    with (
        tempfile.TemporaryDirectory(prefix="bench-frames-") as tmp,
        fake_server() as base_url,
    ):
        home = Path(tmp)
        env = child_env(home)
        tmux = Tmux({**env, "AIJORA_API_KEY": API_KEY, "AIJORA_BASE_URL": base_url}, SIZE)
        try:
            bench = Bench(base_url, home, tmux)
            print("warm-up (bytecode, the history database)", flush=True)
            bench.launch(bench.app)
            bench.quit()
            bench.launch(bench.floor)
            bench.quit()
            for number in range(args.runs):
                print(f"run {number + 1} of {args.runs}", flush=True)
                one_run(bench, figures)
            if args.profile is not None:
                print("profiling run (py-spy; not in the figures)", flush=True)
                bench.spy = Spy(args.profile)
                one_run(bench, Figures())
        finally:
            tmux.close()
        imports = import_top(env)
    print()
    print(table(rows(figures), ("aijora-tui", "curl -N")))
    print("\nevery run:")
    print("\n".join(spreads(figures)))
    if bench.spy is not None:
        print(bench.spy.report())
    print("\nimport aijora_tui.tui.app, top 10 cumulative (python -X importtime):")
    print("\n".join(imports))
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nload average {load}; {time.perf_counter() - started:.0f} s in all")
    return 0 if all(row.passed is not False for row in rows(figures)) else 1


if __name__ == "__main__":
    sys.exit(main())
