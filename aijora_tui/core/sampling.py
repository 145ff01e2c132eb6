"""Per-conversation settings of a request, and presets that carry them.

A conversation may set its own `temperature`, `top_p`, `max_tokens` and `reasoning_effort`
(stored with it, see `records.StoredConversation.settings`); each applies from its next request
and wins over the app's setting. A preset (`[presets.NAME]` in config.toml, or the older
`NAME = "prompt"`) carries a system prompt and any of these. Values are checked here, where they
are read, whatever their source (a settings form, a config file, a database written by hand).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

REASONING_EFFORTS = ("minimal", "low", "medium", "high")
SAMPLING_KEYS = ("temperature", "top_p", "max_tokens", "reasoning_effort")
MAX_TOKENS = 10_000_000


class BadSetting(ValueError):
    """A value out of its range; the message names the setting and the range."""


def checked(key: str, value: Any) -> Any:
    """`value` as the setting `key` takes it. Raises `BadSetting` (or `KeyError`: unknown key)."""
    if key in ("temperature", "top_p"):
        top = 2.0 if key == "temperature" else 1.0
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadSetting(f"{key} must be a number from 0 to {top:g}")
        if not math.isfinite(value) or not 0 <= value <= top:
            raise BadSetting(f"{key} must be a number from 0 to {top:g}")
        return float(value)
    if key == "max_tokens":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_TOKENS:
            raise BadSetting(f"max_tokens must be a whole number from 1 to {MAX_TOKENS:,}")
        return value
    if key == "reasoning_effort":
        if value not in REASONING_EFFORTS:
            raise BadSetting(f"reasoning_effort must be one of {', '.join(REASONING_EFFORTS)}")
        return value
    raise KeyError(key)


def request_params(defaults: Mapping[str, Any], conversation: Mapping[str, Any]) -> dict[str, Any]:
    """The request's sampling parameters: the app's, overridden by the conversation's; unset
    (None) ones and any stored value out of range are left out."""
    params = {key: value for key, value in defaults.items() if value is not None}
    for key in SAMPLING_KEYS:
        if conversation.get(key) is not None:
            try:
                params[key] = checked(key, conversation[key])
            except BadSetting:
                continue
    return params


@dataclass(frozen=True)
class Preset:
    """A named starting point for a conversation: a system prompt and sampling settings."""

    system_prompt: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None

    def settings(self) -> dict[str, Any]:
        """The sampling settings it sets (for the conversation)."""
        return {key: getattr(self, key) for key in SAMPLING_KEYS if getattr(self, key) is not None}

    def to_config(self) -> str | dict[str, Any]:
        """As config.toml keeps it: the prompt alone as a string, else a table."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        given = {key: value for key, value in values.items() if value is not None}
        if set(given) <= {"system_prompt"}:
            return self.system_prompt or ""
        return given


def preset_from(value: Any) -> Preset:
    """A preset from config: a string (the system prompt) or a table of the fields above.

    Raises:
        TypeError: neither a string nor a table, or a prompt that is not a string.
        BadSetting: a value out of its range, or an unknown key.
    """
    if isinstance(value, str):
        return Preset(system_prompt=value)
    if not isinstance(value, dict):
        raise TypeError
    unknown = set(value) - {f.name for f in fields(Preset)}
    if unknown:
        raise BadSetting(f"unknown preset keys: {', '.join(sorted(unknown))}")
    prompt = value.get("system_prompt")
    if prompt is not None and not isinstance(prompt, str):
        raise TypeError
    sampling = {key: checked(key, value[key]) for key in SAMPLING_KEYS if key in value}
    return Preset(system_prompt=prompt, **sampling)
