"""Reading a server's `GET /models` answer into `ModelInfo`s: bounded, type-checked, never trusted.

The OpenAI shape is `{"object": "list", "data": [{"id", "owned_by"}]}`; gateways add what a
model picker wants to show, each in its own words:

- context length: `context_length` (OpenRouter, Together), `top_provider.context_length`
  (OpenRouter), `context_window` (Groq), `max_context_length` (Mistral, LM Studio),
  `max_model_len` (vLLM), `max_input_tokens` (Anthropic);
- price: `pricing.prompt` / `pricing.completion`, US dollars **per token** as strings
  (OpenRouter); `pricing.input` / `pricing.output` per million tokens (Together);
- images in: `architecture.input_modalities` holding `"image"`, or `architecture.modality`
  like `"text+image->text"` (OpenRouter); `capabilities.vision` (Mistral);
- tools: `supported_parameters` holding `"tools"` (OpenRouter); `capabilities.function_calling`
  (Mistral).

Every field is optional and checked: a value of the wrong type, out of range or not finite is
taken as not said. Items without a usable string `id` are skipped. The whole body is capped
(`MAX_BODY_BYTES`) before it is parsed, and so is the number of models.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from aijora_tui.core.decode import parse_json
from aijora_tui.core.errors import AijoraError
from aijora_tui.core.models import ModelInfo
from aijora_tui.core.prices import Price
from aijora_tui.core.sanitize import sanitize

MAX_BODY_BYTES = 4 * 1024 * 1024
"""A model list larger than this is refused (OpenRouter's 400 models with descriptions: ~1 MB)."""
MAX_MODELS = 5_000
MAX_ID_LENGTH = 256
MAX_NAME_LENGTH = 120
MAX_CONTEXT = 100_000_000
MAX_PRICE = 1_000_000.0
"""Per million tokens; anything above is not believed."""
DEFAULT_LISTED_CURRENCY = "USD"
"""The currency of listed prices when the server names none: OpenRouter and Together price in
US dollars."""
_CONTEXT_KEYS = (
    "context_length",
    "context_window",
    "max_context_length",
    "max_model_len",
    "max_input_tokens",
)


class ModelListError(AijoraError):
    """The model list could not be used at all (too large, not JSON, not a list)."""


def parse_model_list(raw: bytes) -> list[ModelInfo]:
    """The models in a `/models` body, sorted by id, duplicates dropped.

    Raises:
        ModelListError: the body is too large, not JSON, or holds no list of models.
    """
    if len(raw) > MAX_BODY_BYTES:
        raise ModelListError(too_large_message())
    try:
        body = parse_json(raw.decode("utf-8", "replace"))
    except ValueError:
        raise ModelListError("the server's model list is not readable JSON") from None
    items = body.get("data") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise ModelListError("the server's model list is not a list of models")
    models: dict[str, ModelInfo] = {}
    for item in items[:MAX_MODELS]:
        info = model_info(item)
        if info is not None and info.id not in models:
            models[info.id] = info
    return sorted(models.values(), key=lambda model: model.id)


def too_large_message() -> str:
    return f"the server's model list is too large (over {MAX_BODY_BYTES // (1024 * 1024)} MB)"


def model_info(item: Any) -> ModelInfo | None:
    """One model from one list item (or a cached one); None when it has no usable id."""
    if not isinstance(item, dict):
        return None
    model_id = _text(item.get("id"), MAX_ID_LENGTH)
    if not model_id:
        return None
    architecture = _table(item.get("architecture"))
    capabilities = _table(item.get("capabilities"))
    return ModelInfo(
        id=model_id,
        owned_by=_text(item.get("owned_by"), MAX_NAME_LENGTH),
        name=_text(item.get("name"), MAX_NAME_LENGTH)
        or _text(item.get("display_name"), MAX_NAME_LENGTH),
        context_length=_context(item),
        price=_price(item.get("pricing")),
        vision=_vision(architecture, capabilities, item.get("vision")),
        tools=_tools(item.get("supported_parameters"), capabilities, item.get("tools")),
    )


def to_cache(info: ModelInfo) -> dict[str, Any]:
    """A model as stored in the state directory's cache; `model_info()` reads it back."""
    item: dict[str, Any] = {"id": info.id}
    for key in ("owned_by", "name", "context_length", "vision", "tools"):
        value = getattr(info, key)
        if value is not None:
            item[key] = value
    if info.price is not None:
        pricing: dict[str, Any] = {"input": info.price.input, "output": info.price.output}
        if info.price.currency:
            pricing["currency"] = info.price.currency
        item["pricing"] = pricing
    return item


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(sanitize(value).split())
    return text if 0 < len(text) <= limit else None


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and 0 < value <= MAX_CONTEXT:
        return value
    return None


def _context(item: Mapping[str, Any]) -> int | None:
    for key in _CONTEXT_KEYS:
        if (count := _count(item.get(key))) is not None:
            return count
    return _count(_table(item.get("top_provider")).get("context_length"))


def _amount(value: Any) -> float | None:
    """A non-negative finite number, given as a number or a numeric string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and len(value) <= 32:
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value) and value >= 0:
        return float(value)
    return None


def _price(value: Any) -> Price | None:
    pricing = _table(value)
    prompt, completion = _amount(pricing.get("prompt")), _amount(pricing.get("completion"))
    if prompt is not None and completion is not None:
        prompt, completion = prompt * 1_000_000, completion * 1_000_000  # per token
    else:
        prompt, completion = _amount(pricing.get("input")), _amount(pricing.get("output"))
    if prompt is None or completion is None:
        return None
    if prompt > MAX_PRICE or completion > MAX_PRICE:
        return None
    currency = _text(pricing.get("currency"), 8) or DEFAULT_LISTED_CURRENCY
    return Price(round(prompt, 6), round(completion, 6), currency)


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _vision(
    architecture: Mapping[str, Any], capabilities: Mapping[str, Any], direct: Any
) -> bool | None:
    modalities = architecture.get("input_modalities")
    if isinstance(modalities, list):
        return "image" in modalities
    modality = architecture.get("modality")
    if isinstance(modality, str) and "->" in modality:
        return "image" in modality.partition("->")[0]
    return _flag(capabilities.get("vision")) if "vision" in capabilities else _flag(direct)


def _tools(parameters: Any, capabilities: Mapping[str, Any], direct: Any) -> bool | None:
    if isinstance(parameters, list):
        return "tools" in parameters
    if "function_calling" in capabilities:
        return _flag(capabilities.get("function_calling"))
    return _flag(direct)
