"""`GET /models` read into `ModelInfo`s: OpenRouter's rich shape, the bare OpenAI one, other
gateways' fields, and answers that are too large or hold odd types (model_list.py)."""

from __future__ import annotations

import json

import pytest

from aijora_tui.core.client import ChatClient
from aijora_tui.core.model_list import (
    MAX_BODY_BYTES,
    ModelListError,
    model_info,
    parse_model_list,
    to_cache,
)
from aijora_tui.core.models import ModelInfo
from aijora_tui.core.prices import Price
from tests.fake_server import FakeServer, model_list_body, rich_model


async def listed(server: FakeServer) -> list[ModelInfo]:
    async with ChatClient(server.base_url, "sk-x", max_retries=0) as client:
        return await client.list_models(timeout=10)


async def test_openrouter_shape_gives_context_prices_images_and_tools(server: FakeServer) -> None:
    server.models_body = model_list_body(
        [
            rich_model("openai/gpt-4o-mini"),
            rich_model("meta/llama", context=8192, per_token=("0", "0"), image=False, tools=False),
        ]
    )
    models = await listed(server)
    assert models == [
        ModelInfo("meta/llama", None, "Model meta/llama", 8192, Price(0, 0, "USD"), False, False),
        ModelInfo(
            "openai/gpt-4o-mini",
            None,
            "Model openai/gpt-4o-mini",
            128_000,
            Price(0.15, 0.6, "USD"),  # per token as strings -> per million
            True,
            True,
        ),
    ]


async def test_bare_openai_shape_says_nothing_more(server: FakeServer) -> None:
    models = await listed(server)
    assert [m.id for m in models] == ["claude-sonnet-4.5", "deepseek-r1", "gpt-4o-mini"]
    assert all(
        (m.context_length, m.price, m.vision, m.tools) == (None, None, None, None) for m in models
    )
    assert models[0].owned_by == "fake"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"id": "g", "context_window": 131072}, {"context_length": 131072}),  # Groq
        (
            {"id": "m", "max_context_length": 32000, "capabilities": {"vision": True}},
            {"context_length": 32000, "vision": True},
        ),  # Mistral
        (
            {"id": "m", "capabilities": {"function_calling": False, "vision": False}},
            {"tools": False, "vision": False},
        ),
        ({"id": "v", "max_model_len": 4096}, {"context_length": 4096}),  # vLLM
        (
            {"id": "t", "context_length": 8192, "pricing": {"input": 0.2, "output": 0.6}},
            {"context_length": 8192, "price": Price(0.2, 0.6, "USD")},
        ),  # Together: per million already
        (
            {"id": "c", "pricing": {"prompt": "0.000001", "completion": "2e-6", "currency": "RUB"}},
            {"price": Price(1.0, 2.0, "RUB")},
        ),
        ({"id": "o", "architecture": {"modality": "text+image->text"}}, {"vision": True}),
        ({"id": "o", "top_provider": {"context_length": 200000}}, {"context_length": 200000}),
    ],
)
def test_other_gateways_fields(item: dict[str, object], expected: dict[str, object]) -> None:
    info = model_info(item)
    assert info is not None
    for key, value in expected.items():
        assert getattr(info, key) == value, key


@pytest.mark.parametrize(
    "item",
    [
        {"id": "x", "context_length": "128000"},
        {"id": "x", "context_length": True},
        {"id": "x", "context_length": -5},
        {"id": "x", "context_length": 10**12},
        {"id": "x", "context_length": 1.5},
        {"id": "x", "pricing": {"prompt": "-1", "completion": "-1"}},  # OpenRouter's "varies"
        {"id": "x", "pricing": {"prompt": "abc", "completion": "0.1"}},
        {"id": "x", "pricing": {"prompt": "NaN", "completion": "inf"}},
        {"id": "x", "pricing": {"prompt": "2", "completion": "2"}},  # 2e6 per million: absurd
        {"id": "x", "pricing": "free"},
        {"id": "x", "architecture": {"input_modalities": "image"}},
        {"id": "x", "supported_parameters": "tools"},
        {"id": "x", "capabilities": {"vision": "yes"}},
        {"id": "x", "name": ["not", "text"]},
    ],
)
def test_odd_types_are_taken_as_not_said(item: dict[str, object]) -> None:
    assert model_info(item) == ModelInfo("x")


def test_items_without_a_usable_id_are_skipped_and_duplicates_dropped() -> None:
    unusable = [{"id": 5}, {"name": "no id"}, "text", None, [1], {"id": ""}, {"id": "x" * 300}]
    usable = [{"id": "ok"}, {"id": "ok", "context_length": 5}, {"id": "ev\x1b]0;T\x07il"}]
    body = model_list_body([*unusable, *usable])
    models = parse_model_list(body)
    assert [m.id for m in models] == ["evil", "ok"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>oops</html>", "not readable JSON"),
        (
            b"[" * 100_000 + b"]" * 100_000,
            "not readable JSON",
        ),  # nesting deeper than the parser allows
        (b'{"data": "models"}', "not a list of models"),
        (b'{"object": "list"}', "not a list of models"),
        (b"42", "not a list of models"),
    ],
)
def test_unusable_lists_are_one_clear_error(body: bytes, message: str) -> None:
    with pytest.raises(ModelListError, match=message):
        parse_model_list(body)


async def test_a_five_megabyte_answer_is_refused_in_one_line(server: FakeServer) -> None:
    filler = [rich_model(f"vendor/model-{n:05d}") for n in range(7000)]
    server.models_body = model_list_body(filler)
    assert len(server.models_body) > 5_000_000 > MAX_BODY_BYTES
    with pytest.raises(ModelListError) as caught:
        await listed(server)
    assert str(caught.value) == "the server's model list is too large (over 4 MB)"


async def test_a_large_list_under_the_cap_is_read(server: FakeServer) -> None:
    server.models_body = model_list_body(rich_model(f"v/m-{n:04d}") for n in range(1500))
    assert 1_000_000 < len(server.models_body) < MAX_BODY_BYTES
    models = await listed(server)
    assert len(models) == 1500 and models[0].context_length == 128_000


def test_cache_form_round_trips() -> None:
    infos = parse_model_list(
        model_list_body([rich_model("a"), {"id": "b"}, {"id": "c", "capabilities": {"vision": 1}}])
    )
    cached = json.loads(json.dumps([to_cache(info) for info in infos]))
    assert [model_info(item) for item in cached] == infos
