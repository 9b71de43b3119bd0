"""Fixtures: throw-away workspaces copied from this checkout, the CLI, and DOCX read-back helpers."""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from assembler.cli import cli
from assembler.deals.layout import Workspace

REPO = Path(__file__).resolve().parent.parent


def copy_workspace(target: Path) -> Workspace:
    """A fresh workspace with this checkout's clause library and example deals."""
    shutil.copytree(REPO / "clause_library", target / "clause_library")
    shutil.copytree(
        REPO / "agreements", target / "agreements", ignore=shutil.ignore_patterns("*.docx", "*.md")
    )
    return Workspace(target)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return copy_workspace(tmp_path / "ws")


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(workspace: Workspace, *args: str) -> CliResult:
    result = CliRunner().invoke(cli, ["--workspace", str(workspace.root), *args], catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def docx_paragraphs(data: bytes) -> list[docx.text.paragraph.Paragraph]:
    """Every paragraph of the body, including those inside tables, in document order."""
    document = docx.Document(io.BytesIO(data))
    body = document.element.body
    return [docx.text.paragraph.Paragraph(p, document) for p in body.iter(docx.oxml.ns.qn("w:p"))]


def docx_text(data: bytes) -> str:
    """Body text, one paragraph a line, with headers and footers first."""
    document = docx.Document(io.BytesIO(data))
    lines = []
    for section in document.sections:
        lines += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    lines += [p.text for p in docx_paragraphs(data)]
    return "\n".join(lines)


GIT_ENV = {
    "GIT_AUTHOR_NAME": "Dana Legal",
    "GIT_AUTHOR_EMAIL": "legal@northwind.example",
    "GIT_COMMITTER_NAME": "Dana Legal",
    "GIT_COMMITTER_EMAIL": "legal@northwind.example",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Pin the git identity and keep the user's global git config out of every test."""
    home = tmp_path_factory.getbasetemp() / "git-home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GIT_COMMITTER_DATE", raising=False)
    monkeypatch.delenv("ASSEMBLER_FAULT_AT", raising=False)


def git(workspace: Workspace, *args: str) -> str:
    import subprocess

    return subprocess.run(
        ["git", *args], cwd=workspace.root, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo_workspace(workspace: Workspace) -> Workspace:
    """A workspace that is a git repository with the library and the example deals committed."""
    shutil.copy(REPO / ".gitignore", workspace.root / ".gitignore")
    shutil.copy(REPO / ".gitattributes", workspace.root / ".gitattributes")
    git(workspace, "init", "-q", "-b", "main")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "Clause library and deals")
    return workspace
