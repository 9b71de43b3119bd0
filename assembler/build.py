"""`build`: the staged pipeline, top to bottom: load → validate → plan and assemble → render → write."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .assemble import AssembledDocument, assemble
from .atomic_write import write_files_atomically
from .errors import DealError
from .library import Library
from .pdf import docx_to_pdf
from .render import render_docx
from .validate import load_valid_deal
from .workspace import Workspace


@dataclass(frozen=True)
class BuildResult:
    deal_id: str
    document_id: str
    docx_path: Path
    markdown_path: Path
    docx_sha256: str
    assembled: AssembledDocument
    pdf_path: Path | None = None


def build(
    workspace: Workspace, deal_id: str, document_id: str | None = None, *, pdf: bool = False
) -> BuildResult:
    """Build one document of a deal and write `agreements/<deal>/<document>.docx` and `.md` (and `.pdf`)."""
    library = Library(workspace.library_root)
    deal = load_valid_deal(workspace, deal_id, library)
    document_id = document_id or deal.stage
    model = library.model(deal.model)
    if document_id not in model.documents:
        raise DealError(
            f"--document {document_id}: not a document of the {model.title} model; "
            f"use one of: {', '.join(model.documents)}"
        )
    assembled = assemble(deal, deal_id, library, document_id)
    docx = render_docx(assembled, library, deal, 1, deal.effective_date or deal.mutual_interest_date)

    deal_dir = workspace.deal_dir(deal_id)
    docx_path = deal_dir / f"{document_id}.docx"
    markdown_path = deal_dir / f"{document_id}.md"
    outputs = {docx_path: docx, markdown_path: assembled.markdown.encode("utf-8")}
    pdf_path = deal_dir / f"{document_id}.pdf" if pdf else None
    if pdf_path is not None:
        outputs[pdf_path] = docx_to_pdf(docx)  # before writing anything: a failed conversion writes nothing
    write_files_atomically(outputs)
    return BuildResult(
        deal_id, document_id, docx_path, markdown_path, hashlib.sha256(docx).hexdigest(), assembled, pdf_path
    )
