"""The package's shape: stage packages in the order data flows, no import cycle, no oversized module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "assembler"
# Foundation modules anyone may import; then the stages and workflows in the order data flows.
FOUNDATION = {"errors", "atomic_write", "yamlfile", "subprocesses", "safe_files"}
STAGES = ["deals", "library", "assembly", "word", "rounds", "playbook", "intake", "signature", "governance"]
MAX_LINES = 500


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"


def _level(module: str) -> int:
    top = module.split(".")[0]
    if top in FOUNDATION:
        return -1
    return STAGES.index(top) if top in STAGES else len(STAGES)  # commands on top


def _imports() -> dict[str, set[str]]:
    """Module → the package modules it imports, counting imports inside functions."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                raise AssertionError(f"{path}: relative import; import from assembler.<stage>.<module>")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("assembler"):
                target = node.module.removeprefix("assembler").lstrip(".")
                for alias in node.names:
                    sub = f"{target}.{alias.name}".lstrip(".")
                    is_module = (PACKAGE / Path(*sub.split("."))).with_suffix(".py").exists()
                    found.add(sub if is_module else target)
        graph[_module(path)] = {t for t in found if t}
    return graph


def test_no_module_imports_from_a_stage_above_its_own() -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in _imports().items()
        for target in targets
        if _level(module) < len(STAGES) and _level(target) > _level(module)
    ]
    assert upward == []


def test_there_is_no_import_cycle() -> None:
    graph = _imports()
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str], done: set[str]) -> None:
        for target in sorted(graph.get(node, ())):
            if target in path:
                cycles.append([*path[path.index(target) :], target])
            elif target not in done:
                done.add(target)
                visit(target, [*path, target], done)

    for module in sorted(graph):
        visit(module, [module], set())
    assert cycles == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: _module(p))
def test_no_module_is_over_the_size_limit(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_the_checker_catches_an_upward_import_and_a_cycle() -> None:
    assert _level("deals.contract") < _level("rounds.git") < _level("build")
    assert _level("errors") < _level("deals.layout")
