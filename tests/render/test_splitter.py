"""BlockSplitter: where blocks end, when they settle, and that splitting is lossless."""

from __future__ import annotations

import pytest

from aijora_tui.tui.render import BlockSplitter, render_markdown
from aijora_tui.tui.render.splitter import TAIL_LIMIT


def split_whole(text: str) -> list[str]:
    """All blocks of `text` fed in one delta."""
    splitter = BlockSplitter()
    return splitter.feed(text) + splitter.flush()


def split_chars(text: str) -> list[str]:
    """All blocks of `text` fed one character at a time."""
    splitter = BlockSplitter()
    blocks = [block for char in text for block in splitter.feed(char)]
    return blocks + splitter.flush()


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        ("", []),
        ("one", ["one"]),
        ("one\n\ntwo", ["one\n\n", "two"]),
        ("one\n\n\n\ntwo\n", ["one\n\n\n\n", "two\n"]),
        ("\n\none\n\ntwo", ["\n\none\n\n", "two"]),
        ("one\n  \t\ntwo", ["one\n  \t\n", "two"]),
        ("one\r\n\r\ntwo\r\n", ["one\r\n\r\n", "two\r\n"]),
        ("para\nlazy line\n# head\n", ["para\nlazy line\n# head\n"]),
        # fences: blank lines inside do not end the block; the closing line does
        ("```py\na\n\nb\n```\nafter", ["```py\na\n\nb\n```\n", "after"]),
        ("~~~\na\n\n~~~\n\nnext", ["~~~\na\n\n~~~\n\n", "next"]),
        ("```\na\n\n~~~\n\nb\n```\nc", ["```\na\n\n~~~\n\nb\n```\n", "c"]),
        ("````\na\n```\n\nb\n````\nc", ["````\na\n```\n\nb\n````\n", "c"]),
        ("```\na\n``` x\n\nb\n```\nc", ["```\na\n``` x\n\nb\n```\n", "c"]),
        ("   ```\na\n\nb\n   ```\nc", ["   ```\na\n\nb\n   ```\n", "c"]),
        ("```\na\n\n```   \nc", ["```\na\n\n```   \n", "c"]),
        ("text\n```\na\n\nb\n```\n", ["text\n```\na\n\nb\n```\n"]),
        ("```\nunclosed\n\nfence", ["```\nunclosed\n\nfence"]),
        # not fences
        ("```x``` inline\n\nnext", ["```x``` inline\n\n", "next"]),
        ("``not\n\nnext", ["``not\n\n", "next"]),
        # a closing fence indented 4+ is code, not a close
        ("```\na\n    ```\n\nb\n```\nc", ["```\na\n    ```\n\nb\n```\n", "c"]),
        # lists continue across blank lines while the next line is indented
        ("- a\n\n  more\n\n- b", ["- a\n\n  more\n\n", "- b"]),
        ("1. a\n\n2. b\n", ["1. a\n\n", "2. b\n"]),
        ("- a\n\n    code\n\nafter", ["- a\n\n    code\n\n", "after"]),
        ("para\n\n    code\n", ["para\n\n", "    code\n"]),
        # so do indented code blocks while the next line is indented 4+
        ("    a\n\n    b\n\n  c", ["    a\n\n    b\n\n", "  c"]),
        # fences inside list items
        ("- ```\n  a\n\n  b\n  ```\n\nc", ["- ```\n  a\n\n  b\n  ```\n\n", "c"]),
        (
            "1. x\n   ```sh\n   a\n\n   b\n   ```\n2. y",
            ["1. x\n   ```sh\n   a\n\n   b\n   ```\n2. y"],
        ),
        # a list item's fence ends with the item (CommonMark); the next ``` opens a new fence
        ("- ```\n  a\nout\n```\nx\n\ny\n```\n", ["- ```\n  a\nout\n```\nx\n\ny\n```\n"]),
    ],
)
def test_blocks(text: str, blocks: list[str]) -> None:
    assert split_whole(text) == blocks
    assert split_chars(text) == blocks


def test_a_block_settles_when_the_next_block_starts() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("para") == []
    assert splitter.tail == "para"
    assert splitter.feed("graph\n\n") == []
    assert splitter.tail == "paragraph\n\n"
    assert splitter.feed("\n  ") == []
    assert splitter.feed("  n") == ["paragraph\n\n\n"]
    assert splitter.tail == "    n"
    assert splitter.feed("ext") == []
    assert splitter.flush() == ["    next"]
    assert splitter.tail == ""


def test_several_blocks_in_one_delta() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("a\n\nb\n\nc\n\nd") == ["a\n\n", "b\n\n", "c\n\n"]
    assert splitter.tail == "d"


def test_a_closed_fence_settles_without_a_blank_line() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("```\ncode\n```\n") == []
    assert splitter.feed("T") == ["```\ncode\n```\n"]


def test_flush_resets_for_the_next_reply() -> None:
    splitter = BlockSplitter()
    splitter.feed("```\nopen fence\n")
    assert splitter.flush() == ["```\nopen fence\n"]
    assert splitter.flush() == []
    assert splitter.feed("a\n\nb") == ["a\n\n"]
    assert splitter.feed("\n\nc") == ["b\n\n"]


def test_crlf_split_between_deltas() -> None:
    splitter = BlockSplitter()
    deltas = ["one\r", "\n\r", "\ntwo\r", "\n"]
    blocks = [block for delta in deltas for block in splitter.feed(delta)]
    assert blocks + splitter.flush() == ["one\r\n\r\n", "two\r\n"]


def test_each_line_is_examined_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Feeding is incremental: the text seen is never scanned again, however it is split."""
    examined: list[int] = []
    original = BlockSplitter._classify

    def counting(self: BlockSplitter, line: str) -> None:
        examined.append(len(line))
        original(self, line)

    monkeypatch.setattr(BlockSplitter, "_classify", counting)
    text = "```python\n" + "x = 1\n\n" * 2_000 + "```\n\nend\n"
    splitter = BlockSplitter()
    for start in range(0, len(text), 3):
        splitter.feed(text[start : start + 3])
    assert len(examined) == text.count("\n")
    assert sum(examined) == len(text.replace("\n", ""))


def test_settled_blocks_render_their_code_like_the_whole_reply() -> None:
    reply = (
        "Intro\n\n1. Step one:\n\n   ```bash\n   a\n\n   b\n   ```\n\n2. Step two\n\n"
        "```python\ndef f():\n\n    return 1\n```\nDone.\n"
    )
    whole = [(b.language, b.code) for b in render_markdown(reply, 60).code_blocks]
    parts = [
        (b.language, b.code)
        for block in split_chars(reply)
        for b in render_markdown(block, 60).code_blocks
    ]
    assert parts == whole
    assert len(whole) == 2


LONG_LINE = "word " * 5_000
LONG_PARAGRAPH = "a line of a paragraph that goes on\n" * 600
LONG_CODE = "```python\n" + "".join(f"x_{n} = {n}\n" for n in range(2_000)) + "```\n\nAfter.\n"


BOUND = TAIL_LIMIT + 50
"""A block is cut at the end of the line that takes it past the limit (+ a fence's opening)."""


@pytest.mark.parametrize(
    "text",
    [LONG_LINE, LONG_PARAGRAPH, LONG_CODE, "para\n" + "\n" * 9_000],
    ids=["line", "paragraph", "code", "blank lines"],
)
def test_no_block_and_no_tail_grows_past_the_limit(text: str) -> None:
    """A block that never ends (one endless line, say) would make every update re-render all
    of it; it is cut near TAIL_LIMIT, wherever the deltas happen to end."""
    for pieces in ([text], list(text), [text[i : i + 37] for i in range(0, len(text), 37)]):
        splitter = BlockSplitter()
        blocks: list[str] = []
        for piece in pieces:
            blocks += splitter.feed(piece)
            assert len(splitter.tail) <= BOUND
        blocks += splitter.flush()
        assert blocks == split_whole(text)  # the same cuts however the text arrives
        assert max(map(len, blocks)) <= BOUND
        assert len(blocks) > len(text) // TAIL_LIMIT


@pytest.mark.parametrize("text", [LONG_LINE, LONG_PARAGRAPH], ids=["line", "paragraph"])
def test_cut_blocks_keep_every_character(text: str) -> None:
    blocks = split_chars(text)
    assert "".join(blocks) == text
    if "\n" in text:
        assert all(block.endswith("\n") for block in blocks)  # cut at line ends
    else:
        assert all(block.endswith(" ") for block in blocks[:-1])  # cut after a space


def test_a_code_block_cut_in_pieces_stays_code_in_its_language() -> None:
    blocks = split_chars(LONG_CODE)
    assert len(blocks) > 3
    assert all(block.startswith("```python\n") for block in blocks[:-1])
    (whole,) = render_markdown(LONG_CODE, 60).code_blocks
    parts = [code for block in blocks for code in render_markdown(block, 60).code_blocks]
    assert {part.language for part in parts} == {"python"}
    assert "\n".join(part.code for part in parts) == whole.code
    assert blocks[-1] == "After.\n"


def test_a_table_cut_in_pieces_keeps_its_header() -> None:
    table = "| name | value |\n|---|---:|\n" + "".join(f"| row {n} | {n} |\n" for n in range(1_000))
    blocks = split_chars(table + "\nAfter.\n")
    assert len(blocks) > 3
    head = "| name | value |\n|---|---:|\n"
    assert all(block.startswith(head) for block in blocks[:-1])
    rows = [line for block in blocks[:-1] for line in block.splitlines()[2:] if line.strip()]
    assert rows == [line for line in table.splitlines()[2:]]
    for block in blocks[:-1]:
        rendered = render_markdown(block, 60).content.plain
        assert "name" in rendered and "|" not in rendered.split("\n", 1)[0]  # drawn as a table
