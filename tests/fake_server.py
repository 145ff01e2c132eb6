"""A fake OpenAI-compatible server on 127.0.0.1 that replays byte-exact scripts.

It speaks real HTTP/1.1 over real sockets, so the client under test goes through httpx,
h11, chunked transfer decoding and httpx-sse exactly as it would against a real server. Each
`Script` says what one request gets back: a status, headers, and a list of steps, each one
socket write (`bytes`), a wait (`Pause`, or `At` for a steady pace; `Gate` until the test says),
or a fault (`Reset`, `Cut`, `Hold`).

Use it in-process (`FakeServer()` as a context manager runs it on a thread) or as a separate
process for real-terminal tests and benchmarks::

    python -m tests.fake_server --port 0      # prints "PORT <n>", serves until killed

A test process can queue scripts into a running server with `POST /_control/script` (JSON of
`Script.to_json()`), read what it received with `GET /_control/requests` (with `started` and
`finished`: `time.monotonic()` when the request arrived and when the reply's last step was
written, the clock every process on the machine shares, so a benchmark can tell how far
behind the wire a client shows the text).

Without a queued script, POST /chat/completions answers with `default_reply()`: a short
Markdown answer that echoes the last user message, streamed a few characters per event.

POST /images/generations plays a queued script too (`image_answer()` builds one), else answers
`n` copies of `SAMPLE_PNG` as `b64_json`. GET of a path in `server.routes` plays that script
(as often as asked): the image URLs of a `url` answer, or a host that answers HTML or never.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Pause:
    """Sleep before the next step."""

    seconds: float


@dataclass
class At:
    """Wait until `seconds` after the reply's head was sent: a pace that does not drift (a
    `Pause` per event adds the event loop's lateness at every step)."""

    seconds: float


@dataclass
class Reset:
    """Abort the connection (TCP RST) at this point."""


@dataclass
class Cut:
    """Close the socket at this point without ending the chunked body properly."""


@dataclass
class Hold:
    """Keep the socket open, sending nothing, for this long (after `[DONE]`, say)."""

    seconds: float


@dataclass
class Gate:
    """Send nothing until the test calls `open()` (or `timeout` seconds pass): a reply held at
    a known point for as long as the test needs, whatever the machine's load. In-process only
    (a `threading.Event` does not cross to a server in another process)."""

    timeout: float = 30.0
    opened: threading.Event = field(default_factory=threading.Event)

    def open(self) -> None:
        self.opened.set()


@dataclass
class Repeat:
    """Write `data` again and again, `interval` seconds apart, for `seconds` (a hostile server's
    endless stream, keep-alive flood or one-byte drip); stops early when the client leaves."""

    data: bytes
    seconds: float
    interval: float = 0.0


Step = bytes | Pause | At | Gate | Reset | Cut | Hold | Repeat


@dataclass
class Script:
    """What one request receives."""

    steps: list[Step] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "text/event-stream"})
    chunked: bool = True
    """Chunked transfer encoding (as streaming servers use); False sends Content-Length."""

    def to_json(self) -> dict[str, Any]:
        steps: list[dict[str, Any]] = []
        for step in self.steps:
            if isinstance(step, bytes):
                steps.append({"write": base64.b64encode(step).decode()})
            elif isinstance(step, Pause):
                steps.append({"pause": step.seconds})
            elif isinstance(step, At):
                steps.append({"at": step.seconds})
            elif isinstance(step, Hold):
                steps.append({"hold": step.seconds})
            elif isinstance(step, Gate):
                raise TypeError("a Gate works only in the server's own process")
            elif isinstance(step, Repeat):
                steps.append(
                    {
                        "repeat": base64.b64encode(step.data).decode(),
                        "seconds": step.seconds,
                        "interval": step.interval,
                    }
                )
            else:
                steps.append({"fault": type(step).__name__.lower()})
        return {
            "status": self.status,
            "headers": self.headers,
            "chunked": self.chunked,
            "steps": steps,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Script:
        steps: list[Step] = []
        for item in data.get("steps", []):
            if "write" in item:
                steps.append(base64.b64decode(item["write"]))
            elif "pause" in item:
                steps.append(Pause(float(item["pause"])))
            elif "at" in item:
                steps.append(At(float(item["at"])))
            elif "hold" in item:
                steps.append(Hold(float(item["hold"])))
            elif "repeat" in item:
                repeated = base64.b64decode(item["repeat"])
                steps.append(Repeat(repeated, float(item["seconds"]), float(item["interval"])))
            else:
                steps.append(Reset() if item.get("fault") == "reset" else Cut())
        return cls(
            steps,
            int(data.get("status", 200)),
            dict(data.get("headers", {"content-type": "text/event-stream"})),
            bool(data.get("chunked", True)),
        )


# ---- building blocks for stream scripts -------------------------------------------------


def chunk(
    content: str | None = None,
    *,
    finish: str | None = None,
    usage: dict[str, Any] | None = None,
    delta: dict[str, Any] | None = None,
    **extra: Any,
) -> bytes:
    """One `data: {...}\\n\\n` event in the Aijora seed's minimal shape."""
    if delta is None:
        delta = {} if content is None else {"content": content}
    body: dict[str, Any] = {
        "id": "chatcmpl-test",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage is not None:
        body["usage"] = usage
    body.update(extra)
    return b"data: " + json.dumps(body, ensure_ascii=False).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"


def usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def text_stream(
    pieces: Iterable[str],
    *,
    finish: str = "stop",
    usage_: dict[str, int] | None = None,
    pause: float = 0.0,
) -> Script:
    """A well-formed stream of `pieces`, then the finish chunk (with usage) and `[DONE]`."""
    steps: list[Step] = []
    for piece in pieces:
        steps.append(chunk(piece))
        if pause:
            steps.append(Pause(pause))
    steps.append(chunk(finish=finish, usage=usage_))
    steps.append(DONE)
    return Script(steps)


def json_error(
    status: int,
    message: str,
    *,
    kind: str = "invalid_request_error",
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Script:
    body = json.dumps(
        {"error": {"message": message, "type": kind, "code": code or str(status)}},
        ensure_ascii=False,
    ).encode()
    return Script(
        [body],
        status=status,
        headers={"content-type": "application/json", **(headers or {})},
        chunked=False,
    )


# ---- hostile servers -----------------------------------------------------------------------


def gzip_bomb(size: int, *, content_type: str = "text/event-stream") -> Script:
    """`size` zero bytes, gzip-compressed (about 1000:1), sent as `content-encoding: gzip`
    although the client asked for none."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1024 * 1024)
    steps: list[Step] = []
    for start in range(0, size, len(block)):
        steps.append(compressor.compress(block[: size - start]))
    steps.append(compressor.flush())
    headers = {"content-type": content_type, "content-encoding": "gzip"}
    return Script([step for step in steps if step], headers=headers)


def endless(step: bytes, seconds: float, interval: float = 0.0, *, lead: bytes = b"") -> Script:
    """A 200 event stream that sends `lead`, then repeats `step` for `seconds` without `[DONE]`."""
    return Script([lead, Repeat(step, seconds, interval)])


def deep_json(depth: int) -> bytes:
    """A JSON value nested `depth` arrays deep (parsers recurse once per level)."""
    return b"[" * depth + b"]" * depth


def redirect(location: str, status: int = 307) -> Script:
    """A redirect to `location` (another origin, in the hostile case)."""
    return Script([], status=status, headers={"location": location}, chunked=False)


SAMPLE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGM8ISfHwMDAxMDAwMDAAAANBAEIfXHKZgAAAABJRU5ErkJggg=="
)
"""A valid 2x2 PNG: what the default image answer holds."""


def json_body(body: Any, status: int = 200) -> Script:
    """One JSON body, sent with Content-Length."""
    return Script(
        [json.dumps(body).encode()],
        status=status,
        headers={"content-type": "application/json"},
        chunked=False,
    )


def image_answer(*items: dict[str, str]) -> Script:
    """An `/images/generations` answer holding `items` (`{"b64_json": ...}` or `{"url": ...}`)."""
    return json_body({"created": 1, "data": list(items)})


def b64_item(data: bytes) -> dict[str, str]:
    return {"b64_json": base64.b64encode(data).decode()}


def default_image_answer(request: dict[str, Any]) -> Script:
    count = request.get("n")
    count = max(1, min(count, 10)) if isinstance(count, int) else 1
    return image_answer(*[b64_item(SAMPLE_PNG)] * count)


def default_reply(request: dict[str, Any]) -> Script:
    """Echo the last user message inside a little Markdown answer."""
    messages = request.get("messages") or []
    last = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
    text = f"You said: **{last}**\n\n- one\n- two\n\n```python\nprint('hi')\n```\n"
    pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
    return text_stream(pieces, usage_=usage(max(1, len(str(messages)) // 4), len(pieces)))


# ---- tool calls ------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """A tool call the fake model makes."""

    id: str
    name: str
    arguments: str


def tool_call_stream(calls: list[Call], *, piece: int = 3, text: str | None = None) -> Script:
    """A reply calling `calls`, split the hard way: each name in two fragments, the arguments
    in `piece`-character fragments, the calls' fragments interleaved; `finish_reason`
    `tool_calls`, then `[DONE]`. `text`, when given, streams first."""
    fragments: list[list[dict[str, Any]]] = []
    for index, call in enumerate(calls):
        half = max(1, len(call.name) // 2)
        own: list[dict[str, Any]] = [
            {
                "index": index,
                "id": call.id,
                "type": "function",
                "function": {"name": call.name[:half], "arguments": ""},
            },
            {"index": index, "function": {"name": call.name[half:]}},
        ]
        own += [
            {"index": index, "function": {"arguments": call.arguments[at : at + piece]}}
            for at in range(0, len(call.arguments), piece)
        ]
        fragments.append(own)
    steps: list[Step] = [chunk(text)] if text else []
    for row in range(max((len(own) for own in fragments), default=0)):
        for own in fragments:
            if row < len(own):
                steps.append(chunk(delta={"tool_calls": [own[row]]}))
    steps += [chunk(finish="tool_calls", usage=usage(10, 5)), DONE]
    return Script(steps)


def followup_problems(
    request: dict[str, Any], calls: list[Call], results: dict[str, str] | None = None
) -> list[str]:
    """What is wrong with a request that should answer `calls`: the assistant message with
    exactly these `tool_calls` (ids, names, arguments, in order), then one `role: "tool"`
    message per call with the matching `tool_call_id` (and, when given, the expected content)."""
    messages = request.get("messages") or []
    position = next(
        (i for i, m in enumerate(messages) if m.get("role") == "assistant" and m.get("tool_calls")),
        None,
    )
    if position is None:
        return ["no assistant message with tool_calls"]
    sent = [
        (
            c.get("id"),
            c.get("type"),
            (c.get("function") or {}).get("name"),
            (c.get("function") or {}).get("arguments"),
        )
        for c in messages[position]["tool_calls"]
    ]
    wanted = [(c.id, "function", c.name, c.arguments) for c in calls]
    problems = [] if sent == wanted else [f"assistant tool_calls {sent} != {wanted}"]
    answers = messages[position + 1 : position + 1 + len(calls)]
    for call, answer in zip(calls, answers, strict=False):
        if answer.get("role") != "tool" or answer.get("tool_call_id") != call.id:
            problems.append(f"expected a tool message for {call.id}, got {answer}")
        elif not isinstance(answer.get("content"), str):
            problems.append(f"tool message for {call.id} has no text content")
        elif results is not None and answer["content"] != results.get(call.id):
            problems.append(f"tool message for {call.id}: {answer['content'][:200]!r}")
    if len(answers) < len(calls):
        problems.append(f"{len(calls) - len(answers)} tool result message(s) missing")
    return problems


@dataclass
class ToolScenario:
    """A responder: the first request gets `calls`; a follow-up is checked with
    `followup_problems()` and gets `answer` (or a 400 naming the problems, kept in
    `problems`). Requests without tool results get the calls again (a further round)."""

    calls: list[Call]
    answer: str = "All done."
    results: dict[str, str] | None = None
    problems: list[str] = field(default_factory=list)

    def __call__(self, request: dict[str, Any]) -> Script:
        if not any(m.get("role") == "tool" for m in request.get("messages") or []):
            return tool_call_stream(self.calls)
        problems = followup_problems(request, self.calls, self.results)
        self.problems += problems
        if problems:
            return json_error(400, "; ".join(problems))
        return text_stream([self.answer[i : i + 5] for i in range(0, len(self.answer), 5)])


def rich_model(
    model_id: str,
    *,
    context: int = 128_000,
    per_token: tuple[str, str] = ("0.00000015", "0.0000006"),
    image: bool = True,
    tools: bool = True,
) -> dict[str, Any]:
    """One model in OpenRouter's shape: per-token prices as strings, modalities, parameters."""
    return {
        "id": model_id,
        "canonical_slug": model_id,
        "name": f"Model {model_id}",
        "created": 1_700_000_000,
        "description": "A model. " * 20,
        "context_length": context,
        "architecture": {
            "modality": "text+image->text" if image else "text->text",
            "input_modalities": ["text", "image"] if image else ["text"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {
            "prompt": per_token[0],
            "completion": per_token[1],
            "request": "0",
            "image": "0",
        },
        "top_provider": {"context_length": context, "max_completion_tokens": 16384},
        "per_request_limits": None,
        "supported_parameters": ["max_tokens", "temperature", *(["tools"] if tools else [])],
    }


def model_list_body(items: Iterable[Any]) -> bytes:
    """A `GET /models` body holding `items` (of any shape) as `data`."""
    return json.dumps({"object": "list", "data": list(items)}).encode()


# ---- the server ------------------------------------------------------------------------


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    started: float
    finished: float | None = None
    """When the last step of the reply was written (monotonic), if it was."""
    disconnected: float | None = None
    """When the server noticed the client went away before the reply ended (monotonic)."""

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class FakeServer:
    """The server; `with FakeServer() as server:` serves on a background thread."""

    def __init__(
        self, port: int = 0, responder: Callable[[dict[str, Any]], Script] | None = None
    ) -> None:
        self.port = port
        self.scripts: deque[Script] = deque()
        self.responder = responder or default_reply
        self.models: list[str] | None = ["gpt-4o-mini", "claude-sonnet-4.5", "deepseek-r1"]
        """Ids served by GET /models (the bare OpenAI shape); None makes it answer 404."""
        self.models_scripts: deque[Script] = deque()
        """Scripts that GET /models plays, before answering from `models` again."""
        self.models_body: bytes | None = None
        """When set, GET /models answers these bytes instead (see `rich_model`)."""
        self.api_key: str | None = None
        """When set, API requests without `Authorization: Bearer <api_key>` get Aijora's 401."""
        self.requests: list[Received] = []
        self.routes: dict[str, Script] = {}
        """GET paths (without the query) and the script each one plays, every time."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def queue(self, *scripts: Script) -> None:
        self.scripts.extend(scripts)

    def chat_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def models_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/models")]

    def image_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/images/generations")]

    def url(self, path: str) -> str:
        """An absolute URL of this server for `path`."""
        return f"http://127.0.0.1:{self.port}{path}"

    # -- lifecycle --

    def __enter__(self) -> FakeServer:
        self._thread = threading.Thread(target=self._run_thread, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake server did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(self._stop_event.set)
        if self._thread is not None:
            self._thread.join(10)

    def _run_thread(self) -> None:
        asyncio.run(self.serve())

    async def serve(self, on_ready: Callable[[int], None] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        if on_ready is not None:
            on_ready(self.port)
        async with self._server:
            await self._stop_event.wait()
            self._server.close()

    # -- HTTP --

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        leftover = bytearray()  # bytes of the next request that a disconnect watcher read
        try:
            while True:
                request = await _read_request(reader, leftover)
                if request is None:
                    break
                self.requests.append(request)
                keep_alive = await self._respond(request, reader, writer, leftover)
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _respond(
        self,
        request: Received,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        leftover: bytearray,
    ) -> bool:
        path = request.path.split("?")[0]
        if path.endswith("/_control/script"):
            self.scripts.append(Script.from_json(json.loads(request.body)))
            return await _send_simple(writer, 200, b"{}")
        if path.endswith("/_control/requests"):
            body = json.dumps(
                [
                    {
                        "path": r.path,
                        "body": r.body.decode("utf-8", "replace"),
                        "disconnected": r.disconnected is not None,
                        "started": r.started,
                        "finished": r.finished,
                    }
                    for r in self.requests
                    if "/_control/" not in r.path
                ]
            )
            return await _send_simple(writer, 200, body.encode())
        if path.endswith("/_control/reset"):
            self.scripts.clear()
            self.requests.clear()
            return await _send_simple(writer, 200, b"{}")
        if request.method == "GET" and path.endswith("/models") and self.models_scripts:
            script = self.models_scripts.popleft()
            return await self._play(script, request, reader, writer, leftover)
        if request.method == "GET" and path in self.routes:
            return await self._play(self.routes[path], request, reader, writer, leftover)
        if self.api_key is not None and request.headers.get("authorization") != (
            f"Bearer {self.api_key}"
        ):
            return await _send_simple(writer, 401, _INVALID_KEY)
        if request.method == "GET" and path.endswith("/models"):
            if self.models_body is not None:
                return await _send_simple(writer, 200, self.models_body)
            if self.models is None:
                return await _send_simple(writer, 404, b'{"error":{"message":"not found"}}')
            body = json.dumps(
                {
                    "object": "list",
                    "data": [{"id": m, "object": "model", "owned_by": "fake"} for m in self.models],
                }
            )
            return await _send_simple(writer, 200, body.encode())
        if request.method == "POST" and path.endswith("/chat/completions"):
            script = (
                self.scripts.popleft() if self.scripts else self.responder(request.json() or {})
            )
            return await self._play(script, request, reader, writer, leftover)
        if request.method == "POST" and path.endswith("/images/generations"):
            script = (
                self.scripts.popleft()
                if self.scripts
                else default_image_answer(request.json() or {})
            )
            return await self._play(script, request, reader, writer, leftover)
        return await _send_simple(writer, 404, b'{"error":{"message":"no such route"}}')

    async def _play(
        self,
        script: Script,
        request: Received,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        leftover: bytearray,
    ) -> bool:
        head = [f"HTTP/1.1 {script.status} {_REASONS.get(script.status, 'Status')}"]
        head += [f"{k}: {v}" for k, v in script.headers.items()]
        if script.chunked:
            head.append("transfer-encoding: chunked")
        else:
            length = sum(len(s) for s in script.steps if isinstance(s, bytes))
            head.append(f"content-length: {length}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        watcher = asyncio.ensure_future(_watch_disconnect(reader, request, leftover))
        loop = asyncio.get_running_loop()
        try:
            await writer.drain()
            began = loop.time()
            for step in script.steps:
                if watcher.done():
                    return False
                if isinstance(step, bytes):
                    if not step:
                        continue
                    writer.write(b"%x\r\n%s\r\n" % (len(step), step) if script.chunked else step)
                    await writer.drain()
                elif isinstance(step, Pause):
                    await asyncio.wait([watcher], timeout=step.seconds)
                elif isinstance(step, At):
                    await asyncio.wait(
                        [watcher], timeout=max(0.0, began + step.seconds - loop.time())
                    )
                elif isinstance(step, Gate):
                    await _wait_for_gate(step, watcher)
                elif isinstance(step, Hold):
                    await asyncio.wait([watcher], timeout=step.seconds)
                    return False
                elif isinstance(step, Repeat):
                    if not await _repeat(step, writer, watcher, script.chunked):
                        return False
                elif isinstance(step, Reset):
                    _abort(writer)
                    return False
                else:  # Cut: close without the terminating zero-length chunk
                    await writer.drain()
                    return False
            request.finished = time.monotonic()
            if script.chunked:
                writer.write(b"0\r\n\r\n")
            await writer.drain()
            return True
        except ConnectionError:
            if request.disconnected is None:
                request.disconnected = time.monotonic()
            return False
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher  # it must stop reading before the next request is read


async def _wait_for_gate(gate: Gate, watcher: asyncio.Future[None]) -> None:
    """Until the gate opens, the client leaves or the gate's timeout passes (polled: the event
    is set from the test's thread)."""
    end = time.monotonic() + gate.timeout
    while not gate.opened.is_set() and not watcher.done() and time.monotonic() < end:
        await asyncio.wait([watcher], timeout=0.01)


async def _repeat(
    step: Repeat, writer: asyncio.StreamWriter, watcher: asyncio.Future[None], chunked: bool
) -> bool:
    """Play a `Repeat`; False when the client went away meanwhile."""
    frame = b"%x\r\n%s\r\n" % (len(step.data), step.data) if chunked else step.data
    end = time.monotonic() + step.seconds
    while time.monotonic() < end:
        if watcher.done():
            return False
        writer.write(frame)
        await writer.drain()
        if step.interval:
            await asyncio.wait([watcher], timeout=step.interval)
        else:
            await asyncio.sleep(0)
    return True


async def _watch_disconnect(
    reader: asyncio.StreamReader, request: Received, leftover: bytearray
) -> None:
    """Completes when the client closes its side mid-reply (it sends nothing else meanwhile)."""
    try:
        data = await reader.read(1)
    except ConnectionError:
        data = b""
    leftover += data
    if not data:
        request.disconnected = time.monotonic()


def _abort(writer: asyncio.StreamWriter) -> None:
    transport = writer.transport
    sock = transport.get_extra_info("socket")
    if sock is not None:
        import socket
        import struct

        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def _send_simple(writer: asyncio.StreamWriter, status: int, body: bytes) -> bool:
    writer.write(
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    return True


async def _read_request(reader: asyncio.StreamReader, leftover: bytearray) -> Received | None:
    try:
        head = bytes(leftover) + await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    leftover.clear()
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return Received(method, path, headers, body, time.monotonic())


_INVALID_KEY = (
    b'{"error":{"message":"Invalid API key","type":"invalid_request_error","code":"401"}}'
)
_REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    422: "Unprocessable",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = FakeServer(args.port)

    def announce(port: int) -> None:
        print(f"PORT {port}", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve(announce))


if __name__ == "__main__":
    main()
