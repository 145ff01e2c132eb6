"""The shipped themes: they load, apply in a real app without crashing it, and read well."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color
from textual.css.stylesheet import StylesheetParseError
from textual.theme import BUILTIN_THEMES, Theme

from aijora_tui.config import DEFAULT_THEME
from aijora_tui.tui.themes import APP_VARIABLE_DEFAULTS, bundled_themes_dir, load_themes
from tests.themes.probe import apply_theme

HOUSE_THEMES = ("aijora-dark", "aijora-light")
ROLE_VARIABLES = (
    "user-message-color",
    "assistant-message-color",
    "reasoning-message-color",
    "selection-marker",
)
STATE_COLORS = ("primary", "secondary", "accent", "warning", "error", "success")

BUNDLED = load_themes(bundled_themes_dir())
THEME_NAMES = sorted(BUNDLED.themes)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two opaque colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(color: str) -> float:
    """WCAG relative luminance: sRGB channels linearised, then weighted."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    parsed = Color.parse(color)
    return 0.2126 * linear(parsed.r) + 0.7152 * linear(parsed.g) + 0.0722 * linear(parsed.b)


def bundled(name: str) -> Theme:
    return BUNDLED.themes[name]


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#123456", "#123456") == pytest.approx(1)


def test_every_bundled_file_loads() -> None:
    assert BUNDLED.errors == []
    files = sorted(path.stem for path in bundled_themes_dir().glob("*.toml"))
    assert files == THEME_NAMES, "each theme is named after its file"
    assert len(THEME_NAMES) >= 6
    assert set(HOUSE_THEMES) <= set(THEME_NAMES)
    assert DEFAULT_THEME in THEME_NAMES


def test_bundled_dir_is_the_repo_themes_folder_in_a_checkout() -> None:
    assert bundled_themes_dir() == Path(__file__).resolve().parents[2] / "themes"


@pytest.mark.parametrize("name", THEME_NAMES)
def test_names_leave_textuals_builtins_alone(name: str) -> None:
    assert name.startswith("aijora-")
    assert name not in BUILTIN_THEMES


@pytest.mark.parametrize("name", THEME_NAMES)
def test_sets_every_app_variable(name: str) -> None:
    assert set(APP_VARIABLE_DEFAULTS) <= set(bundled(name).variables)


@pytest.mark.parametrize("name", THEME_NAMES)
def test_dark_flag_matches_the_background(name: str) -> None:
    theme = bundled(name)
    assert theme.background is not None
    assert theme.dark == (_luminance(theme.background) < 0.5)


@pytest.mark.parametrize("name", THEME_NAMES)
async def test_applies_in_a_real_app(name: str) -> None:
    theme = bundled(name)
    variables = await apply_theme(theme)
    for variable, value in theme.variables.items():
        assert variables[variable] == value


async def test_probe_crashes_on_a_variable_textual_rejects() -> None:
    """The control for the test above: the probe does catch what the loader must reject."""
    theme = Theme(name="unchecked", primary="#336699", variables={"code-background": "banana"})
    with pytest.raises(StylesheetParseError):
        await apply_theme(theme)


@pytest.mark.parametrize("name", THEME_NAMES)
@pytest.mark.parametrize("layer", ["background", "surface", "panel"])
def test_body_text_reads_on_every_layer(name: str, layer: str) -> None:
    theme = bundled(name)
    layer_color = getattr(theme, layer)
    assert theme.foreground is not None and layer_color is not None
    assert contrast_ratio(theme.foreground, layer_color) >= 4.5


@pytest.mark.parametrize("name", THEME_NAMES)
def test_role_colours_stand_out_from_the_background(name: str) -> None:
    """Message borders and labels are UI components: WCAG asks 3:1 of them."""
    theme = bundled(name)
    assert theme.background is not None
    for variable in ROLE_VARIABLES:
        assert contrast_ratio(theme.variables[variable], theme.background) >= 3, variable


@pytest.mark.parametrize("name", HOUSE_THEMES)
def test_house_themes_reach_aaa_for_body_text_and_aa_for_every_colour(name: str) -> None:
    theme = bundled(name)
    assert theme.foreground is not None and theme.background is not None
    assert contrast_ratio(theme.foreground, theme.background) >= 7
    colors = {key: getattr(theme, key) for key in STATE_COLORS}
    colors |= {key: theme.variables[key] for key in ROLE_VARIABLES}
    for key, color in colors.items():
        assert contrast_ratio(color, theme.background) >= 4.5, key


@pytest.mark.parametrize("builtin", ["textual-dark", "textual-light"])
def test_app_variable_defaults_read_on_textuals_own_themes(builtin: str) -> None:
    background = BUILTIN_THEMES[builtin].to_color_system().generate()["background"]
    for variable in ROLE_VARIABLES:
        assert contrast_ratio(APP_VARIABLE_DEFAULTS[variable], background) >= 3, variable
