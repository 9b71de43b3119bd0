"""Helpers for the drafting-quality tests (issue 13): every example deal's documents assembled in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assembler.assembly.assemble import AssembledDocument, assemble
from assembler.deals.contract import Deal, load_deal
from assembler.library.loader import Library
from assembler.playbook.drafting_checks import rendered_texts

REPO = Path(__file__).resolve().parent.parent
LIBRARY_ROOT = REPO / "clause_library"
EXAMPLE_DEALS = sorted(p.name for p in (REPO / "agreements").iterdir() if (p / "deal.yaml").is_file())


def library() -> Library:
    return Library(LIBRARY_ROOT)


def example_deal(deal_id: str) -> Deal:
    return load_deal(REPO / "agreements" / deal_id / "deal.yaml", f"agreements/{deal_id}/deal.yaml")


def with_terms(deal: Deal, **updates: Any) -> Deal:
    return deal.model_copy(update={"terms": deal.terms.model_copy(update=updates)})


def documents_of(deal: Deal, lib: Library) -> list[str]:
    return list(lib.model(deal.model).documents)


def assemble_all(lib: Library) -> dict[tuple[str, str], tuple[Deal, AssembledDocument]]:
    """(deal id, document id) → (deal, assembled document) for every example deal and document."""
    out = {}
    for deal_id in EXAMPLE_DEALS:
        deal = example_deal(deal_id)
        for document_id in documents_of(deal, lib):
            out[(deal_id, document_id)] = (deal, assemble(deal, deal_id, lib, document_id))
    return out


def full_text(deal: Deal, lib: Library, assembled: AssembledDocument) -> str:
    """What the document prints (body without anchors, and the shell's own wording), on one line each."""
    return "\n".join(" ".join(t.replace("\\", "").split()) for t in rendered_texts(deal, lib, assembled))
