"""The fake server's pacing and timing: what the real-terminal benchmark relies on."""

from __future__ import annotations

import contextlib
import http.client
import json
import urllib.request

import pytest

from tests.fake_server import DONE, At, Cut, FakeServer, Gate, Pause, Script, chunk


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


def test_a_gate_holds_the_reply_until_the_test_opens_it(server: FakeServer) -> None:
    gate = Gate()
    server.queue(Script([chunk("before"), gate, chunk("after"), chunk(finish="stop"), DONE]))
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    body = json.dumps({"model": "m", "messages": [], "stream": True})
    connection.request("POST", "/v1/chat/completions", body, {"content-type": "application/json"})
    response = connection.getresponse()
    received = b""
    for _ in range(100):  # bounded: the first event comes in one or a few reads
        received += response.read1()
        if b"before" in received:
            break
    assert b"before" in received
    assert server.requests[-1].finished is None  # held at the gate
    gate.open()
    received += response.read()
    connection.close()
    assert b"after" in received and server.requests[-1].finished is not None


def test_a_gate_cannot_go_to_another_process() -> None:
    with pytest.raises(TypeError):
        Script([Gate()]).to_json()
