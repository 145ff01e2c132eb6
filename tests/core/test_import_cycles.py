"""No module of aijora_tui imports one that imports it back, even for typing only.

The graph is read from the source (every module's AST), not from what an interpreter loaded:
imports at module level count, including those under `if TYPE_CHECKING:` and in `try:` blocks;
imports inside functions (made lazily, to keep start-up fast) do not. Importing `a.b.c` also runs
the packages `a` and `a.b`, so it is an edge to those too (but not to the importer's own
packages, which are already running).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import aijora_tui

Graph = dict[str, set[str]]


def module_files(root: Path, package: str) -> dict[str, Path]:
    """Every module under `root` (the directory of `package`) by dotted name."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _top_level_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):  # TYPE_CHECKING, version checks
            yield from _top_level_imports(node.body)
            yield from _top_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _top_level_imports(block)
            for handler in node.handlers:
                yield from _top_level_imports(handler.body)


def import_graph(modules: dict[str, Path]) -> Graph:
    """Module -> the modules of the same package it imports at module level."""

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: Graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _top_level_imports(ast.parse(path.read_text(encoding="utf-8")).body):
            if isinstance(node, ast.Import):
                targets.update(filter(None, (known(alias.name) for alias in node.names)))
                continue
            base = node.module or ""
            if node.level:
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:  # `from a.b import c` imports the module a.b.c if it is one
                full = f"{base}.{alias.name}"
                target = full if full in modules else known(base)
                if target is not None:
                    targets.add(target)
        for target in list(targets):
            while "." in target:
                target = target.rpartition(".")[0]
                targets.add(target)
        graph[name] = {t for t in targets if t != name and not name.startswith(t + ".")}
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_one_that_imports_it_back() -> None:
    root = Path(aijora_tui.__file__).parent
    graph = import_graph(module_files(root, "aijora_tui"))
    assert len(graph) > 100  # every module was read
    assert "aijora_tui.tui.screens.chat" in graph["aijora_tui.tui.app"]
    assert cycles(graph) == []


def test_nothing_imports_the_app_module_for_its_type() -> None:
    """What a screen or widget needs of the app is handed to it (`ChatServices`, `ModelChoice`),
    never read off `self.app` cast to `AijoraApp`: only the command line starts the app (lazily)."""
    root = Path(aijora_tui.__file__).parent
    graph = import_graph(module_files(root, "aijora_tui"))
    assert [name for name, targets in graph.items() if "aijora_tui.tui.app" in targets] == []


def test_a_cycle_through_type_checking_imports_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "screens").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "screens" / "__init__.py").write_text("")
    (package / "app.py").write_text("from pkg.screens.chat import ChatScreen\n")
    (package / "screens" / "chat.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from ..app import App\n"
    )
    (package / "lazy.py").write_text("def f():\n    from pkg import app\n")
    graph = import_graph(module_files(package, "pkg"))
    assert cycles(graph) == [["pkg.app", "pkg.screens.chat"]]
    assert graph["pkg.lazy"] == set()  # an import inside a function is not an edge
