"""Costs: per reply and per conversation in the sidebar (a cost the server reports wins over
one computed from a price; prices from /models, else `[prices]` in `price_currency`), and per
conversation in `aijora-tui history`."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from aijora_tui import paths
from aijora_tui.config import load_settings
from aijora_tui.core.models import Usage
from aijora_tui.core.store import Store
from aijora_tui.tui.app import AijoraApp
from tests.fake_server import FakeServer, Script, chunk, model_list_body, rich_model, text_stream
from tests.providers.helpers import run_cli, write_config
from tests.ui.helpers import chat, send, wait_reply_done, wait_until


def settings_for(server: FakeServer, config: str) -> AijoraApp:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config)
    environ = {"AIJORA_API_KEY": "sk-cost-0123", "AIJORA_BASE_URL": server.base_url}
    settings, warnings = load_settings({}, environ)
    assert warnings == []
    return AijoraApp(settings)


def reported(cost: float) -> Script:
    """A reply whose usage carries the cost the server charged (OpenRouter's `cost`)."""
    usage = {"prompt_tokens": 1000, "completion_tokens": 2000, "total_tokens": 3000, "cost": cost}
    return Script([chunk("paid"), chunk(finish="stop", usage=usage), b"data: [DONE]\n\n"])


async def test_sidebar_costs_from_the_server_from_models_and_from_config(
    server: FakeServer,
) -> None:
    server.models_body = model_list_body(
        [rich_model("listed", per_token=("0.000001", "0.000002")), {"id": "configured"}]
    )
    config = 'model = "listed"\nprice_currency = "RUB"\n[prices.configured]\ninput = 10.0\n'
    app = settings_for(server, config + "output = 20.0\n")
    server.queue(
        text_stream(
            ["a"], usage_={"prompt_tokens": 1000, "completion_tokens": 2000, "total_tokens": 3000}
        ),
        reported(0.5),
        text_stream(
            ["c"], usage_={"prompt_tokens": 1000, "completion_tokens": 2000, "total_tokens": 3000}
        ),
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.choice.models_loaded)
        await send(pilot, "one")
        await wait_reply_done(pilot, app, 2)
        await send(pilot, "two")
        await wait_reply_done(pilot, app, 4)
        app.choice.select_model("configured")
        await send(pilot, "three")
        await wait_reply_done(pilot, app, 6)
        token_list = chat(app).query_one("#sidebar-tokens", OptionList)
        rows = [str(option.prompt) for option in token_list.options]
        totals = str(chat(app).query_one("#sidebar-totals").render())
    # listed: 1000 * 1 + 2000 * 2 per million = 0.005 USD; the server said 0.5 for the second;
    # configured: (1000 * 10 + 2000 * 20) / 1e6 = 0.05 RUB
    costs = [row.split()[3] for row in rows if "AI" in row]
    assert costs == ["0.0050", "0.5000", "0.0500"]
    assert "Cost          0.5050 USD" in totals
    assert "Cost          0.0500 RUB" in totals


def test_history_shows_what_each_conversation_cost(tmp_path: Path, server: FakeServer) -> None:
    write_config(
        tmp_path,
        'price_currency = "RUB"\n[prices."model-a"]\ninput = 10.0\noutput = 20.0\n',
    )
    database = tmp_path / "data" / "aijora-tui" / "history.sqlite3"
    with Store.open(database) as store:
        priced = store.create_conversation(model="model-a")
        question = store.add_message(priced, None, "user", "q")
        for _ in range(2):  # two branches: both were paid for
            reply = store.add_message(priced, question.id, "assistant", "a", model="model-a")
            store.update_message(reply.id, usage=Usage(1000, 2000, 3000))
        unpriced = store.create_conversation(model="model-z")
        question = store.add_message(unpriced, None, "user", "q")
        reply = store.add_message(unpriced, question.id, "assistant", "a", model="model-z")
        store.update_message(reply.id, usage=Usage(10, 10, 20))
    result = run_cli(tmp_path, server.base_url, "sk-x", "history")
    assert result.returncode == 0, result.stderr
    newest, oldest = (line.split() for line in result.stdout.splitlines())
    assert newest[3:] == ["model-z", "20", "tokens", "-", "q"]
    assert oldest[3:] == ["model-a", "6,000", "tokens", "0.1000", "RUB", "q"]


def test_history_takes_the_cost_the_server_reported(tmp_path: Path, server: FakeServer) -> None:
    write_config(
        tmp_path,
        'price_currency = "RUB"\n[prices."model-a"]\ninput = 10.0\noutput = 20.0\n',
    )
    database = tmp_path / "data" / "aijora-tui" / "history.sqlite3"
    with Store.open(database) as store:
        conversation = store.create_conversation(model="model-a")
        question = store.add_message(conversation, None, "user", "q")
        reported = store.add_message(conversation, question.id, "assistant", "a", model="model-a")
        store.update_message(reported.id, usage=Usage(1000, 2000, 3000, cost=0.5))
        computed = store.add_message(conversation, question.id, "assistant", "b", model="model-a")
        store.update_message(computed.id, usage=Usage(1000, 2000, 3000))
    result = run_cli(tmp_path, server.base_url, "sk-x", "history")
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert line.split()[3:] == ["model-a", "6,000", "tokens", "0.5500", "RUB", "q"]  # 0.5 + 0.05
