"""Theme files: TOML read into Textual `Theme`s, from `themes/` (bundled) and the user's themes dir.

A file maps 1:1 onto `textual.theme.Theme` (dashes in keys, e.g. `luminosity-spread`), with a
`[variables]` table for Textual's design variables and the app's own (`APP_VARIABLE_DEFAULTS`).
Every value is checked here because Textual does not: a bad colour in `variables` registers fine
and then crashes the app at the next CSS refresh, so a bad file is reported and skipped instead.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.css.constants import VALID_STYLE_FLAGS
from textual.theme import Theme

from aijora_tui.files import read_regular_file

THEME_LIMIT = 256 * 1024
"""The largest theme file read, in bytes."""
APP_VARIABLE_DEFAULTS: dict[str, str] = {
    "user-message-color": "#4677d8",
    "assistant-message-color": "#148a73",
    "reasoning-message-color": "#787d8e",
    "code-background": "#8080801f",
    "selection-marker": "#a86e0c",
}
"""The app's own variables, for themes that do not set them (Textual's built-in ones).

Mid-tones that keep 3:1 on dark and light backgrounds alike, and literals because a `$variable`
reference here fails the stylesheet parse at startup.
"""

_COLOR_FIELDS = frozenset(
    {
        "primary",
        "secondary",
        "warning",
        "error",
        "success",
        "accent",
        "foreground",
        "background",
        "surface",
        "panel",
        "boost",
    }
)
_BOOL_FIELDS = frozenset({"dark", "ansi"})
_NUMBER_FIELDS = frozenset({"luminosity_spread", "text_alpha"})
_THEME_FIELDS = frozenset(f.name for f in fields(Theme))

_AUTO_VARIABLES = frozenset(
    {
        "text",
        "text-muted",
        "text-disabled",
        "block-cursor-foreground",
        "button-color-foreground",
        "link-color",
        "link-color-hover",
    }
)
"""Foreground variables whose Textual default is `auto N%`; `auto` breaks background rules."""

_ALPHA_SUFFIX = re.compile(r"\s+\d+(?:\.\d+)?%$")
"""The `<colour> 35%` form Textual's CSS (and its built-in themes) use for translucent colours."""


class ThemeFileError(Exception):
    """A theme file that cannot be used; `str()` is one line naming the file and the field."""

    def __init__(self, path: Path, field: str | None, message: str) -> None:
        self.path = path
        """The offending file."""
        self.field = field
        """The key at fault (`variables.<name>` inside the table); None for the file as a whole."""
        self.message = message
        """What is wrong, without the file and field."""
        where = f"{path}: {field}" if field else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ThemeLoadResult:
    """What `load_themes` found: the usable themes and one error per unusable file."""

    themes: dict[str, Theme] = field(default_factory=dict)
    """Themes by name; a later directory's theme replaces an earlier one of the same name."""
    errors: list[ThemeFileError] = field(default_factory=list)
    """Files that were skipped, in load order."""


def bundled_themes_dir() -> Path:
    """The shipped themes: `aijora_tui/themes` in a wheel, the repo's `themes/` in a checkout."""
    package_dir = Path(__file__).resolve().parent.parent
    installed = package_dir / "themes"
    return installed if installed.is_dir() else package_dir.parent / "themes"


def load_themes(*dirs: Path) -> ThemeLoadResult:
    """Load every `*.toml` in each of `dirs`, in order; never raises for a bad file.

    Later directories win on a name clash, so pass the bundled dir first and the user's last.
    Missing directories are skipped (the user's themes dir usually does not exist).
    """
    result = ThemeLoadResult()
    for directory in dirs:
        for path in sorted(directory.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ThemeFileError as error:
                result.errors.append(error)
            else:
                result.themes[theme.name] = theme
    return result


def load_theme_file(path: Path) -> Theme:
    """Read and validate one theme file; `name` defaults to the file's stem.

    Raises:
        ThemeFileError: the file is unreadable, not TOML, or has an unknown key or bad value.
    """
    try:  # a regular file only: a FIFO named like a theme must not hang the start
        data = tomllib.loads(read_regular_file(path, THEME_LIMIT).decode("utf-8"))
    except OSError as error:
        raise ThemeFileError(path, None, f"cannot read ({error.strerror or error})") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ThemeFileError(path, None, str(error)) from None
    kwargs: dict[str, Any] = {"name": path.stem}
    for key, value in data.items():
        attribute = key.replace("-", "_")
        if attribute not in _THEME_FIELDS:
            raise ThemeFileError(path, key, "unknown key")
        if attribute == "variables":
            if (problem := _variables_problem(value)) is not None:
                raise ThemeFileError(path, *problem)
        elif (message := _value_problem(attribute, value)) is not None:
            raise ThemeFileError(path, key, message)
        kwargs[attribute] = value
    if "primary" not in kwargs:
        raise ThemeFileError(path, "primary", "missing (every theme needs a primary colour)")
    return Theme(**kwargs)


def _value_problem(attribute: str, value: object) -> str | None:
    """Why a top-level value is unusable, or None if it is fine."""
    if attribute in _BOOL_FIELDS:
        return None if isinstance(value, bool) else f"must be true or false, not {value!r}"
    if attribute in _NUMBER_FIELDS:
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        return None if is_number else f"must be a number, not {value!r}"
    if not isinstance(value, str):
        return f"must be a string, not {value!r}"
    if attribute == "name" and not value.strip():
        return "must not be empty"
    if attribute in _COLOR_FIELDS and not _is_color(value):
        return f"{value!r} is not a colour"
    return None


def _variables_problem(table: object) -> tuple[str, str] | None:
    """The field and reason that make `[variables]` unusable, or None if it is fine."""
    if not isinstance(table, dict):
        return "variables", "must be a table of name = value"
    for name, value in table.items():
        field_name = f"variables.{name}"
        if not isinstance(value, str):
            return field_name, f"must be a string, not {value!r}"
        if name.endswith("text-style") or name.startswith("link-style"):
            words = value.split()
            if not words or not set(words) <= VALID_STYLE_FLAGS:
                allowed = ", ".join(sorted(VALID_STYLE_FLAGS))
                return field_name, f"{value!r} is not a text style (words from: {allowed})"
        elif not _is_variable_color(name, value):
            return field_name, f"{value!r} is not a colour"
    return None


def _is_variable_color(name: str, value: str) -> bool:
    """A colour as Textual CSS takes it: `<colour>`, `<colour> 35%`, or `auto 87%` for text."""
    base = _ALPHA_SUFFIX.sub("", value.strip())
    if base == "auto":
        return name in _AUTO_VARIABLES
    return _is_color(base)


def _is_color(value: str) -> bool:
    """Whether Textual's own parser (used by `Theme` and by CSS) accepts `value`."""
    try:
        Color.parse(value)
    except ColorParseError:
        return False
    return True
