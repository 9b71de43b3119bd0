"""Every model × every document builds; agreements cover the checklist and carry the deal's terms."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from assembler.build import BuildResult, build
from assembler.deals.layout import Workspace
from assembler.library.validate import load_valid_deal
from assembler.word.pandoc import docx_to_text

from .conftest import CASES, EXAMPLES, LIBRARY, REPO, copy_workspace, docx_text, key_terms, run_cli


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], BuildResult]:
    workspace = copy_workspace(tmp_path_factory.mktemp("all"))
    return {(m, d): build(workspace, EXAMPLES[m], d, commit=False) for m, d in CASES}


def test_every_model_has_an_example_deal() -> None:
    assert set(EXAMPLES) == set(LIBRARY.models)
    workspace = Workspace(REPO)
    for model_id, deal_id in EXAMPLES.items():
        assert load_valid_deal(workspace, deal_id, LIBRARY).model == model_id


@pytest.mark.parametrize(("model_id", "document_id"), CASES)
def test_document_builds_and_reads_back(
    built: dict[tuple[str, str], BuildResult], model_id: str, document_id: str
) -> None:
    result = built[(model_id, document_id)]
    data = result.docx_path.read_bytes()
    document = docx.Document(io.BytesIO(data))  # python-docx opens it
    assert len(document.paragraphs) > 10
    text = docx_to_text(data)  # and pandoc reads it back
    title = LIBRARY.document(document_id).title
    assert title.upper() in text.upper()
    assert result.markdown_path.read_text().startswith('::: {custom-style="Title"}')
    for placed in result.assembled.clauses:
        if placed.number is not None:
            assert placed.clause.meta.title in text


@pytest.mark.parametrize(
    ("model_id", "document_id"), [c for c in CASES if LIBRARY.document(c[1]).kind == "agreement"]
)
def test_agreement_covers_the_checklist_and_the_key_terms(
    built: dict[tuple[str, str], BuildResult], model_id: str, document_id: str
) -> None:
    result = built[(model_id, document_id)]
    checklist = {item.id for item in LIBRARY.checklist.items}
    missing = checklist - result.assembled.covered_items()
    assert not missing, f"{document_id} does not cover {sorted(missing)}"
    # Each covering clause is really in the rendered Word text (by its heading).
    text = docx_text(result.docx_path.read_bytes())
    for placed in result.assembled.clauses:
        if placed.clause.meta.covers:
            assert placed.clause.meta.title in text
    deal = load_valid_deal(Workspace(REPO), EXAMPLES[model_id], LIBRARY)
    for term in key_terms(EXAMPLES[model_id]):
        assert term in text, f"{term!r} missing from {document_id}"
    term_words = f"({deal.terms.term_months})"
    assert term_words in text


@pytest.mark.parametrize(
    ("model_id", "document_id"), [c for c in CASES if LIBRARY.document(c[1]).kind == "preliminary"]
)
def test_preliminary_documents_are_non_binding_with_dated_next_steps(
    built: dict[tuple[str, str], BuildResult], model_id: str, document_id: str
) -> None:
    result = built[(model_id, document_id)]
    text = docx_text(result.docx_path.read_bytes())
    assert "non-binding" in text
    deal = load_valid_deal(Workspace(REPO), EXAMPLES[model_id], LIBRARY)
    from assembler.assembly.assemble import clause_context
    from assembler.playbook.negotiation import today_from

    # The build prints the plan re-planned from its build date (today) when the plan's dates have passed.
    milestones = clause_context(deal, LIBRARY, LIBRARY.document(document_id), today_from(None))["milestones"]
    from assembler.assembly.localise import format_date
    from assembler.library.jurisdictions import profile_for

    style = profile_for(deal, LIBRARY).date_style
    for milestone in ("draft_sent", "signature"):
        assert format_date(milestones[milestone], style) in text


def test_build_through_the_cli_prints_what_it_wrote(workspace: Workspace) -> None:
    result = run_cli(workspace, "build", "acme", "--no-commit")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "Built agreements/acme/co-sell-agreement.docx and its .md twin (round 1, not committed)\n"
    )
    assert (workspace.root / "agreements/acme/co-sell-agreement.docx").exists()


def test_unknown_document_for_the_model(workspace: Workspace) -> None:
    result = run_cli(workspace, "build", "acme", "--document", "oem-license-agreement")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --document oem-license-agreement: not a document of the Co-Sell model; "
        "use one of: loi, co-sell-agreement, mou, term-sheet\n"
    )
    assert not list(Path(workspace.deal_dir("acme")).glob("*.docx"))
