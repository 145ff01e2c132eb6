"""`[providers.NAME]`, `provider`, `price_currency`, `favourites` and `[models."ID"]` in the
config file (providers.py): each problem is one warning line and the other providers stay usable.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aijora_tui.choices import all_providers, chosen_provider, provider_model
from aijora_tui.config import Settings, load_settings
from aijora_tui.core.keys import KeySource
from aijora_tui.providers import BUILTIN, ModelMeta, ProviderError


def load(
    tmp_path: Path,
    text: str,
    flags: dict[str, str] | None = None,
    environ: dict[str, str] | None = None,
) -> tuple[Settings, list[str]]:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_settings(flags or {}, environ or {}, path)


GOOD = """
provider = "local"
price_currency = "RUB"
favourites = { aijora = ["gpt-4o"], local = ["llama3.2"] }
model = "gpt-4o"

[providers.local]
base_url = "http://127.0.0.1:11434/v1"
api_key_cmd = "pass show 'local llm'"
headers = { "X-Title" = "aijora-tui" }
model = "llama3.2"

[providers.router]
base_url = "https://openrouter.example/api/v1"
api_key_env = "ROUTER_KEY"

[providers.plain]
base_url = "http://127.0.0.1:8080/v1"

[models."gpt-4o-mini"]
context = 128000
vision = true
"""


def test_a_full_config_reads_into_settings(tmp_path: Path) -> None:
    settings, warnings = load(tmp_path, GOOD)
    assert warnings == []
    assert settings.provider == "local" and settings.price_currency == "RUB"
    assert settings.favourites == {"aijora": ("gpt-4o",), "local": ("llama3.2",)}
    assert settings.model_meta == {"gpt-4o-mini": ModelMeta(128000, True)}
    assert settings.models == ("gpt-4o-mini",)  # [models."ID"] are offered as a fallback too
    local = settings.providers["local"]
    assert local.base_url == "http://127.0.0.1:11434/v1"
    assert local.key.kind == "command" and local.key.argv == ("pass", "show", "local llm")
    assert local.headers == {"X-Title": "aijora-tui"} and local.model == "llama3.2"
    assert settings.providers["router"].key == KeySource(
        "env", "api_key_env of [providers.router]", variable="ROUTER_KEY"
    )
    assert settings.providers["plain"].key.kind == "none"
    assert [p.name for p in all_providers(settings)] == [BUILTIN, "local", "router", "plain"]


@pytest.mark.parametrize(
    ("table", "warning"),
    [
        ("api_key = 'k'", "[providers.bad]: no base_url; provider not used"),
        (
            "base_url = 'http://h/v1'\napi_key = 'k'\napi_key_env = 'K'",
            "[providers.bad]: two key sources (api_key, api_key_env); keep one; provider not used",
        ),
        (
            "base_url = 'ftp://h/v1'",
            "[providers.bad]: base_url 'ftp://h/v1' is not an http(s)://host/path URL; "
            "provider not used",
        ),
        (
            "base_url = 'http://h/v1'\napi_key_cmd = []",
            "[providers.bad]: api_key_cmd must be a command: a list of strings, or one string; "
            "provider not used",
        ),
        (
            "base_url = 'http://h/v1'\napi_key_cmd = 'pass show \"x'",
            "[providers.bad]: api_key_cmd cannot be split into arguments (No closing quotation); "
            "provider not used",
        ),
        (
            "base_url = 'http://h/v1'\napi_key_env = 'AIJORA_API_KEY'",
            "[providers.bad]: api_key_env cannot be AIJORA_API_KEY: that key is for aijora only; "
            "provider not used",
        ),
        (
            "base_url = 'http://h/v1'\nheaders = { 'X-Bad' = \"a\\nb\" }",
            "[providers.bad]: header X-Bad: the value must be printable ASCII text; "
            "provider not used",
        ),
        (
            "base_url = 'http://h/v1'\napi_key = \"sk-\\u00e9\"",
            "[providers.bad]: the API key contains a non-ASCII character; provider not used",
        ),
        (
            "base_url = 'http://h/v1'\nmodel = 3",
            "[providers.bad]: model must be a non-empty string; provider not used",
        ),
    ],
)
def test_a_broken_provider_is_one_line_and_the_others_stay(
    tmp_path: Path, table: str, warning: str
) -> None:
    text = f"[providers.good]\nbase_url = 'http://127.0.0.1:1/v1'\n\n[providers.bad]\n{table}\n"
    settings, warnings = load(tmp_path, text)
    assert warnings == [f"{tmp_path / 'config.toml'}: {warning}"]
    assert settings.providers["good"].problem is None
    assert settings.providers["bad"].problem
    with pytest.raises(ProviderError, match="provider 'bad' cannot be used: "):
        chosen_provider(Settings(provider="bad", providers=settings.providers))
    assert chosen_provider(Settings(provider="good", providers=settings.providers)).name == "good"


def test_unknown_keys_and_bad_top_level_values_are_warned(tmp_path: Path) -> None:
    text = """
price_currency = "too long a currency"
favourites = ["x"]
provider = 5

[providers.local]
base_url = "http://127.0.0.1:1/v1"
api-key = "typo"

[providers.aijora]
base_url = "http://elsewhere/v1"

[models."m"]
context = "lots"
"""
    settings, warnings = load(tmp_path, text)
    prefix = f"{tmp_path / 'config.toml'}: "
    assert [w.removeprefix(prefix) for w in warnings] == [
        "'provider' has the wrong type, ignored",
        "'price_currency' has the wrong type, ignored",
        "'favourites' has the wrong type, ignored",
        "[providers.local]: unknown key 'api-key', ignored",
        "[providers.aijora]: 'aijora' is built in: configure it with the top-level api_key, "
        "base_url, model; provider not used",
        '[models."m"]: expected context = <tokens> and vision = true/false, ignored',
    ]
    assert settings.providers["local"].problem is None
    assert settings.provider == BUILTIN


def test_precedence_flag_over_env_over_config(tmp_path: Path) -> None:
    text = GOOD
    settings, _ = load(tmp_path, text)
    assert settings.provider == "local"
    settings, _ = load(tmp_path, text, environ={"AIJORA_PROVIDER": "router"})
    assert settings.provider == "router" and settings.sources["provider"] == "env"
    settings, _ = load(
        tmp_path, text, flags={"provider": "plain"}, environ={"AIJORA_PROVIDER": "router"}
    )
    assert settings.provider == "plain" and settings.sources["provider"] == "flag"


def test_unknown_provider_names_the_known_ones_and_where_it_came_from(tmp_path: Path) -> None:
    settings, _ = load(tmp_path, GOOD, environ={"AIJORA_PROVIDER": "nope"})
    with pytest.raises(ProviderError) as caught:
        chosen_provider(settings)
    assert str(caught.value) == (
        "unknown provider 'nope' (configured: aijora, local, router, plain) (from AIJORA_PROVIDER)"
    )


def test_aijora_variables_configure_the_builtin_provider_only(tmp_path: Path) -> None:
    environ = {
        "AIJORA_API_KEY": "sk-aijora-secret",
        "AIJORA_BASE_URL": "http://127.0.0.1:9/v1",
        "AIJORA_MODEL": "gpt-4o",
    }
    settings, _ = load(tmp_path, GOOD, environ=environ)
    local = chosen_provider(settings)
    assert local.name == "local" and local.base_url == "http://127.0.0.1:11434/v1"
    assert local.key.value is None and provider_model(settings, local) == "llama3.2"
    router = chosen_provider(load(tmp_path, GOOD, {"provider": "router"}, environ)[0])
    assert provider_model(settings, router) is None  # AIJORA_MODEL is not its model
    aijora = chosen_provider(load(tmp_path, GOOD, {"provider": "aijora"}, environ)[0])
    assert aijora.base_url == "http://127.0.0.1:9/v1" and aijora.key.value == "sk-aijora-secret"
    assert aijora.key.where == "AIJORA_API_KEY"


def test_model_flag_applies_to_any_provider_and_base_url_flag_to_aijora_only(
    tmp_path: Path,
) -> None:
    settings, _ = load(tmp_path, GOOD, {"model": "qwen"})
    assert provider_model(settings, chosen_provider(settings)) == "qwen"
    settings, _ = load(tmp_path, GOOD, {"base_url": "http://127.0.0.1:2/v1"})
    with pytest.raises(ProviderError, match="--base-url sets the aijora provider's URL"):
        chosen_provider(settings)
