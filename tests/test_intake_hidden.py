"""Intake sees what Word shows: parts found through relationships, hidden text and field results compared,
field instructions assembled across runs, and external content refused wherever it is."""

from __future__ import annotations

import copy
import io
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from assembler.deals.layout import Workspace

from .conftest import files_under, git, one_error, run_bounded, run_cli
from .docx_edits import EditableDocx, W, w

REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


@pytest.fixture
def sent(repo_workspace: Workspace) -> Workspace:
    """acme with round 1 of its Co-Sell Agreement committed (the draft we sent)."""
    assert run_cli(repo_workspace, "build", "acme").exit_code == 0
    return repo_workspace


def ours(ws: Workspace) -> bytes:
    return (ws.deal_dir("acme") / "co-sell-agreement.docx").read_bytes()


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {info.filename: package.read(info) for info in package.infolist()}


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return out.getvalue()


def xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def ingest(ws: Workspace, tmp_path: Path, data: bytes) -> str:
    """Ingest their file; the triage report's text."""
    path = tmp_path / "theirs.docx"
    path.write_bytes(data)
    result = run_bounded(ws, "ingest", "acme", str(path))
    assert result.returncode == 0, result.stderr
    return (ws.deal_dir("acme") / "triage" / "co-sell-agreement.r1-counterparty.md").read_text()


def rows(report: str) -> list[str]:
    return [line for line in report.splitlines() if line.startswith("| ") and "critical" in line]


# --- hidden text and field results --------------------------------------------------------------------------


def test_our_text_hidden_with_vanish_is_reported(sent: Workspace, tmp_path: Path) -> None:
    doc = EditableDocx(ours(sent))
    paragraph = doc.paragraph("Each Registered Opportunity is protected for")
    for run in paragraph.iter(w("r")):
        props = run.find(w("rPr"))
        if props is None:
            props = etree.SubElement(run, w("rPr"))
            run.insert(0, props)
        etree.SubElement(props, w("vanish"))
    report = ingest(sent, tmp_path, doc.save())
    assert "No changes found" not in report
    hidden = [r for r in rows(report) if "hidden text (w:vanish)" in r]
    assert len(hidden) == 1 and "protected for ninety" in hidden[0], report


def test_text_hidden_through_a_style_is_reported(sent: Workspace, tmp_path: Path) -> None:
    data = ours(sent)
    parts = parts_of(data)
    styles = etree.fromstring(parts["word/styles.xml"])
    style = etree.SubElement(styles, w("style"), {w("type"): "character", w("styleId"): "Quiet"})
    etree.SubElement(etree.SubElement(style, w("rPr")), w("vanish"))
    doc = EditableDocx(data)
    run, _ = doc._split_run(doc.paragraph("Each Registered Opportunity is protected for"), "ninety (90)")
    props = run.find(w("rPr"))
    if props is None:
        props = etree.Element(w("rPr"))
        run.insert(0, props)
    props.insert(0, etree.Element(w("rStyle"), {w("val"): "Quiet"}))
    parts["word/document.xml"] = xml(doc.root)
    parts["word/styles.xml"] = xml(styles)
    report = ingest(sent, tmp_path, zipped(parts))
    assert any("hidden text" in r and "ninety (90)" in r for r in rows(report)), report


def test_a_field_result_that_differs_from_its_instruction_is_reported(
    sent: Workspace, tmp_path: Path
) -> None:
    doc = EditableDocx(ours(sent))
    run, node = doc._split_run(doc.paragraph("Each Registered Opportunity is protected for"), "ninety (90)")
    # A QUOTE field that says "ninety (90)" but displays "sixty (60)": Word shows the result.
    begin, instr, sep, end = (copy.deepcopy(run) for _ in range(4))
    for piece in (begin, instr, sep, end):
        for child in list(piece):
            if child.tag != w("rPr"):
                piece.remove(child)
    etree.SubElement(begin, w("fldChar"), {w("fldCharType"): "begin"})
    etree.SubElement(instr, w("instrText")).text = ' QUOTE "ninety (90)" '
    etree.SubElement(sep, w("fldChar"), {w("fldCharType"): "separate"})
    etree.SubElement(end, w("fldChar"), {w("fldCharType"): "end"})
    node.text = "sixty (60)"
    run.addprevious(begin)
    run.addprevious(instr)
    run.addprevious(sep)
    run.addnext(end)
    report = ingest(sent, tmp_path, doc.save())
    field = [r for r in rows(report) if "a field whose displayed result" in r]
    assert len(field) == 1 and "sixty (60)" in field[0] and "QUOTE" in field[0], report


# --- parts found through relationships ----------------------------------------------------------------------


def test_a_main_document_under_another_name_is_the_one_compared(sent: Workspace, tmp_path: Path) -> None:
    data = ours(sent)
    parts = parts_of(data)
    doc = EditableDocx(data)
    doc.untracked_replace("Each Registered Opportunity is protected for", "ninety (90)", "sixty (60)")
    parts["word/main.xml"] = xml(doc.root)  # what Word shows; word/document.xml stays as a decoy
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(
        b'Target="word/document.xml"', b'Target="word/main.xml"'
    )
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(
        b'Target="/word/document.xml"', b'Target="/word/main.xml"'
    )
    parts["word/_rels/main.xml.rels"] = parts["word/_rels/document.xml.rels"]
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b'PartName="/word/document.xml"', b'PartName="/word/main.xml"'
    )
    assert b"word/main.xml" in parts["_rels/.rels"]
    report = ingest(sent, tmp_path, zipped(parts))
    assert any("untracked edit" in r and "sixty (60)" in r for r in rows(report)), report


def test_a_header_relationship_pointed_at_another_part_is_followed(sent: Workspace, tmp_path: Path) -> None:
    parts = parts_of(ours(sent))
    rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
    header = next(r for r in rels if r.get("Type", "").endswith("/header"))
    original = header.get("Target") or ""
    header.set("Target", "header9.xml")
    parts["word/_rels/document.xml.rels"] = xml(rels)
    text = parts[f"word/{original}"]
    # header9 shows an edited header; the original part stays in the package, displayed nowhere.
    parts["word/header9.xml"] = re.sub(
        rb"<w:t([^>]*)>([^<]+)</w:t>", rb"<w:t\1>Exclusive agreement</w:t>", text, count=1
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/word/header9.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'wordprocessingml.header+xml"/></Types>',
    )
    report = ingest(sent, tmp_path, zipped(parts))
    assert any("header9" in r and "Exclusive agreement" in r for r in rows(report)), report


# --- fields and external content, wherever they are ---------------------------------------------------------


def _complex_field(*instruction: str) -> bytes:
    runs = "".join(f"<w:r><w:instrText>{piece}</w:instrText></w:r>" for piece in instruction)
    return (
        f'<w:r><w:fldChar w:fldCharType="begin"/></w:r>{runs}<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        '<w:r><w:t>shown</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
    ).encode()


def _in_body(data: bytes, fragment: bytes) -> bytes:
    return data.replace(b"</w:body>", b"<w:p>" + fragment + b"</w:p></w:body>", 1)


def _comments_with(fragment: bytes) -> dict[str, bytes]:
    return {
        "word/comments.xml": b'<?xml version="1.0"?><w:comments xmlns:w="'
        + W.encode()
        + b'"><w:comment w:id="1" '
        b'w:author="x"><w:p>' + fragment + b"</w:p></w:comment></w:comments>"
    }


def _nested_include() -> bytes:
    # { { QUOTE "INCL" }{ QUOTE "UDETEXT" } "c:\\secret.txt" }: Word builds the instruction from the results.
    inner = [_complex_field(' QUOTE "INCL" ').replace(b"shown", b"INCL"), _complex_field(' QUOTE "UDETEXT" ')]
    inner[1] = inner[1].replace(b"shown", b"UDETEXT")
    return (
        b'<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + inner[0]
        + inner[1]
        + b'<w:r><w:instrText> "c:\\\\secret.txt"'
        b'</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r>'
        b'<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def _external(kind: str, target: str) -> tuple[str, bytes]:
    return (
        "word/_rels/document.xml.rels",
        f'<Relationship Id="rId900" Type="{REL_TYPE}{kind}" Target="{target}" '
        'TargetMode="External"/>'.encode(),
    )


HOSTILE_PARTS: dict[str, tuple[str, object, str]] = {
    "split INCLUDETEXT": (
        "body",
        _complex_field(" INCL", 'UDETEXT "c:\\\\secret.txt" '),
        "INCLUDETEXT field",
    ),
    "nested INCLUDETEXT": ("body", _nested_include(), "INCLUDETEXT field"),
    "LINK field": ("body", _complex_field(' LINK Excel.Sheet "c:\\\\book.xlsx" "Sheet1" '), "LINK field"),
    "DATABASE field": (
        "body",
        b'<w:fldSimple w:instr=" DATABASE \\d &quot;c:\\\\x.mdb&quot; "/>',
        "DATABASE field",
    ),
    "field in a text box": (
        "body",
        b"<w:r><w:txbxContent><w:p>"
        + _complex_field(" DDE", 'AUTO cmd "/c calc" ')
        + b"</w:p></w:txbxContent></w:r>",
        "DDEAUTO field",
    ),
    "field in a comment": (
        "comments",
        _complex_field(' INCLUDEPICTURE "http://beacon.example/x.png" '),
        "INCLUDEPICTURE",
    ),
    "file hyperlink field": (
        "body",
        _complex_field(' HYPERLINK "file:///etc/passwd" '),
        "HYPERLINK to 'file:///etc/passwd'",
    ),
    "file hyperlink": (
        "rels",
        _external("hyperlink", "file:///C:/secret.docx"),
        "hyperlink to 'file:///C:/secret.docx'",
    ),
    "smb hyperlink": (
        "rels",
        _external("hyperlink", "\\\\evil\\share\\x"),
        "only http, https and mailto links",
    ),
    "external image": (
        "rels",
        _external("image", "http://beacon.example/pixel.png"),
        "external image relationship to 'http://beacon.example/pixel.png'",
    ),
}


def hostile(data: bytes, where: str, payload: object) -> bytes:
    parts = parts_of(data)
    if where == "body":
        assert isinstance(payload, bytes)
        parts["word/document.xml"] = _in_body(parts["word/document.xml"], payload)
    elif where == "comments":
        assert isinstance(payload, bytes)
        parts.update(_comments_with(payload))
    else:
        assert isinstance(payload, tuple)
        name, rel = payload
        parts[name] = parts[name].replace(b"</Relationships>", rel + b"</Relationships>")
    return zipped(parts)


def test_hostile_fields_and_external_content_are_refused_and_nothing_is_stored(
    sent: Workspace, tmp_path: Path
) -> None:
    data = ours(sent)
    head, before = git(sent, "rev-parse", "HEAD"), files_under(sent.root)
    for name, (where, payload, reason) in HOSTILE_PARTS.items():
        path = tmp_path / "hostile.docx"
        path.write_bytes(hostile(data, where, payload))
        result = run_bounded(sent, "ingest", "acme", str(path), cpu=30)
        one_error(result, rf"^Error: hostile\.docx: rejected: .*{re.escape(reason)}.*; nothing was stored$")
        assert git(sent, "rev-parse", "HEAD") == head and files_under(sent.root) == before, name


def test_ordinary_fields_and_web_links_are_accepted(sent: Workspace) -> None:
    from assembler.intake.safety import open_untrusted

    body = (
        _complex_field(' HYPERLINK "https://northwind.example/terms" ')
        + b'<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
        + _complex_field(' HYPERLINK \\l "clause-3" ')
    )
    parts = parts_of(hostile(ours(sent), "body", body))
    rel = (
        f'<Relationship Id="rId901" Type="{REL_TYPE}hyperlink" Target="mailto:legal@northwind.example" '
        'TargetMode="External"/>'
    ).encode()
    name = "word/_rels/document.xml.rels"
    parts[name] = parts[name].replace(b"</Relationships>", rel + b"</Relationships>")
    package = open_untrusted(zipped(parts), "fine.docx")
    assert "word/document.xml" in package.xml
