"""A minimal streaming server for the benchmark, run as its own process.

It serves prebuilt, Aijora-shaped SSE bodies (`data: {"id", "choices"}` chunks,
usage in the finish chunk, then `[DONE]`) with chunked transfer encoding. Like a real streaming
server, it writes and flushes each event on its own: one HTTP chunk and one `send()` per event,
with TCP_NODELAY, so the client reads what it would read from a model. The `-bulk` variant of the
big stream sends the same bytes in 64 KiB writes instead (the client then reads many events per
read). Frames are built before serving, so serving costs little. It runs in a separate process
because a server thread inside the measuring process would compete for the GIL.

    python -m bench.stream_server --chunks 100000     # prints "PORT <n>", serves until killed

`POST <anything>/chat/completions` answers by the request's `model`: `bench-big` the full stream,
`bench-big-bulk` the same in 64 KiB writes, `bench-warm` a short stream of the same shape,
`bench-one` a one-delta reply; others get a 404.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BULK_SIZE = 64 * 1024
"""Bytes per chunked-encoding frame (one socket write each) of the bulk variant."""
LAST_FRAME = b"0\r\n\r\n"
"""The empty chunk that ends a chunked body."""
WARM_CHUNKS = 2_000
BIG_MODEL, BULK_MODEL = "bench-big", "bench-big-bulk"
WARM_MODEL, ONE_MODEL = "bench-warm", "bench-one"
ONE_DELTA = "Hello!"
"""The whole reply of model `bench-one` (the `ask` start-up figure)."""

_WORDS = (
    *("Привет", "как", "дела", "сегодня", "хорошая", "погода", "модель", "ответ", "токен"),
    *("the", "quick", "brown", "fox", "jumps", "over", "stream", "client", "server", "latency"),
    *("def", "return", "async", "await", "42", "3.14", "`code`", "**bold**", "-", "item\n"),
)
"""Words to cut deltas from: Cyrillic (2 bytes a letter), ASCII, Markdown, newlines."""


@dataclass(frozen=True)
class Stream:
    """One prebuilt SSE body and what a correct client must make of it."""

    events: tuple[bytes, ...]
    """The SSE events, each with its blank line, without transfer framing."""
    body: bytes
    """All the events: the SSE bytes a client reads."""
    deltas: int
    """Number of non-empty content deltas."""
    text_chars: int
    """Length of the concatenated reply text, in characters."""


def _event(payload: dict[str, object]) -> bytes:
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"


def build_stream(deltas: int, seed: int = 2) -> Stream:
    """A stream of `deltas` few-character content chunks, like a model's token stream.

    The first chunk carries the role and `""`, the last chunk `finish_reason` and usage together
    (Aijora's placement), then `[DONE]`. The same `deltas` and `seed` always give the same bytes.
    """
    rng = random.Random(seed)
    pieces = [_event(_chunk({"role": "assistant", "content": ""}))]
    chars = 0
    for _ in range(deltas):
        word = rng.choice(_WORDS)
        cut = rng.randint(1, len(word))
        text = (" " if rng.random() < 0.5 else "") + word[:cut]
        chars += len(text)
        pieces.append(_event(_chunk({"content": text})))
    usage = {"prompt_tokens": 10, "completion_tokens": deltas, "total_tokens": 10 + deltas}
    pieces.append(_event(_chunk({}, finish="stop") | {"usage": usage}))
    pieces.append(b"data: [DONE]\n\n")
    return _stream(pieces, deltas, chars)


def one_delta_stream() -> Stream:
    """The shortest complete reply: role, one delta, finish with usage, `[DONE]`."""
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    events = [
        _event(_chunk({"role": "assistant", "content": ""})),
        _event(_chunk({"content": ONE_DELTA})),
        _event(_chunk({}, finish="stop") | {"usage": usage}),
        b"data: [DONE]\n\n",
    ]
    return _stream(events, 1, len(ONE_DELTA))


def _stream(events: list[bytes], deltas: int, chars: int) -> Stream:
    return Stream(tuple(events), b"".join(events), deltas, chars)


def _chunk(delta: dict[str, str], finish: str | None = None) -> dict[str, object]:
    return {
        "id": "chatcmpl-bench",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def per_event(stream: Stream) -> list[bytes]:
    """The socket writes of a real server: each event as its own HTTP/1.1 chunk, then the end."""
    return [*(_frame(event) for event in stream.events), LAST_FRAME]


def bulk(stream: Stream, size: int = BULK_SIZE) -> list[bytes]:
    """The same body in writes of about `size` bytes, each one chunk, then the end."""
    body = stream.body
    return [*(_frame(body[i : i + size]) for i in range(0, len(body), size)), LAST_FRAME]


def _frame(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def make_handler(routes: dict[str, list[bytes]]) -> type[BaseHTTPRequestHandler]:
    """A request handler class serving `routes` (model id -> the socket writes of its reply)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse the connection
        disable_nagle_algorithm = True  # TCP_NODELAY: each write leaves at once, as it would

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            try:
                model = json.loads(self.rfile.read(length)).get("model")
            except (ValueError, AttributeError):
                model = None
            writes = routes.get(model) if self.path.endswith("/chat/completions") else None
            if writes is None:
                self.send_error(404, f"no stream for model {model!r}")
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            send = self.connection.sendall  # unbuffered: one send() per event
            for data in writes:
                send(data)

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per request on stderr would only add noise and cost

    return Handler


class Server(ThreadingHTTPServer):
    """The HTTP server; a client that hangs up mid-reply (at `[DONE]`, say) is no error."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Aijora-shaped SSE bodies for bench_stream.")
    parser.add_argument("--chunks", type=int, default=100_000, help=f"deltas for {BIG_MODEL}")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--lifetime", type=float, default=600.0, help="exit after this many seconds, whatever"
    )
    args = parser.parse_args()
    big = build_stream(args.chunks)
    routes = {
        BIG_MODEL: per_event(big),
        BULK_MODEL: bulk(big),
        WARM_MODEL: per_event(build_stream(WARM_CHUNKS)),
        ONE_MODEL: per_event(one_delta_stream()),
    }
    server = Server(("127.0.0.1", args.port), make_handler(routes))
    # A safety net: never outlive a benchmark that died without stopping us.
    timer = threading.Timer(args.lifetime, os._exit, args=(3,))
    timer.daemon = True
    timer.start()
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
