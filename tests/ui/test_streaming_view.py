"""How a streaming reply is drawn: few widgets for its settled blocks, a tail updated in place."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region

from aijora_tui.config import Settings
from aijora_tui.core.store import Store
from aijora_tui.tui.cadence import Cadence
from aijora_tui.tui.render import RenderedMarkdown, render_markdown
from aijora_tui.tui.render.splitter import TAIL_LIMIT
from aijora_tui.tui.widgets.markdown_view import OFF_LOOP_CHARS, MarkdownView
from aijora_tui.tui.widgets.message_view import GROUP_CHARS, MAX_GROUP_CHARS, group_size, pack
from tests.fake_server import DONE, FakeServer, Pause, Script, chunk, text_stream
from tests.ui.conftest import make_test_app
from tests.ui.helpers import ChatWidgetsApp, chat, log_of, wait_until


@pytest.mark.parametrize(
    ("room", "blocks", "expected"),
    [
        (0, [], [""]),
        (0, ["a\n\n"], ["", "a\n\n"]),
        (10, ["a\n\n", "b\n\n"], ["a\n\nb\n\n"]),
        (3, ["abcd\n\n", "e\n\n"], ["abcd\n\n", "e\n\n"]),
        (0, ["x" * 5, "y" * 5, "z" * 5], ["", "x" * 5 + "y" * 5, "z" * 5]),
    ],
)
def test_pack_fills_the_open_group_then_new_ones(
    room: int, blocks: list[str], expected: list[str]
) -> None:
    assert pack(room, blocks, size=10) == expected


def test_pack_keeps_every_character_in_order() -> None:
    blocks = [f"paragraph {n} " * (n % 7 + 1) + "\n\n" for n in range(200)]
    groups = pack(120, blocks)
    assert "".join(groups) == "".join(blocks)
    assert all(len(group) < GROUP_CHARS + max(map(len, blocks)) for group in groups)


async def test_a_long_reply_streams_into_a_few_widgets(
    server: FakeServer, settings: Settings
) -> None:
    paragraphs = [f"Paragraph {n}: " + "words and more words " * 6 + "\n\n" for n in range(80)]
    server.queue(Script([*(chunk(text) for text in paragraphs), Pause(30), chunk("end"), DONE]))
    app = make_test_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"tell me", "enter")
        log = log_of(app)
        settled = "".join(paragraphs[:-1])  # the last one settles when the next text comes
        await wait_until(pilot, lambda: len(log.entries) == 2 and bool(log.entries[1].content))
        reply = log.entries[1]
        view = log.view_for(reply)
        assert view is not None

        def groups() -> list[MarkdownView]:
            return list(view.query(".message-block").results(MarkdownView))

        await wait_until(pilot, lambda: "".join(g.source for g in groups()) == settled)
        assert len(groups()) <= len(settled) // GROUP_CHARS + 1 < len(paragraphs) // 4
        tail = view.query_one(".message-tail", MarkdownView)
        assert tail.source == paragraphs[-1]
        await pilot.press("escape")  # the reply ends as cancelled, its text kept
        await wait_until(pilot, lambda: reply.state == "cancelled")
        await pilot.pause()
        assert reply.content == "".join(paragraphs)
        assert not groups() and view.query_one(".message-body", MarkdownView).source


class OneView(ChatWidgetsApp):
    def compose(self) -> ComposeResult:
        yield MarkdownView("Count: one two", classes="probe")


def shown(view: MarkdownView) -> list[str]:
    """The lines the widget paints now (through its line cache, as the compositor asks)."""
    strips = view.render_lines(Region(0, 0, view.size.width, view.size.height))
    return ["".join(segment.text for segment in strip).rstrip() for strip in strips]


async def test_a_tail_that_keeps_its_height_is_repainted_in_place() -> None:
    app = OneView()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(MarkdownView)
        await pilot.pause()
        assert shown(view) == ["Count: one two"]
        view.update("Count: one two three")  # same height: no layout, the line repainted
        await pilot.pause()
        assert shown(view) == ["Count: one two three"]
        assert view.size.height == 1
        view.update("Count: one two three **four**\n\nfive")  # taller: laid out again
        await pilot.pause()
        assert shown(view) == ["Count: one two three four", "", "five"]
        assert view.size.height == 3
        view.update("Count: one **two** three four\n\nfive")  # same text, a style changed
        await pilot.pause()
        assert shown(view) == ["Count: one two three four", "", "five"]
        line = view.render_lines(Region(0, 0, view.size.width, 1))[0]
        bold = "".join(s.text for s in line if s.style is not None and s.style.bold)
        assert bold == "two"


class Counting(App[int]):
    """A widget with a `Cadence` whose interval never passes within a test."""

    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0
        self.probe = MarkdownView()
        self.cadence = Cadence(self.probe, self.flush, 3600, 3600, idle_interval=3600)

    def compose(self) -> ComposeResult:
        yield self.probe

    async def flush(self) -> None:
        self.flushes += 1


async def test_the_first_poke_runs_at_once_and_later_ones_wait_together() -> None:
    app = Counting()
    async with app.run_test() as pilot:
        for _ in range(5):
            app.cadence.poke()  # one run covers every poke before it
        await wait_until(pilot, lambda: app.flushes == 1)
        app.cadence.poke()  # within the interval: waits for it
        app.cadence.poke()
        await pilot.pause()
        assert app.flushes == 1
        app.cadence.stop()  # the reply ended: what waited is dropped
        await pilot.pause()
        assert app.flushes == 1


async def test_while_nothing_arrives_it_still_runs_now_and_then() -> None:
    app = Counting()
    async with app.run_test() as pilot:
        app.cadence = Cadence(app.probe, app.flush, 3600, 3600, idle_interval=0.05)
        app.cadence.poke()
        await wait_until(pilot, lambda: app.flushes >= 3)  # a pausing model's text gets saved
        app.cadence.stop()


async def test_the_first_text_of_a_reply_shows_without_waiting_for_a_tick(
    server: FakeServer, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("aijora_tui.tui.widgets.message_log.FLUSH_INTERVAL", 3600)
    server.queue(Script([chunk("First words"), Pause(30), chunk(" and more"), DONE]))
    app = make_test_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"hello", "enter")
        log = log_of(app)
        await wait_until(pilot, lambda: len(log.entries) == 2)
        view = log.view_for(log.entries[1])
        assert view is not None
        tail = view.query_one(".message-tail", MarkdownView)
        await wait_until(pilot, lambda: tail.source == "First words")
        await pilot.press("escape")
        await wait_until(pilot, lambda: log.entries[1].state == "cancelled")


async def test_the_first_text_of_a_burst_is_drawn_before_the_rest_is_read(
    server: FakeServer, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reply whose deltas are all in the socket already: without a pause for the first draw,
    the worker reads on (here ~30 deltas, on a loaded machine hundreds) before the screen is
    drawn once. The wait for the draw is long here, so that a slow test machine cannot time it
    out."""
    monkeypatch.setattr("aijora_tui.tui.widgets.log_turns.FIRST_DRAW_WAIT", 10.0)
    pieces = ["Zfirst ", *(f"w{n} " for n in range(3000))]
    server.queue(text_stream(pieces))
    app = make_test_app(settings)
    received_at_first_draw: list[int] = []
    render = MarkdownView.render

    def watched(view: MarkdownView) -> Content:
        if not received_at_first_draw and "Zfirst" in view.source:
            reply = log_of(app).entries[-1]
            received_at_first_draw.append(len(reply.content))
        return render(view)

    monkeypatch.setattr(MarkdownView, "render", watched)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"tell me", "enter")
        log = log_of(app)
        await wait_until(pilot, lambda: log.entries[-1].state == "completed")
        assert log.entries[1].content == "".join(pieces)
    assert received_at_first_draw == [len("Zfirst ")]  # the first delta, and nothing more


async def test_a_reply_of_one_endless_line_is_shown_in_bounded_pieces(
    server: FakeServer, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One 150 KB line: the growing tail (re-rendered at every update) stays near TAIL_LIMIT
    instead of growing with the reply, and the finished message still holds every character."""
    pieces = ["word " * 200] * 150
    server.queue(text_stream(pieces))
    longest: list[int] = [0]
    update = MarkdownView.update

    def watched(view: MarkdownView, source: str) -> None:
        if view.has_class("message-tail"):
            longest[0] = max(longest[0], len(source))
        update(view, source)

    monkeypatch.setattr(MarkdownView, "update", watched)
    app = make_test_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"go", "enter")
        log = log_of(app)
        await wait_until(pilot, lambda: log.entries[-1].state == "completed", timeout=30)
        assert log.entries[-1].content == "".join(pieces)
        view = log.view_for(log.entries[-1])
        assert view is not None
        await wait_until(pilot, lambda: bool(view.query(".message-body")))
        assert view.query_one(".message-body", MarkdownView).source == "".join(pieces)
    assert 0 < longest[0] <= TAIL_LIMIT + 1_000


def test_groups_grow_with_a_long_reply_so_their_number_stays_small() -> None:
    """Every widget costs every layout: a 4 MB reply must not become 2,000 groups."""
    settled, groups = 0, 0
    while settled < 4_000_000:
        settled += group_size(settled)
        groups += 1
    assert group_size(0) == GROUP_CHARS
    assert group_size(10**9) == MAX_GROUP_CHARS
    assert groups < 200


async def test_a_reply_of_megabytes_is_rendered_off_the_event_loop(
    server: FakeServer, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a conversation whose reply is 300 KB (rendering it takes about half a second)
    must not freeze the app: it is rendered on a thread, and shown when it is ready."""
    reply = "".join(f"Paragraph {n}: " + "some words, " * 20 + "\n\n" for n in range(1_200))
    assert len(reply) > OFF_LOOP_CHARS
    with Store.open(tmp_path / "xdg_data_home" / "aijora-tui" / "history.sqlite3") as store:
        conversation = store.create_conversation(model="m")
        question = store.add_message(conversation, None, "user", "a long one, please")
        store.add_message(conversation, question.id, "assistant", reply)
    on_the_loop: list[int] = []
    render = render_markdown

    def watched(source: str, width: int, **options: int | None) -> RenderedMarkdown:
        if threading.current_thread() is threading.main_thread():
            on_the_loop.append(len(source))
        return render(source, width, **options)

    monkeypatch.setattr("aijora_tui.tui.widgets.markdown_view.render_markdown", watched)
    app = make_test_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await chat(app).open_conversation(conversation)
        log = log_of(app)
        await wait_until(pilot, lambda: len(log.entries) == 2)
        view = log.view_for(log.entries[1])
        assert view is not None
        body = view.query_one(".message-body", MarkdownView)
        await wait_until(pilot, lambda: body.content_size.width > 0)
        expected = render(reply, body.content_size.width).height
        await wait_until(pilot, lambda: body.size.height == expected)
        assert "Paragraph 1199" in body.render().plain
    assert max(on_the_loop, default=0) < OFF_LOOP_CHARS
