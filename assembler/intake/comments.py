"""The Word comments in a counterparty's returned file: who claims to have written them, when, what they say
and which clause they are anchored to."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from assembler.intake.safety import Package
from assembler.intake.tracked_changes import text_of, w
from assembler.word.package import hardened_parser


@dataclass(frozen=True)
class ReceivedComment:
    """One Word comment of a returned file, numbered, with the clause it is anchored to."""

    number: int  # 1, 2, 3 ... in the order the comments are anchored in the document
    author: str  # as the file claims it (not verified)
    date: str
    text: str
    place: str  # the clause id (or cover / signature page) the comment is anchored to


def _anchors(document: etree._Element, anchors: set[str]) -> dict[str, str]:
    """Comment id → the place (last clause bookmark) where its range starts, in document order."""
    places: dict[str, str] = {}
    place = ""
    for element in document.iter(w("bookmarkStart"), w("commentRangeStart"), w("commentReference")):
        if element.tag == w("bookmarkStart"):
            name = element.get(w("name")) or ""
            if name in anchors:
                place = name
            continue
        places.setdefault(element.get(w("id")) or "", place)
    return places


def received_comments(package: Package, anchors: set[str]) -> list[ReceivedComment]:
    """Every comment of the main document, in anchor order (comments never anchored come last)."""
    data = package.parts.get("word/comments.xml")
    if data is None:
        return []
    root = etree.fromstring(data, hardened_parser())
    places = _anchors(package.document, anchors)
    order = {cid: index for index, cid in enumerate(places)}
    found = []
    for comment in root.iter(w("comment")):
        cid = comment.get(w("id")) or ""
        text = "\n".join(t for t in (text_of(p).strip() for p in comment.iter(w("p"))) if t)
        found.append(
            (
                order.get(cid, len(order)),
                cid,
                comment.get(w("author")) or "(no author)",
                comment.get(w("date")) or "(no date)",
                text,
                places.get(cid, ""),
            )
        )
    found.sort(key=lambda item: item[0])
    return [
        ReceivedComment(number, author, date, text, place)
        for number, (_, _, author, date, text, place) in enumerate(found, start=1)
    ]
