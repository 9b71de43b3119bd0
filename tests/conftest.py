"""Fixtures: throw-away workspaces copied from this checkout, the CLI, deal edits, DOCX read-back helpers."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import re
import resource
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from assembler.assembly.localise import clause_values
from assembler.assembly.markdown import money, pct
from assembler.cli import cli
from assembler.deals.layout import Workspace
from assembler.library.checklists import pre_signature_checklist
from assembler.library.jurisdictions import profile_for
from assembler.library.loader import Library
from assembler.library.validate import load_valid_deal

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = FIXTURES / "corpus"  # real-world Word files made by others (see its README.md)

LIBRARY = Library(REPO / "clause_library")
EXAMPLES = {
    "referral": "brightpath",
    "co-sell": "acme",
    "reseller": "corvid",
    "implementation": "deltaforge",
    "oem": "emberline",
    "joint-venture": "fjordlabs",
    "technology-alliance": "glimmer",
}
CASES = [(model.id, doc) for model in LIBRARY.models.values() for doc in model.documents]


def key_terms(deal_id: str) -> list[str]:
    """The deal's terms as the documents print them: parties, law (as its profile names it), money terms."""
    deal = load_valid_deal(Workspace(REPO), deal_id, LIBRARY)
    terms = deal.terms
    law = clause_values(deal, profile_for(deal, LIBRARY))["law_name"]
    expected = [deal.partner.name, deal.company.name, law]
    if terms.referral_fee_pct is not None:
        expected.append(pct(terms.referral_fee_pct))
    if terms.oem is not None:
        expected.append(
            pct(terms.oem.royalty_pct)
            if terms.oem.royalty_pct
            else money(terms.oem.licence_fee, terms.currency)
        )
    if terms.reseller is not None:
        expected += [
            pct(terms.reseller.discount_pct),
            money(terms.reseller.minimum_annual_commitment, terms.currency),
        ]
    if terms.joint_venture is not None:
        expected.append(pct(terms.joint_venture.equity_split.company_pct))
    return expected


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
    sign_examples_as_their_signers(workspace)
    return workspace


APPROVERS = {
    "CPO": ("Jordan Ellis", "jordan.ellis@northwind.example"),
    "Legal": ("Morgan Reyes", "morgan.reyes@northwind.example"),
    "Finance": ("Priya Natarajan", "priya.natarajan@northwind.example"),
}


def commit_as(workspace: Workspace, role: str, message: str, *paths: str) -> None:
    """Commit `paths` authored by the person the library lists for `role` (as their own `approve` would)."""
    name, email = APPROVERS[role]
    git(workspace, "add", "--", *paths)
    git(workspace, "commit", "-q", f"--author={name} <{email}>", "-m", message, "--", *paths)


def sign_examples_as_their_signers(workspace: Workspace) -> None:
    """The example deals' approvals, as the repository's history records them: each added by its giver."""
    for path in sorted((workspace.root / "agreements").glob("*/deal.yaml")):
        deal = path.parent.name
        approvals = deal_value(workspace, deal, "approvals", default=[])
        if not approvals:
            continue
        set_deal(workspace, deal, {"approvals": REMOVE})
        git(workspace, "commit", "-q", "-am", f"{deal}: approvals are given by their signers")
        for index, approval in enumerate(approvals):
            set_deal(workspace, deal, {f"approvals.{index}": dict(approval)})
            commit_as(
                workspace,
                str(approval["role"]),
                f"{deal}: {approval['role']} sign-off",
                f"agreements/{deal}/deal.yaml",
            )


# --- deal edits -------------------------------------------------------------------------------------------

REMOVE = object()
"""A `set_deal` value that deletes the key."""


def _round_trip() -> YAML:
    # The shipped deal files' own layout, so an edit changes only the lines of the keys it sets.
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _yaml_value(value: object) -> object:
    """Money and percentages are written as the deal files write them: quoted decimal strings."""
    if isinstance(value, Decimal):
        return DoubleQuotedScalarString(str(value))
    if isinstance(value, Mapping):
        return CommentedMap((k, _yaml_value(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return CommentedSeq(_yaml_value(v) for v in value)
    return value


def _key(container: Any, part: str) -> Any:
    return int(part) if isinstance(container, list) else part


def _has(container: Any, key: Any) -> bool:
    return key < len(container) if isinstance(container, list) else key in container


def set_deal(workspace: Workspace, deal: str, changes: Mapping[str, object]) -> None:
    """Set (or with `REMOVE`, delete) keys of a deal's deal.yaml by dotted path, e.g. "terms.oem.royalty_pct".

    The file is loaded and dumped with ruamel's round-trip mode, so comments, quoting and the order of the
    other keys stay as they were. Missing parents are created; a list item is addressed by its index, and the
    index one past the end appends. Removing a key that is not there fails the test (the edit would silently
    do nothing).
    """
    path = workspace.deal_file(deal)
    yaml = _round_trip()
    data = yaml.load(path.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        parts = dotted.split(".")
        node = data
        for part, child in itertools.pairwise(parts):
            key = _key(node, part)
            if value is not REMOVE and not _has(node, key):
                empty = CommentedSeq() if child.isdigit() else CommentedMap()
                if isinstance(node, list):
                    node.append(empty)
                else:
                    node[key] = empty
            node = node[key]
        key = _key(node, parts[-1])
        if value is REMOVE:
            assert _has(node, key), f"{dotted} is not in {deal}'s deal.yaml"
            del node[key]
        elif isinstance(node, list) and key == len(node):
            node.append(_yaml_value(value))
        else:
            node[key] = _yaml_value(value)
    out = io.StringIO()
    yaml.dump(data, out)
    path.write_text(out.getvalue(), encoding="utf-8")


def deal_value(workspace: Workspace, deal: str, dotted: str, default: Any = REMOVE) -> Any:
    """The value at a dotted path of a deal's deal.yaml as written (before validation), or `default`."""
    node = _round_trip().load(workspace.deal_file(deal).read_text(encoding="utf-8"))
    for part in dotted.split("."):
        key = _key(node, part)
        if default is not REMOVE and not _has(node, key):
            return default
        node = node[key]
    return node


# --- hostile input: the CLI in a child process with CPU-time and memory limits ------------------------------

CPU_SECONDS = 60  # CPU time, not wall clock: a quadratic or runaway case is killed by SIGXCPU
MEMORY_BYTES = 1536 * 1024 * 1024  # address space of the whole process: the attacks found needed > 4 GB


@dataclass
class Bounded:
    """A bounded CLI run's exit code and output."""

    returncode: int
    stdout: str
    stderr: str


def run_bounded(workspace: Workspace, *args: str, cpu: int = CPU_SECONDS) -> Bounded:
    """The CLI in a child process with CPU-time and address-space limits (a runaway case is killed, and the
    test fails, instead of taking the machine down)."""

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))

    result = subprocess.run(
        [sys.executable, "-m", "assembler", "--workspace", str(workspace.root), *args],
        preexec_fn=limits,
        capture_output=True,
        text=True,
        env={**os.environ, "ASSEMBLER_TODAY": "2026-11-20"},
        check=False,
    )
    assert result.returncode >= 0, f"killed by signal {-result.returncode} (over a limit): {result.stderr}"
    return Bounded(result.returncode, result.stdout, result.stderr)


def one_error(result: Bounded, pattern: str, code: int = 2) -> None:
    """The exit code (2: bad input), only `Error:` lines, no traceback, and `pattern` in the message."""
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("Error: ") for line in lines), result.stderr
    assert re.search(pattern, result.stderr), result.stderr
    assert "Traceback" not in result.stderr


ACME_SIGNED_ON = "2026-11-20"
ACME_PRE_SIGNATURE = {
    "legal-review": "Dana Legal",
    "finance-validation": "Priya Natarajan",
    "cpo-approval": "Jordan Ellis",
    "redlines-resolved": "Dana Legal",
    "governing-law": "Dana Legal",
    "signatory-authority": "Dana Legal",
    "docusign-routing": "Alex Ops",
}


def sign_acme(workspace: Workspace) -> None:
    """Round 1 of acme's co-sell agreement built, its pre-signature checklist confirmed, and signed on
    2026-11-20 (an executed deal for the commands that read one)."""
    assert run_cli(workspace, "build", "acme").exit_code == 0
    changes: dict[str, object] = {"signature.pam": "Sam Rivera"}
    for index, (item, who) in enumerate(ACME_PRE_SIGNATURE.items()):
        changes[f"signature.pre_signature.{index}"] = {
            "item": item,
            "confirmed_by": who,
            "date": dt.date(2026, 11, 19),
        }
    set_deal(workspace, "acme", changes)
    result = run_cli(workspace, "sign", "acme", "--signed-on", ACME_SIGNED_ON)
    assert result.exit_code == 0, result.stderr


def ready_to_sign(ws: Workspace) -> None:
    """Confirm every pre-signature item of acme's deal (clause_library/checklists/pre-signature.yaml)."""
    items = [i.id for i in pre_signature_checklist(LIBRARY).items if i.satisfied_by != "sign"]
    changes: dict[str, object] = {}
    for index, item in enumerate(items):
        changes |= {
            f"signature.pre_signature.{index}.item": item,
            f"signature.pre_signature.{index}.confirmed_by": "Dana Legal",
            f"signature.pre_signature.{index}.date": dt.date(2026, 11, 19),
        }
    set_deal(ws, "acme", changes)


def round_docx(ws: Workspace, number: int = 1) -> bytes:
    return subprocess.run(
        ["git", "show", f"acme/co-sell-agreement/r{number}:agreements/acme/co-sell-agreement.docx"],
        cwd=ws.root,
        check=True,
        capture_output=True,
    ).stdout
