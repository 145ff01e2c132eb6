"""The fake server's pacing and timing: what the real-terminal benchmark relies on."""

from __future__ import annotations

import contextlib
import http.client
import json
import urllib.request

from tests.fake_server import DONE, At, Cut, FakeServer, Pause, Script, chunk


def post_chat(server: FakeServer) -> bytes:
    request = urllib.request.Request(
        f"{server.base_url}/chat/completions",
        data=json.dumps({"model": "m", "messages": [], "stream": True}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body: bytes = response.read()
    return body


def control_requests(server: FakeServer) -> list[dict[str, object]]:
    with urllib.request.urlopen(f"{server.base_url}/_control/requests", timeout=10) as response:
        requests: list[dict[str, object]] = json.loads(response.read())
    return requests


def test_at_steps_survive_the_json_round_trip() -> None:
    script = Script([chunk("a"), At(0.25), chunk("b"), Pause(0.1), DONE])
    assert Script.from_json(json.loads(json.dumps(script.to_json()))) == script


def test_a_paced_reply_arrives_whole_and_reports_when_it_was_sent(server: FakeServer) -> None:
    pieces = [f"piece {n} " for n in range(5)]
    steps: list[bytes | At] = []
    for number, piece in enumerate(pieces):
        steps += [At(0.04 * number), chunk(piece)]
    server.queue(Script([*steps, chunk(finish="stop"), DONE]))

    body = post_chat(server)

    assert [piece.encode() in body for piece in pieces] == [True] * len(pieces)
    (sent,) = control_requests(server)
    started, finished = sent["started"], sent["finished"]
    assert isinstance(started, float) and isinstance(finished, float)
    # The last piece waited for its slot, 0.16 s after the head: the reply cannot end sooner.
    assert finished - started >= 0.16


def test_a_cut_reply_has_no_finish_time(server: FakeServer) -> None:
    server.queue(Script([chunk("partial"), Cut()]))
    with contextlib.suppress(http.client.IncompleteRead):
        post_chat(server)
    (sent,) = control_requests(server)
    assert sent["finished"] is None
