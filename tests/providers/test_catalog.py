"""`Catalog`: what is known about a model, from its provider's /models first, then the config
(`[models."ID"]`, `[prices]` in `price_currency`), never a guess; lists cached per base URL."""

from __future__ import annotations

from pathlib import Path

from aijora_tui.catalog import Catalog
from aijora_tui.config import load_settings
from aijora_tui.core.client import ChatClient
from aijora_tui.core.prices import Price
from tests.fake_server import FakeServer, model_list_body, rich_model

CONFIG = """
price_currency = "RUB"

[models."listed"]
context = 999
vision = false

[models."configured"]
context = 32000
vision = true

[prices."configured"]
input = 10.0
output = 20.0

[prices."listed"]
input = 1.0
output = 1.0
"""


async def test_models_list_first_then_config_then_unknown(
    tmp_path: Path, server: FakeServer
) -> None:
    server.models_body = model_list_body(
        [rich_model("listed", context=200_000, per_token=("0.000003", "0.000015")), {"id": "bare"}]
    )
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    settings, _ = load_settings({}, {"AIJORA_BASE_URL": server.base_url}, config)
    catalog = Catalog(settings, tmp_path / "state", "aijora")
    assert catalog.context_length("listed") == 999  # nothing fetched yet: the config says it

    async with ChatClient(server.base_url, max_retries=0) as client:
        await catalog.refresh(["aijora"], lambda name: client, lambda name: None)

    assert catalog.context_length("listed") == 200_000
    assert catalog.vision("listed") is True
    assert catalog.price("listed") == Price(3.0, 15.0, "USD")
    assert catalog.context_length("configured") == 32_000
    assert catalog.vision("configured") is True
    assert catalog.get("configured") == Price(10.0, 20.0, "RUB")
    assert catalog.context_length("bare") is None  # listed, but nobody says: unknown
    assert catalog.price("bare") is None
    assert catalog.context_length("nowhere") is None

    again = Catalog(settings, tmp_path / "state", "aijora")  # the next start: from the cache
    assert again.lists["aijora"].state == "cached"
    assert again.context_length("listed") == 200_000
    moved, _ = load_settings({}, {"AIJORA_BASE_URL": "http://127.0.0.1:9/v1"}, config)
    elsewhere = Catalog(moved, tmp_path / "state", "aijora")  # another server: not its list
    assert elsewhere.lists["aijora"].state == "unknown"


def test_recently_used_are_kept_most_recent_first(tmp_path: Path) -> None:
    settings, _ = load_settings({}, {}, tmp_path / "none.toml")
    catalog = Catalog(settings, tmp_path, "aijora")
    for pair in [("aijora", "a"), ("local", "b"), ("aijora", "a"), ("aijora", "c")]:
        catalog.remember(*pair)
    assert Catalog(settings, tmp_path, "aijora").recent == [
        ("aijora", "c"),
        ("aijora", "a"),
        ("local", "b"),
    ]
    (tmp_path / "recent_models.json").write_text('{"not": "a list"}')
    assert Catalog(settings, tmp_path, "aijora").recent == []
