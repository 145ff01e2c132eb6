"""Full-text search helpers: safe FTS5 queries from typed text, and highlighted snippets.

`fts_query()` makes whatever the user typed into an FTS5 query that cannot be a syntax error.
Snippets are cut here rather than with FTS5's `snippet()`: that function evaluates the query
again for every row, which costs seconds for a prefix query on a large index, and it would pass
marker characters already present in the text through as if they were highlights.
"""

from __future__ import annotations

import functools
import re
import unicodedata

HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"
"""Default snippet markers: control characters, removed from the text itself, so the UI styles
matches with `split_highlights()` instead of parsing markup."""
MIN_PREFIX = 3
"""The last word matches as a prefix from this length on; shorter prefixes match too many words
to be fast or useful."""
SNIPPET_CHARS = 160
SNIPPET_LEAD = 50
"""Characters of context kept before the first match."""
_TOKEN = re.compile(r"[^\W_]+")
"""Letters and digits: what FTS5's `unicode61` tokenizer keeps as one token."""
_SPACE = re.compile(r"\s")
_SPACES = re.compile(r"\s+")


def fts_query(text: str) -> str | None:
    """The FTS5 query for `text`: all its words, matched literally; None when there are none.

    Each word becomes a quoted string (quotes doubled), so operators, parentheses, colons and
    stray quotes are plain text; words without a letter or digit are dropped. The last word also
    matches as a prefix (from `MIN_PREFIX` characters), unless the text ends with a space.
    """
    words = _words(text)
    if not words:
        return None
    terms = ['"' + word.replace('"', '""') + '"' for word in words]
    if _is_prefix(text, words[-1]):
        terms[-1] += "*"
    return " ".join(terms)


def highlighter(query: str) -> re.Pattern[str] | None:
    """A pattern for the words `fts_query(query)` matches, to find them in the original text.

    It runs over `fold(text)`, which has the same length as the text, so positions carry over.
    """
    words = _words(query)
    if not words:
        return None
    tokens = {fold(token) for word in words for token in _TOKEN.findall(word)}
    choices = [re.escape(token) for token in sorted(tokens, key=len, reverse=True)]
    if _is_prefix(query, words[-1]):
        choices.insert(0, re.escape(fold(_TOKEN.findall(words[-1])[-1])) + r"[^\W_]*")
    return re.compile(r"(?<![^\W_])(?:" + "|".join(choices) + r")(?![^\W_])")


def make_snippet(
    content: str,
    pattern: re.Pattern[str] | None,
    start: str = HIGHLIGHT_START,
    end: str = HIGHLIGHT_END,
) -> str:
    """One line of `content` around the first match of `pattern`, each match between markers."""
    folded = fold(content)
    first = pattern.search(folded) if pattern else None
    low, high = _window(content, first.start() if first else 0)
    pieces = ["…"] if low > 0 else []
    position = low
    for match in pattern.finditer(folded, low, high) if pattern else ():
        pieces += [_clean(content[position : match.start()], start, end), start]
        pieces += [_clean(content[match.start() : match.end()], start, end), end]
        position = match.end()
    pieces.append(_clean(content[position:high], start, end))
    if high < len(content):
        pieces.append("…")
    return "".join(pieces).strip()


def fold(text: str) -> str:
    """`text` lowercased and without accents, character for character (same length).

    The same comparison FTS5's `unicode61 remove_diacritics 2` makes; a character whose folded
    form is longer than one character (ß -> ss) is kept as it is.
    """
    table = {}
    for char in set(text):
        folded = _fold_char(char)
        if folded != char:
            table[ord(char)] = folded
    return text.translate(table) if table else text


def split_highlights(
    snippet: str, start: str = HIGHLIGHT_START, end: str = HIGHLIGHT_END
) -> list[tuple[str, bool]]:
    """Cut a snippet into (text, is_match) pieces, for styling without markup."""
    pieces: list[tuple[str, bool]] = []
    for index, chunk in enumerate(snippet.split(start)):
        matched, _, rest = chunk.partition(end) if index else ("", "", chunk)
        pieces += [(text, flag) for text, flag in ((matched, True), (rest, False)) if text]
    return pieces


def _words(text: str) -> list[str]:
    """The words of `text` that hold at least one token (others would match nothing).

    NUL separates words too: SQLite would end the query string there.
    """
    return [word for word in text.replace("\0", " ").split() if _TOKEN.search(word)]


def _is_prefix(text: str, last_word: str) -> bool:
    ended = text[-1].isspace() or text[-1] == "\0"
    return not ended and len(_TOKEN.findall(last_word)[-1]) >= MIN_PREFIX


@functools.cache
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char.casefold())
    base = "".join(part for part in decomposed if not unicodedata.combining(part))
    return base if len(base) == 1 else char


def _window(content: str, first: int) -> tuple[int, int]:
    """The snippet's span: starts and ends between words, with some context before `first`."""
    low = 0
    if first > SNIPPET_LEAD:
        space = _SPACE.search(content, first - SNIPPET_LEAD, first)
        low = space.end() if space else first
    high = low + SNIPPET_CHARS
    if high >= len(content):
        return low, len(content)
    spaces = [space.start() for space in _SPACE.finditer(content, max(first, low), high)]
    return low, spaces[-1] if spaces else high


def _clean(text: str, start: str, end: str) -> str:
    """Plain snippet text: one line, and no marker strings of its own."""
    return _SPACES.sub(" ", text.replace(start, "").replace(end, ""))
