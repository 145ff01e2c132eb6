"""The model picker over several providers, driven with Pilot against real fake servers: groups,
details from a rich /models, a slow or failing provider shown as such without holding up the
others, favourites (Ctrl+F, kept in config.toml), recently used, Ctrl+R, and a chosen model of
another provider taking the next request there with that provider's key only."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import pytest

from aijora_tui import paths
from aijora_tui.config import Settings, load_settings
from aijora_tui.tui.app import AijoraApp
from aijora_tui.tui.screens.model_picker import ModelPicker
from tests.fake_server import FakeServer, Pause, Script, model_list_body, rich_model, text_stream
from tests.providers.helpers import LOCAL_KEY, closed_port, run_cli
from tests.ui.helpers import chat, log_of, send, wait_reply_done, wait_until

AIJORA_KEY = "sk-aijora-0123456789"


def configure(server: FakeServer, local: FakeServer, extra: str = "") -> Settings:
    """Settings as the CLI would load them: aijora on `server`, `local` with its key in a
    variable, and `down` on a closed port."""
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"""{extra}
[providers.local]
base_url = "{local.base_url}"
api_key_env = "LOCAL_TEST_KEY"
model = "llama3.2"

[providers.down]
base_url = "http://127.0.0.1:{closed_port()}/v1"
model = "x"
"""
    )
    environ = {"AIJORA_API_KEY": AIJORA_KEY, "AIJORA_BASE_URL": server.base_url}
    settings, warnings = load_settings({}, environ)
    assert warnings == []
    return settings


def rows(picker: ModelPicker) -> list[str]:
    return [str(line) for line in picker.rows.lines]


def picker_of(app: AijoraApp) -> ModelPicker:
    screen = app.screen
    assert isinstance(screen, ModelPicker), screen
    return screen


@pytest.fixture(autouse=True)
def local_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_TEST_KEY", LOCAL_KEY)


async def test_groups_details_and_a_failing_provider(server: FakeServer, local: FakeServer) -> None:
    server.models_body = model_list_body(
        [rich_model("openai/gpt-4o-mini"), rich_model("meta/llama", image=False, tools=False)]
    )
    app = AijoraApp(configure(server, local))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.choice.models_loaded)
        await pilot.press("f2")
        picker = picker_of(app)
        await wait_until(
            pilot, lambda: not app.choice.catalog.stale() and "fetching" not in str(rows(picker))
        )
        shown = rows(picker)
        assert shown[0] == "aijora · 2 models"
        assert shown[1].strip() == "meta/llama  128k ctx · 0.15/0.6 USD per 1M"
        assert shown[2].strip() == (
            "openai/gpt-4o-mini  128k ctx · 0.15/0.6 USD per 1M · images · tools"
        )
        assert shown[3] == "local · 2 models"
        assert [r.strip() for r in shown[4:6]] == ["llama3.2", "qwen2.5-coder"]
        assert shown[6].startswith("down · ✗ cannot reach 127.0.0.1")
        assert len(shown) == 7
        assert [r.headers.get("authorization") for r in local.requests] == [f"Bearer {LOCAL_KEY}"]
        assert all(
            r.headers.get("authorization") == f"Bearer {AIJORA_KEY}" for r in server.requests
        )


async def test_a_slow_provider_does_not_hold_up_the_others(
    server: FakeServer, local: FakeServer
) -> None:
    local.models_scripts.append(
        Script(
            [Pause(3), model_list_body([{"id": "late-model"}])],
            headers={"content-type": "application/json"},
            chunked=False,
        )
    )
    app = AijoraApp(configure(server, local))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.choice.models_loaded)
        await pilot.press("f2")
        picker = picker_of(app)
        await wait_until(pilot, lambda: any(r.startswith("down · ✗") for r in rows(picker)))
        assert "local · fetching…" in rows(picker)  # the others are listed meanwhile
        await pilot.press(*"claude", "enter")
        assert (app.choice.provider, app.choice.model) == ("aijora", "claude-sonnet-4.5")
        await pilot.press("f2")
        picker = picker_of(app)
        await wait_until(pilot, lambda: "local · 1 model" in rows(picker), timeout=15)


async def test_choosing_another_providers_model_sends_there_with_its_key(
    server: FakeServer, local: FakeServer
) -> None:
    app = AijoraApp(configure(server, local))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.choice.models_loaded)
        await pilot.press("f2")
        await wait_until(pilot, lambda: "local · 2 models" in rows(picker_of(app)))
        await pilot.press(*"qwen", "enter")
        assert (app.choice.provider, app.choice.model) == ("local", "qwen2.5-coder")
        sidebar = str(chat(app).query_one("#sidebar-model").render())
        assert "qwen2.5-coder" in sidebar and "on local" in sidebar
        local.queue(text_stream(["from local"]))
        await send(pilot, "hi")
        await wait_reply_done(pilot, app)
        assert log_of(app).entries[1].content == "from local"
        [request] = local.chat_requests()
        assert request.json()["model"] == "qwen2.5-coder"
        assert request.headers["authorization"] == f"Bearer {LOCAL_KEY}"
        assert server.chat_requests() == []
        for received in server.requests:  # the aijora server never saw the local key, and
            assert LOCAL_KEY not in str(received.headers)  # the local one never the aijora key
        for received in local.requests:
            assert AIJORA_KEY not in str(received.headers)
        assert app.choice.client.provider == "local"
    saved = tomllib.loads(paths.config_file().read_text())
    assert saved["provider"] == "local"
    assert saved["providers"]["local"] == {
        "base_url": local.base_url,
        "api_key_env": "LOCAL_TEST_KEY",
        "model": "qwen2.5-coder",
    }


async def test_favourites_are_pinned_toggled_and_kept(
    server: FakeServer, local: FakeServer
) -> None:
    app = AijoraApp(configure(server, local))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.choice.models_loaded)
        await pilot.press("f2")
        picker = picker_of(app)
        await wait_until(pilot, lambda: "local · 2 models" in rows(picker))
        await pilot.press(*"qwen")
        await pilot.pause()
        assert picker.highlighted() == ("local", "qwen2.5-coder")
        await pilot.press("ctrl+f")
        assert app.settings.favourites == {"local": ("qwen2.5-coder",)}
        await pilot.press(*["backspace"] * 4)
        await pilot.pause()
        shown = rows(picker)
        assert shown[0] == "★ Favourites"
        assert shown[1].strip() == "★ qwen2.5-coder · local"
        assert picker.highlighted() == ("aijora", "gpt-4o-mini")  # no query: the current one
        saved = tomllib.loads(paths.config_file().read_text())
        assert saved["favourites"] == {"local": ["qwen2.5-coder"]}
        assert saved["providers"]["local"]["api_key_env"] == "LOCAL_TEST_KEY"  # all else kept
        await pilot.press(*"qwen")
        await pilot.pause()
        assert picker.highlighted_key() == "fav\x1flocal\x1fqwen2.5-coder"  # the pinned row
        await pilot.press("ctrl+f")
        assert app.settings.favourites == {}
        assert rows(picker)[0] == "aijora · 3 models"
        assert "favourites" not in tomllib.loads(paths.config_file().read_text())


async def test_recently_used_come_after_favourites(server: FakeServer, local: FakeServer) -> None:
    settings = configure(server, local, '\nfavourites = { aijora = ["gpt-4o-mini"] }\n')
    app = AijoraApp(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.choice.models_loaded)
        for query in ("deepseek", "llama3"):
            await pilot.press("f2")
            await wait_until(pilot, lambda: "local · 2 models" in rows(picker_of(app)))
            await pilot.press(*query, "enter")
        assert (app.choice.provider, app.choice.model) == ("local", "llama3.2")
        await pilot.press("f2")
        shown = [row.strip() for row in rows(picker_of(app))[:5]]
        assert shown == [
            "★ Favourites",
            "★ gpt-4o-mini · aijora",
            "Recent",
            "llama3.2 · local (current)",
            "deepseek-r1 · aijora",
        ]
        assert picker_of(app).highlighted() == ("local", "llama3.2")


async def test_ctrl_r_fetches_every_list_again(server: FakeServer, local: FakeServer) -> None:
    app = AijoraApp(configure(server, local))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.choice.models_loaded)
        await pilot.press("f2")
        await wait_until(pilot, lambda: "local · 2 models" in rows(picker_of(app)))
        local.models = ["llama3.2", "qwen2.5-coder", "new-one"]
        before = len(server.requests)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: "local · 3 models" in rows(picker_of(app)))
        assert len(server.requests) == before + 1


async def test_model_lists_are_cached_for_the_next_start(
    server: FakeServer, local: FakeServer
) -> None:
    settings = configure(server, local)
    app = AijoraApp(settings)
    async with app.run_test() as pilot:
        await pilot.press("f2")
        await wait_until(pilot, lambda: "local · 2 models" in rows(picker_of(app)))
    local.models = None  # the next start cannot fetch it: the saved list is shown, and why
    app = AijoraApp(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.choice.catalog.lists["local"].state == "cached"
        await pilot.press("f2")
        picker = picker_of(app)
        await wait_until(pilot, lambda: any(r.startswith("local · ✗") for r in rows(picker)))
        header = next(r for r in rows(picker) if r.startswith("local"))
        assert header == "local · ✗ HTTP 404: not found (showing 2 saved)"
        assert "qwen2.5-coder" in str(rows(picker))


def test_unknown_provider_flag_stops_the_tui_with_exit_2(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "http://127.0.0.1:9/v1", "sk-x", "--provider", "nope")
    assert result.returncode == 2
    assert result.stderr == (
        "aijora-tui: error: unknown provider 'nope' (configured: aijora) (from --provider)\n"
    )


async def test_a_failing_key_command_fails_the_reply_in_one_line_and_spares_the_rest(
    server: FakeServer, local: FakeServer
) -> None:
    command = json.dumps([sys.executable, "-c", "print('sk-leak'); raise SystemExit(3)"])
    extra = f'\n[providers.cmd]\nbase_url = "{local.base_url}"\napi_key_cmd = {command}\n'
    app = AijoraApp(configure(server, local, extra))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.choice.models_loaded)
        await pilot.press("f2")
        picker = picker_of(app)
        await wait_until(pilot, lambda: any(r.startswith("cmd · ✗") for r in rows(picker)))
        program = Path(sys.executable).name
        line = f"api_key_cmd of [providers.cmd]: '{program}' exited with status 3"
        assert f"cmd · ✗ {line}" in rows(picker)
        assert "local · 2 models" in rows(picker)
        await pilot.press("escape")
        app.choice.select_model("m", "cmd")
        await send(pilot, "hi")
        await wait_reply_done(pilot, app)
        reply = log_of(app).entries[1]
        assert reply.state == "failed" and reply.error == line
        assert "sk-leak" not in str(reply.error)
        assert local.chat_requests() == []
