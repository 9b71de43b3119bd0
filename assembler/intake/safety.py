"""Safe intake of an untrusted .docx: every check runs in memory, before any parser sees the package.

The zip is checked first (names, duplicates, sizes, compression ratios), then content types and
relationships (macros, ActiveX/OLE, external templates, sub-documents, frames, external images, links
other than http(s)/mailto), then each XML part's raw bytes (DOCTYPE/ENTITY declarations, element count)
before a hardened lxml parser reads it, then the parts Word displays, found through the relationships
(visible.py), and finally the fields of every part, with each instruction assembled across its runs (DDE,
INCLUDE*, LINK, DATABASE, IMPORT). Each rejection is one line naming the reason.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree

from assembler.errors import IntakeError
from assembler.intake import visible
from assembler.safe_files import FileRefused, read_regular_file
from assembler.word.package import hardened_parser

MAX_FILE_BYTES = 50 * 1024 * 1024


MAX_ENTRY_BYTES = 30 * 1024 * 1024


MAX_TOTAL_BYTES = 120 * 1024 * 1024


MAX_RATIO = 100


MAX_ENTRIES = 2000


MAX_ELEMENTS = 1_000_000  # per part; a 500-page agreement has well under this


_EXTERNAL_DANGER = ("attachedTemplate", "subDocument", "frame", "oleObject", "package", "aFChunk")


_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)


@dataclass(frozen=True)
class Package:
    """A checked package: raw bytes of every part and the parsed WordprocessingML parts."""

    parts: dict[str, bytes]
    xml: dict[str, etree._Element]  # document, headers, footers, notes, comments: the parts Word displays
    styles: etree._Element | None = None

    @property
    def document(self) -> etree._Element:
        """The parsed main document part (word/document.xml)."""
        return self.xml["word/document.xml"]


def _reject(label: str, reason: str) -> IntakeError:
    return IntakeError(f"{label}: rejected: {reason}; nothing was stored")


def _check_names(label: str, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise _reject(label, f"{len(infos)} zip entries (more than {MAX_ENTRIES})")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if "\\" in name:
            raise _reject(label, f"zip entry {name!r} contains a backslash")
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
            raise _reject(label, f"zip entry {name!r} has an absolute path")
        if ".." in PurePosixPath(name).parts:
            raise _reject(label, f"zip entry {name!r} contains '..' (path traversal)")
        if name.lower() in seen:
            raise _reject(label, f"duplicate zip entry {name!r}")
        seen.add(name.lower())
        if info.flag_bits & 0x1:
            raise _reject(label, f"zip entry {name!r} is encrypted")
        if info.file_size > MAX_ENTRY_BYTES:
            raise _reject(
                label, f"zip entry {name!r} unpacks to {info.file_size} bytes (limit {MAX_ENTRY_BYTES})"
            )
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            ratio = info.file_size // info.compress_size
            raise _reject(label, f"zip entry {name!r} has a compression ratio of {ratio}:1 (zip bomb?)")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise _reject(label, f"the package unpacks to more than {MAX_TOTAL_BYTES} bytes")


def _read(label: str, package: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    # Read at most the declared size + 1: a lying header cannot make us inflate more than the limit.
    with package.open(info) as handle:
        data = handle.read(MAX_ENTRY_BYTES + 1)
    if len(data) > MAX_ENTRY_BYTES or len(data) != info.file_size:
        raise _reject(label, f"zip entry {info.filename!r} does not match its declared size")
    return data


def _parse(label: str, name: str, data: bytes) -> etree._Element:
    if _DECLARATION.search(data):
        raise _reject(label, f"{name} contains a DOCTYPE or ENTITY declaration")
    if data.count(b"<") > MAX_ELEMENTS:
        raise _reject(label, f"{name} has more than {MAX_ELEMENTS} elements")
    try:
        return etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise _reject(label, f"{name} is not well-formed XML ({exc.msg})") from None


def _check_content(label: str, parts: dict[str, bytes]) -> etree._Element:
    lowered = {name.lower(): name for name in parts}
    if "[content_types].xml" not in lowered or "_rels/.rels" not in lowered:
        raise _reject(label, "not a Word document (no [Content_Types].xml or _rels/.rels)")
    for name in lowered:
        if name.endswith("vbaproject.bin") or name.endswith("vbadata.xml"):
            raise _reject(label, f"it contains macros ({lowered[name]})")
        if "/activex/" in name or name.startswith("word/activex"):
            raise _reject(label, f"it contains an ActiveX control ({lowered[name]})")
        if name.startswith("word/embeddings/") or "oleobject" in name:
            raise _reject(label, f"it contains an embedded OLE object ({lowered[name]})")
    types = _parse(label, "[Content_Types].xml", parts[lowered["[content_types].xml"]])
    for node in types:
        content_type = (node.get("ContentType") or "").lower()
        if "macroenabled" in content_type or "vbaproject" in content_type:
            raise _reject(label, "it is a macro-enabled document (.docm)")
        if "activex" in content_type or "oleobject" in content_type:
            raise _reject(label, f"it declares ActiveX/OLE content ({content_type})")
    for name, data in parts.items():
        if not name.endswith(".rels"):
            continue
        for rel in _parse(label, name, data):
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
            external = (rel.get("TargetMode") or "") == "External"
            if kind in _EXTERNAL_DANGER and (external or kind in ("aFChunk", "oleObject")):
                target = rel.get("Target")
                raise _reject(label, f"relationship {kind} to {target!r} in {name} (external content)")
    return types


def _check_fields(label: str, name: str, root: etree._Element) -> None:
    found = visible.dangerous_field(root)
    if found:
        raise _reject(label, f"{name} contains a {found} field")


def read_untrusted(path: Path, label: str) -> bytes:
    """The bytes of a received file: a regular file of at most MAX_FILE_BYTES, refused before reading."""
    try:
        return read_regular_file(path, MAX_FILE_BYTES)
    except FileRefused as exc:
        raise _reject(label, str(exc)) from None
    except OSError as exc:
        raise IntakeError(f"{path}: cannot read ({exc.strerror}); nothing was stored") from None


def open_untrusted(data: bytes, label: str) -> Package:
    """Check and parse an untrusted .docx held in memory; raises IntakeError with the reason."""
    if len(data) > MAX_FILE_BYTES:
        raise _reject(label, f"the file is {len(data)} bytes (limit {MAX_FILE_BYTES})")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        infos = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _reject(label, "not a .docx (not a zip package)") from None
    _check_names(label, infos)
    parts = {info.filename: _read(label, package, info) for info in infos if not info.is_dir()}
    types = _check_content(label, parts)
    roots = {
        name: _parse(label, name, content)
        for name, content in parts.items()
        if name.endswith((".xml", ".rels"))
    }
    try:
        visible.check_relationships(parts, roots)
        located = visible.locate_parts(parts, roots, types)
    except visible.PackageProblem as exc:
        raise _reject(label, str(exc)) from None
    for name, root in roots.items():
        if not name.endswith(".rels"):
            _check_fields(label, name, root)  # comments, notes, text boxes, glossary: wherever a field is
    styles = roots.get(posixpath.join(posixpath.dirname(located["word/document.xml"]), "styles.xml"))
    return Package(parts, {shown: roots[name] for shown, name in located.items()}, styles)
