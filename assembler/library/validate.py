"""Validation of a deal: the file against the schema, then against its partnership model's rules."""

from __future__ import annotations

from dataclasses import dataclass

from assembler.deals.contract import Deal, parse_deal_text, read_deal_file, term_value
from assembler.deals.layout import Workspace
from assembler.errors import DealError
from assembler.library.loader import Library


def model_problems(deal: Deal, library: Library) -> list[str]:
    """Terms the deal's model requires or forbids, and a stage outside the model's document sequence."""
    model = library.model(deal.model)
    problems: list[str] = []
    for path in model.required_terms:
        if term_value(deal.terms, path) is None:
            problems.append(f"terms.{path}: required for a {model.title} deal")
    for path in model.forbidden_terms:
        if term_value(deal.terms, path) is not None:
            problems.append(f"terms.{path}: not used in a {model.title} deal; remove it")
    if deal.stage not in library.sequence(deal.model):
        sequence = ", ".join(library.sequence(deal.model))
        problems.append(f"stage: {deal.stage!r} is not a {model.title} document; use one of: {sequence}")
    return problems


def load_valid_deal(workspace: Workspace, deal_id: str, library: Library) -> Deal:
    """Load `agreements/<deal>/deal.yaml` and check it fully; every problem is reported at once."""
    return read_valid_deal(workspace, deal_id, library)[0]


def read_valid_deal(workspace: Workspace, deal_id: str, library: Library) -> tuple[Deal, bytes]:
    """The validated deal and the exact bytes it was read from (a round commits those bytes)."""
    deal_dir = workspace.deal_dir(deal_id)
    source = workspace.relative(deal_dir / "deal.yaml")
    if not deal_dir.is_dir():
        raise DealError(f"agreements/{deal_id}: no such deal; create it with `assembler new {deal_id} ...`")
    raw = read_deal_file(workspace.deal_file(deal_id), source)  # guarded: a linked deal.yaml is never read
    deal = parse_deal_text(raw.decode("utf-8"), source)
    problems = model_problems(deal, library)
    if problems:
        raise DealError("\n".join(f"{source}: {p}" for p in problems))
    return deal, raw


def choose_document(deal: Deal, library: Library, document_id: str | None) -> str:
    """The document a command works on: `--document`, else the deal's stage; it must be in the model."""
    document_id = document_id or deal.stage
    model = library.model(deal.model)
    if document_id not in library.sequence(deal.model):
        raise DealError(
            f"--document {document_id}: not a document of the {model.title} model; "
            f"use one of: {', '.join(library.sequence(deal.model))}"
        )
    return document_id


@dataclass(frozen=True)
class DealDocument:
    """What every command that works on one document of a deal starts from (the command preamble)."""

    library: Library
    deal: Deal
    deal_yaml: bytes  # the exact bytes the deal was read from (a round commits those bytes)
    document_id: str


def open_document(
    workspace: Workspace, deal_id: str, document_id: str | None = None, library: Library | None = None
) -> DealDocument:
    """The library (loaded once, or the one given), the validated deal and the document the command works on
    (`--document`, else the deal's stage)."""
    library = library or Library(workspace.library_root)
    deal, deal_yaml = read_valid_deal(workspace, deal_id, library)
    return DealDocument(library, deal, deal_yaml, choose_document(deal, library, document_id))
