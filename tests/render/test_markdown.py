"""render_markdown: one test table per construct, plus code blocks, safety and widths."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from aijora_tui.tui.render import render_markdown, styles
from tests.render.helpers import (
    assert_fits,
    assert_inert,
    line_content,
    lines_of,
    plain_lines,
    styles_at,
    styles_on,
)

SAMPLE = """\
# Title of the reply

Intro with **bold**, *italic*, ~~gone~~, `code`, [docs](https://example.com/a/very/long/path)
and <https://example.com>, plus ![a cat](cat.png). 中文 and emoji 😀 mixed in.

## Steps

1. Install the package with a command that is long enough to wrap:

   ```bash
   pip install aijora-tui --upgrade --no-cache-dir --index-url https://example.com/simple
   ```

2. Run it
   - nested bullet with enough text to wrap onto another line as well
   - another

> A quote that is long enough to wrap at narrow widths, with `code`.
>
> > nested quote

| Name | Value | Notes |
|:-----|------:|:-----:|
| alpha | 1 | the first letter of the Greek alphabet |
| beta | 22 | 二 |

---

<details>raw html</details>

    indented code
"""


# --- paragraphs and inline -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "width", "expected"),
    [
        ("one two three four five six", 10, ["one two", "three four", "five six"]),
        ("soft\nbreak", 40, ["soft break"]),
        ("hard  \nbreak", 40, ["hard", "break"]),
        ("hard\\\nbreak", 40, ["hard", "break"]),
        ("abcdefghijklmnopqrstuvwxyz", 10, ["abcdefghij", "klmnopqrst", "uvwxyz"]),
        ("中文中文中文", 5, ["中文", "中文", "中文"]),
        ("a\tb", 40, ["a b"]),
        ("a * b", 40, ["a * b"]),
    ],
)
def test_paragraph_wrapping(source: str, width: int, expected: list[str]) -> None:
    assert lines_of(source, width) == expected


@pytest.mark.parametrize(
    ("source", "text", "style"),
    [
        ("x **bold** y", "bold", styles.STRONG),
        ("x *italic* y", "italic", styles.EMPHASIS),
        ("x ~~strike~~ y", "strike", styles.STRIKE),
        ("x `co de` y", "co de", styles.CODE_INLINE),
        ("x [text](https://a.example) y", "text", styles.LINK_TEXT),
        ("x [text](https://a.example) y", "(https://a.example)", styles.LINK_URL),
        ("x ![alt text](i.png) y", "[image: alt text]", styles.IMAGE),
        ("x <b>raw</b> y", "<b>", styles.HTML),
    ],
)
def test_inline_styles(source: str, text: str, style: str) -> None:
    rendered = render_markdown(source, 80)
    line = line_content(rendered, 0)
    column = line.plain.index(text)
    assert text in line.plain
    assert style in styles_at(line, column)
    assert style in styles_at(line, column + len(text) - 1)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("[text](https://a.example)", "text (https://a.example)"),
        ("<https://a.example>", "https://a.example"),
        ("[https://a.example](https://a.example)", "https://a.example"),
        ("<me@a.example>", "me@a.example"),
        ("[](https://a.example)", "(https://a.example)"),
        ("![alt](x.png)", "[image: alt]"),
        ("![](x.png)", "[image]"),
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
        ("a <span>b</span> c", "a <span>b</span> c"),
        ("&amp; &lt;", "& <"),
    ],
)
def test_links_images_and_html_are_text(source: str, expected: str) -> None:
    assert lines_of(source, 80) == [expected]


def test_nested_inline_styles_inner_wins() -> None:
    rendered = render_markdown("[see `x`](https://a.example)", 80)
    line = line_content(rendered, 0)
    # the link span comes first, so the code colour drawn on top of it is kept
    assert styles_at(line, line.plain.index("x")) == [styles.LINK_TEXT, styles.CODE_INLINE]


# --- headings, rules, html ------------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5, 6])
def test_heading_levels_have_distinct_styles(level: int) -> None:
    rendered = render_markdown("#" * level + " Heading", 30)
    lines = plain_lines(rendered)
    assert lines[0] == "Heading"
    assert styles_on(line_content(rendered, 0)) == [styles.HEADINGS[level]]
    if level == 1:
        assert lines[1] == "━" * 30
    else:
        assert len(lines) == 1
    assert len(set(styles.HEADINGS.values())) == 6
    assert "bold" in styles.HEADINGS[1]


def test_thematic_break_spans_the_width() -> None:
    assert lines_of("a\n\n---\n\nb", 25) == ["a", "", "─" * 25, "", "b"]


def test_html_block_is_literal() -> None:
    source = "<div>\n  [@click=app.quit]x[/]\n</div>"
    assert lines_of(source, 40) == ["<div>", "  [@click=app.quit]x[/]", "</div>"]


def test_blocks_are_one_blank_line_apart_without_trailing_blank() -> None:
    lines = lines_of("\n\n\npara one\n\n\n\n# head\n\n\n- item\n\n\n", 40)
    assert lines == ["para one", "", "head", "━" * 40, "", "• item"]


def test_empty_input() -> None:
    rendered = render_markdown("", 40)
    assert (rendered.content.plain, rendered.height, rendered.code_blocks) == ("", 0, [])
    assert render_markdown("   \n\n  ", 40).height == 0


# --- lists ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "width", "expected"),
    [
        ("- a\n- b", 40, ["• a", "• b"]),
        ("- a\n  - b\n    - c\n      - d", 40, ["• a", "  ◦ b", "    ▪ c", "      • d"]),
        ("3. a\n4. b", 40, ["3. a", "4. b"]),
        ("1) a\n1) b", 40, ["1) a", "2) b"]),
        ("9. a\n9. b", 40, [" 9. a", "10. b"]),
        ("- a\n\n- b", 40, ["• a", "", "• b"]),
        ("- \n- b", 40, ["•", "• b"]),
        (
            "- one two three four five six seven",
            14,
            ["• one two", "  three four", "  five six", "  seven"],
        ),
        (
            "10. one two three four five",
            14,
            ["10. one two", "    three four", "    five"],
        ),
        (
            "- item\n\n  second paragraph of the item",
            20,
            ["• item", "", "  second paragraph", "  of the item"],
        ),
    ],
)
def test_lists(source: str, width: int, expected: list[str]) -> None:
    assert lines_of(source, width) == expected


def test_list_marker_style() -> None:
    rendered = render_markdown("- a", 40)
    assert styles_at(line_content(rendered, 0), 0) == [styles.LIST_MARKER]


def test_hanging_indent_aligns_wrapped_lines_under_item_text() -> None:
    source = "1. first item text that wraps around several times at this narrow width\n"
    lines = lines_of(source, 24)
    assert len(lines) > 2
    assert all(line.startswith("   ") and line[3] != " " for line in lines[1:])


def test_too_deep_nesting_drops_the_indent_instead_of_overflowing() -> None:
    source = "".join(f"{'  ' * depth}- level {depth}\n" for depth in range(9))
    rendered = render_markdown(source, 20)
    assert_fits(rendered, 20)
    assert "level 8" in rendered.content.plain


# --- block quotes --------------------------------------------------------------------------


def test_quote_gutter_on_every_wrapped_line() -> None:
    rendered = render_markdown("> one two three four five six seven eight", 16)
    lines = plain_lines(rendered)
    assert len(lines) > 1
    assert all(line.startswith("▌ ") for line in lines)
    first = line_content(rendered, 0)
    assert styles_at(first, 0) == [styles.QUOTE_GUTTER]
    assert styles.QUOTE_TEXT in styles_at(first, 2)


def test_nested_quote_and_blank_lines_inside() -> None:
    assert lines_of("> a\n>\n> > b", 40) == ["▌ a", "▌", "▌ ▌ b"]


# --- code blocks ---------------------------------------------------------------------------


def test_fence_is_a_padded_box_with_label_and_highlighting() -> None:
    rendered = render_markdown("```python\ndef f():\n    return 1\n```", 30)
    lines = plain_lines(rendered)
    assert lines == [
        "  python".ljust(30),
        "  def f():".ljust(30),
        "      return 1".ljust(30),
    ]
    for number in range(3):
        line = line_content(rendered, number)
        assert line.cell_length == 30
        assert line.spans[0].style == styles.CODE_BACKGROUND
        assert (line.spans[0].start, line.spans[0].end) == (0, len(line.plain))
    body = line_content(rendered, 1)
    assert len(set(styles_on(body))) > 2, "expected syntax highlighting spans"


def test_long_code_lines_are_folded_with_a_marker_not_wrapped() -> None:
    code = "x = 'aaaa bbbb cccc dddd eeee'"
    rendered = render_markdown(f"```\n{code}\n```", 16)
    lines = plain_lines(rendered)
    assert lines[1:] == ["  x = 'aaaa bbbb", " ↪ cccc dddd eee", " ↪e'".ljust(16)]
    assert "".join(line[2:] for line in lines[1:]).rstrip() == code
    assert rendered.code_blocks[0].code == code


def test_selected_code_block_is_marked() -> None:
    source = "```py\na\n```\n\n```js\nb\n```"
    plain = plain_lines(render_markdown(source, 30))
    selected = render_markdown(source, 30, selected_code=1)
    lines = plain_lines(selected)
    assert plain[3].strip() == "js"
    assert lines[3].startswith("▶ js · selected")
    assert lines[4].startswith("▌ b")
    assert styles.CODE_LABEL_SELECTED in styles_at(line_content(selected, 3), 0)
    assert styles.CODE_SELECTED_BAR in styles_at(line_content(selected, 4), 0)
    assert lines[:3] == plain[:3], "other blocks unchanged"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("```python\nprint('[b]x[/b]')\n```", [("python", "print('[b]x[/b]')")]),
        ("~~~ rust extra words\nfn main() {}\n~~~", [("rust", "fn main() {}")]),
        ("```\n\tindented\n\ntrailing  \n\n```", [("", "\tindented\n\ntrailing  \n")]),
        ("    code block\n      more", [("", "code block\n  more")]),
        ("```py\nunclosed\nfence", [("py", "unclosed\nfence")]),
        ("````md\n```\ninner\n```\n````", [("md", "```\ninner\n```")]),
        ("```\n```", [("", "")]),
    ],
)
def test_code_blocks_keep_the_exact_code(source: str, expected: list[tuple[str, str]]) -> None:
    blocks = render_markdown(source, 12).code_blocks
    assert [(block.language, block.code) for block in blocks] == expected


def test_code_block_line_numbers_and_heights() -> None:
    rendered = render_markdown(SAMPLE, 50)
    lines = plain_lines(rendered)
    assert [block.index for block in rendered.code_blocks] == [0, 1]
    install, indented = rendered.code_blocks
    assert install.language == "bash"
    assert install.code.startswith("pip install aijora-tui")
    assert lines[install.line].strip() == "bash"
    assert lines[install.line].startswith("   "), "inside the list item"
    assert install.height == 3  # label + one folded line
    assert lines[indented.line + 1].strip() == "indented code"
    assert indented.line + indented.height == rendered.height


def test_tabs_in_code_are_expanded_for_display() -> None:
    lines = lines_of("```\n\tx\n```", 20)
    assert lines[1] == "      x".ljust(20)


# --- tables --------------------------------------------------------------------------------


def test_table_natural_widths_alignment_and_header() -> None:
    rendered = render_markdown("| a | b | c |\n|:--|--:|:-:|\n| xx | 1 | mid |\n| y | 22 | z |", 40)
    assert plain_lines(rendered) == [
        "a  │  b │  c",
        "───┼────┼────",
        "xx │  1 │ mid",
        "y  │ 22 │  z",
    ]
    header = line_content(rendered, 0)
    assert styles.TABLE_HEADER in styles_at(header, 0)
    assert styles.TABLE_BORDER in styles_at(header, 3)


def test_table_columns_shrink_and_cells_wrap_to_fit() -> None:
    source = "| id | description |\n|---|---|\n| 1 | " + "word " * 20 + "|"
    rendered = render_markdown(source, 30)
    lines = plain_lines(rendered)
    assert_fits(rendered, 30)
    assert lines[0].startswith("id │ description")
    assert len(lines) > 3
    assert all(line[3] == "│" for line in lines if line[2] != "─")


def test_table_too_wide_falls_back_to_header_value_lines() -> None:
    header = "|" + "|".join(f"h{n}" for n in range(8)) + "|"
    rule = "|" + "---|" * 8
    row = "|" + "|".join(f"v{n}" for n in range(8)) + "|"
    lines = lines_of(f"{header}\n{rule}\n{row}\n{row}", 20)
    assert lines[:2] == ["h0: v0", "h1: v1"]
    assert "─" * 20 in lines


def test_table_cells_with_hostile_text_and_wide_characters() -> None:
    source = "| 中文 | [/] |\n|---|---|\n| 😀😀 | [@click=app.quit]x[/] |"
    rendered = render_markdown(source, 20)
    assert_fits(rendered, 20)
    assert_inert(rendered)
    cells = "".join(line.split("│")[-1].strip() for line in plain_lines(rendered)[2:])
    assert cells == "[@click=app.quit]x[/]"


# --- safety and widths ---------------------------------------------------------------------

HOSTILE = [
    "[/]",
    "lonely [/] tag and [/bold] closing",
    "[@click=app.quit]click me[/]",
    "[link='https://evil.example']phish[/link]",
    "list[str] | dict[str, int]",
    "[not a style at all]",
    "[x](https://evil.example 'title') [@click=app.bell]y[/]",
    "<a href='x' onclick='y'>z</a>",
    "```\nunclosed [b]fence\n",
    "\x00\x07\x08\x0b\x0c\r\x1b[31m\x9b\u2028\u2029 control",
    "> " * 40 + "deep",
    "- " * 40 + "deep",
    "[" * 200,
    "*" * 100 + "a" + "*" * 100,
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_text_is_shown_literally_and_nothing_is_clickable(source: str) -> None:
    for width in (1, 2, 20, 80):
        rendered = render_markdown(source, width, selected_code=0)
        assert_fits(rendered, width)
        assert_inert(rendered)


@pytest.mark.parametrize("source", HOSTILE[:7])
def test_markup_like_text_survives_verbatim(source: str) -> None:
    plain = render_markdown(source, 200).content.plain
    for fragment in ("[/]", "[@click", "[link=", "list[str]", "[not a style"):
        if fragment in source:
            assert fragment in plain


def test_deep_nesting_beyond_the_parser_limit_is_not_lost() -> None:
    assert "deep" in render_markdown("> " * 40 + "deep", 80).content.plain
    assert "deep" in render_markdown("- " * 40 + "deep", 80).content.plain


def test_every_width_from_20_to_120_is_respected() -> None:
    heights = []
    for width in range(20, 121):
        rendered = render_markdown(SAMPLE, width, selected_code=0)
        assert_fits(rendered, width)
        heights.append(rendered.height)
    assert heights == sorted(heights, reverse=True)
    assert_inert(render_markdown(SAMPLE, 60, selected_code=1))


def test_every_code_row_fills_the_width() -> None:
    for width in (20, 57, 120):
        rendered = render_markdown("```\n" + "x" * 300 + "\n\n中" * 3 + "\n```", width)
        block = rendered.code_blocks[0]
        for number in range(block.line, block.line + block.height):
            assert line_content(rendered, number).cell_length == width


@pytest.mark.parametrize(
    "source",
    [
        "word " * 200_000,
        "x" * 1_000_000,
        "中" * 200_000 + "\n\n" + "😀 " * 100_000,
    ],
    ids=["words", "one-long-word", "wide"],
)
def test_megabyte_inputs(source: str) -> None:
    rendered = render_markdown(source, 80)
    assert_fits(rendered, 80)
    assert rendered.height > 1000


def test_cjk_and_emoji_widths() -> None:
    rendered = render_markdown("中文字符 😀 👨‍👩‍👧 text " * 10, 21)
    assert_fits(rendered, 21)
    assert max(cell_len(line) for line in plain_lines(rendered)) > 15
