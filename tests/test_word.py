"""Word fidelity: numbering from styles, cross-references, cover/signature pages, marking, sandboxing."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from assembler.build import build
from assembler.deals.layout import Workspace
from assembler.errors import AssemblyError
from assembler.word.house_style import CLAUSE_NUM_ID, build_reference, build_shell
from assembler.word.libreoffice import docx_to_pdf, soffice_path

from .conftest import CASES, EXAMPLES, LIBRARY, REPO, docx_paragraphs, docx_text

TYPED_NUMBER = re.compile(r"^\s*(\d+(\.\d+)*\.?|\([a-z]{1,4}\))\s")


def style_numbering(document: docx.document.Document, style_name: str) -> tuple[int, int] | None:
    """(numId, ilvl) that a paragraph style gives its paragraphs, following basedOn."""
    style = document.styles[style_name]
    while style is not None:
        num_pr = style.element.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        if num_pr is not None:
            return (
                int(num_pr.find(qn("w:numId")).get(qn("w:val"))),
                int(num_pr.find(qn("w:ilvl")).get(qn("w:val"))),
            )
        style = style.base_style
    return None


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from .conftest import copy_workspace

    workspace = copy_workspace(tmp_path_factory.mktemp("word"))
    return {(m, d): build(workspace, EXAMPLES[m], d, commit=False) for m, d in CASES}


@pytest.mark.parametrize(("model_id", "document_id"), CASES)
def test_numbering_comes_from_styles_never_typed(built, model_id: str, document_id: str) -> None:  # type: ignore[no-untyped-def]
    result = built[(model_id, document_id)]
    data = result.docx_path.read_bytes()
    document = docx.Document(io.BytesIO(data))
    headings = [p for p in docx_paragraphs(data) if p.style.name == "Heading 1"]
    numbered = [p for p in result.assembled.clauses if p.number is not None]
    assert [h.text for h in headings] == [p.clause.meta.title for p in numbered]
    assert style_numbering(document, "Heading 1") == (CLAUSE_NUM_ID, 0)
    assert style_numbering(document, "Clause 2") == (CLAUSE_NUM_ID, 1)
    assert style_numbering(document, "Clause 3") == (CLAUSE_NUM_ID, 2)
    levels = {p.style.name for p in docx_paragraphs(data)}
    assert "Clause 2" in levels
    for paragraph in docx_paragraphs(data):
        if paragraph.style.name.startswith(("Heading", "Clause")):
            assert not TYPED_NUMBER.match(paragraph.text), paragraph.text
            assert paragraph._p.find(f"{qn('w:pPr')}/{qn('w:numPr')}") is None  # numbering via the style only


def test_list_definition_is_legal_numbering() -> None:
    package = zipfile.ZipFile(io.BytesIO(build_reference()))
    numbering = package.read("word/numbering.xml").decode()
    abstract = re.search(
        rf'<w:abstractNum [^>]*w:abstractNumId="{CLAUSE_NUM_ID}".*?</w:abstractNum>', numbering, re.S
    )
    assert abstract is not None
    texts = re.findall(r'<w:lvlText w:val="([^"]*)"', abstract.group(0))[:4]
    assert texts == ["%1.", "%1.%2", "(%3)", "(%4)"]


def test_cross_references_name_the_section_number(built) -> None:  # type: ignore[no-untyped-def]
    from assembler.assembly.assemble import ClauseRenderer
    from assembler.library.validate import load_valid_deal
    from assembler.playbook.negotiation import today_from

    seen = 0
    for (model_id, document_id), result in built.items():
        deal = load_valid_deal(Workspace(REPO), EXAMPLES[model_id], LIBRARY)
        # the same build date as the build (milestone dates are re-planned from it once past)
        renderer = ClauseRenderer(deal, LIBRARY, LIBRARY.document(document_id), today_from(None))
        numbers = {p.clause.id: p.number for p in result.assembled.clauses}
        for placed in result.assembled.clauses:
            unresolved = renderer.render(placed.clause)
            targets = re.findall(r"\[\[ref:([a-z0-9-]+)\]\]", unresolved)
            seen += len(targets)
            expected = re.sub(
                r"\[\[ref:([a-z0-9-]+)\]\]",
                lambda m, numbers=numbers: f"Section {numbers[m.group(1)]}",
                unresolved,
            )
            assert placed.text == expected, (document_id, placed.clause.id)
        text = docx_text(result.docx_path.read_bytes())
        assert "[[ref:" not in text
    assert seen > 20


def test_reference_to_a_clause_not_in_the_document_fails(workspace: Workspace) -> None:
    from .conftest import run_cli

    path = workspace.library_root / "clauses" / "referral" / "referral-fees.md"
    path.write_text(path.read_text() + "\nSee also [[ref:jv-governance]].\n")
    result = run_cli(workspace, "build", "brightpath")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: clause_library/clauses/referral/referral-fees.md: refers to [[ref:jv-governance]], which is "
        "not a numbered clause of the Referral Agreement for this model\n"
    )


@pytest.mark.parametrize(("model_id", "document_id"), CASES)
def test_cover_header_and_signature_page(built, model_id: str, document_id: str) -> None:  # type: ignore[no-untyped-def]
    result = built[(model_id, document_id)]
    data = result.docx_path.read_bytes()
    document = docx.Document(io.BytesIO(data))
    title = LIBRARY.document(document_id).title
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert header == f"DRAFT \u2014 {title} \u2014 Round 1 \u2014 Confidential"
    footer = document.sections[0].footer.paragraphs[0]._p
    instructions = [f.get(qn("w:instr")).strip() for f in footer.iter(qn("w:fldSimple"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    deal = result.assembled  # names from the deal
    from assembler.library.validate import load_valid_deal

    loaded = load_valid_deal(Workspace(REPO), EXAMPLES[model_id], LIBRARY)
    signature_table = document.tables[-1]
    cells = [c.text for c in signature_table.rows[0].cells]
    for cell, party in zip(cells, (loaded.company, loaded.partner), strict=True):
        assert party.name in cell
        assert f"Name: {party.signatory.name}" in cell
        assert f"Title: {party.signatory.title}" in cell
        assert "By:" in cell and "Date:" in cell
    paragraphs = [p.text for p in docx_paragraphs(data)]
    # the cover page title; a preliminary document has no cover page, only the status line above its title
    assert paragraphs[0 if LIBRARY.document(document_id).kind == "agreement" else 1] == title
    assert deal.document.title == title


def test_house_templates_are_up_to_date() -> None:
    reference = build_reference()
    assert (REPO / "clause_library/templates/reference.docx").read_bytes() == reference, (
        "run make house-style"
    )
    assert (REPO / "clause_library/templates/shell.docx").read_bytes() == build_shell(reference)


HOSTILE_BODIES = {
    "image": "![secret](/etc/passwd)",
    "raw openxml": "```{=openxml}\n<w:p><w:r><w:t>INJECTED</w:t></w:r></w:p>\n```",
    "inline raw openxml": "`<w:p><w:r><w:t>INJECTED</w:t></w:r></w:p>`{=openxml}",
    "raw html": "<b>INJECTED</b>",
    "link to a local file": "[click](file:///etc/passwd)",
    "include via image": "![x](../deal.yaml)",
}


@pytest.mark.parametrize("body", list(HOSTILE_BODIES.values()), ids=list(HOSTILE_BODIES))
def test_clause_body_cannot_pull_files_or_raw_xml(workspace: Workspace, body: str) -> None:
    path = workspace.library_root / "clauses" / "referral" / "referral-fees.md"
    path.write_text(path.read_text() + "\n" + body + "\n")
    result = build(workspace, "brightpath", commit=False)
    parts = zipfile.ZipFile(result.docx_path).namelist()
    assert not [p for p in parts if p.startswith("word/media/")]  # nothing embedded
    document_xml = zipfile.ZipFile(result.docx_path).read("word/document.xml").decode()
    assert "root:x:0:0" not in document_xml  # no local file content
    assert "<w:t>INJECTED</w:t></w:r></w:p>" not in document_xml  # raw XML stayed text
    assert "<w:b/><w:bCs/></w:rPr><w:t>INJECTED" not in document_xml  # raw HTML did not format


def test_sub_clause_references_name_the_number_word_gives_them(workspace: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assembler.assembly.assemble import subclause_count

    clause = workspace.library_root / "clauses" / "referral" / "referral-fees.md"
    clause.write_text(
        clause.read_text() + "\nThe cap in [[ref:limitation-of-liability.2]] applies to these fees.\n"
    )
    result = build(workspace, "brightpath", commit=False)
    numbers = {p.clause.id: p.number for p in result.assembled.clauses}
    target = next(p for p in result.assembled.clauses if p.clause.id == "limitation-of-liability")
    assert subclause_count(target.text) >= 2
    expected = f"The cap in Section {numbers['limitation-of-liability']}.2 applies to these fees."
    assert expected in docx_text(result.docx_path.read_bytes())
    # The same number in the PDF LibreOffice makes from the Word numbering: the second 9.x paragraph.
    if soffice_path() is not None and shutil.which("pdftotext"):
        pdf = tmp_path / "doc.pdf"
        pdf.write_bytes(docx_to_pdf(result.docx_path.read_bytes()))
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        second = target.text.split("\n\n")[1].split()[:6]
        number = f"{numbers['limitation-of-liability']}.2"
        assert re.search(rf"^\s*{re.escape(number)}\s+{re.escape(' '.join(second[:3]))}", text, re.M)

    clause.write_text(
        clause.read_text().replace("limitation-of-liability.2]]", "limitation-of-liability.99]]")
    )
    with pytest.raises(AssemblyError, match=r"refers to \[\[ref:limitation-of-liability.99\]\], but"):
        build(workspace, "brightpath", commit=False)
