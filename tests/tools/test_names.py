"""Tool names for the model: valid, unique, a server's own name where it can be."""

from __future__ import annotations

import re

from aijora_tui.core.tools.names import MAX_DESCRIPTION, ServerTool, offer

VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def names(*tools: tuple[str, str]) -> list[str]:
    return [tool.exposed for tool in offer([ServerTool(server, name) for server, name in tools])]


def test_unique_valid_names_kept() -> None:
    assert names(("a", "read"), ("b", "write")) == ["read", "write"]


def test_clashing_names_prefixed_with_their_servers() -> None:
    assert names(("notes", "search"), ("web", "search"), ("web", "fetch")) == [
        "notes_search",
        "web_search",
        "fetch",
    ]


def test_invalid_names_made_valid() -> None:
    result = names(("my server", "read.file"), ("s", "über"), ("s", ""))
    assert result == ["my_server_read_file", "s__ber", "s_tool"]
    assert all(VALID.match(name) for name in result)


def test_long_names_cut_and_still_distinct() -> None:
    server = "s" * 50
    result = names((server, "x" * 70 + "one"), (server, "x" * 70 + "two"))
    assert all(VALID.match(name) for name in result)
    assert len(set(result)) == 2
    assert all(len(name) == 64 for name in result)


def test_prefixed_name_clashing_with_a_plain_one_gets_a_number() -> None:
    result = names(("a", "a_b"), ("a", "b"), ("x", "b"))
    assert result == ["a_b", "a_b_2", "x_b"]


def test_openai_shape() -> None:
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    [tool] = offer([ServerTool("s", "find", "d" * 5000, schema)])
    entry = tool.to_openai()
    assert entry["type"] == "function"
    assert entry["function"]["name"] == "find"
    assert entry["function"]["parameters"] == schema
    assert len(entry["function"]["description"]) == MAX_DESCRIPTION


def test_schema_that_is_not_an_object_replaced() -> None:
    [tool] = offer([ServerTool("s", "f", "", {"type": "string"})])
    assert tool.to_openai()["function"] == {
        "name": "f",
        "parameters": {"type": "object", "properties": {}},
    }
    [tool] = offer([ServerTool("s", "g", "", {"type": "object"})])
    assert tool.to_openai()["function"]["parameters"] == {"type": "object", "properties": {}}
