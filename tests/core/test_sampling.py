"""Per-conversation sampling settings and presets: checked where read, the conversation's win."""

from __future__ import annotations

import math

import pytest

from aijora_tui.core.events import StreamCompleted
from aijora_tui.core.sampling import BadSetting, Preset, checked, preset_from, request_params
from aijora_tui.core.session import Session
from aijora_tui.core.writes import Settings


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("temperature", math.nan),
        ("temperature", 2.5),
        ("temperature", True),
        ("top_p", -0.1),
        ("top_p", "0.5"),
        ("max_tokens", 0),
        ("max_tokens", 1.5),
        ("reasoning_effort", "extreme"),
    ],
)
def test_values_out_of_range_are_refused_by_name(key: str, value: object) -> None:
    with pytest.raises(BadSetting, match=key):
        checked(key, value)


def test_the_conversation_wins_and_bad_stored_values_are_left_out() -> None:
    defaults = {"temperature": 0.7, "max_tokens": None}
    conversation = {"temperature": 0.2, "top_p": 5, "reasoning_effort": "high", "tools": "off"}
    assert request_params(defaults, conversation) == {
        "temperature": 0.2,
        "reasoning_effort": "high",
    }


def test_presets_are_a_prompt_or_a_table() -> None:
    assert preset_from("Be brief.") == Preset(system_prompt="Be brief.")
    preset = preset_from({"system_prompt": "Review.", "temperature": 0.1, "max_tokens": 800})
    assert preset.settings() == {"temperature": 0.1, "max_tokens": 800}
    assert preset.to_config() == {"system_prompt": "Review.", "temperature": 0.1, "max_tokens": 800}
    assert Preset(system_prompt="x").to_config() == "x"
    with pytest.raises(BadSetting, match="unknown preset keys: colour"):
        preset_from({"colour": "red"})
    with pytest.raises(TypeError):
        preset_from(3)


def test_a_request_carries_the_conversations_settings_from_its_next_turn() -> None:
    session = Session(model="m", params={"temperature": 0.7})
    session.submit("one")
    assert session.begin_reply().params == {"temperature": 0.7}
    session.apply(StreamCompleted("stop", None))
    session.end_reply()
    session.set_setting("temperature", 0.1)
    session.set_setting("reasoning_effort", "low")
    session.submit("two")
    assert session.begin_reply().params == {"temperature": 0.1, "reasoning_effort": "low"}
    [*_, write] = [w for w in session.take_writes() if isinstance(w, Settings)]
    assert dict(write.conversation.settings) == {"temperature": 0.1, "reasoning_effort": "low"}
