"""The renderer: assembled Markdown → DOCX bytes.

pandoc renders the body with the house reference document (clause styles carry Word's own numbering);
docxtpl fills the house shell (cover page, parties block, signature page) with `autoescape=True`; the body is
placed inside the shell; the header gets the draft marking; the package is zipped deterministically.
The shell holds no deal data before docxtpl renders it, so deal values can never act as template code.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

from assembler.assembly.assemble import AssembledDocument, assemble
from assembler.assembly.wording import deal_overrides
from assembler.deals.contract import Deal
from assembler.deals.layout import Workspace
from assembler.errors import LibraryError
from assembler.library.loader import Library
from assembler.library.validate import open_document
from assembler.word.layout import finish_shell
from assembler.word.package import (
    BODY_MARKER,
    DRAFT_MARKING,
    PARTIES_MARKING,
    place_in_shell,
    read_parts,
    replace_text,
    write_package,
)
from assembler.word.pandoc import markdown_to_docx
from assembler.word.shell import STATUS_LINE as STATUS_LINE
from assembler.word.shell import localised_shell_context


def epoch_of(day: dt.date) -> int:
    """Seconds since the epoch at midnight UTC of `day`."""
    return calendar.timegm(day.timetuple())


def draft_marking(document_title: str, round_number: int) -> str:
    """The draft marking in a round's headers and footers: "DRAFT — <title> — Round <n> — Confidential"."""
    return f"DRAFT \u2014 {document_title} \u2014 Round {round_number} \u2014 Confidential"


def fill_shell(assembled: AssembledDocument, library: Library, deal: Deal) -> bytes:
    """The house shell's document.xml with cover, parties block and signature page filled (docxtpl).

    It does not depend on the body or the round, so it is made once per build, while pandoc runs.
    """
    from docxtpl import DocxTemplate  # imported here: it loads while pandoc renders the body

    context = localised_shell_context(assembled.document, deal, library)
    path = library.root / "templates" / "shell.docx"
    if not path.exists():
        raise LibraryError("clause_library/templates/shell.docx is missing; run `make house-style`")
    template = DocxTemplate(str(path))
    template.render(context, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    shell_xml = read_parts(out.getvalue())["word/document.xml"]
    return finish_shell(shell_xml, deal, library, assembled.document)


def render_body(assembled: AssembledDocument, library: Library, when: dt.date) -> bytes:
    """The body as a DOCX package (pandoc with the house reference document and the clause-style filter)."""
    reference = library.root / "templates" / "reference.docx"
    if not reference.exists():
        raise LibraryError("clause_library/templates/reference.docx is missing; run `make house-style`")
    with resources.as_file(resources.files("assembler.word") / "clause_styles.lua") as lua_filter:
        return markdown_to_docx(assembled.markdown, reference, epoch_of(when), lua_filter)


def package_docx(
    body: bytes, shell_xml: bytes, assembled: AssembledDocument, deal: Deal, round_number: int, when: dt.date
) -> bytes:
    """The finished document for one round: body inside the filled shell, marked, zipped deterministically.

    DOCX bytes depend only on the assembled text, the deal, the library templates and the round.
    """
    parts = read_parts(body)
    parts["word/document.xml"] = place_in_shell(parts["word/document.xml"], shell_xml, BODY_MARKER)
    marking = draft_marking(assembled.document.title, round_number)
    parties = f"{deal.company.name} and {deal.partner.name}"
    for name in [n for n in parts if n.startswith(("word/header", "word/footer")) and n.endswith(".xml")]:
        parts[name] = replace_text(parts[name], DRAFT_MARKING, marking)
        parts[name] = replace_text(parts[name], PARTIES_MARKING, parties)
    return write_package(parts, when)


class RenderedDocument:
    """A deal's document rendered up to the round number: pandoc runs in the background meanwhile."""

    def __init__(
        self,
        deal: Deal,
        deal_yaml: bytes,
        library: Library,
        assembled: AssembledDocument,
        *,
        checked: AssembledDocument | None = None,
        companions: dict[str, bytes] | None = None,
    ) -> None:
        self.deal, self.deal_yaml, self.library, self.assembled = deal, deal_yaml, library, assembled
        # What the playbook checks (an amendment: the agreement as amended) and further files the round
        # commits (an amendment: that agreement's Markdown twin).
        self.checked = checked or assembled
        self.companions = companions or {}
        self.when = deal.effective_date or deal.mutual_interest_date
        # pandoc (the slowest stage before the redline) runs while git is queried; docxtpl loads and fills
        # the shell meanwhile on a second thread, off the way from pandoc's output to the redline.
        self._pool = ThreadPoolExecutor(max_workers=2)
        self._body = self._pool.submit(render_body, assembled, library, self.when)
        self._shell = self._pool.submit(fill_shell, assembled, library, deal)
        self._pool.shutdown(wait=False)

    @property
    def shell(self) -> bytes:
        """The cover, parties and signature shell filled with the deal (docxtpl), made once."""
        return self._shell.result()

    def package(self, round_number: int) -> bytes:
        """The document's exact bytes as round `round_number` (the body spliced into the shell)."""
        shell = self.shell
        return package_docx(self._body.result(), shell, self.assembled, self.deal, round_number, self.when)


def render_document(
    workspace: Workspace, deal_id: str, document_id: str | None, today: dt.date | None = None
) -> RenderedDocument:
    """The deal's document assembled and rendering: what `build`, `sign` and `verify --rebuild` package.
    `today` (the build date) keeps the milestone dates a preliminary document prints out of the past."""
    opened = open_document(workspace, deal_id, document_id)
    library, deal = opened.library, opened.deal
    overrides = deal_overrides(workspace, deal_id, deal, library)
    assembled = assemble(deal, deal_id, library, opened.document_id, today, overrides)
    return RenderedDocument(deal, opened.deal_yaml, library, assembled)
