"""`Exchange`: what `ask` sends and saves, and how it survives a database that fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aijora_tui.cli.exchange import Exchange
from aijora_tui.config import Settings
from aijora_tui.core.errors import ApiError, StreamFailed, StreamInterrupted
from aijora_tui.core.events import (
    FinishReported,
    ReasoningDelta,
    StreamCompleted,
    TextDelta,
    UsageReported,
)
from aijora_tui.core.models import Usage
from aijora_tui.core.records import StoredMessage
from aijora_tui.core.store import Store

SETTINGS = Settings(model="m1", system_prompt="Be brief.")


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    return tmp_path / "aijora-tui" / "history.sqlite3"


@pytest.fixture
def warnings() -> list[str]:
    return []


def prepare(
    warnings: list[str],
    prompt: str = "hi",
    *,
    settings: Settings = SETTINGS,
    save: bool = True,
    resume: bool = False,
) -> Exchange:
    return Exchange.prepare(settings, prompt, save=save, resume=resume, warn=warnings.append)


def path_of(db: Path) -> list[StoredMessage]:
    with Store.open(db) as store:
        latest = store.latest_conversation_id()
        assert latest is not None
        return store.active_path(latest)


@pytest.fixture
def exchange(data_home: Path, warnings: list[str]) -> Iterator[Exchange]:
    opened = prepare(warnings)
    yield opened
    opened.close()


def test_a_completed_reply_is_saved_with_everything(
    exchange: Exchange, data_home: Path, warnings: list[str]
) -> None:
    for event in (
        ReasoningDelta("thinking"),
        TextDelta("Hel"),
        TextDelta("lo"),
        UsageReported(Usage(1, 2, 3)),
        FinishReported("length"),
        StreamCompleted(None, None),
    ):
        exchange.observe(event)
    exchange.close()
    question, reply = path_of(data_home)
    assert question.content == "hi"
    assert (reply.content, reply.reasoning, reply.state) == ("Hello", "thinking", "completed")
    assert (reply.finish_reason, reply.usage, reply.model) == ("length", Usage(1, 2, 3), "m1")
    assert warnings == []


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (StreamInterrupted("the connection broke"), "interrupted"),
        (StreamFailed("server said no"), "failed"),
        (ApiError(400, "bad request"), "failed"),
    ],
)
def test_errors_keep_the_partial_reply(
    exchange: Exchange, data_home: Path, error: ApiError | StreamFailed, state: str
) -> None:
    exchange.observe(TextDelta("part"))
    exchange.fail(error)
    exchange.close()
    _, reply = path_of(data_home)
    assert (reply.content, reply.state, reply.error) == ("part", state, error.message)


def test_a_reply_that_never_ended_is_interrupted_and_an_end_is_final(
    data_home: Path, warnings: list[str]
) -> None:
    unfinished = prepare(warnings)
    unfinished.observe(TextDelta("so far"))
    unfinished.close()
    assert path_of(data_home)[1].state == "interrupted"

    completed = prepare(warnings, "again")
    completed.observe(StreamCompleted("stop", None))
    completed.cancel()  # too late: the reply had completed
    completed.close()
    assert path_of(data_home)[1].state == "completed"


def test_a_failing_database_warns_once_and_stops_saving(
    exchange: Exchange, data_home: Path, warnings: list[str]
) -> None:
    exchange._store._conn.close()  # type: ignore[union-attr]
    exchange.observe(TextDelta("text"))
    exchange.cancel()
    exchange.observe(StreamCompleted("stop", None))
    exchange.close()
    assert len(warnings) == 1 and "could not be saved" in warnings[0]
    assert [m.state for m in path_of(data_home)] == ["completed", "streaming"]


def test_without_saving_the_messages_are_built_and_nothing_is_written(
    data_home: Path, warnings: list[str]
) -> None:
    exchange = prepare(warnings, "question", save=False)
    exchange.observe(StreamCompleted("stop", None))
    exchange.close()
    assert [(m.role, m.content) for m in exchange.messages] == [
        ("system", "Be brief."),
        ("user", "question"),
    ]
    assert not data_home.exists()


def test_resuming_keeps_the_conversation_prompt_unless_a_flag_replaces_it(
    data_home: Path, warnings: list[str]
) -> None:
    first = prepare(warnings, "one")
    first.observe(TextDelta("reply one"))
    first.observe(StreamCompleted("stop", None))
    first.close()

    configured = Settings(model="m1", system_prompt="From the config.")
    kept = prepare(warnings, "two", settings=configured, save=False, resume=True)
    assert [(m.role, m.content) for m in kept.messages] == [
        ("system", "Be brief."),
        ("user", "one"),
        ("assistant", "reply one"),
        ("user", "two"),
    ]
    kept.close()
    flagged = Settings(model="m1").with_values("flag", system_prompt="From the flag.")
    replaced = prepare(warnings, "three", settings=flagged, save=False, resume=True)
    assert replaced.messages[0].content == "From the flag."
    replaced.close()
    assert warnings == []
