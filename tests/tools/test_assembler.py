"""Streamed tool_calls fragments assembled into calls, from unit fragments and from the wire."""

from __future__ import annotations

from aijora_tui.core.client import ChatClient
from aijora_tui.core.events import ToolCallDelta
from aijora_tui.core.models import ChatMessage
from aijora_tui.core.parts import ToolCallPart
from aijora_tui.core.tools.assembler import MAX_ARGUMENTS, MAX_CALLS, ToolCallAssembler
from tests.fake_server import Call, FakeServer, tool_call_stream


def assemble(*deltas: ToolCallDelta) -> ToolCallAssembler:
    assembler = ToolCallAssembler()
    for delta in deltas:
        assembler.add(delta)
    return assembler


def test_name_and_arguments_split_across_fragments() -> None:
    assembler = assemble(
        ToolCallDelta(0, "call_a", "read_", ""),
        ToolCallDelta(0, None, "note", ""),
        ToolCallDelta(0, None, None, '{"id"'),
        ToolCallDelta(0, None, None, ": 7}"),
    )
    [call] = assembler.calls()
    assert call.part == ToolCallPart("call_a", "read_note", '{"id": 7}')
    assert (call.arguments, call.problem) == ({"id": 7}, None)


def test_several_interleaved_calls_in_index_order() -> None:
    assembler = assemble(
        ToolCallDelta(1, "call_b", "b", ""),
        ToolCallDelta(0, "call_a", "a", ""),
        ToolCallDelta(1, None, None, "{}"),
        ToolCallDelta(0, None, None, '{"x": [1, 2]}'),
    )
    calls = assembler.calls()
    assert [c.part.id for c in calls] == ["call_a", "call_b"]
    assert [c.arguments for c in calls] == [{"x": [1, 2]}, {}]


def test_whole_call_in_one_fragment_and_repeated_headers() -> None:
    assembler = assemble(
        ToolCallDelta(0, "c1", "search", '{"q":'),
        ToolCallDelta(0, "c1", "search", '"x"}'),  # some servers repeat id and name
    )
    [call] = assembler.calls()
    assert call.part == ToolCallPart("c1", "search", '{"q":"x"}')


def test_empty_arguments_are_no_arguments() -> None:
    [call] = assemble(ToolCallDelta(0, "c", "now", "")).calls()
    assert (call.arguments, call.problem) == ({}, None)


def test_arguments_not_json_reported() -> None:
    [call] = assemble(ToolCallDelta(0, "c", "f", '{"a": 1')).calls()
    assert call.arguments is None
    assert call.problem is not None
    assert call.problem.startswith("the arguments are not valid JSON (")
    assert call.part.arguments == '{"a": 1'  # kept exactly as the model wrote it


def test_arguments_not_an_object_reported() -> None:
    [call] = assemble(ToolCallDelta(0, "c", "f", "[1, 2]")).calls()
    assert call.problem == "the arguments are not a JSON object"


def test_missing_name_and_missing_ids() -> None:
    calls = assemble(
        ToolCallDelta(0, None, None, "{}"),
        ToolCallDelta(1, None, "g", "{}"),
        ToolCallDelta(2, "dup", "h", "{}"),
        ToolCallDelta(3, "dup", "i", "{}"),
    ).calls()
    assert calls[0].problem == "the model called a tool without a name"
    assert [c.part.id for c in calls] == ["call_0", "call_1", "dup", "call_3"]
    assert len({c.part.id for c in calls}) == 4


def test_bounds() -> None:
    assembler = ToolCallAssembler()
    for index in range(MAX_CALLS + 5):
        assembler.add(ToolCallDelta(index, f"c{index}", "f", "{}"))
    assert len(assembler.calls()) == MAX_CALLS
    assert assembler.dropped == 5
    huge = assemble(
        ToolCallDelta(0, "c", "f", '{"a": "'),
        *[ToolCallDelta(0, None, None, "x" * 65536) for _ in range(MAX_ARGUMENTS // 65536 + 2)],
    )
    [call] = huge.calls()
    assert call.problem == "the arguments are too long (over 1 MB)"
    assert call.part.arguments == ""


async def test_stream_from_the_wire_assembles(server: FakeServer) -> None:
    """The fake server splits names and arguments and interleaves two calls."""
    calls = [Call("call_1", "read_note", '{"id": 42, "full": true}'), Call("call_2", "now", "")]
    server.queue(tool_call_stream(calls, piece=2))
    assembler = ToolCallAssembler()
    fragments = 0
    async with ChatClient(server.base_url, "k", max_retries=0) as client:
        async for event in client.stream_chat([ChatMessage("user", "hi")], "m"):
            if isinstance(event, ToolCallDelta):
                fragments += 1
                assembler.add(event)
    assert fragments > 4  # really split
    result = assembler.calls()
    assert [c.part for c in result] == [
        ToolCallPart("call_1", "read_note", '{"id": 42, "full": true}'),
        ToolCallPart("call_2", "now", ""),
    ]
    assert [c.arguments for c in result] == [{"id": 42, "full": True}, {}]
