"""The execution version of a round's DOCX: the same body, with the draft marks replaced for signature.

The round's own bytes are transformed, never re-rendered, so the wording is the round's by construction: the
header's draft marking becomes "Execution Version", the cover's "subject to contract" line becomes the
Effective Date, and each party's signature block gains the DocuSign anchor strings (1-point white text, as
DocuSign recommends for anchors that must not show on the page).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from assembler.assembly.markdown import long_date
from assembler.errors import RenderError
from assembler.word.package import (
    NS,
    W,
    paragraph_text,
    parse_xml,
    read_parts,
    to_xml,
    write_package,
)
from assembler.word.render import STATUS_LINE, draft_marking

EXECUTION_MARKING = "Execution Version"


# The shell's bookmarks around the cover page and the signature page; every other bookmark at body level
# is a clause (pandoc names it after the clause id).
_SHELL_BOOKMARKS = ("cover-page", "signature-page")


PARTIES = ("company", "partner")  # the order of the signature blocks in the house shell


@dataclass(frozen=True)
class Anchors:
    """The DocuSign anchor strings of one party's signature block."""

    sign_here: str
    full_name: str
    date_signed: str


def anchors(party: str) -> Anchors:
    """The anchor strings for `party` ("company" or "partner"); none can occur in clause prose."""
    return Anchors(f"\\{party}-sign\\", f"\\{party}-name\\", f"\\{party}-date\\")


def effective_date_line(effective_date: dt.date | None) -> str:
    """The cover's Effective Date statement: the deal's effective date, else the last signature's."""
    when = long_date(effective_date) if effective_date else "the date of the last signature below"
    return f"Effective Date: {when}"


def _run(text: str, *, invisible: bool = False) -> etree._Element:
    run = etree.Element(f"{{{W}}}r")
    if invisible:
        props = etree.SubElement(run, f"{{{W}}}rPr")
        etree.SubElement(props, f"{{{W}}}color").set(f"{{{W}}}val", "FFFFFF")
        etree.SubElement(props, f"{{{W}}}sz").set(f"{{{W}}}val", "2")
        etree.SubElement(props, f"{{{W}}}szCs").set(f"{{{W}}}val", "2")
    node = etree.SubElement(run, f"{{{W}}}t")
    node.text = text
    node.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


def _set_text(paragraph: etree._Element, text: str) -> None:
    """Replace a paragraph's runs by one run of `text`, keeping its paragraph properties."""
    for child in list(paragraph):
        if child.tag != f"{{{W}}}pPr":
            paragraph.remove(child)
    paragraph.append(_run(text))


def _signature_cells(body: etree._Element) -> list[etree._Element]:
    """The cells of the signature table: the first table after the signature-page bookmark."""
    seen = False
    for child in body:
        if (
            child.tag == f"{{{W}}}p"
            and child.find(f"w:bookmarkStart[@w:name='{_SHELL_BOOKMARKS[1]}']", NS) is not None
        ):
            seen = True
        elif seen and child.tag == f"{{{W}}}tbl":
            return list(child.iterfind("w:tr/w:tc", NS))
    return []


def _add_anchors(cell: etree._Element, party: str) -> None:
    found = anchors(party)
    targets = {"By:": found.sign_here, "Name:": found.full_name, "Date:": found.date_signed}
    for paragraph in cell.iterfind("w:p", NS):
        text = paragraph_text(paragraph)
        for prefix, anchor in targets.items():
            if text.startswith(prefix):
                paragraph.append(_run(" " + anchor, invisible=True))
                targets = {k: v for k, v in targets.items() if k != prefix}
                break
    if targets:
        raise RenderError(
            f"the signature page has no {', '.join(targets)} line for the {party}; the house shell "
            "(clause_library/templates/shell.docx) must keep them (`make house-style`)"
        )


def execution_docx(
    round_docx: bytes,
    *,
    document_title: str,
    round_number: int,
    effective_date: dt.date | None,
    when: dt.date,
    status_line: str = STATUS_LINE,
) -> bytes:
    """The execution version of a round's DOCX (same body, no draft marks, Effective Date, anchors)."""
    parts = read_parts(round_docx)
    marking = draft_marking(document_title, round_number)
    replaced = 0
    for name in [n for n in parts if n.startswith(("word/header", "word/footer")) and n.endswith(".xml")]:
        root = parse_xml(parts[name])
        for node in root.iter(f"{{{W}}}t"):
            if node.text == marking:
                node.text = f"{document_title} \u2014 {EXECUTION_MARKING}"
                replaced += 1
        parts[name] = to_xml(root)
    root = parse_xml(parts["word/document.xml"])
    body = root.find("w:body", NS)
    assert body is not None
    status = [p for p in body.iterfind("w:p", NS) if paragraph_text(p) == status_line]
    cells = _signature_cells(body)
    if not replaced or len(status) != 1 or len(cells) != len(PARTIES):
        raise RenderError(
            f"round {round_number} of the {document_title} lacks the house draft header, cover status line "
            "or two-party signature table; rebuild it with the current house templates"
        )
    _set_text(status[0], effective_date_line(effective_date))
    for cell, party in zip(cells, PARTIES, strict=True):
        _add_anchors(cell, party)
    parts["word/document.xml"] = to_xml(root)
    return write_package(parts, when)


def clause_texts(docx: bytes) -> dict[str, list[str]]:
    """Clause id → the text of its paragraphs, from the body between the cover and the signature page."""
    root = parse_xml(read_parts(docx)["word/document.xml"])
    body = root.find("w:body", NS)
    assert body is not None
    clauses: dict[str, list[str]] = {}
    current: str | None = None
    for child in body:
        if child.tag == f"{{{W}}}bookmarkStart":
            name = child.get(f"{{{W}}}name") or ""
            if name not in _SHELL_BOOKMARKS and not name.startswith("_"):
                current = name
                clauses[current] = []
        elif (
            child.tag == f"{{{W}}}p"
            and child.find(f"w:bookmarkStart[@w:name='{_SHELL_BOOKMARKS[1]}']", NS) is not None
        ):
            break
        elif current is not None and child.tag in (f"{{{W}}}p", f"{{{W}}}tbl"):
            paragraphs = [child] if child.tag == f"{{{W}}}p" else list(child.iter(f"{{{W}}}p"))
            clauses[current] += [paragraph_text(p) for p in paragraphs]
    return clauses


def package_text(docx: bytes) -> str:
    """Every run text of the document, headers and footers included, one paragraph a line."""
    parts = read_parts(docx)
    lines: list[str] = []
    for name in sorted(parts):
        if name.startswith("word/") and name.endswith(".xml") and name.count("/") == 1:
            root = parse_xml(parts[name])
            lines += [paragraph_text(p) for p in root.iter(f"{{{W}}}p")]
    return "\n".join(lines)
