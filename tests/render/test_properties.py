"""Hypothesis: the splitter is split-invariant and lossless; rendering never fails or overflows."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from aijora_tui.tui.render import BlockSplitter, render_markdown
from tests.render.helpers import assert_fits, assert_inert

# Characters that drive Markdown structure, plus wide, zero-width and control characters.
STRUCTURE = [*"\n\n\n\n   \t\r`~`~-*+>#|:1.)[]()!_\\<a/b x", "```", "~~~", "\n\n", "- ", "1. "]
ODD = ["中", "😀", "\u200d", "\u0301", "\x1b", "\x00", "[/]", "[@click=app.quit]", "| a |\n|---|\n"]
ALPHABET = st.sampled_from([*STRUCTURE, *ODD])
DOCUMENTS = st.lists(ALPHABET, max_size=120).map("".join)

BLOCKS = st.sampled_from(
    [
        "Para with **bold** and `code`.\n",
        "```py\nx = 1\n\ny = 2\n```\n",
        "~~~\n\n~~~\n",
        "- item\n\n  continued\n",
        "1. step\n   ```sh\n   a\n\n   b\n   ```\n",
        "> quote\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
        "    indented\n",
        "# Heading\n",
        "\n",
        "\n\n",
    ]
)
REPLIES = st.lists(BLOCKS, max_size=12).map("".join)


def feed_in_pieces(text: str, cuts: list[int]) -> tuple[list[str], BlockSplitter]:
    """Feed `text` cut at `cuts`, checking after each delta that nothing was lost."""
    splitter = BlockSplitter()
    settled: list[str] = []
    bounds = sorted({0, len(text), *(cut % (len(text) + 1) for cut in cuts)})
    for start, end in itertools.pairwise(bounds):
        settled.extend(splitter.feed(text[start:end]))
        assert "".join(settled) + splitter.tail == text[:end]
    return settled, splitter


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS, st.lists(st.integers(min_value=0), max_size=40))
def test_any_split_gives_the_same_blocks(text: str, cuts: list[int]) -> None:
    whole = BlockSplitter()
    expected = whole.feed(text) + whole.flush()
    settled, splitter = feed_in_pieces(text, cuts)
    assert settled + splitter.flush() == expected
    assert "".join(expected) == text
    assert all(expected), "no empty blocks"


@settings(max_examples=150, deadline=None)
@given(REPLIES, st.lists(st.integers(min_value=0), max_size=30))
def test_blocks_never_cut_a_code_block(reply: str, cuts: list[int]) -> None:
    settled, splitter = feed_in_pieces(reply, cuts)
    blocks = settled + splitter.flush()
    whole = [block.code for block in render_markdown(reply, 40).code_blocks]
    parts = [code.code for block in blocks for code in render_markdown(block, 40).code_blocks]
    assert parts == whole


@settings(max_examples=200, deadline=None)
@given(DOCUMENTS, st.integers(min_value=1, max_value=120), st.none() | st.integers(0, 3))
def test_render_never_fails_and_always_fits(text: str, width: int, selected: int | None) -> None:
    rendered = render_markdown(text, width, selected_code=selected)
    assert_fits(rendered, width)
    assert_inert(rendered)
    assert [block.index for block in rendered.code_blocks] == list(range(len(rendered.code_blocks)))
    for block in rendered.code_blocks:
        assert 0 <= block.line < block.line + block.height <= rendered.height


def test_a_cluster_that_starts_with_a_joiner_still_takes_its_cells() -> None:
    """Found by the property above: "\\u200d\\u200d1." was one 2-cell line at width 1."""
    rendered = render_markdown("\u200d\u200d1. ", 1)
    assert_fits(rendered, 1)


def test_a_wide_character_after_joiners_is_cropped_not_a_crash() -> None:
    assert_fits(render_markdown("\u200d\u200d中", 1), 1)
