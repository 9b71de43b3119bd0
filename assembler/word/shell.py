"""The house shell's own wording (cover, status line, signature intro) and its localisation.

The shell's text is library text like a clause's: it follows the jurisdiction profile's spelling, prints the
profile's draft status line, and shows empty party facts as blanks.
"""

from __future__ import annotations

from typing import Any

from assembler.assembly.blanks import fill
from assembler.assembly.localise import localise
from assembler.deals.contract import Deal
from assembler.library.jurisdictions import profile_for
from assembler.library.loader import Library
from assembler.library.schemas import Document
from assembler.word.package import replace_text

# Fixed labels of the house shell (clause_library/templates/shell.docx), as whole runs of text.
SHELL_LABELS = ("Authorised Signatory",)
# The cover's line on every draft (the profile's draft_status replaces it); the execution version replaces it
# with the Effective Date.
STATUS_LINE = "Draft for discussion \u2014 subject to contract"


def shell_context(document: Document, deal: Deal) -> dict[str, Any]:
    """The values docxtpl fills into the shell, before localisation."""
    if document.binding:
        intro = (
            f"IN WITNESS WHEREOF, the Parties have caused this {document.title} to be executed by their "
            "duly authorised representatives as of the Effective Date."
        )
    else:
        intro = (
            f"Signed by the authorised representatives of the Parties to record their intent. This "
            f"{document.title} is non-binding except for the provisions it expressly states to be binding."
        )
    return {
        "document_title": document.title,
        # The round is in the header; keeping it off the page keeps it out of the redlines' text changes.
        "status_line": STATUS_LINE,
        "signature_intro": intro,
        "company": deal.company.model_dump(),
        "partner": deal.partner.model_dump(),
    }


def localise_shell(
    context: dict[str, Any], deal: Deal, library: Library, document: Document | None = None
) -> dict[str, Any]:
    """The cover/signature shell's library text in the profile's variant, with its draft status line."""
    profile = profile_for(deal, library)
    updated = dict(context)
    for key in ("document_title", "signature_intro"):
        if isinstance(updated.get(key), str):
            updated[key] = localise(updated[key], library, profile.spelling)
    updated["status_line"] = profile.draft_status
    if document is not None and document.kind == "preliminary":
        updated["signature_intro"] = localise(
            "Signed by the authorised representatives of the Parties to record their intent.",
            library,
            profile.spelling,
        )
    parties = fill({"company": updated.get("company"), "partner": updated.get("partner")}, library)
    updated.update(parties)
    return updated


def localised_shell_context(document: Document, deal: Deal, library: Library) -> dict[str, Any]:
    """What the shell prints for this deal and document: its context, localised and with blanks."""
    return localise_shell(shell_context(document, deal), deal, library, document)


def shell_texts(deal: Deal, library: Library, document: Document) -> list[str]:
    """The library text the shell prints (for the spelling check)."""
    context = localised_shell_context(document, deal, library)
    return [context["document_title"], context["signature_intro"], context["status_line"]]


def localise_shell_xml(document_xml: bytes, deal: Deal, library: Library) -> bytes:
    """The filled shell with its fixed labels in the profile's spelling (deal values are not touched)."""
    profile = profile_for(deal, library)
    for label in SHELL_LABELS:
        localised = localise(label, library, profile.spelling)
        if localised != label:
            document_xml = replace_text(document_xml, label, localised)
    return document_xml
