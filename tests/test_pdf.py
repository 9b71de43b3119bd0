"""The real-client check: LibreOffice converts every document type; pdftotext shows terms and numbering."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from assembler.build import build
from assembler.word.libreoffice import docx_to_pdf, soffice_path

from .conftest import CASES, EXAMPLES, copy_workspace, key_terms

pytestmark = pytest.mark.skipif(
    soffice_path() is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) and pdftotext are not installed; .ci/run installs them",
)

# One document of each type: the ten documents across the models.
DOCUMENT_TYPES = {doc: model for model, doc in CASES}


def pdf_text(pdf: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.parametrize("document_id", sorted(DOCUMENT_TYPES))
def test_libreoffice_renders_parties_terms_and_numbering(tmp_path, document_id: str) -> None:  # type: ignore[no-untyped-def]
    model_id = DOCUMENT_TYPES[document_id]
    workspace = copy_workspace(tmp_path / "ws")
    result = build(workspace, EXAMPLES[model_id], document_id, commit=False)
    text = pdf_text(docx_to_pdf(result.docx_path.read_bytes()), tmp_path)
    flat = " ".join(text.split())
    for term in key_terms(EXAMPLES[model_id]):
        assert " ".join(term.split()) in flat, term
    first = result.assembled.clauses[[p.number for p in result.assembled.clauses].index(1)].clause.meta.title
    assert re.search(rf"^\s*1\.\s+{re.escape(first)}", text, re.M), "clause 1 heading is numbered 1."
    assert re.search(r"^\s*1\.1\s+\S", text, re.M), "first sub-clause is numbered 1.1"
    # Every (a)-list restarts at (a): as many "(a)" lines in the PDF as lists in the Markdown.
    lists = len(re.findall(r"^\(a\) ", result.markdown_path.read_text(), re.M))
    assert len(re.findall(r"^\s*\(a\)\s+\S", text, re.M)) == lists


def test_build_pdf_option_writes_a_pdf(tmp_path) -> None:  # type: ignore[no-untyped-def]
    workspace = copy_workspace(tmp_path / "ws")
    result = build(workspace, "acme", commit=False, pdf=True)
    assert result.pdf_path is not None and result.pdf_path.read_bytes().startswith(b"%PDF")
