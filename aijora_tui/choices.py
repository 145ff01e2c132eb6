"""Choosing a provider and a model: which provider the settings choose, and what choosing a
model, or pinning one, changes in the settings and in the config file.

Pure functions: the app applies the new `Settings` and saves the returned updates (top-level
config keys; None removes one). A choice made by a flag or a variable is not overwritten: those
are the user's choice for this run only. (Here rather than in `providers.py`, which `config.py`
reads the `[providers]` tables with, so that neither of the two imports the other back.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from aijora_tui.config import Settings
from aijora_tui.core.keys import KeySource
from aijora_tui.providers import (
    BUILTIN,
    ENVIRONMENT_VARIABLE,
    ProviderConfig,
    ProviderError,
    with_provider_model,
)

_FIXED = ("env", "flag")


def builtin_provider(settings: Settings) -> ProviderConfig:
    """The built-in provider, from the top-level settings and the AIJORA_* variables."""
    where = {"env": "AIJORA_API_KEY", "flag": "a flag"}.get(
        settings.sources.get("api_key", ""), "api_key in the config file"
    )
    key = KeySource("value", where, settings.api_key) if settings.api_key else KeySource()
    return ProviderConfig(BUILTIN, settings.base_url, key, {}, settings.model)


def all_providers(settings: Settings) -> list[ProviderConfig]:
    """Every provider: the built-in one first, then the configured ones (broken ones too)."""
    return [builtin_provider(settings), *settings.providers.values()]


def provider_named(settings: Settings, name: str) -> ProviderConfig:
    """A usable provider by name.

    Raises:
        ProviderError: no such provider, or it cannot be used (the message says why).
    """
    if name == BUILTIN:
        return builtin_provider(settings)
    config = settings.providers.get(name)
    if config is None:
        known = ", ".join([BUILTIN, *settings.providers])
        raise ProviderError(f"unknown provider '{name}' (configured: {known})")
    if config.problem:
        raise ProviderError(f"provider '{name}' cannot be used: {config.problem}")
    return config


def chosen_provider(settings: Settings) -> ProviderConfig:
    """The provider to use (`--provider` > AIJORA_PROVIDER > `provider` > aijora).

    Raises:
        ProviderError: it is unknown or broken, or `--base-url` was given for another provider
            (which would send that provider's key to a URL it was not configured for).
    """
    name = settings.provider
    source = {"flag": "--provider", "env": ENVIRONMENT_VARIABLE}.get(
        settings.sources.get("provider", ""), "provider in the config file"
    )
    try:
        config = provider_named(settings, name)
    except ProviderError as error:
        raise ProviderError(f"{error} (from {source})") from None
    if name != BUILTIN and settings.sources.get("base_url") == "flag":
        raise ProviderError(
            f"--base-url sets the aijora provider's URL; for '{name}' set base_url in "
            f"[providers.{name}]"
        )
    return config


def provider_model(settings: Settings, config: ProviderConfig) -> str | None:
    """The model to ask `config` for: `--model`, else its own default. For aijora that is the
    top-level `model` (with AIJORA_MODEL); another provider never takes those."""
    if config.name == BUILTIN or settings.sources.get("model") == "flag":
        return settings.model
    return config.model


def remembered_choice(
    settings: Settings, provider: str, model: str, config: Mapping[str, Any]
) -> tuple[Settings, dict[str, Any]]:
    """`model` of `provider` becomes the default: for aijora the top-level `model`, for
    another provider its `[providers.NAME] model`; the provider becomes `provider`. `config` is
    the config file's table as it is now (its `providers` table is kept whole)."""
    sources = settings.sources
    updates: dict[str, Any] = {}
    if provider != settings.provider and sources.get("provider") not in _FIXED:
        updates["provider"] = None if provider == BUILTIN else provider
        settings = replace(settings, provider=provider)
    if provider == BUILTIN:
        if sources.get("model") not in _FIXED:
            updates["model"] = model
            settings = replace(settings, model=model)
    elif sources.get("model") != "flag" and provider in settings.providers:
        updates["providers"] = with_provider_model(config, provider, model)
        providers = dict(settings.providers)
        providers[provider] = replace(providers[provider], model=model)
        settings = replace(settings, providers=providers)
    return settings, updates


def toggled_favourite(
    settings: Settings, provider: str, model: str
) -> tuple[Settings, dict[str, Any], bool]:
    """Pin `model` of `provider` on top of the model picker, or unpin it: the new settings,
    the config update (`favourites`) and whether it is pinned now."""
    favourites = {name: list(ids) for name, ids in settings.favourites.items()}
    ids = favourites.setdefault(provider, [])
    pinned = model not in ids
    if pinned:
        ids.append(model)
    else:
        ids.remove(model)
    kept = {name: tuple(ids) for name, ids in favourites.items() if ids}
    update = {name: list(ids) for name, ids in kept.items()} or None
    return replace(settings, favourites=kept), {"favourites": update}, pinned
