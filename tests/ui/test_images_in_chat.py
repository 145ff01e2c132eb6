"""Images in the conversation: `/image PROMPT` generates one into an assistant message (saved
with its bytes, drawn or shown as a chip, copyable as a file path); an attached image is drawn
under the question, also after the conversation is opened again."""

from __future__ import annotations

from pathlib import Path

from aijora_tui.config import Settings
from aijora_tui.core.parts import ImagePart, TextPart, sha256_of
from aijora_tui.core.store import Store
from aijora_tui.tui.widgets.image_view import ImageView
from tests.attach.samples import image_bytes
from tests.fake_server import SAMPLE_PNG, FakeServer, b64_item, image_answer, json_error
from tests.ui.conftest import make_test_app
from tests.ui.helpers import chat, log_of, send, wait_until


async def test_slash_image_puts_the_generated_image_into_the_conversation(
    server: FakeServer, settings: Settings, tmp_path: Path
) -> None:
    server.queue(image_answer(b64_item(SAMPLE_PNG)))
    app = make_test_app(settings)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=(110, 40)) as pilot:
        await send(pilot, "/image a red square")
        log = log_of(app)
        await wait_until(pilot, lambda: len(log.entries) == 2)
        question, answer = log.entries
        assert question.content == "/image a red square"
        assert [type(p) for p in answer.parts] == [ImagePart]
        assert server.image_requests()[0].json()["prompt"] == "a red square"
        assert server.chat_requests() == []  # not a chat message
        view = log.query_one(ImageView)
        await wait_until(pilot, lambda: view.state != "decoding")
        view.focus()
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: bool(copied))
        assert Path(copied[0]).read_bytes() == SAMPLE_PNG
        conversation = log.session.conversation.id
    with Store.open() as store:
        assert conversation is not None
        stored = store.active_path(conversation)[1]
        assert store.blob(sha256_of(SAMPLE_PNG)) == SAMPLE_PNG
    assert stored.parts[0].kind == "image" and stored.state == "completed"


async def test_a_failed_generation_is_a_failed_answer_saying_why(
    server: FakeServer, settings: Settings
) -> None:
    server.queue(json_error(400, "unknown model"))
    app = make_test_app(settings)
    async with app.run_test(size=(110, 40)) as pilot:
        await send(pilot, "/image a cat")
        log = log_of(app)
        await wait_until(pilot, lambda: len(log.entries) == 2)
        answer = log.entries[1]
        assert answer.state == "failed" and answer.error is not None
        assert "unknown model" in answer.error
        assert chat(app).prompt_input.text == ""


async def test_a_stored_image_is_drawn_when_the_conversation_opens_again(
    server: FakeServer, settings: Settings
) -> None:
    png = image_bytes("PNG", colour="blue")
    with Store.open() as store:
        conversation = store.create_conversation()
        store.add_message(
            conversation,
            None,
            "user",
            "",
            parts=[TextPart("what colour?"), ImagePart("image/png", len(png), "b.png", data=png)],
        )
    app = make_test_app(settings)
    async with app.run_test(size=(110, 40)) as pilot:
        await chat(app).open_conversation(conversation)
        log = log_of(app)
        view = log.query_one(ImageView)
        assert view.part.data is None  # only its address came from the history
        await wait_until(pilot, lambda: view.state != "decoding")
        assert view.state == "shown"
