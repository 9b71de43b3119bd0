"""Word (DOCX) packages: placing the rendered body in the house shell, draft marking, deterministic bytes."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from lxml import etree

# The OOXML namespaces, named once for the package (the intake of received files uses the same).
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"


# Placeholders in the house templates: every build replaces the header/footer ones; the body goes where the
# shell's marker paragraph is.
DRAFT_MARKING = "DRAFT-MARKING"


PARTIES_MARKING = "PARTIES-MARKING"


BODY_MARKER = "BODY-GOES-HERE"


NS = {"w": W}


_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def hardened_parser() -> etree.XMLParser:
    """The one XML parser for Word parts, ours and received: no entities, no DTD, never the network."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False
    )


_SAFE_PARSER = hardened_parser()


def read_parts(data: bytes) -> dict[str, bytes]:
    """Every part of a .docx package: part name → bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {info.filename: package.read(info) for info in package.infolist()}


def parse_xml(data: bytes) -> etree._Element:
    """Parse an XML part with the safe parser (no entities, no DTD, no network)."""
    return etree.fromstring(data, _SAFE_PARSER)


def to_xml(root: etree._Element) -> bytes:
    """Serialize an XML part with its declaration, UTF-8, standalone."""
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return data


def paragraph_text(paragraph: etree._Element) -> str:
    """The text of a WordprocessingML paragraph (its w:t runs)."""
    return "".join(paragraph.itertext(f"{{{W}}}t"))


def place_in_shell(body_xml: bytes, shell_xml: bytes, marker: str) -> bytes:
    """Put the shell's content before and after its marker paragraph around the rendered body."""
    body_root, shell_root = parse_xml(body_xml), parse_xml(shell_xml)
    body = body_root.find("w:body", NS)
    shell = shell_root.find("w:body", NS)
    assert body is not None and shell is not None
    before: list[etree._Element] = []
    after: list[etree._Element] = []
    target = before
    for child in shell:
        if child.tag == f"{{{W}}}sectPr":
            continue
        if child.tag == f"{{{W}}}p" and paragraph_text(child).strip() == marker:
            target = after
            continue
        target.append(child)
    if target is before:
        raise ValueError(f"the shell template has no paragraph reading {marker}")
    for index, element in enumerate(before):
        body.insert(index, element)
    section = body.find("w:sectPr", NS)
    for element in after:
        if section is not None:
            section.addprevious(element)
        else:
            body.append(element)
    return to_xml(body_root)


def replace_text(part_xml: bytes, placeholder: str, text: str) -> bytes:
    """Replace a placeholder run text (set as data: lxml escapes it)."""
    root = parse_xml(part_xml)
    for node in root.iter(f"{{{W}}}t"):
        if node.text == placeholder:
            node.text = text
    return to_xml(root)


def set_core_dates(core_xml: bytes, when: dt.date) -> bytes:
    """core.xml with its created and modified dates set to `when` (midnight UTC)."""
    stamp = f"{when.isoformat()}T00:00:00Z".encode()
    for tag in (b"dcterms:created", b"dcterms:modified"):
        core_xml = re.sub(
            rb"(<" + tag + rb"[^>]*>)[^<]*(</" + tag + rb">)", rb"\g<1>" + stamp + rb"\g<2>", core_xml
        )
    return core_xml


def _entry_order(name: str) -> tuple[int, str]:
    # [Content_Types].xml first, as Word writes it; then the package in a stable order.
    return (0 if name == "[Content_Types].xml" else 1, name)


def write_package(parts: dict[str, bytes], when: dt.date) -> bytes:
    """Zip parts with fixed timestamps and entry order; core.xml dates from the inputs, not the clock."""
    if "docProps/core.xml" in parts:
        parts = {**parts, "docProps/core.xml": set_core_dates(parts["docProps/core.xml"], when)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in sorted(parts, key=_entry_order):
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, parts[name], compresslevel=6)
    return out.getvalue()


def normalize_docx(data: bytes, when: dt.date) -> bytes:
    """Rewrite a .docx deterministically: fixed zip entry order and timestamps, core dates from `when`."""
    return write_package(read_parts(data), when)
