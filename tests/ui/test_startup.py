"""Start-up imports only what the first screen needs; the rest comes after the first frame."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.core.helpers import ROOT

DEFERRED = ("markdown_it",)
"""The Markdown parser: not needed for an empty chat screen."""
WARMED = ("httpx", "markdown_it", "pygments")
"""What the first reply needs, loaded after the first frame."""
PROBE = f"""
import json, sys
import aijora_tui.tui.app
before = sorted(name for name in {DEFERRED!r} if name in sys.modules)
aijora_tui.tui.app.warm_up()
after = sorted(name for name in {WARMED!r} if name in sys.modules)
print(json.dumps([before, after]))
"""


def test_the_app_module_leaves_the_markdown_parser_for_later() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    before, after = json.loads(done.stdout.splitlines()[-1])
    assert before == []
    assert after == sorted(WARMED)
