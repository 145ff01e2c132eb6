"""What each top-level config value may be: its type and its range, checked by name.

`convert(name, value)` turns a value read from config.toml (or typed in the settings form) into
the setting, or raises: `TypeError` for the wrong type, `BadValue` (a `ValueError` whose message
says what is allowed) for a value out of range. A number is finite and within the range the
setting can mean (`temperature = nan`, `read_timeout = -1` or `1e300` are refused); a URL is
http(s) with a host; names are one printable line. The API key is checked where it is used
(`core.errors.api_key_problem`), so that the refusal names where the key came from.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from aijora_tui.core.prices import Price
from aijora_tui.core.sampling import BadSetting, Preset, preset_from

MAX_SECONDS = 86_400.0
"""The longest timeout accepted: a day."""


class BadValue(ValueError):
    """A value of the right type out of its range; `str()` says what is allowed."""


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _name(value: Any) -> str:
    text = _string(value)
    if not text.strip() or not text.isprintable() or len(text) > 200:
        raise BadValue("must be one printable line of at most 200 characters")
    return text


def _url(value: Any) -> str:
    text = _string(value)
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadValue("must be an http(s)://host/path URL")
    if not text.isprintable() or any(char.isspace() for char in text):
        raise BadValue("must be a URL without spaces or control characters")
    return text


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError
    return float(value)


def _in_range(low: float, high: float, *, above: bool = False) -> Callable[[Any], float]:
    """A number from `low` (or above it, when `above`) to `high`, finite."""
    bound = f"more than {low:g}" if above else f"from {low:g}"
    message = f"must be a number {bound} to {high:g}"

    def convert(value: Any) -> float:
        number = _number(value)
        if not math.isfinite(number) or number > high or number < low or (above and number == low):
            raise BadValue(message)
        return number

    return convert


def _tokens(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError
    if not 1 <= value <= 10_000_000:
        raise BadValue("must be a whole number from 1 to 10000000")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError
    return tuple(_name(item) for item in value)


def _model_ids(value: Any) -> tuple[str, ...]:
    """`models = [...]`, or `[models."ID"]` tables (what /models does not say): their ids."""
    return _strings(list(value) if isinstance(value, dict) else value)


def _string_table(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError
    return {_string(key): _string(item) for key, item in value.items()}


def _presets(value: Any) -> dict[str, Preset]:
    if not isinstance(value, dict):
        raise TypeError
    try:
        return {_string(name): preset_from(preset) for name, preset in value.items()}
    except BadSetting as error:
        raise BadValue(str(error)) from None


_PRICE = _in_range(0, 1e9)


def _prices(value: Any) -> dict[str, Price]:
    if not isinstance(value, dict):
        raise TypeError
    prices = {}
    for model, table in value.items():
        if not isinstance(table, dict):
            raise TypeError
        prices[_string(model)] = Price(_PRICE(table.get("input")), _PRICE(table.get("output")))
    return prices


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "api_key": _string,
    "base_url": _url,
    "model": _name,
    "system_prompt": _string,
    "theme": _name,
    "temperature": _in_range(0, 2),
    "max_tokens": _tokens,
    "read_timeout": _in_range(0, MAX_SECONDS, above=True),
    "stall_timeout": _in_range(0, MAX_SECONDS, above=True),
    "max_reply_mb": _in_range(0, 1024, above=True),
    "models": _model_ids,
    "keymap": _string_table,
    "presets": _presets,
    "prices": _prices,
}
"""How each top-level config key is checked and converted."""


def convert(name: str, value: Any) -> Any:
    """The setting `name` from `value`. Raises `TypeError` or `BadValue` (see the module)."""
    return CONVERTERS[name](value)


def shown(value: Any) -> str:
    """A bad value as a warning quotes it: short, one line (`nan`, `-1`, `'ftp://x'`)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
