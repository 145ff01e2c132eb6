"""Search: literal matching whatever the user types, prefixes, snippets with markers."""

from __future__ import annotations

import random

import pytest

from aijora_tui.core.search import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    fold,
    fts_query,
    highlighter,
    make_snippet,
    split_highlights,
)
from aijora_tui.core.store import SEARCH_WINDOW, Store

S, E = HIGHLIGHT_START, HIGHLIGHT_END


@pytest.fixture
def corpus(store: Store) -> dict[str, int]:
    """A few conversations; returns message ids by a short name."""
    ids: dict[str, int] = {}
    first = store.create_conversation()
    q = store.add_message(first, None, "user", "How do I parse JSON in Python?")
    ids["q"] = q.id
    ids["a"] = store.add_message(
        first, q.id, "assistant", "Use the json module: json.loads(text) parses a string."
    ).id
    ids["a2"] = store.add_message(first, q.id, "assistant", "Try PARSING with orjson.").id
    second = store.create_conversation()
    ids["cafe"] = store.add_message(second, None, "user", "Un café crème, s'il vous plaît").id
    ids["quote"] = store.add_message(second, None, "user", 'He said "foo" OR (bar) AND NOT baz*').id
    return ids


def hit_ids(store: Store, query: str) -> set[int]:
    return {hit.message_id for hit in store.search(query)}


def test_every_word_must_match_in_any_branch_and_conversation(
    store: Store, corpus: dict[str, int]
) -> None:
    assert hit_ids(store, "json") == {corpus["q"], corpus["a"]}
    assert hit_ids(store, "json python") == {corpus["q"]}
    assert hit_ids(store, "orjson") == {corpus["a2"]}  # a branch that is not on the active path
    assert hit_ids(store, "nothing-like-this") == set()


def test_hits_carry_conversation_title_and_role(store: Store, corpus: dict[str, int]) -> None:
    (hit,) = store.search("orjson")
    assert (hit.message_id, hit.role, hit.title) == (
        corpus["a2"],
        "assistant",
        "How do I parse JSON in Python?",
    )
    assert hit.conversation_id == store.get_message(corpus["a2"]).conversation_id  # type: ignore[union-attr]
    assert isinstance(hit.rank, float)


def test_case_and_accents_do_not_matter(store: Store, corpus: dict[str, int]) -> None:
    assert hit_ids(store, "CAFE creme") == {corpus["cafe"]}
    assert hit_ids(store, "Café") == {corpus["cafe"]}


def test_the_last_word_matches_as_a_prefix_while_typing(
    store: Store, corpus: dict[str, int]
) -> None:
    assert hit_ids(store, "pars") == {corpus["q"], corpus["a"], corpus["a2"]}
    assert hit_ids(store, "pars ") == set()  # a finished word matches whole words only
    assert hit_ids(store, "js") == set()  # too short to be a prefix
    assert hit_ids(store, "parse pyth") == {corpus["q"]}
    assert hit_ids(store, "pars python") == set()  # only the last word is a prefix


def test_fts_syntax_in_the_query_is_plain_text(store: Store, corpus: dict[str, int]) -> None:
    assert hit_ids(store, '"foo" OR (bar)') == {corpus["quote"]}
    assert hit_ids(store, "NOT baz*") == {corpus["quote"]}
    assert hit_ids(store, "json OR orjson") == set()  # OR is a word to find, not an operator
    assert hit_ids(store, "content:json") == set()  # no column filters either


HOSTILE = [
    'foo"bar OR (',
    '"',
    '""',
    "(",
    ")",
    "*",
    "AND",
    "OR OR",
    "NOT",
    "NEAR(a b, 2)",
    "a:b",
    "-json",
    "^json",
    "json*",
    "{content}: json",
    "'",
    "\\",
    "\x00",
    "   ",
    "",
    "🙂",
    "\u0301",
    'x" OR "1"="1',
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(store: Store, corpus: dict[str, int], query: str) -> None:
    for hit in store.search(query):
        assert hit.message_id in corpus.values()


def test_random_queries_never_raise(store: Store, corpus: dict[str, int]) -> None:
    rng = random.Random(7)
    alphabet = "abcjson\"()*:^-+ ORANDNOTNEAR{}\\'\x00é🙂\t"
    for _ in range(300):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        store.search(query)


def test_snippets_mark_each_match(store: Store, corpus: dict[str, int]) -> None:
    hits = {hit.message_id: hit for hit in store.search("json")}
    assert hits[corpus["q"]].snippet == f"How do I parse {S}JSON{E} in Python?"
    assert hits[corpus["a"]].snippet.count(S) == 2
    (cafe,) = store.search("cafe", start="[[", end="]]")
    assert cafe.snippet == "Un [[café]] crème, s'il vous plaît"


def test_search_limit(store: Store) -> None:
    conversation = store.create_conversation()
    for index in range(30):
        store.add_message(conversation, None, "user", f"common word number {index}")
    assert len(store.search("common", limit=10)) == 10
    assert len(store.search("common")) == 30


def test_search_ranks_within_the_most_recent_matches(store: Store) -> None:
    """A common word costs at most SEARCH_WINDOW rankings; the newest matches are kept."""
    conversation = store.create_conversation()
    old = store.add_message(conversation, None, "user", "needle needle needle needle")
    with store._write() as conn:  # bulk insert, faster than SEARCH_WINDOW add_message calls
        conn.executemany(
            "INSERT INTO messages (conversation_id, role, content, created_at, updated_at)"
            " VALUES (?, 'user', 'a needle in hay', 0, 0)",
            [(conversation,)] * SEARCH_WINDOW,
        )
    hits = store.search("needle", limit=5)
    assert len(hits) == 5 and old.id not in {hit.message_id for hit in hits}
    assert [hit.rank for hit in hits] == sorted(hit.rank for hit in hits)
    store.add_message(conversation, None, "user", "needle needle needle")
    assert store.search("needle", limit=1)[0].snippet.count(S) == 3


def test_edits_and_deletes_update_the_index(store: Store) -> None:
    conversation = store.create_conversation()
    message = store.add_message(conversation, None, "assistant", "", state="streaming")
    store.update_message(message.id, content="streaming partial")
    assert hit_ids(store, "partial") == {message.id}
    store.update_message(message.id, content="streaming complete")
    assert hit_ids(store, "partial") == set()
    assert hit_ids(store, "complete") == {message.id}
    store.delete_conversation(conversation)
    assert hit_ids(store, "complete") == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", '"hello"*'),
        ("hello ", '"hello"'),
        ("hello\0", '"hello"'),
        ("a\0b", '"a" "b"'),
        ('"x\0"hello', '"""x" """hello"*'),
        ("hi", '"hi"'),
        ('foo"bar OR (', '"foo""bar" "OR"'),
        ("a-b c:d", '"a-b" "c:d"'),
        ("( ) * ^", None),
        ("", None),
        ("   ", None),
    ],
)
def test_fts_query(text: str, expected: str | None) -> None:
    assert fts_query(text) == expected


def test_snippet_window_is_one_line_around_the_first_match() -> None:
    text = ("lorem ipsum " * 30) + "the\nNeedle\tis here " + ("dolor sit " * 30)
    snippet = make_snippet(text, highlighter("needle"))
    assert snippet.startswith("…ipsum lorem") and snippet.endswith("sit dolor…")
    assert f"the {S}Needle{E} is here" in snippet
    assert "\n" not in snippet and "\t" not in snippet
    assert len(snippet) <= 170


def test_snippet_without_a_match_starts_at_the_beginning() -> None:
    assert make_snippet("short text", highlighter("absent")) == "short text"
    assert make_snippet("short text", None) == "short text"


def test_marker_characters_in_the_text_are_not_mistaken_for_matches() -> None:
    snippet = make_snippet(f"fake {S}mark{E} and real word", highlighter("word"))
    assert split_highlights(snippet) == [("fake mark and real ", False), ("word", True)]


def test_prefix_highlight_covers_the_whole_word() -> None:
    pattern = highlighter("pyth")
    assert make_snippet("Python and pythonic, not cpython", pattern) == (
        f"{S}Python{E} and {S}pythonic{E}, not cpython"
    )


def test_split_highlights() -> None:
    assert split_highlights(f"a {S}b{E} c {S}d{E}") == [
        ("a ", False),
        ("b", True),
        (" c ", False),
        ("d", True),
    ]
    assert split_highlights("plain") == [("plain", False)]
    assert split_highlights("") == []


def test_fold_keeps_length() -> None:
    for text in ["Café CRÈME", "straße", "İstanbul", "ﬁne", "Ωmega"]:
        assert len(fold(text)) == len(text)
    assert fold("Café CRÈME") == "cafe creme"
