"""The built wheel ships the bundled themes and the installed package finds them.

`themes/` sits at the top of the repo, outside the package; only pyproject's hatch
`force-include` puts it into the wheel as `aijora_tui/themes`, and only an install shows that
`bundled_themes_dir()` then looks in the right place.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import json
import aijora_tui.tui.themes as themes
found = themes.load_themes(themes.bundled_themes_dir())
print(json.dumps({
    "module": themes.__file__,
    "dir": str(themes.bundled_themes_dir()),
    "themes": sorted(found.themes),
    "errors": [str(error) for error in found.errors],
}))
"""


def run(*command: str | Path, cwd: Path) -> str:
    """Run a build step, failing the test with its output if it fails."""
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def copy_project(destination: Path) -> None:
    """What the wheel is built from, without caches or other engineers' scratch files."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "aijora_tui", destination / "aijora_tui", ignore=ignore)
    shutil.copytree(ROOT / "themes", destination / "themes")
    shutil.copy2(ROOT / "pyproject.toml", destination)
    readme = ROOT / "README.md"
    if readme.exists():
        shutil.copy2(readme, destination)
    else:  # pyproject names a readme; the build fails without one, themes or not.
        (destination / "README.md").write_text("aijora-tui\n", encoding="utf-8")


@pytest.mark.slow
def test_installed_wheel_finds_its_bundled_themes(tmp_path: Path) -> None:
    source, dist, venv = tmp_path / "source", tmp_path / "dist", tmp_path / "venv"
    copy_project(source)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, source, cwd=tmp_path)
    [wheel] = dist.glob("aijora_tui-*.whl")
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path)

    # -I: no PYTHONPATH, no cwd on sys.path, so only the installed copy can be imported.
    report = json.loads(run(python, "-I", "-c", CHECK, cwd=tmp_path))

    package = Path(report["module"]).parent.parent  # aijora_tui/tui/themes.py
    assert package.is_relative_to(venv)
    assert Path(report["dir"]) == package / "themes"
    assert report["errors"] == []
    assert report["themes"] == sorted(path.stem for path in (ROOT / "themes").glob("*.toml"))
