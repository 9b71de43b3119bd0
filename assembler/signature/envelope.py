"""The DocuSign envelope: its definition (official `docusign-esign` SDK models) and `sign --send`.

One signer per party, in the routing order of the clause library's config (`docusign.routing_order`), with the
signatory's name and e-mail from deal.yaml; each signer's `signHere`, `fullName` and `dateSigned` tabs are
placed by the anchor strings the execution version carries on its signature page (word/execution.py).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from typing import Any

from assembler.deals.contract import Deal, Party
from assembler.deals.layout import Workspace
from assembler.errors import SignatureError
from assembler.library.loader import Library
from assembler.library.schemas import Document
from assembler.rounds.executed import ENVELOPE, executed_path
from assembler.word.execution import anchors

CREDENTIALS = ("DOCUSIGN_ACCESS_TOKEN", "DOCUSIGN_ACCOUNT_ID", "DOCUSIGN_BASE_PATH")


def envelope_problems(workspace: Workspace, deal_id: str, deal: Deal, library: Library) -> list[str]:
    """What the envelope needs and the deal or library lacks: the routing order, the signatories' e-mails."""
    problems = []
    if library.config.docusign is None or sorted(library.config.docusign.routing_order) != [
        "company",
        "partner",
    ]:
        problems.append(
            "clause_library/config.yaml: docusign.routing_order: name both parties once, in signing order "
            "(e.g. [partner, company])"
        )
    source = workspace.relative(workspace.deal_file(deal_id))
    for key, party in (("partner", deal.partner), ("company", deal.company)):
        if party.signatory.email is None:
            problems.append(
                f"{source}: {key}.signatory.email: required for the DocuSign envelope; add the e-mail "
                f"address of {party.signatory.name}"
            )
    return problems


def _signer(party_key: str, party: Party, order: int) -> Any:
    from docusign_esign import DateSigned, FullName, Signer, SignHere, Tabs

    found = anchors(party_key)

    def placed(anchor: str) -> dict[str, str]:
        # The anchor text sits at the end of its line; the tab goes on the line itself, just after it.
        return {
            "anchor_string": anchor,
            "anchor_units": "pixels",
            "anchor_x_offset": "10",
            "anchor_y_offset": "0",
            "anchor_ignore_if_not_present": "false",
            "anchor_match_whole_word": "true",
        }

    return Signer(
        email=party.signatory.email,
        name=party.signatory.name,
        recipient_id=str(order),
        routing_order=str(order),
        role_name=party_key,
        tabs=Tabs(
            sign_here_tabs=[SignHere(document_id="1", **placed(found.sign_here))],
            full_name_tabs=[FullName(document_id="1", **placed(found.full_name))],
            date_signed_tabs=[DateSigned(document_id="1", **placed(found.date_signed))],
        ),
    )


def envelope_definition(
    deal: Deal, library: Library, document: Document, docx: bytes, pdf: bytes | None
) -> Any:
    """The `docusign_esign.EnvelopeDefinition` (status "created": a draft until `--send` sends it)."""
    from docusign_esign import Document as EnvelopeDocument
    from docusign_esign import EnvelopeDefinition, Recipients

    config = library.config.docusign
    assert config is not None  # envelope_problems refused a library without one
    content, extension = (pdf, "pdf") if pdf is not None else (docx, "docx")
    parties = {"company": deal.company, "partner": deal.partner}
    signers = [_signer(key, parties[key], order) for order, key in enumerate(config.routing_order, start=1)]
    subject = config.email_subject.format(
        document=document.title, company=deal.company.name, partner=deal.partner.name
    )
    return EnvelopeDefinition(
        email_subject=subject[:100],  # DocuSign's limit for the subject
        documents=[
            EnvelopeDocument(
                document_base64=base64.b64encode(content).decode("ascii"),
                name=f"{document.title} (execution version).{extension}",
                file_extension=extension,
                document_id="1",
            )
        ],
        recipients=Recipients(signers=signers),
        status="created",
    )


def envelope_json(deal: Deal, library: Library, document: Document, docx: bytes, pdf: bytes | None) -> bytes:
    """The envelope definition (the execution version: its PDF, else its DOCX) as the REST API's JSON."""
    from docusign_esign import ApiClient

    data = ApiClient().sanitize_for_serialization(envelope_definition(deal, library, document, docx, pdf))
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n"


def load_envelope(data: bytes) -> Any:
    """An envelope.json read back into a `docusign_esign.EnvelopeDefinition`."""
    from docusign_esign import ApiClient

    client = ApiClient()
    return client._ApiClient__deserialize(json.loads(data), "EnvelopeDefinition")


def send(
    workspace: Workspace,
    deal_id: str,
    document_id: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Post the prepared envelope to DocuSign; returns the envelope id. Needs the three credentials set."""
    from assembler.library.validate import choose_document, load_valid_deal

    environ = os.environ if environ is None else environ
    library = Library(workspace.library_root)
    document_id = choose_document(load_valid_deal(workspace, deal_id, library), library, document_id)
    path = executed_path(deal_id, document_id, ENVELOPE)
    problems = []
    missing = [name for name in CREDENTIALS if not environ.get(name)]
    if missing:
        problems.append(
            f"sign --send: set {', '.join(missing)} (an OAuth access token, the DocuSign account id and the "
            "eSignature REST base path, e.g. https://demo.docusign.net/restapi); nothing was sent"
        )
    envelope_file = workspace.guard(workspace.root / path)  # a linked executed/ folder is refused
    if envelope_file.is_symlink() or not envelope_file.is_file():
        problems.append(f"{path}: no envelope prepared; run `assembler sign {deal_id} --prepare` first")
    if problems:
        raise SignatureError("\n".join(problems))
    from docusign_esign import ApiClient, EnvelopesApi
    from docusign_esign.client.api_exception import ApiException

    envelope = load_envelope(envelope_file.read_bytes())
    envelope.status = "sent"
    client = ApiClient(host=environ["DOCUSIGN_BASE_PATH"])
    client.set_default_header("Authorization", f"Bearer {environ['DOCUSIGN_ACCESS_TOKEN']}")
    try:
        summary = EnvelopesApi(client).create_envelope(
            environ["DOCUSIGN_ACCOUNT_ID"], envelope_definition=envelope
        )
    except ApiException as exc:
        raise SignatureError(
            f"{path}: DocuSign refused the envelope (HTTP {exc.status}: {exc.reason})"
        ) from None
    return str(summary.envelope_id)
