"""What Word shows: the parts it reads, the fields it runs, and the text it hides.

Word finds the main document through the package relationships (`_rels/.rels`), not by the name
`word/document.xml`, and headers, footers, notes and comments through the main document's relationships;
a decoy part under the expected name is never displayed. A field's instruction is what Word executes,
assembled from every `w:instrText` run of the field and the results of fields nested in it, so `INCL` +
`UDETEXT` in two runs is an INCLUDETEXT field. A field's result is what the reader sees, and text with
`w:vanish` (directly or through its style) is not shown at all.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from assembler.intake.tracked_changes import Change, placed, w
from assembler.word.package import REL

MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
)


# Parts of the main document whose text a reader sees (relationship type → shown as).
TEXT_PARTS = ("header", "footer", "footnotes", "endnotes")  # comments are listed apart, not compared


# Field types that run or fetch something outside the document when it is opened or updated.
DANGEROUS_FIELDS = re.compile(r"^(DDE\w*|INCLUDE\w*|LINK|DATABASE|IMPORT)$")


# Fields whose results Word recomputes on its own: a different result is not an edit.
AUTOMATIC_FIELDS = frozenset(
    {
        "PAGE",
        "NUMPAGES",
        "SECTIONPAGES",
        "SECTION",
        "DATE",
        "TIME",
        "PRINTDATE",
        "SAVEDATE",
        "CREATEDATE",
        "EDITTIME",
        "NUMWORDS",
        "NUMCHARS",
        "FILENAME",
        "FILESIZE",
        "TOC",
        "PAGEREF",
        "SEQ",
        "LISTNUM",
    }
)


SAFE_LINK = re.compile(r"^(https?://|mailto:)", re.I)


class PackageProblem(ValueError):
    """The package is not one Word would show as we read it; the message is the reason."""


def _rels(parts: dict[str, bytes], roots: dict[str, etree._Element], source: str) -> list[etree._Element]:
    folder, name = posixpath.split(source)
    rels_name = posixpath.join(folder, "_rels", f"{name}.rels")
    root = roots.get(rels_name)
    return [] if root is None else [r for r in root if r.tag == f"{{{REL}}}Relationship"]


def _target(source: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _content_type(types: etree._Element, name: str) -> str:
    for node in types:
        if node.get("PartName", "").lstrip("/").lower() == name.lower():
            return node.get("ContentType") or ""
    extension = name.rsplit(".", 1)[-1].lower()
    for node in types:
        if (node.get("Extension") or "").lower() == extension:
            return node.get("ContentType") or ""
    return ""


def locate_parts(
    parts: dict[str, bytes], roots: dict[str, etree._Element], types: etree._Element
) -> dict[str, str]:
    """Shown name → part name of every part whose text Word displays: the main document (shown as
    `word/document.xml`, whatever it is called) and the parts its relationships name."""
    main = [
        _target("", rel.get("Target") or "")
        for rel in _rels(parts, roots, "")
        if (rel.get("Type") or "").endswith("/officeDocument") and rel.get("TargetMode") != "External"
    ]
    if len(main) != 1 or main[0] not in parts:
        raise PackageProblem("not a Word document (no single main document in _rels/.rels)")
    if _content_type(types, main[0]) not in MAIN_TYPES:
        raise PackageProblem(
            f"the main document {main[0]} is not declared as a Word document in [Content_Types].xml"
        )
    located = {"word/document.xml": main[0]}
    for rel in _rels(parts, roots, main[0]):
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        if kind in TEXT_PARTS and rel.get("TargetMode") != "External":
            name = _target(main[0], rel.get("Target") or "")
            if name not in parts:
                raise PackageProblem(
                    f"the {kind} relationship {rel.get('Id')} points at a missing part {name!r}"
                )
            located.setdefault(name, name)
    return located


def check_relationships(parts: dict[str, bytes], roots: dict[str, etree._Element]) -> None:
    """Refuse every external relationship except an http(s) or mailto hyperlink: an external image is a
    beacon fetched when the file is opened, a `file://` link reaches into the reader's machine."""
    for name, root in roots.items():
        if not name.endswith(".rels"):
            continue
        for rel in root:
            if rel.get("TargetMode") != "External":
                continue
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
            target = rel.get("Target") or ""
            if kind != "hyperlink":
                raise PackageProblem(
                    f"external {kind} relationship to {target!r} in {name} (fetched when opened)"
                )
            if not SAFE_LINK.match(target.strip()):
                raise PackageProblem(f"hyperlink to {target!r} in {name} (only http, https and mailto links)")


@dataclass(frozen=True)
class Field:
    """One field as Word runs and shows it, and the place (clause anchor) it is in."""

    instruction: str  # normalised: runs joined, nested results included, whitespace collapsed
    result: str
    place: str

    @property
    def kind(self) -> str:
        """The field type, upper-cased (PAGE, QUOTE, INCLUDETEXT, ...)."""
        return self.instruction.split(" ", 1)[0].upper().lstrip("\\") if self.instruction else ""


@dataclass
class _Open:
    instruction: list[str]
    result: list[str]
    place: str
    in_result: bool = False


def fields(root: etree._Element, anchors: set[str] | frozenset[str] = frozenset()) -> Iterator[Field]:
    """Every field of a part in document order, complex (fldChar) and simple (fldSimple), nested ones too."""
    stack: list[_Open] = []
    place = ""
    for node in root.iter(w("bookmarkStart"), w("fldChar"), w("instrText"), w("t"), w("fldSimple")):
        tag = node.tag
        if tag == w("bookmarkStart"):
            if (node.get(w("name")) or "") in anchors:
                place = node.get(w("name")) or place
        elif tag == w("fldSimple"):
            result = "".join(t.text or "" for t in node.iter(w("t")))
            yield Field(" ".join((node.get(w("instr")) or "").split()), result, place)
        elif tag == w("fldChar"):
            kind = node.get(w("fldCharType"))
            if kind == "begin":
                stack.append(_Open([], [], place))
            elif kind == "separate" and stack:
                stack[-1].in_result = True
            elif kind == "end" and stack:
                done = stack.pop()
                field = Field(" ".join("".join(done.instruction).split()), "".join(done.result), done.place)
                if stack and not stack[-1].in_result:
                    stack[-1].instruction.append(field.result)  # a nested field's result is instruction text
                elif stack:
                    stack[-1].result.append(field.result)
                yield field
        elif tag == w("instrText") and stack and not stack[-1].in_result:
            stack[-1].instruction.append(node.text or "")
        elif tag == w("t") and stack and stack[-1].in_result and not _in_simple_field(node):
            stack[-1].result.append(node.text or "")


def _in_simple_field(node: etree._Element) -> bool:
    return any(a.tag == w("fldSimple") for a in node.iterancestors())


def dangerous_field(root: etree._Element) -> str | None:
    """The type of the first field that fetches or runs something outside the document, or a HYPERLINK
    field to something other than http(s)/mailto; None when there is none."""
    for field in fields(root):
        kind = field.kind
        if DANGEROUS_FIELDS.match(kind):
            return kind
        if kind == "HYPERLINK":
            target = re.findall(r'"([^"]*)"', field.instruction) or field.instruction.split()[1:2]
            local = "\\l" in field.instruction.split()
            if target and not local and not SAFE_LINK.match(target[0].strip()):
                return f"HYPERLINK to {target[0]!r}"
    return None


def _hidden_styles(styles: etree._Element | None) -> set[str]:
    if styles is None:
        return set()
    hidden = set()
    for style in styles.iter(w("style")):
        vanish = style.find(f"{w('rPr')}/{w('vanish')}")
        if vanish is not None and _on(vanish):
            hidden.add(style.get(w("styleId")) or "")
    return hidden


def _on(toggle: etree._Element) -> bool:
    return (toggle.get(w("val")) or "true").lower() not in ("0", "false", "off")


def _hidden(run: etree._Element, paragraph_style: str, hidden_styles: set[str]) -> bool:
    props = run.find(w("rPr"))
    if props is not None:
        vanish = props.find(w("vanish"))
        if vanish is not None:
            return _on(vanish)
        style = props.find(w("rStyle"))
        if style is not None and style.get(w("val")) in hidden_styles:
            return True
    return paragraph_style in hidden_styles


def hidden_text(
    root: etree._Element, anchors: set[str], styles: etree._Element | None
) -> Iterator[tuple[str, str]]:
    """(place, text) of each paragraph's text that Word does not display (w:vanish, directly or by style)."""
    hidden_styles = _hidden_styles(styles)
    for place, element in placed(root, anchors):
        style_node = element.find(f"{w('pPr')}/{w('pStyle')}")
        paragraph_style = style_node.get(w("val")) or "" if style_node is not None else ""
        text = "".join(
            t.text or ""
            for run in element.iter(w("r"))
            if _hidden(run, paragraph_style, hidden_styles)
            for t in run.iter(w("t"), w("delText"))
        )
        if text.strip():
            yield place, text


def styles_part(docx: bytes) -> etree._Element | None:
    """The style definitions of a package we made ourselves (to know which of our styles hide text)."""
    from assembler.word.package import parse_xml, read_parts

    data = read_parts(docx).get("word/styles.xml")
    return parse_xml(data) if data else None


def unseen_changes(
    ours: dict[str, etree._Element],
    theirs: dict[str, etree._Element],
    anchors: set[str],
    our_styles: etree._Element | None = None,
    their_styles: etree._Element | None = None,
) -> list[Change]:
    """Hidden text and field results in their file that are not in what we sent, one change each."""
    found: list[Change] = []
    for part in sorted(theirs):
        root, mine = theirs[part], ours.get(part)
        sent = Counter(hidden_text(mine, anchors, our_styles)) if mine is not None else Counter()
        for place, text in hidden_text(root, anchors, their_styles):
            if sent[(place, text)]:
                sent[(place, text)] -= 1
                continue
            found.append(Change("hidden", place, "", text, ("(hidden text)",), ("-",), part))
        shown = (
            Counter((f.instruction, f.result) for f in fields(mine, anchors))
            if mine is not None
            else Counter()
        )
        for field in fields(root, anchors):
            if field.kind in AUTOMATIC_FIELDS:
                continue
            if shown[(field.instruction, field.result)]:
                shown[(field.instruction, field.result)] -= 1
                continue
            found.append(
                Change(
                    "field-result", field.place, field.instruction, field.result, ("(field)",), ("-",), part
                )
            )
    return found


# How triage classifies and explains these changes (all critical: the reader does not see what is stored).
UNSEEN_REASONS = {
    "hidden": "hidden text (w:vanish): Word does not display it, but it is part of the document",
    "field-result": "a field whose displayed result is not what we sent (or disagrees with its instruction)",
}
