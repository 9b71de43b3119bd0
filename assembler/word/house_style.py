"""The house style: builds `clause_library/templates/reference.docx` and `shell.docx` from code.

`reference.docx` is pandoc's reference document: page setup, fonts, header and footer, and one multi-level
list definition linked to the clause styles so Word itself numbers `1.` / `1.1` / `(a)` / `(i)`.
`shell.docx` is the docxtpl template for the cover page, parties block and signature page; it has the same
styles, so the rendered body can be placed inside it without remapping anything.

Run `make house-style` (`assembler house-style`) after changing this file; a test fails when the committed
templates are stale.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import docx
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor, Twips

from assembler.atomic_write import write_files_atomically
from assembler.word.package import BODY_MARKER, DRAFT_MARKING, PARTIES_MARKING, normalize_docx
from assembler.word.pandoc import run_pandoc

FONT = "Times New Roman"


BLACK = RGBColor(0, 0, 0)


CLAUSE_NUM_ID = 1


STYLE_TIMESTAMP = dt.date(2026, 1, 1)  # fixed: the templates change only when this code does


# (style name, list level, left indent in twips): the clause heading and the numbered levels below it.
CLAUSE_LEVELS = [
    ("Heading 1", 0, 720, "decimal", "%1."),
    ("Clause 2", 1, 720, "decimal", "%1.%2"),
    ("Clause 3", 2, 1440, "lowerLetter", "(%3)"),
    ("Clause 4", 3, 2160, "lowerRoman", "(%4)"),
]


def _numbering_xml() -> str:
    levels = []
    for style, ilvl, left, fmt, text in CLAUSE_LEVELS:
        style_id = style.replace(" ", "")
        levels.append(
            f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'<w:pStyle w:val="{style_id}"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
            f'<w:pPr><w:tabs><w:tab w:val="num" w:pos="{left}"/></w:tabs>'
            f'<w:ind w:left="{left}" w:hanging="720"/></w:pPr>'
            f'<w:rPr><w:b w:val="{1 if ilvl == 0 else 0}"/></w:rPr></w:lvl>'
        )
    for ilvl in range(4, 9):  # Word expects nine levels
        levels.append(
            f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="none"/>'
            f'<w:lvlText w:val=""/><w:lvlJc w:val="left"/></w:lvl>'
        )
    return (
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{CLAUSE_NUM_ID}">'
        '<w:nsid w:val="4C45474C"/><w:multiLevelType w:val="multilevel"/>'
        + "".join(levels)
        + "</w:abstractNum>"
    )


def _add_numbering(document: docx.document.Document) -> None:
    numbering = document.part.numbering_part.element
    abstract = parse_xml(_numbering_xml())
    first_num = numbering.find(qn("w:num"))
    # abstractNum elements must precede num elements.
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{CLAUSE_NUM_ID}">'
            f'<w:abstractNumId w:val="{CLAUSE_NUM_ID}"/></w:num>'
        )
    )


def _style(document: docx.document.Document, name: str, base: str | None = None) -> Any:
    styles = document.styles
    try:
        return styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if base:
            style.base_style = styles[base]
        style.quick_style = True
        return style


def _set_numbering(style: Any, ilvl: int) -> None:
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:numPr")):
        ppr.remove(old)
    ppr.insert(
        0,
        parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{CLAUSE_NUM_ID}"/></w:numPr>'
        ),
    )


def _font(style: Any, size: float, bold: bool | None = None) -> None:
    style.font.name = FONT
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attr), None)
    style.font.size = Pt(size)
    style.font.color.rgb = BLACK
    if bold is not None:
        style.font.bold = bold
    style.font.italic = False


def _paragraph(
    style: Any, align: Any = None, before: float = 0, after: float = 6, keep: bool = False
) -> None:
    fmt = style.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing = 1.08
    if align is not None:
        fmt.alignment = align
    fmt.keep_with_next = keep


def _apply_styles(document: docx.document.Document) -> None:
    for name in ("Normal", "Body Text", "First Paragraph", "Compact"):
        style = _style(document, name)
        _font(style, 11)
        _paragraph(style, WD_ALIGN_PARAGRAPH.JUSTIFY, after=6)
    title = _style(document, "Title")
    _font(title, 16, bold=True)
    _paragraph(title, WD_ALIGN_PARAGRAPH.CENTER, before=0, after=18)
    title.font.all_caps = True
    for level in range(1, 4):
        heading = _style(document, f"Heading {level}")
        _font(heading, 11, bold=True)
        _paragraph(heading, WD_ALIGN_PARAGRAPH.LEFT, before=12, after=6, keep=True)
    for name, ilvl, _left, _fmt, _text in CLAUSE_LEVELS:
        style = _style(document, name, "Body Text")
        if name != "Heading 1":
            _font(style, 11, bold=False)
            _paragraph(style, WD_ALIGN_PARAGRAPH.JUSTIFY, after=6)
        _set_numbering(style, ilvl)
    cover_title = _style(document, "Cover Title", "Normal")
    _font(cover_title, 20, bold=True)
    cover_title.font.all_caps = True
    _paragraph(cover_title, WD_ALIGN_PARAGRAPH.CENTER, before=144, after=36)
    cover_text = _style(document, "Cover Text", "Normal")
    _font(cover_text, 12)
    _paragraph(cover_text, WD_ALIGN_PARAGRAPH.CENTER, after=12)
    cover_party = _style(document, "Cover Party", "Cover Text")
    _font(cover_party, 13, bold=True)
    parties = _style(document, "Parties", "Body Text")
    _font(parties, 11)
    _paragraph(parties, WD_ALIGN_PARAGRAPH.LEFT, after=6)
    signature = _style(document, "Signature Text", "Normal")
    _font(signature, 11)
    _paragraph(signature, WD_ALIGN_PARAGRAPH.LEFT, before=6, after=6)
    for name in ("Header", "Footer"):
        style = _style(document, name, "Normal")
        _font(style, 9)
        _paragraph(style, WD_ALIGN_PARAGRAPH.CENTER, after=0)


def _field(paragraph: Any, instruction: str) -> None:
    paragraph._p.append(
        parse_xml(
            f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
        )
    )


def _page_setup(document: docx.document.Document) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Twips(12240), Twips(15840)  # US Letter
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Twips(1440))
    section.header_distance = section.footer_distance = Twips(720)
    header = section.header
    header.is_linked_to_previous = False
    paragraph = header.paragraphs[0]
    paragraph.style = document.styles["Header"]
    paragraph.add_run(DRAFT_MARKING)
    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = document.styles["Footer"]
    paragraph.add_run(PARTIES_MARKING)
    paragraph.add_run("  |  Page ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" of ")
    _field(paragraph, "NUMPAGES")


def _clear_body(document: docx.document.Document) -> None:
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def _save(document: docx.document.Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return normalize_docx(out.getvalue(), STYLE_TIMESTAMP)


def build_reference() -> bytes:
    """pandoc's default reference document restyled in the house style."""
    default = run_pandoc(["--print-default-data-file", "reference.docx"], b"")
    document = docx.Document(io.BytesIO(default))
    _clear_body(document)
    _apply_styles(document)
    _add_numbering(document)
    _page_setup(document)
    # Core properties are left as pandoc ships them: pandoc writes each output's own, and python-docx's
    # writer depends on which other libraries registered namespace prefixes (docxcompose does).
    return _save(document)


def _cell(cell: Any, lines: list[str]) -> None:
    cell.paragraphs[0].text = lines[0]
    cell.paragraphs[0].style = "Signature Text"
    for line in lines[1:]:
        cell.add_paragraph(line, style="Signature Text")


# Anchors for mapping a returned document's changes to a place (see ingest.py); clause bookmarks come from
# pandoc (one per clause id).
COVER_BOOKMARK, SIGNATURE_BOOKMARK = "cover-page", "signature-page"


def _bookmark(paragraph: Any, name: str, bookmark_id: int) -> None:
    paragraph._p.insert(
        1 if paragraph._p.pPr is not None else 0,
        parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="{bookmark_id}" w:name="{name}"/>'),
    )
    paragraph._p.append(parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{bookmark_id}"/>'))


def build_shell(reference: bytes) -> bytes:
    """The docxtpl template: cover page and parties block, the body marker, then the signature page."""
    document = docx.Document(io.BytesIO(reference))
    _clear_body(document)
    add = document.add_paragraph
    _bookmark(add("{{ document_title }}", style="Cover Title"), COVER_BOOKMARK, 9001)
    add("between", style="Cover Text")
    add("{{ company.name }}", style="Cover Party")
    add("and", style="Cover Text")
    add("{{ partner.name }}", style="Cover Party")
    add("{{ status_line }}", style="Cover Text")
    add("Parties", style="Heading 2").paragraph_format.keep_with_next = True
    add(
        "(1)\t{{ company.name }}{% if company.entity %}, {{ company.entity }}{% endif %}"
        "{% if company.address %}, of {{ company.address }}{% endif %} (the \u201cCompany\u201d); and",
        style="Parties",
    )
    add(
        "(2)\t{{ partner.name }}{% if partner.entity %}, {{ partner.entity }}{% endif %}"
        "{% if partner.address %}, of {{ partner.address }}{% endif %} (the \u201cPartner\u201d).",
        style="Parties",
    )
    add("", style="Normal").add_run().add_break(WD_BREAK.PAGE)
    add(BODY_MARKER, style="Normal")
    closing = add("", style="Normal")
    closing.add_run().add_break(WD_BREAK.PAGE)
    _bookmark(add("{{ signature_intro }}", style="Body Text"), SIGNATURE_BOOKMARK, 9002)
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, party in zip(table.rows[0].cells, ("company", "partner"), strict=True):
        _cell(
            cell,
            [
                f"{{{{ {party}.name }}}}",
                "",
                "By: ______________________________",
                "Authorised Signatory",
                f"Name: {{{{ {party}.signatory.name }}}}",
                f"Title: {{{{ {party}.signatory.title }}}}",
                "Date: ____________________________",
            ],
        )
        cell.paragraphs[0].runs[0].bold = True
    return _save(document)


def write_templates(folder: Path) -> list[Path]:
    """Write the house-style reference.docx and shell.docx into `folder`; return the paths written."""

    reference = build_reference()
    files = {folder / "reference.docx": reference, folder / "shell.docx": build_shell(reference)}
    write_files_atomically(files)
    return sorted(files)
