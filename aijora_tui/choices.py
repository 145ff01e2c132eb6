"""What choosing a model, or pinning one, changes in the settings and in the config file.

Pure functions: the app applies the new `Settings` and saves the returned updates (top-level
config keys; None removes one). A choice made by a flag or a variable is not overwritten: those
are the user's choice for this run only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from aijora_tui.config import Settings
from aijora_tui.providers import BUILTIN, with_provider_model

_FIXED = ("env", "flag")


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
