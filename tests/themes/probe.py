"""A real Textual app that uses every variable of a theme, so a value Textual rejects crashes it.

Textual only parses variable values when a stylesheet uses them, at the next CSS refresh after
`app.theme = ...`; the probe's CSS references each variable the way Textual's own widgets do
(`background:` for *-background, `text-style:` for styles, `color:` otherwise) and the app's
variables as the chat UI does (message borders and labels, code blocks, the selection marker).
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.color import Color
from textual.theme import Theme
from textual.widgets import Button, Footer, Input, Markdown, OptionList

from aijora_tui.tui.themes import APP_VARIABLE_DEFAULTS

APP_VARIABLES_CSS = """
.user { border-left: outer $user-message-color; color: $user-message-color; }
.assistant { border-left: outer $assistant-message-color; color: $assistant-message-color; }
.pending { border-left: outer $assistant-message-color 40%; }
.reasoning { border-left: outer $reasoning-message-color; color: $reasoning-message-color; }
.code { background: $code-background; }
.marker { color: $selection-marker; border-left: thick $selection-marker; }
"""
"""The app's variables used as screens/chat.tcss uses them (`.pending` adds an alpha on top)."""

SAMPLE_MARKDOWN = "# Title\n\n## Section\n\n### Part\n\nSome `code` and a [link](https://x).\n"


def variables_css(variables: dict[str, str]) -> str:
    """One rule per variable, using it in the property Textual's widgets would."""
    rules = []
    for index, name in enumerate(variables):
        if name.endswith("text-style") or name.startswith("link-style"):
            prop = "text-style"
        elif "background" in name:
            prop = "background"
        else:
            prop = "color"
        rules.append(f".probe-{index} {{ {prop}: ${name}; }}")
    return "\n".join(rules)


class ProbeApp(App[None]):
    """Footer, Markdown, Input, Button and OptionList exercise Textual's own variables."""

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield Markdown(SAMPLE_MARKDOWN)
        yield Input("typed text")
        yield Button("Send", variant="primary")
        yield OptionList("one", "two")
        yield Footer()


def probe_app(theme: Theme) -> ProbeApp:
    """A `ProbeApp` whose CSS uses the app variables and every variable `theme` sets.

    The variables must exist before the theme is applied (in Textual or the app defaults), so a
    misspelt variable name fails at startup too.
    """

    class ThemeProbe(ProbeApp):
        CSS = APP_VARIABLES_CSS + variables_css(theme.variables)

    return ThemeProbe()


async def apply_theme(theme: Theme) -> dict[str, str]:
    """Register and select `theme` in a probe app, wait for the CSS refresh, return the variables.

    Raises:
        StylesheetParseError: (when the app exits) a variable value Textual cannot use.
    """
    app = probe_app(theme)
    async with app.run_test() as pilot:
        app.register_theme(theme)
        app.theme = theme.name
        await pilot.pause()
        assert app.current_theme is theme
        variables = app.get_css_variables()
        # The refresh really happened: the screen is painted with the theme's background.
        assert app.screen.styles.background == Color.parse(variables["background"])
        return variables
