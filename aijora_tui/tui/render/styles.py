"""Style strings used by the renderer, in one place so the look can be tuned without hunting.

They use theme variables (`$primary`, `$text-muted`, ...) that Textual resolves when the
`Content` is drawn, so rendered replies follow theme switches without re-rendering. None of
them carries `link` or `@click` meta: nothing in a rendered reply is clickable.
"""

from __future__ import annotations

HEADINGS = {
    1: "bold $text-primary",
    2: "bold underline $text-primary",
    3: "bold $text-secondary",
    4: "bold",
    5: "bold italic $text-muted",
    6: "italic $text-muted",
}
H1_RULE = "$primary"

STRONG = "bold"
EMPHASIS = "italic"
STRIKE = "strike"
CODE_INLINE = "$text-accent on $boost"
LINK_TEXT = "underline $text-primary"
LINK_URL = "$text-muted"
IMAGE = "italic $text-muted"
HTML = "$text-muted"

LIST_MARKER = "bold $text-primary"
QUOTE_GUTTER = "$primary"
QUOTE_TEXT = "$text-muted"
RULE = "$text-muted"

TABLE_BORDER = "$text-muted"
TABLE_HEADER = "bold"

CODE_BACKGROUND = "on $surface-darken-1"
CODE_LABEL = "italic $text-muted"
CODE_LABEL_SELECTED = "bold $block-cursor-foreground on $block-cursor-background"
CODE_SELECTED_BAR = "bold $accent"
CODE_FOLD_MARKER = "$text-muted"

INLINE_STYLES = {"em_open": EMPHASIS, "strong_open": STRONG, "s_open": STRIKE}
"""Inline tokens that only open a style span, closed by their `*_close` token."""
