"""Doctor's network checks: the chosen provider's key, server and model, and one line for each
configured provider (reachable, how many models, where its key comes from — never the key).

Every provider is asked `GET /models` once, all at the same time, with 5 s timeouts and no
retries; a key command runs as it would in the app (once, 10 s at most). The aijora provider
without a key is not asked: the gateway would only refuse.
"""

from __future__ import annotations

import asyncio
import difflib
import time
from dataclasses import dataclass
from pathlib import Path

from aijora_tui.choices import all_providers, chosen_provider, provider_model, provider_named
from aijora_tui.cli.checks import OK, PROBLEM, WARNING, Check
from aijora_tui.config import ENVIRONMENT, Settings, api_key_problem_line
from aijora_tui.core.client import DEFAULT_BASE_URL, ChatClient
from aijora_tui.core.errors import (
    AijoraError,
    AuthenticationError,
    ConfigError,
    InsufficientBalance,
    NetworkError,
    PermissionDenied,
    RedirectRefused,
    ServerError,
)
from aijora_tui.core.keys import KeyUnavailable
from aijora_tui.providers import BUILTIN, ProviderConfig, ProviderError

NETWORK_TIMEOUT = 5.0
KEY_ERRORS = (AuthenticationError, InsufficientBalance, PermissionDenied)
"""Refusals that prove the server is reachable and blame the key."""


@dataclass(frozen=True)
class ModelList:
    """What GET /models gave: the model ids or the error, and how long it took."""

    ids: list[str] | None = None
    error: AijoraError | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class Target:
    """The provider the key, server and model checks are about, with where each of its
    settings comes from, named as the user would change it."""

    config: ProviderConfig
    model: str | None
    key_from: str
    url_from: str
    url_setter: str
    model_from: str
    model_setter: str
    key_problem: str | None = None
    """Why the aijora provider's key cannot be sent (`api_key_problem_line`)."""

    @property
    def is_builtin(self) -> bool:
        return self.config.name == BUILTIN


def network_checks(settings: Settings, config_path: Path) -> list[Check]:
    """The chosen provider's key, server and model; then every provider, one line each."""
    try:
        chosen = chosen_provider(settings)
        problem = None
    except ProviderError as error:  # from the config file: reported, aijora checked instead
        chosen, problem = provider_named(settings, BUILTIN), str(error)
    target = _target(settings, chosen, config_path)
    configs = [config for config in all_providers(settings) if not config.problem]
    asked = [config for config in configs if not _needs_key(config)]
    results = asyncio.run(_fetch_all(asked))
    models = results.get(chosen.name)
    checks = [
        api_key_check(target, models),
        server_check(target, models),
        model_check(target, models),
    ]
    if problem:
        checks.insert(0, Check("provider", PROBLEM, problem, f"fix provider in {config_path}"))
    if settings.providers:
        checks += [provider_check(config, results.get(config.name)) for config in configs]
        checks += [
            Check(f"provider {c.name}", PROBLEM, f"not usable: {c.problem}", f"edit {config_path}")
            for c in settings.providers.values()
            if c.problem
        ]
    return checks


def _needs_key(config: ProviderConfig) -> bool:
    """Aijora itself needs a key; other servers (local ones) often do not."""
    return (
        config.name == BUILTIN
        and config.key.kind == "none"
        and config.base_url.rstrip("/") == DEFAULT_BASE_URL
    )


async def _fetch_all(configs: list[ProviderConfig]) -> dict[str, ModelList]:
    lists = await asyncio.gather(*(fetch_models(config) for config in configs))
    return {config.name: found for config, found in zip(configs, lists, strict=True)}


async def fetch_models(config: ProviderConfig, timeout: float = NETWORK_TIMEOUT) -> ModelList:
    """GET /models once, no retries, timed."""
    try:
        client = ChatClient(
            config.base_url,
            config.key,
            read_timeout=timeout,
            connect_timeout=timeout,
            max_retries=0,
            headers=config.headers,
            provider=config.name,
        )
    except ConfigError as error:
        return ModelList(error=error)
    async with client:
        started = time.monotonic()
        try:
            models = await client.list_models(timeout=timeout)
        except AijoraError as error:
            return ModelList(error=error, seconds=time.monotonic() - started)
        return ModelList(ids=[model.id for model in models], seconds=time.monotonic() - started)


def _target(settings: Settings, config: ProviderConfig, config_path: Path) -> Target:
    model = provider_model(settings, config)
    if config.name == BUILTIN:
        return Target(
            config,
            model,
            origin(settings, "api_key", config_path),
            origin(settings, "base_url", config_path),
            setter(settings, "base_url", config_path),
            origin(settings, "model", config_path),
            f"--model or {ENVIRONMENT['model']}",
            api_key_problem_line(settings),
        )
    table = f"[providers.{config.name}]"
    model_from = "--model" if settings.sources.get("model") == "flag" else f"model of {table}"
    return Target(
        config,
        model,
        config.key.describe(),
        f"base_url of {table}",
        f"base_url in {table}",
        model_from,
        f"--model or model in {table}",
    )


def api_key_check(target: Target, models: ModelList | None) -> Check:
    """Whether a key is set, where from, and what the server made of it (never the key)."""
    env_name = ENVIRONMENT["api_key"]
    has_key = target.config.key.kind != "none"
    have = f"set, from {target.key_from}" if has_key else "not set"
    if target.is_builtin and (problem := target.key_problem) is not None:
        return Check("API key", PROBLEM, problem, f"set {target.key_from} again, on one line")
    if models is None:
        fix = f"export {env_name}=<your key>, or run aijora-tui once to save one"
        return Check("API key", PROBLEM, f"{have}; the Aijora gateway needs one", fix)
    error = models.error
    if isinstance(error, KeyUnavailable):
        fix = f"make {target.key_from} print the key, or use api_key_env"
        return Check("API key", PROBLEM, error.message, fix)
    if isinstance(error, AuthenticationError):
        where = target.key_from if has_key else env_name
        if target.is_builtin:
            fix = f"put a valid key in {where}" + ("" if where == env_name else f" or {env_name}")
        else:
            fix = f"give [providers.{target.config.name}] a valid key"
        detail = f"{have}; refused (HTTP {error.status}: {error.server_message})"
        return Check("API key", PROBLEM, detail, fix)
    if isinstance(error, InsufficientBalance):
        detail = f"{have}; the balance is empty (HTTP {error.status})"
        return Check("API key", PROBLEM, detail, "top up your balance")
    if isinstance(error, PermissionDenied):
        fix = "the key may be disabled: check it in your account, or use another"
        detail = f"{have}; access denied (HTTP {error.status}: {error.server_message})"
        return Check("API key", PROBLEM, detail, fix)
    if models.ids is not None:
        accepted = f"accepted by GET /models ({len(models.ids)} models)"
        if not has_key:
            return Check("API key", OK, f"not set; none needed: {accepted}")
        return Check("API key", OK, f"{have}; {accepted}")
    if not has_key:
        return Check("API key", OK, "not set (optional for servers other than Aijora)")
    return Check("API key", WARNING, f"{have}; not verified (the server check says why)")


def server_check(target: Target, models: ModelList | None) -> Check:
    """Reachability and the latency of GET /models, or the connection error in one line."""
    url = f"{target.config.base_url} ({target.url_from})"
    if models is None:
        return Check("server", WARNING, f"{url}: not contacted without an API key")
    error = models.error
    took = f"{(models.seconds or 0) * 1000:.0f} ms"
    change = target.url_setter
    if isinstance(error, KeyUnavailable):
        return Check("server", WARNING, f"{url}: not contacted without its key")
    if isinstance(error, ConfigError):
        return Check("server", PROBLEM, error.message, f"set {change} to http(s)://host/path")
    if isinstance(error, RedirectRefused):
        return Check("server", PROBLEM, f"{url}: {error.message}", f"check {change}")
    if isinstance(error, NetworkError):
        fix = f"check {change} and that the server is up"
        return Check("server", PROBLEM, f"{url}: {error.message}", fix)
    if isinstance(error, ServerError):
        fix = "the server is failing; try again later"
        return Check("server", PROBLEM, f"{url}: {error.message} after {took}", fix)
    if error is None or isinstance(error, KEY_ERRORS):  # the API key check reports those
        return Check("server", OK, f"{url}: reachable, GET /models took {took}")
    reason = error.message
    fix = f"check that {change} is the API root (it usually ends in /v1)"
    return Check("server", WARNING, f"{url}: reachable in {took}, but GET /models: {reason}", fix)


def model_check(target: Target, models: ModelList | None) -> Check:
    """Whether the configured model is in the server's list."""
    if target.model is None:
        fix = f"set model in [providers.{target.config.name}], or pick one with F2 in the app"
        return Check("model", WARNING, f"none configured for {target.config.name}", fix)
    name = f"{target.model} ({target.model_from})"
    if models is None or models.ids is None:
        return Check("model", WARNING, f"{name}: not checked (no model list from the server)")
    if target.model in models.ids:
        return Check("model", OK, f"{name}: offered by the server")
    if not models.ids:
        return Check("model", WARNING, f"{name}: the server lists no models")
    suggestion = (difflib.get_close_matches(target.model, models.ids, 1) or models.ids)[0]
    detail = f"{name}: not among the server's {len(models.ids)} models"
    fix = f"pick one with {target.model_setter} (e.g. {suggestion}), or F2 in the app"
    return Check("model", PROBLEM, detail, fix)


def provider_check(config: ProviderConfig, models: ModelList | None) -> Check:
    """One provider in one line: reachable or why not, its model count, its key's source."""
    name = f"provider {config.name}"
    key = f"key: {config.key.describe()}"
    if models is None:
        return Check(name, WARNING, f"{config.base_url}: not contacted without a key; {key}")
    if models.ids is not None:
        detail = f"{config.base_url}: reachable, {len(models.ids)} models; {key}"
        return Check(name, OK, detail)
    error = models.error
    reason = error.message if error is not None else "no answer"
    if isinstance(error, KeyUnavailable):
        return Check(name, PROBLEM, reason, "make the key command print the key")
    fix = (
        f"check base_url in [providers.{config.name}] and that the server is up"
        if isinstance(error, NetworkError | ConfigError)
        else f"check the key of [providers.{config.name}]"
        if isinstance(error, KEY_ERRORS)
        else None
    )
    return Check(name, PROBLEM, f"{config.base_url}: {reason}; {key}", fix)


def origin(settings: Settings, key: str, config_path: Path) -> str:
    """Where a setting came from, named as the user would change it."""
    source = settings.sources.get(key)
    if source == "flag":
        return "--" + key.replace("_", "-")
    if source == "env":
        return ENVIRONMENT[key]
    return f"{key} in {config_path}" if source == "config" else "default"


def setter(settings: Settings, key: str, config_path: Path) -> str:
    """What to change to fix a setting: where it came from, or its variable for a default."""
    where = origin(settings, key, config_path)
    return ENVIRONMENT[key] if where == "default" else where
