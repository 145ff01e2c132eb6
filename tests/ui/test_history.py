"""Conversations that last: saving, the history browser, search, branches, drafts, windowing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aijora_tui.config import Settings
from aijora_tui.core.conversation import Entry
from aijora_tui.core.store import Store
from aijora_tui.tui.screens.history import ConfirmDialog, HistoryScreen, RenameDialog
from aijora_tui.tui.widgets.markdown_view import MarkdownView
from aijora_tui.tui.widgets.message_view import MessageView
from aijora_tui.tui.window import WINDOW
from tests.fake_server import DONE, FakeServer, Gate, Pause, Script, chunk, text_stream
from tests.ui.conftest import make_test_app
from tests.ui.helpers import chat, log_of, send, settle, wait_reply_done, wait_until


def stored(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "xdg_data_home" / "aijora-tui" / "history.sqlite3")


def latest_path(store: Store) -> list[tuple[str, str, str]]:
    """The saved active path of the latest conversation: (role, content, state) each."""
    conversation = store.latest_conversation_id()
    if conversation is None:
        return []
    return [(m.role, m.content, m.state) for m in store.active_path(conversation)]


@pytest.mark.usefixtures("quick_timers")
async def test_user_message_is_saved_before_the_request_and_the_reply_while_it_streams(
    server: FakeServer, settings: Settings, tmp_path: Path
) -> None:
    gate = Gate()
    server.queue(Script([chunk("partial "), gate, chunk("rest"), chunk(finish="stop"), DONE]))
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "remember me")
        log = log_of(app)
        await wait_until(pilot, lambda: len(log.entries) == 2 and log.entries[1].content != "")
        with stored(tmp_path) as store:  # the reply is held: only an autosave can write this
            expected = [
                ("user", "remember me", "completed"),
                ("assistant", "partial ", "streaming"),
            ]
            await wait_until(pilot, lambda: latest_path(store) == expected)
            gate.open()
        await wait_reply_done(pilot, app)
        with stored(tmp_path) as store:
            conversation = store.latest_conversation_id()
            assert conversation is not None
            reply = store.active_path(conversation)[1]
            assert (reply.content, reply.state, reply.finish_reason) == (
                "partial rest",
                "completed",
                "stop",
            )


async def test_open_a_conversation_from_history(
    server: FakeServer, settings: Settings, tmp_path: Path
) -> None:
    server.queue(text_stream(["first answer"]))
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "first topic")
        await wait_reply_done(pilot, app)
        await pilot.press("ctrl+n")
        assert log_of(app).entries == []
        await pilot.press("ctrl+l")
        assert isinstance(app.screen, HistoryScreen)
        history = app.screen
        await wait_until(pilot, lambda: history.option_list.option_count == 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(log_of(app).entries) == 2)
        assert [e.content for e in log_of(app).entries] == ["first topic", "first answer"]
        # The reopened conversation continues where it was.
        await send(pilot, "follow-up")
        await wait_reply_done(pilot, app, count=4)
        sent = server.chat_requests()[-1].json()["messages"]
        assert [m["content"] for m in sent[:2]] == ["first topic", "first answer"]


async def test_search_opens_the_conversation_at_the_matching_message(
    server: FakeServer, settings: Settings, tmp_path: Path
) -> None:
    with stored(tmp_path) as store:
        target = store.create_conversation(model="m")
        parent = None
        for n in range(120):
            message = store.add_message(
                target, parent, "user" if n % 2 == 0 else "assistant", f"filler {n}"
            )
            parent = message.id
        needle = store.add_message(target, parent, "user", "the zeppelin question")
        for n in range(60):
            parent = store.add_message(
                target, needle.id if n == 0 else parent, "assistant", f"more {n}"
            ).id
    app = make_test_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+f")
        assert isinstance(app.screen, HistoryScreen)
        await pilot.pause()
        await pilot.press(*"zeppel")
        history = app.screen
        await wait_until(pilot, lambda: bool(history._hits))
        option = history.option_list.get_option_at_index(0)
        assert "zeppelin" in str(option.prompt)
        await pilot.press("enter")
        log = log_of(app)
        await wait_until(pilot, lambda: len(log.entries) == 181)
        assert log.selected == 120 and log.entries[120].content == "the zeppelin question"
        view = log.view_for(log.entries[120])
        assert view is not None and view.has_class("-selected")
        assert len(log.query(MessageView)) <= WINDOW
        await wait_until(pilot, lambda: view.is_on_screen)
        await settle(pilot)
        assert not chat(app).query_one("#lines-below").display  # nothing new arrived


async def test_rename_and_delete_from_history(
    server: FakeServer, settings: Settings, tmp_path: Path
) -> None:
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "old title")
        await wait_reply_done(pilot, app)
        await pilot.press("ctrl+l")
        history = app.screen
        assert isinstance(history, HistoryScreen)
        await wait_until(pilot, lambda: history.option_list.option_count == 1)
        history.option_list.focus()
        await pilot.press("f2")
        assert isinstance(app.screen, RenameDialog)
        app.screen.query_one("#rename-title").value = "New [bold]title[/] [/]"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: "New [bold]title[/]" in str(history.option_list.get_option_at_index(0).prompt),
        )
        await pilot.press("delete")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: "No conversations" in str(history.option_list.get_option_at_index(0).prompt),
        )
        await pilot.press("escape")
        await wait_until(pilot, lambda: log_of(app).entries == [])
    with stored(tmp_path) as store:
        assert store.list_conversations() == []


async def test_regenerate_makes_a_branch_and_angle_keys_flip_it(
    server: FakeServer, settings: Settings
) -> None:
    server.queue(text_stream(["version one"]), text_stream(["version two"]))
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "q")
        await wait_reply_done(pilot, app)
        await pilot.press("ctrl+r")
        log = log_of(app)
        await wait_until(pilot, lambda: log.entries[-1].content == "version two")
        await wait_reply_done(pilot, app)
        reply = log.entries[1]
        assert (reply.sibling_index, reply.sibling_count) == (1, 2)
        await pilot.press("tab", "up")
        assert log.selected == 1
        await pilot.press("less_than_sign")
        await wait_until(pilot, lambda: log.entries[1].content == "version one")
        assert (log.entries[1].sibling_index, log.entries[1].sibling_count) == (0, 2)
        await pilot.press("greater_than_sign")
        await wait_until(pilot, lambda: log.entries[1].content == "version two")


async def test_edit_keeps_the_original_as_a_branch(server: FakeServer, settings: Settings) -> None:
    server.queue(text_stream(["answer A"]), text_stream(["answer B"]))
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "question A")
        await wait_reply_done(pilot, app)
        await pilot.press("tab", "up", "up", "e")
        chat(app).prompt_input.load_text("question B")
        await pilot.press("enter")
        log = log_of(app)
        await wait_until(pilot, lambda: log.entries[-1].content == "answer B")
        await wait_reply_done(pilot, app)
        assert (log.entries[0].sibling_index, log.entries[0].sibling_count) == (1, 2)
        await pilot.press("tab", "up", "up", "less_than_sign")
        await wait_until(pilot, lambda: log.entries[0].content == "question A")
        assert [e.content for e in log.entries] == ["question A", "answer A"]


@pytest.mark.usefixtures("quick_timers")
async def test_draft_survives_a_restart(settings: Settings, tmp_path: Path) -> None:
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await pilot.press(*"half-written thought")
        await wait_until(pilot, lambda: chat(app).message_log.recorder.store is not None)
        with stored(tmp_path) as store:
            await wait_until(pilot, lambda: store.load_draft(None) == "half-written thought")
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: chat(app).prompt_input.text == "half-written thought")


async def test_long_conversation_mounts_a_window_and_pages_in_earlier_messages(
    settings: Settings,
) -> None:
    entries = [
        Entry("user" if n % 2 == 0 else "assistant", f"message {n}\n\nwith a second paragraph")
        for n in range(500)
    ]
    app = make_test_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        log = log_of(app)
        await log.load(entries)
        await pilot.pause()
        assert len(log.query(MessageView)) == WINDOW
        assert log.scroll_y == log.max_scroll_y
        first_visible = log.entries[500 - WINDOW]
        log.scroll_to(y=0, animate=False)
        await wait_until(
            pilot,
            lambda: (
                len(log.query(MessageView)) == WINDOW
                and log.view_for(first_visible) is not None
                and log.view_for(log.entries[500 - WINDOW - 1]) is not None
            ),
        )
        view = log.view_for(first_visible)
        assert view is not None and view.region.y >= 0  # the view did not jump to the new top
        await log.select(3)
        await pilot.pause()
        assert log.view_for(log.entries[3]) is not None
        assert len(log.query(MessageView)) <= WINDOW


async def test_export_from_the_palette_writes_markdown_and_json(
    server: FakeServer, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    server.queue(text_stream(["exported answer"]))
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "export me")
        await wait_reply_done(pilot, app)
        await chat(app).run_action("export('md')")
        await chat(app).run_action("export('json')")
    conversation = 1
    markdown = (tmp_path / f"aijora-conversation-{conversation}.md").read_text()
    assert "export me" in markdown and "exported answer" in markdown
    data = json.loads((tmp_path / f"aijora-conversation-{conversation}.json").read_text())
    assert [m["content"] for m in data["messages"]] == ["export me", "exported answer"]
    key = settings.api_key or ""
    assert key and key not in markdown and key not in json.dumps(data)


async def test_reply_keeps_streaming_while_the_reader_is_far_back(
    server: FakeServer, settings: Settings
) -> None:
    gate = Gate()
    server.queue(
        Script([chunk("first half, "), gate, chunk("second half."), chunk(finish="stop"), DONE])
    )
    app = make_test_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        log = log_of(app)
        await log.load([Entry("user", f"old message {n}") for n in range(200)])
        await send(pilot, "new question")
        await wait_until(pilot, lambda: log.entries[-1].content.startswith("first half"))
        await log.select(0)  # the window jumps to the start: the streaming view is unmounted
        reply = log.entries[-1]
        assert (log.view_for(reply), reply.state) == (None, "streaming")
        gate.open()
        await wait_reply_done(pilot, app, count=202)
        assert reply.content == "first half, second half." and reply.state == "completed"
        await pilot.press("tab", "end")
        await wait_until(pilot, lambda: log.view_for(reply) is not None)
        view = log.view_for(reply)
        assert view is not None
        await pilot.pause()
        assert "second half." in view.query_one(MarkdownView).source


async def test_long_conversation_still_follows_a_new_reply(
    server: FakeServer, settings: Settings
) -> None:
    steps: list[bytes | Pause] = []
    for n in range(60):
        steps += [chunk(f"line {n} of the reply\n\n"), Pause(0.005)]
    server.queue(Script([*steps, chunk(finish="stop"), DONE]))
    app = make_test_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        log = log_of(app)
        await log.load([Entry("user", f"message {n}\n\nmore") for n in range(500)])
        await send(pilot, "go")  # the window trims its oldest view: that must not unfollow
        await wait_reply_done(pilot, app, count=502)
        await wait_until(pilot, lambda: log.scroll_y == log.max_scroll_y > 0)
        await settle(pilot)
        assert log.scroll_y == log.max_scroll_y
        assert not chat(app).query_one("#lines-below").display


async def test_page_up_keeps_paging_in_earlier_messages(settings: Settings) -> None:
    entries = [Entry("user", f"message {n}\n\nsecond paragraph\n\nthird") for n in range(100)]
    app = make_test_app(settings)
    app.animation_level = "none"
    async with app.run_test(size=(100, 30)) as pilot:
        log = log_of(app)
        await log.load(entries)
        log.focus()
        for _ in range(400):  # bounded: plenty of PageUps to page all the way up
            if log.view_for(entries[0]) is not None and log.scroll_y == 0:
                break
            await pilot.press("pageup")
            await pilot.pause()
        assert log.view_for(entries[0]) is not None
        assert len(log.query(MessageView)) <= WINDOW


async def test_quitting_keeps_the_reply_cancelled_and_unsent_text_as_the_draft(
    server: FakeServer, settings: Settings, tmp_path: Path
) -> None:
    server.queue(Script([chunk("partial"), Pause(30), chunk("never"), DONE]))
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "first")
        log = log_of(app)
        await wait_until(pilot, lambda: len(log.entries) == 2 and log.entries[1].content != "")
        await send(pilot, "queued one")
        await pilot.press(*"typed just now")
        await pilot.press("ctrl+q")  # at once: no time for the draft timer
    with stored(tmp_path) as store:
        conversation = store.latest_conversation_id()
        assert conversation is not None
        reply = store.active_path(conversation)[1]
        assert (reply.content, reply.state) == ("partial", "cancelled")
        assert store.load_draft(None) == "queued one\n\ntyped just now"
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        prompt = chat(app).prompt_input
        await wait_until(pilot, lambda: prompt.text == "queued one\n\ntyped just now")
        assert prompt.cursor_location == prompt.document.end


async def test_editing_gives_back_what_was_being_typed(
    server: FakeServer, settings: Settings
) -> None:
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "old question")
        await wait_reply_done(pilot, app)
        prompt = chat(app).prompt_input
        prompt.insert("half a thought")
        await pilot.press("tab", "up", "up", "e")
        assert prompt.text == "old question"
        await pilot.press("escape")
        assert prompt.text == "half a thought"
        await pilot.press("tab", "up", "up", "e")
        prompt.load_text("new question")
        await pilot.press("enter")
        await wait_until(pilot, lambda: prompt.text == "half a thought")
        await wait_reply_done(pilot, app)
        assert log_of(app).entries[0].content == "new question"


@pytest.mark.usefixtures("quick_timers")
async def test_deleting_the_conversation_that_streams_is_clean(
    server: FakeServer, settings: Settings, tmp_path: Path
) -> None:
    server.queue(Script([chunk("partial"), Pause(30), chunk("never"), DONE]))
    app = make_test_app(settings)
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "doomed")
        log = log_of(app)
        await wait_until(pilot, lambda: len(log.entries) == 2 and log.entries[1].content != "")
        with stored(tmp_path) as store:  # an autosave has happened
            await wait_until(
                pilot, lambda: latest_path(store)[1:] == [("assistant", "partial", "streaming")]
            )
        await pilot.press("ctrl+l")
        history = app.screen
        assert isinstance(history, HistoryScreen)
        await wait_until(pilot, lambda: history.option_list.option_count == 1)
        history.option_list.focus()
        await pilot.press("delete", "y")
        await wait_until(
            pilot,
            lambda: "No conversations" in str(history.option_list.get_option_at_index(0).prompt),
        )
        await pilot.press("escape")
        await wait_until(pilot, lambda: log.entries == [] and log.session.reply is None)
        await settle(pilot)  # the cancelled reply's last write, and any warning, are done
        assert log.recorder.outbox.waiting == 0
        assert not [n for n in app._notifications if "Could not save" in n.message]
    with stored(tmp_path) as store:
        assert store.list_conversations() == []
