"""Accept-all and reject-all of Word tracked changes, with lxml, for checking redlines.

Handles insertions and deletions, moves (moveFrom/moveTo and their range markers), inserted and deleted
paragraph marks (the paragraph joins the next one) and inserted and deleted table rows.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


MARKERS = {w(t) for t in ("moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd")}
PROPERTY_CHANGES = {
    w(t)
    for t in (
        "rPrChange",
        "pPrChange",
        "sectPrChange",
        "tblPrChange",
        "trPrChange",
        "tcPrChange",
        "numberingChange",
    )
}


def _is_mark(element: etree._Element) -> bool:
    """A w:ins/w:del that marks a paragraph mark (in w:pPr/w:rPr) or a table row (in w:trPr)."""
    parent = element.getparent()
    return parent is not None and (
        parent.tag == w("trPr")
        or (parent.tag == w("rPr") and parent.getparent() is not None and parent.getparent().tag == w("pPr"))
    )


def _unwrap(element: etree._Element) -> None:
    parent = element.getparent()
    index = parent.index(element)
    for offset, child in enumerate(list(element)):
        parent.insert(index + offset, child)
    parent.remove(element)


def _resolve(body: etree._Element, keep: set[str], drop: set[str]) -> None:
    """keep/drop: the change tags whose content stays / goes (e.g. accept keeps ins, drops del)."""
    # Paragraph marks and rows first, while their markers are still there.
    for mark in [e for e in body.iter(*(keep | drop)) if _is_mark(e)]:
        holder = mark.getparent().getparent()  # w:pPr or w:tr
        if holder.tag == w("trPr"):
            holder = holder.getparent()
        if mark.tag in drop:
            if holder.tag == w("tr"):
                holder.getparent().remove(holder)
            else:
                paragraph = holder.getparent()
                paragraph.set("joins-next", "1")
        mark.getparent().remove(mark)
    for element in [e for e in body.iter(*drop)]:
        if element.getparent() is not None:
            element.getparent().remove(element)
    for element in [e for e in body.iter(*keep)]:
        _unwrap(element)
    for element in [e for e in body.iter(*(MARKERS | PROPERTY_CHANGES))]:
        element.getparent().remove(element)
    for text in body.iter(w("delText")):
        text.tag = w("t")
    # Join paragraphs whose mark was removed with the paragraph that follows them.
    for paragraph in [p for p in body.iter(w("p")) if p.get("joins-next")]:
        following = paragraph.getnext()
        while following is not None and following.tag != w("p"):
            following = following.getnext()
        if following is not None:
            for child in list(following):
                if child.tag != w("pPr"):
                    paragraph.append(child)
            following.getparent().remove(following)
        del paragraph.attrib["joins-next"]


def _body(docx: bytes) -> etree._Element:
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")
    return etree.fromstring(xml).find(w("body"))


def paragraph_texts(body: etree._Element) -> list[str]:
    texts = ["".join(p.itertext(w("t"), w("delText"))) for p in body.iter(w("p"))]
    return [t for t in texts if t.strip()]


INSERTIONS = {w("ins"), w("moveTo")}
DELETIONS = {w("del"), w("moveFrom")}


def accept_all(docx: bytes) -> list[str]:
    body = _body(docx)
    _resolve(body, keep=INSERTIONS, drop=DELETIONS)
    return paragraph_texts(body)


def reject_all(docx: bytes) -> list[str]:
    body = _body(docx)
    _resolve(body, keep=DELETIONS, drop=INSERTIONS)
    return paragraph_texts(body)


def plain_texts(docx: bytes) -> list[str]:
    """Paragraph texts of a document without tracked changes."""
    return paragraph_texts(_body(docx))


def changes(docx: bytes) -> dict[str, list[str]]:
    """The text of every w:ins and w:del (not paragraph or row marks)."""
    body = _body(docx)
    found: dict[str, list[str]] = {"ins": [], "del": []}
    for kind in ("ins", "del"):
        for element in body.iter(w(kind)):
            if not _is_mark(element):
                found[kind].append("".join(element.itertext(w("t"), w("delText"))))
    return found
