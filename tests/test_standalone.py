"""The test suite's own rules: modules stand alone, fixtures are in the repository, deal edits are exact."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from assembler.deals.layout import Workspace

from .conftest import CORPUS, EXAMPLES, REMOVE, REPO, copy_workspace, deal_value, set_deal

TESTS = Path(__file__).resolve().parent
MODULES = sorted(TESTS.glob("test_*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_test_module_imports_another(path: Path) -> None:
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + (
                [alias.name for alias in node.names] if node.level and not node.module else []
            )
            imported |= {name.split(".")[-1] for name in names if node.level or name.startswith("tests.")}
        elif isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[-1] for alias in node.names if alias.name.startswith("tests.")}
    assert not {name for name in imported if name.startswith("test_")}, (
        f"{path.name} imports a test module; move shared helpers to tests/conftest.py"
    )


def test_the_corpus_is_committed_with_its_provenance() -> None:
    assert CORPUS.is_relative_to(REPO)
    assert sorted(p.name for p in CORPUS.glob("*.docx")) == [
        "common-paper-letter-of-intent.docx",
        "common-paper-partnership-agreement.docx",
        "common-paper-term-sheet.docx",
        "python-redlines-expected_redline.docx",
        "python-redlines-modified.docx",
        "python-redlines-original.docx",
    ]
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme and "(MIT)" in readme


@pytest.mark.parametrize("deal", sorted(EXAMPLES.values()))
def test_set_deal_changes_only_the_keys_it_is_given(tmp_path: Path, deal: str) -> None:
    workspace: Workspace = copy_workspace(tmp_path / "ws")
    original = workspace.deal_file(deal).read_text(encoding="utf-8")
    set_deal(workspace, deal, {})
    assert workspace.deal_file(deal).read_text(encoding="utf-8") == original  # comments, quotes, layout kept
    set_deal(workspace, deal, {"partner.name": "Globex & <Co>", "terms.governing_law": "Ontario, Canada"})
    changed = workspace.deal_file(deal).read_text(encoding="utf-8").splitlines()
    diff = [(a, b) for a, b in zip(original.splitlines(), changed, strict=True) if a != b]
    assert [b.strip() for _, b in diff] == ["name: Globex & <Co>", "governing_law: Ontario, Canada"]
    assert deal_value(workspace, deal, "terms.governing_law") == "Ontario, Canada"
    set_deal(workspace, deal, {"terms.governing_law": REMOVE})
    assert deal_value(workspace, deal, "terms.governing_law", default=None) is None
    with pytest.raises(AssertionError, match=r"terms\.governing_law is not in"):
        set_deal(workspace, deal, {"terms.governing_law": REMOVE})
