"""Reading Word tracked changes: where each change is, what it claims, and the text before and after.

Places come from bookmarks: pandoc writes one per clause (named by clause id) and the house shell marks the
cover and signature pages, so every paragraph of a draft we sent — and of the copy that comes back — can be
mapped to the clause it belongs to.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from assembler.word.package import W


def w(tag: str) -> str:
    """The qualified WordprocessingML name of `tag` (w:tag in lxml's {namespace}tag form)."""
    return f"{{{W}}}{tag}"


INSERTIONS = (w("ins"), w("moveTo"))


DELETIONS = (w("del"), w("moveFrom"))


_RANGE_MARKERS = tuple(
    w(t) for t in ("moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd")
)


FORMAT_CHANGES = tuple(
    w(t) for t in ("rPrChange", "pPrChange", "tblPrChange", "trPrChange", "tcPrChange", "sectPrChange")
)


def is_mark(element: etree._Element) -> bool:
    """A w:ins/w:del that marks a paragraph mark (in w:pPr/w:rPr) or a table row (in w:trPr)."""
    parent = element.getparent()
    if parent is None:
        return False
    grand = parent.getparent()
    return parent.tag == w("trPr") or (parent.tag == w("rPr") and grand is not None and grand.tag == w("pPr"))


def text_of(element: etree._Element) -> str:
    """The text of an element, without field results (a page number Word recomputes is not an edit)."""
    parts = []
    in_result = False
    for node in element.iter(w("t"), w("delText"), w("tab"), w("fldChar")):
        if node.tag == w("fldChar"):
            kind = node.get(w("fldCharType"))
            in_result = kind == "separate" or (in_result and kind != "end")
            continue
        if in_result or any(a.tag == w("fldSimple") for a in node.iterancestors()):
            continue
        parts.append("\t" if node.tag == w("tab") else node.text or "")
    return "".join(parts)


def resolved(root: etree._Element, accept: bool) -> etree._Element:
    """A copy of the part with every tracked change accepted (or rejected)."""
    root = copy.deepcopy(root)
    keep, drop = (INSERTIONS, DELETIONS) if accept else (DELETIONS, INSERTIONS)
    joins = []
    for mark in [e for e in root.iter(*keep, *drop) if is_mark(e)]:
        holder = mark.getparent().getparent()  # w:pPr or w:tr
        if mark.tag in drop:
            if holder.tag == w("tr"):
                holder.getparent().remove(holder)
            else:
                joins.append(holder.getparent())
        mark.getparent().remove(mark)
    for element in list(root.iter(*drop)):
        if element.getparent() is not None:
            element.getparent().remove(element)
    for element in list(root.iter(*keep)):
        parent = element.getparent()
        index = parent.index(element)
        for offset, child in enumerate(list(element)):
            parent.insert(index + offset, child)
        parent.remove(element)
    for element in list(root.iter(*_RANGE_MARKERS, *FORMAT_CHANGES)):
        element.getparent().remove(element)
    for node in root.iter(w("delText")):
        node.tag = w("t")
    for paragraph in joins:  # a removed paragraph mark joins the paragraph with the next one
        following = paragraph.getnext()
        while following is not None and following.tag != w("p"):
            following = following.getnext()
        if following is not None:
            for child in list(following):
                if child.tag != w("pPr"):
                    paragraph.append(child)
            following.getparent().remove(following)
    return root


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of a received document, with the clause (or page) it falls in."""

    place: str  # clause id, "cover-page", "signature-page", or "" before any anchor
    text: str
    element: etree._Element


def placed(root: etree._Element, anchors: set[str]) -> Iterator[tuple[str, etree._Element]]:
    """Every paragraph element in document order with the place it falls in: the last anchor bookmark before
    it, or one inside it."""
    place = ""
    for element in root.iter(w("bookmarkStart"), w("p")):
        if element.tag == w("bookmarkStart"):
            if (element.get(w("name")) or "") in anchors:
                place = element.get(w("name")) or place
            continue
        yield place, element


def paragraphs(root: etree._Element, anchors: set[str], *, empty: bool = False) -> Iterator[Paragraph]:
    """Paragraphs in document order (non-empty ones unless `empty`), each with the place it falls in."""
    for place, element in placed(root, anchors):
        text = text_of(element)
        if empty or text.strip():
            yield Paragraph(place, text, element)


@dataclass(frozen=True)
class Change:
    """One tracked change in a received document: its kind, place, text before and after, claimed authors."""

    kind: str  # insertion | deletion | replacement | move | formatting | row | paragraph-mark
    place: str
    before: str
    after: str
    authors: tuple[str, ...]
    dates: tuple[str, ...]
    part: str


def _claims(elements: list[etree._Element]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    authors = sorted({e.get(w("author")) or "(no author)" for e in elements})
    dates = sorted({e.get(w("date")) or "(no date)" for e in elements})
    return tuple(authors), tuple(dates)


def changes(root: etree._Element, part: str, anchors: set[str]) -> list[Change]:
    """The tracked changes of one part, one entry per changed paragraph (moves and formatting apart)."""
    found: list[Change] = []
    # Empty paragraphs too: a fully deleted paragraph has no w:t left.
    for paragraph in paragraphs(root, anchors, empty=True):
        element = paragraph.element
        content = [e for e in element.iter(*INSERTIONS, *DELETIONS) if not is_mark(e)]
        moves = [e for e in content if e.tag in (w("moveTo"), w("moveFrom"))]
        edits = [e for e in content if e.tag in (w("ins"), w("del"))]
        marks = [e for e in element.iter(*INSERTIONS, *DELETIONS) if is_mark(e)]
        formats = list(element.iter(*FORMAT_CHANGES))
        before = text_of(resolved(element, accept=False))
        after = text_of(resolved(element, accept=True))
        if edits:
            inserted = any(e.tag == w("ins") for e in edits)
            deleted = any(e.tag == w("del") for e in edits)
            kind = "replacement" if inserted and deleted else "insertion" if inserted else "deletion"
            authors, dates = _claims(edits)
            found.append(Change(kind, paragraph.place, before, after, authors, dates, part))
        if moves:
            authors, dates = _claims(moves)
            moved_from = any(e.tag == w("moveFrom") for e in moves)
            text = text_of(element) if not edits else (before if moved_from else after)
            found.append(
                Change(
                    "move",
                    paragraph.place,
                    text if moved_from else "",
                    "" if moved_from else text,
                    authors,
                    dates,
                    part,
                )
            )
        if formats and not edits and not moves:
            authors, dates = _claims(formats)
            found.append(Change("formatting", paragraph.place, before, after, authors, dates, part))
        if marks and not edits and not moves:
            authors, dates = _claims(marks)
            found.append(Change("paragraph-mark", paragraph.place, before, after, authors, dates, part))
    row_places = _row_places(root, anchors)  # one pass: looking each row up from the top is quadratic
    for row in root.iter(w("tr")):
        row_marks = [
            e for e in row.iter(*INSERTIONS, *DELETIONS) if is_mark(e) and e.getparent().tag == w("trPr")
        ]
        if row_marks:
            authors, dates = _claims(row_marks)
            inserted = row_marks[0].tag in INSERTIONS
            text = " | ".join(text_of(cell) for cell in row.iter(w("tc")))
            found.append(
                Change(
                    "row",
                    row_places[row],
                    "" if inserted else text,
                    text if inserted else "",
                    authors,
                    dates,
                    part,
                )
            )
    return found


def _row_places(root: etree._Element, anchors: set[str]) -> dict[etree._Element, str]:
    """Each table row's place: the last anchor bookmark before it in document order."""
    places: dict[etree._Element, str] = {}
    place = ""
    for element in root.iter(w("bookmarkStart"), w("tr")):
        if element.tag == w("tr"):
            places[element] = place
        elif (element.get(w("name")) or "") in anchors:
            place = element.get(w("name")) or place
    return places
