"""The settings screen lists every provider: reachable or not, how many models, where its key
comes from (never the key); "Check providers" asks them all again."""

from __future__ import annotations

from aijora_tui import paths
from aijora_tui.config import load_settings
from aijora_tui.tui.app import AijoraApp
from tests.fake_server import FakeServer
from tests.providers.helpers import LOCAL_KEY
from tests.ui.helpers import wait_until


async def test_settings_show_each_providers_state(server: FakeServer, local: FakeServer) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[providers.local]\nbase_url = "{local.base_url}"\napi_key = "{LOCAL_KEY}"\n'
        '[providers.broken]\napi_key_env = "X"\n'
    )
    environ = {"AIJORA_API_KEY": "sk-settings-0123", "AIJORA_BASE_URL": server.base_url}
    settings, _ = load_settings({}, environ)
    app = AijoraApp(settings)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: app.choice.models_loaded)
        await pilot.press("f3")
        lines = app.screen.query_one("#provider-lines")

        def text() -> str:
            return str(lines.render())

        assert "aijora (in use)" in text() and "✓ reachable, 3 models" in text()
        assert "key: AIJORA_API_KEY" in text()
        assert "local" in text() and "not checked yet" in text()
        assert "broken  ✗ not usable: no base_url" in text()
        before = len(local.requests)
        await pilot.click("#check-providers")
        await wait_until(pilot, lambda: "✓ reachable, 2 models" in text())
        assert "key: api_key of [providers.local]" in text()
        assert len(local.requests) == before + 1
        assert LOCAL_KEY not in text() and "sk-settings-0123" not in text()
