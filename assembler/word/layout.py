"""The shape of the house shell per document: parties defined once, compact preliminary documents.

The filled shell (cover, parties block, signature page) is adjusted after docxtpl has rendered it:
- the cover's "Parties" block is dropped, because the preamble (or the preliminary document's opening clause)
  already names and defines the parties; defining them twice invites the two definitions to drift apart;
- a preliminary document (LOI, MOU, term sheet) has no separate cover page: only the draft status line stays
  above the body's title (carrying the cover bookmark), and the signature block follows the text without a
  page break or spacer lines, so the letter fits the playbook's one or two pages.
"""

from __future__ import annotations

from lxml import etree

from assembler.deals.contract import Deal
from assembler.library.jurisdictions import profile_for
from assembler.library.loader import Library
from assembler.library.schemas import Document
from assembler.word.package import NS, W, paragraph_text, parse_xml, to_xml
from assembler.word.shell import localise_shell_xml

_COVER_STYLES = {"CoverTitle", "CoverText", "CoverParty"}


def _style(paragraph: etree._Element) -> str | None:
    node = paragraph.find("w:pPr/w:pStyle", NS)
    return None if node is None else node.get(f"{{{W}}}val")


def _is_page_break(paragraph: etree._Element) -> bool:
    breaks = paragraph.findall(".//w:br", NS)
    return (
        bool(breaks)
        and all(b.get(f"{{{W}}}type") == "page" for b in breaks)
        and not paragraph_text(paragraph).strip()
    )


def finish_shell(document_xml: bytes, deal: Deal, library: Library, document: Document) -> bytes:
    """The filled shell in its final shape for `document`: labels localised, parties block dropped, and a
    preliminary document made compact (no cover page, no spacer lines in the signature block)."""
    xml = localise_shell_xml(document_xml, deal, library)
    root = parse_xml(xml)
    body = root.find("w:body", NS)
    assert body is not None
    paragraphs = [child for child in body if child.tag == f"{{{W}}}p"]
    for paragraph in paragraphs:
        if _style(paragraph) == "Parties" or (
            _style(paragraph) == "Heading2" and paragraph_text(paragraph).strip() == "Parties"
        ):
            body.remove(paragraph)
    if document.kind == "preliminary":
        status = profile_for(deal, library).draft_status
        paragraphs = [child for child in body if child.tag == f"{{{W}}}p"]
        bookmark = next(iter(root.iter(f"{{{W}}}bookmarkStart")), None)
        keep = next(
            (p for p in paragraphs if _style(p) == "CoverText" and paragraph_text(p).strip() == status), None
        )
        for paragraph in paragraphs:
            if paragraph is keep:
                continue
            if _style(paragraph) in _COVER_STYLES or _is_page_break(paragraph):
                if keep is not None and bookmark is not None and bookmark.getparent() is paragraph:
                    end = next(
                        (
                            e
                            for e in paragraph.iter(f"{{{W}}}bookmarkEnd")
                            if e.get(f"{{{W}}}id") == bookmark.get(f"{{{W}}}id")
                        ),
                        None,
                    )
                    p_pr = keep.find("w:pPr", NS)
                    if p_pr is not None:
                        p_pr.addnext(bookmark)
                    else:
                        keep.insert(0, bookmark)
                    if end is not None:
                        keep.append(end)
                body.remove(paragraph)
        # the signature block: no empty spacer lines inside its cells
        for cell in root.iter(f"{{{W}}}tc"):
            cell_paragraphs = cell.findall("w:p", NS)
            for paragraph in cell_paragraphs[1:]:
                if not paragraph_text(paragraph).strip() and paragraph.find(".//w:br", NS) is None:
                    cell.remove(paragraph)
    return to_xml(root)
