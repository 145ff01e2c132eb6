"""Providers: named OpenAI-compatible servers, each with its own base URL, key and headers.

```toml
provider = "local"                 # the default (the built-in "aijora" when absent)
price_currency = "RUB"             # the currency of [prices]
favourites = { aijora = ["gpt-4o-mini"], local = ["llama3.2"] }

[providers.local]
base_url = "http://127.0.0.1:11434/v1"
api_key_cmd = ["pass", "show", "local-llm"]   # or api_key = "..." or api_key_env = "NAME"
headers = { "X-Title" = "aijora-tui" }
model = "llama3.2"

[models."gpt-4o-mini"]             # what /models does not say
context = 128000
vision = true
```

The built-in `aijora` provider is the top-level `api_key`, `base_url` and `model`, which
`AIJORA_API_KEY`, `AIJORA_BASE_URL` and `AIJORA_MODEL` (and `--base-url`) override: those never
apply to another provider, so `AIJORA_API_KEY` is never sent anywhere but Aijora's base URL.
Each provider's client carries only its own key (`ClientBase`).

`read_provider_keys()` is config.py's hook: it reads these keys from the config table. A broken
provider (no `base_url`, two key sources, a bad header...) is kept with its `problem` and one
warning line; the others are unaffected, and choosing the broken one says why it cannot be used.
This module never reads the environment or runs anything: a key source is resolved by the client
at its first request (`core/keys.py`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aijora_tui.core.errors import api_key_problem
from aijora_tui.core.keys import KeySource
from aijora_tui.core.model_list import MAX_CONTEXT

BUILTIN = "aijora"
"""The built-in provider: the top-level settings."""
ENVIRONMENT_VARIABLE = "AIJORA_PROVIDER"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}")
_CURRENCY = re.compile(r"[^\s\x00-\x1f\x7f]{1,8}")
_PROVIDER_KEYS = frozenset(
    {"base_url", "api_key", "api_key_env", "api_key_cmd", "headers", "model"}
)
_KEY_SOURCES = ("api_key", "api_key_env", "api_key_cmd")
_SENSITIVE_HEADER = re.compile(r"(?i)auth|key|token|secret|cookie|session")


@dataclass(frozen=True)
class ProviderConfig:
    """One provider as configured; `problem` says why it cannot be used (None: it can)."""

    name: str
    base_url: str = ""
    key: KeySource = field(default_factory=KeySource)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    model: str | None = None
    """The provider's default model; None: none configured."""
    problem: str | None = None


@dataclass(frozen=True)
class ModelMeta:
    """What the config says about a model that its server's /models may not."""

    context: int | None = None
    vision: bool | None = None


class ProviderError(Exception):
    """The chosen provider is unknown or cannot be used: bad usage (exit 2), one line."""


def read_provider_keys(table: Mapping[str, Any], path: Path) -> tuple[dict[str, Any], list[str]]:
    """The provider-related values of a config table, for `Settings`, and one warning per
    problem (a broken provider is kept, with its problem, so that choosing it says why)."""
    values: dict[str, Any] = {}
    warnings: list[str] = []
    readers = {
        "provider": _provider_name,
        "price_currency": _currency,
        "favourites": _favourites,
    }
    for key, read in readers.items():
        if key in table:
            try:
                values[key] = read(table[key])
            except (TypeError, ValueError):
                warnings.append(f"{path}: '{key}' has the wrong type, ignored")
    if "providers" in table:
        values["providers"], found = _providers(table["providers"])
        warnings += [f"{path}: {line}" for line in found]
    if isinstance(table.get("models"), dict):
        values["model_meta"], found = _model_meta(table["models"])
        warnings += [f"{path}: {line}" for line in found]
    return values, warnings


def model_ids(value: Any) -> tuple[str, ...]:
    """Config `models`: a list of ids, or a table of `[models."ID"]` (its keys are the ids)."""
    if isinstance(value, dict):
        value = list(value)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError
    return tuple(value)


def with_provider_model(table: Mapping[str, Any], name: str, model: str) -> dict[str, Any]:
    """The config file's `providers` table with `model` set for provider `name` (all else kept)."""
    providers = dict(table.get("providers") or {})
    providers[name] = {**dict(providers.get(name) or {}), "model": model}
    return providers


# ---- reading the config -----------------------------------------------------------------------


def _provider_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError
    return value.strip()


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise TypeError
    return value


def _favourites(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise TypeError
    return {str(name): model_ids(models) for name, models in value.items()}


def _providers(value: Any) -> tuple[dict[str, ProviderConfig], list[str]]:
    if not isinstance(value, dict):
        return {}, ["'providers' must be tables like [providers.NAME], ignored"]
    providers: dict[str, ProviderConfig] = {}
    warnings: list[str] = []
    for name, entry in value.items():
        config, found = _provider(str(name), entry)
        providers[config.name] = config
        warnings += found
    return providers, warnings


def _provider(name: str, entry: Any) -> tuple[ProviderConfig, list[str]]:
    label = f"[providers.{name}]"
    if name == BUILTIN:
        problem = "'aijora' is built in: configure it with the top-level api_key, base_url, model"
    elif not _NAME.fullmatch(name):
        problem = "the name must be letters, digits, '.', '_' or '-' (up to 64)"
    elif not isinstance(entry, dict):
        problem = "must be a table with base_url"
    else:
        try:
            config = ProviderConfig(
                name,
                _base_url(entry.get("base_url")),
                _key_source(entry, label),
                _headers(entry.get("headers")),
                _model(entry.get("model")),
            )
        except ValueError as error:
            problem = str(error)
        else:
            unknown = sorted(set(entry) - _PROVIDER_KEYS)
            return config, [f"{label}: unknown key '{key}', ignored" for key in unknown]
    shown = name if _NAME.fullmatch(name) else repr(name)[:70]
    return ProviderConfig(shown, problem=problem), [f"{label}: {problem}; provider not used"]


def _base_url(value: Any) -> str:
    if value is None:
        raise ValueError("no base_url")
    if not isinstance(value, str) or not value.strip():
        raise ValueError("base_url must be a URL like http://127.0.0.1:11434/v1")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url {value.strip()!r} is not an http(s)://host/path URL")
    return value.strip()


def _key_source(entry: Mapping[str, Any], label: str) -> KeySource:
    given = [key for key in _KEY_SOURCES if key in entry]
    if len(given) > 1:
        raise ValueError(f"two key sources ({', '.join(given)}); keep one")
    if not given:
        return KeySource()
    kind = given[0]
    value = entry[kind]
    where = f"{kind} of {label}"
    if kind == "api_key":
        if not isinstance(value, str) or not value.strip():
            raise ValueError("api_key must be a non-empty string")
        if problem := api_key_problem(value.strip()):
            raise ValueError(problem)
        return KeySource("value", where, value.strip())
    if kind == "api_key_env":
        if not isinstance(value, str) or not _VARIABLE.fullmatch(value):
            raise ValueError("api_key_env must be the name of an environment variable")
        if value == "AIJORA_API_KEY":
            raise ValueError("api_key_env cannot be AIJORA_API_KEY: that key is for aijora only")
        return KeySource("env", where, variable=value)
    return KeySource("command", where, argv=_command(value))


def _command(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        try:
            value = shlex.split(value)  # split as a shell would; never run by one
        except ValueError as error:
            raise ValueError(f"api_key_cmd cannot be split into arguments ({error})") from None
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(part, str) and part and "\x00" not in part for part in value)
    ):
        raise ValueError("api_key_cmd must be a command: a list of strings, or one string")
    return tuple(value)


def _headers(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError('headers must be a table like { "X-Title" = "aijora-tui" }')
    headers: dict[str, str] = {}
    for name, text in value.items():
        if not _HEADER_NAME.fullmatch(str(name)):
            raise ValueError(f"header name {str(name)[:40]!r} is not valid")
        if not isinstance(text, str) or not text.isprintable() or not text.isascii():
            raise ValueError(f"header {name}: the value must be printable ASCII text")
        headers[str(name)] = text
        if _SENSITIVE_HEADER.search(str(name)):
            from aijora_tui.core.errors import register_secret

            register_secret(text)
    return headers


def _model(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError("model must be a non-empty string")
    return value.strip()


def _model_meta(value: Mapping[str, Any]) -> tuple[dict[str, ModelMeta], list[str]]:
    meta: dict[str, ModelMeta] = {}
    warnings: list[str] = []
    for model, entry in value.items():
        context = entry.get("context") if isinstance(entry, dict) else None
        vision = entry.get("vision") if isinstance(entry, dict) else None
        good_context = context is None or (
            isinstance(context, int)
            and not isinstance(context, bool)
            and 0 < context <= MAX_CONTEXT
        )
        if not isinstance(entry, dict) or not good_context or not isinstance(vision, bool | None):
            warnings.append(
                f'[models."{model}"]: expected context = <tokens> and vision = true/false, ignored'
            )
            continue
        meta[str(model)] = ModelMeta(context, vision)
    return meta, warnings
