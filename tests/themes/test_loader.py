"""User theme files: every kind of mistake is one clear error, and never costs the good files."""

from __future__ import annotations

from pathlib import Path

import pytest

from aijora_tui.tui.themes import (
    APP_VARIABLE_DEFAULTS,
    ThemeFileError,
    bundled_themes_dir,
    load_theme_file,
    load_themes,
)
from tests.themes.probe import apply_theme

GOOD = 'name = "ocean"\nprimary = "#3aa6b9"\n'

BROKEN: dict[str, tuple[str, str | None]] = {
    # case: (file text, the field the error must name)
    "bad colour": ('primary = "banana"\n', "primary"),
    "five-digit hex": ('primary = "#fff"\nbackground = "#12345"\n', "background"),
    "bad variable colour": (
        'primary = "#fff"\n[variables]\nfooter-background = "banana"\n',
        "variables.footer-background",
    ),
    "auto as a background": (
        'primary = "#fff"\n[variables]\nfooter-background = "auto 50%"\n',
        "variables.footer-background",
    ),
    "bad text style": (
        'primary = "#fff"\n[variables]\nblock-cursor-text-style = "bold fancy"\n',
        "variables.block-cursor-text-style",
    ),
    "empty text style": (
        'primary = "#fff"\n[variables]\nmarkdown-h1-text-style = ""\n',
        "variables.markdown-h1-text-style",
    ),
    "bad link style": (
        'primary = "#fff"\n[variables]\nlink-style-hover = "wavy"\n',
        "variables.link-style-hover",
    ),
    "variable not a string": (
        'primary = "#fff"\n[variables]\ncode-background = 3\n',
        "variables.code-background",
    ),
    "variables not a table": ('primary = "#fff"\nvariables = "dark"\n', "variables"),
    "unknown key": ('primary = "#fff"\ncolour = "#000"\n', "colour"),
    "variable outside [variables]": (
        'primary = "#fff"\nuser-message-color = "#000"\n',
        "user-message-color",
    ),
    "missing primary": ('name = "x"\nbackground = "#000"\n', "primary"),
    "empty name": ('name = ""\nprimary = "#fff"\n', "name"),
    "name not a string": ('name = 5\nprimary = "#fff"\n', "name"),
    "colour not a string": ("primary = 0xffffff\n", "primary"),
    "dark not a bool": ('primary = "#fff"\ndark = "yes"\n', "dark"),
    "spread not a number": ('primary = "#fff"\nluminosity-spread = "0.2"\n', "luminosity-spread"),
    "bool for a number": ('primary = "#fff"\ntext-alpha = true\n', "text-alpha"),
    "bad toml": ('primary = "#fff"\ndark = \n', None),
}


def write(directory: Path, filename: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_file_is_one_error_naming_file_and_field(tmp_path: Path, case: str) -> None:
    text, field = BROKEN[case]
    write(tmp_path, "good.toml", GOOD)
    broken = write(tmp_path, "broken.toml", text)

    result = load_themes(tmp_path)

    assert list(result.themes) == ["ocean"]
    [error] = result.errors
    assert (error.path, error.field) == (broken, field)
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"{broken}: {field}: " if field else f"{broken}: ")
    with pytest.raises(ThemeFileError) as raised:
        load_theme_file(broken)
    assert str(raised.value) == message


def test_every_broken_file_in_one_dir_is_reported_and_the_good_ones_load(tmp_path: Path) -> None:
    for index, (text, _) in enumerate(BROKEN.values()):
        write(tmp_path, f"broken-{index:02}.toml", text)
    write(tmp_path, "good.toml", GOOD)
    write(tmp_path, "zz-good.toml", 'primary = "#88c0d0"\n')
    write(tmp_path, "notes.txt", "not a theme")

    result = load_themes(tmp_path)

    assert sorted(result.themes) == ["ocean", "zz-good"]
    assert [error.field for error in result.errors] == [field for _, field in BROKEN.values()]


def test_bad_toml_error_says_where(tmp_path: Path) -> None:
    path = write(tmp_path, "t.toml", 'primary = "#fff"\ndark = \n')
    with pytest.raises(ThemeFileError, match=r"line 2"):
        load_theme_file(path)


def test_undecodable_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'name = "caf\xe9"\nprimary = "#fff"\n')
    [error] = load_themes(tmp_path).errors
    assert (error.path, error.field) == (path, None)


def test_keys_map_onto_theme_fields_and_name_defaults_to_the_stem(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ocean.toml",
        'dark = false\nprimary = "#3aa6b9"\nluminosity-spread = 0.2\ntext-alpha = 1\n'
        'ansi = false\nboost = "#ffffff10"\n[variables]\ncode-background = "#0b1d26"\n',
    )
    theme = load_theme_file(path)
    assert theme.name == "ocean"
    assert theme.dark is False
    assert (theme.primary, theme.boost) == ("#3aa6b9", "#ffffff10")
    assert (theme.luminosity_spread, theme.text_alpha) == (0.2, 1)
    assert theme.variables == {"code-background": "#0b1d26"}


def test_user_dir_overrides_bundled_themes_of_the_same_name(tmp_path: Path) -> None:
    write(tmp_path, "mine.toml", 'name = "aijora-dark"\nprimary = "#ff00ff"\n')
    write(tmp_path, "extra.toml", 'primary = "#00ff00"\n')

    result = load_themes(bundled_themes_dir(), tmp_path)

    assert result.errors == []
    assert result.themes["aijora-dark"].primary == "#ff00ff"
    assert result.themes["extra"].primary == "#00ff00"
    assert "aijora-light" in result.themes
    assert load_themes(tmp_path, bundled_themes_dir()).themes["aijora-dark"].primary != "#ff00ff"


def test_missing_dirs_are_skipped(tmp_path: Path) -> None:
    result = load_themes(tmp_path / "no-such-dir", bundled_themes_dir())
    assert result.errors == []
    assert "aijora-dark" in result.themes


ACCEPTED_VARIABLES = {
    "input-selection-background": "#81a1c1 35%",
    "text": "auto 87%",
    "footer-key-foreground": "ansi_bright_red",
    "border": "rgb(10, 20, 30)",
    "scrollbar": "hsl(200,50%,50%)",
    "footer-background": "transparent",
    "user-message-color": "#fff8",
    "assistant-message-color": "#81a1c1 35%",
    "code-background": "#12345680",
    "link-style-hover": "bold not underline",
    "button-focus-text-style": "b reverse",
    "block-cursor-text-style": "none",
}


async def test_everything_the_loader_accepts_textual_can_use(tmp_path: Path) -> None:
    """The loader is no stricter than it must be: every accepted form survives a CSS refresh."""
    table = "".join(f'{key} = "{value}"\n' for key, value in ACCEPTED_VARIABLES.items())
    path = write(tmp_path, "forms.toml", f'primary = "ansi_blue"\n[variables]\n{table}')
    theme = load_theme_file(path)
    variables = await apply_theme(theme)
    assert variables["code-background"] == "#12345680"
    assert variables["selection-marker"] == APP_VARIABLE_DEFAULTS["selection-marker"]
