"""Signature: the pre-signature gate, the execution record in git, and what follows a signature.

`sign --signed-on` refuses until the playbook's pre-signature checklist (clause_library/checklists/
pre-signature.yaml) is confirmed in deal.yaml, no blocking finding remains, both signatories are named, the
signing date is plausible and the deal still renders to its latest round. It then records the execution
version of that round (`sign --prepare`'s, else made now) as executed: the execution record, the signed copy
when given, the post-signature checklist, the internal announcement (Markdown and `.eml`) and the deal.yaml
the gate read, in one commit tagged `<deal>/<document>/executed`. From then on the document is never built
again; `verify` proves the executed files are still those of the signed round.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assembler.assembly import markdown
from assembler.deals.contract import Deal
from assembler.deals.layout import DealLayout, Workspace
from assembler.errors import SignatureError
from assembler.library.checklists import post_signature_checklist, pre_signature_checklist
from assembler.library.loader import Library
from assembler.library.schemas import Document
from assembler.library.validate import read_valid_deal
from assembler.playbook.negotiation import today_from
from assembler.rounds.executed import (
    SIGNED_COPY,
    executed_path,
    executed_tag,
    find_preparation,
    refuse_if_executed,
)
from assembler.rounds.round import commit_time, document_path, latest_round, round_tag
from assembler.rounds.sequence import record, writing
from assembler.rounds.trailers import commit_message
from assembler.signature.after import AfterSignatureItem, _unknown_ids, after_signature_items
from assembler.signature.announcement import (
    announcement_config,
    announcement_context,
    announcement_eml,
    announcement_markdown,
    post_signature_markdown,
    render_announcement,
)
from assembler.signature.execution import (
    ExecutionVersion,
    agreement_document,
    committed_version,
    make_execution_version,
    placeholder_problems,
    round_problems,
)
from assembler.signature.signed_copy import read_signed_copy

LOCK_TIMEOUT_SECONDS = 300.0


def _gate_problems(
    workspace: Workspace, deal_id: str, deal: Deal, library: Library, signed_on: dt.date, today: dt.date
) -> list[str]:
    """Checklist, signatory and date problems (those that need no rendering), one line each."""
    source = workspace.relative(workspace.deal_file(deal_id))
    checklist = pre_signature_checklist(library)
    problems = _unknown_ids(workspace, deal_id, deal, library)
    confirmed = {c.item: c for c in deal.signature.pre_signature} if deal.signature else {}
    for item in checklist.items:
        if item.satisfied_by == "sign":
            continue
        confirmation = confirmed.get(item.id)
        if confirmation is None:
            problems.append(
                f"{source}: signature.pre_signature: {item.id} is not confirmed: {item.text}; add "
                f"{{item: {item.id}, confirmed_by: <name>, date: YYYY-MM-DD}}"
            )
        elif confirmation.date > signed_on:
            problems.append(
                f"{source}: signature.pre_signature: {item.id} is confirmed on {confirmation.date}, after "
                f"the signing date {signed_on}; confirm it before signature"
            )
    problems += placeholder_problems(workspace, deal_id, deal, library)
    if signed_on > today:
        problems.append(
            f"--signed-on {signed_on}: in the future (today is {today}); record a signature once both "
            "parties have signed"
        )
    if signed_on < deal.mutual_interest_date:
        problems.append(
            f"--signed-on {signed_on}: before the mutual interest date {deal.mutual_interest_date} "
            f"({source}: mutual_interest_date); check the date"
        )
    return problems


@dataclass(frozen=True)
class SignResult:
    """The outcome of `sign`: the execution commit and tag, the files committed, the items due after."""

    deal_id: str
    document_id: str
    round_number: int
    signed_on: dt.date
    commit: str
    tag: str
    docx_sha256: str  # the execution version's
    files: list[str]  # repository-relative, as committed
    items: list[AfterSignatureItem]
    first_qbr: dt.date


def sign(
    workspace: Workspace,
    deal_id: str,
    signed_on: dt.date,
    document_id: str | None = None,
    *,
    signed_copy: Path | None = None,
    today: dt.date | None = None,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> SignResult:
    """Record the signature of a deal's document; every reason to refuse is reported at once.

    What is recorded as executed is the execution version `sign --prepare` committed for the latest round;
    without one, it is made now and committed with the signature.
    """
    from assembler.rounds.git import Repository

    library = Library(workspace.library_root)
    deal, deal_yaml = read_valid_deal(workspace, deal_id, library)
    announcement_config(library)  # a library without it cannot write the announcement: say so first
    repo = Repository.of_workspace(workspace.root, library.config.commit_identity)
    document = agreement_document(repo, deal_id, deal, library, document_id, "sign")
    document_id = document.id
    refuse_if_executed(repo, deal_id, document_id)

    problems = _gate_problems(workspace, deal_id, deal, library, signed_on, today_from(today))
    latest, found = round_problems(workspace, repo, deal_id, document_id)
    problems += found
    copy = None
    if signed_copy is not None:
        copy, refused = read_signed_copy(signed_copy)
        problems += refused
    if problems or latest is None:
        raise SignatureError(
            "\n".join([f"{deal_id}: not signed: {len(problems)} problem(s) to resolve first", *problems])
        )

    with writing(repo, lock_timeout, library.config.branch):
        refuse_if_executed(repo, deal_id, document_id)  # another `sign` may have finished meanwhile
        if latest_round(repo, deal_id, document_id) != latest:
            raise SignatureError(
                f"{document_path(deal_id, document_id)}: a new round was committed meanwhile; check it and "
                "sign again"
            )
        prepared = find_preparation(repo, deal_id, document_id)
        committed = committed_version(repo, prepared, latest) if prepared else None
        version = committed or make_execution_version(repo, deal, document, latest, library)
        files = {} if committed else version.files()
        companions, items, first_qbr = _execution_files(
            workspace, deal_id, deal, library, document, version, copy, signed_on
        )
        files |= companions
        files[DealLayout(deal_id).deal_yaml] = deal_yaml  # the confirmations the gate just read
        workspace.guard_all([workspace.root / path for path in files])  # before HEAD moves
        trailers: dict[str, object] = {
            "Deal": deal_id,
            "Document": document_id,
            "Round": latest.number,
            "Executed-On": signed_on.isoformat(),
            "Docx-SHA256": version.docx_sha256,
            **version.trailers(),
        }
        if copy is not None:
            trailers["Signed-Copy-SHA256"] = hashlib.sha256(copy).hexdigest()
        subject = f"{deal_id}: {document.title} executed, round {latest.number}, signed on {signed_on}"
        message = commit_message(subject, [], trailers)
        tag = executed_tag(deal_id, document_id)
        tag_message = (
            f"{deal_id}: {document.title} executed on {signed_on.isoformat()} (round {latest.number})"
        )
        commit = record(repo, files, message, commit_time().isoformat(), [(tag, tag_message)])
    return SignResult(
        deal_id,
        document_id,
        latest.number,
        signed_on,
        commit,
        tag,
        version.docx_sha256,
        list(files),
        items,
        first_qbr,
    )


def _execution_files(
    workspace: Workspace,
    deal_id: str,
    deal: Deal,
    library: Library,
    document: Document,
    version: ExecutionVersion,
    signed_copy: bytes | None,
    signed_on: dt.date,
) -> tuple[dict[str, bytes], list[AfterSignatureItem], dt.date]:
    """The execution record and its companions (path → bytes), the post-signature items and the first QBR."""
    due_hours = post_signature_checklist(library).due_hours
    items = after_signature_items(deal, library, signed_on)
    first_qbr = signed_on + dt.timedelta(days=library.config.first_qbr_days)
    execution = execution_record(deal_id, deal, library, document, version, signed_on, items, first_qbr)
    if signed_copy is not None:
        execution["signed_copy_sha256"] = hashlib.sha256(signed_copy).hexdigest()
    record_bytes = json.dumps(execution, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n"
    files = {executed_path(deal_id, document.id, "execution.json"): record_bytes}
    if signed_copy is not None:
        files[executed_path(deal_id, document.id, SIGNED_COPY)] = signed_copy
    if document.kind == "amendment":  # the partner announcement and onboarding follow the agreement only
        return files, [], first_qbr
    signed = version.round
    context = announcement_context(
        deal, library, document, signed_on, signed.number, items, due_hours, first_qbr
    )
    subject_md, body_md = render_announcement(library, context, markdown.escape)
    subject, body = render_announcement(library, context, None)
    post_signature = post_signature_markdown(workspace, deal_id, deal, library, document, context)
    eml = announcement_eml(library, subject, body, signed_on, hashlib.sha256(record_bytes).hexdigest())
    files |= {
        executed_path(deal_id, document.id, "post-signature.md"): post_signature.encode("utf-8"),
        executed_path(deal_id, document.id, "announcement.md"): announcement_markdown(
            library, subject_md, body_md
        ).encode("utf-8"),
        executed_path(deal_id, document.id, "announcement.eml"): eml,
    }
    return files, items, first_qbr


def execution_record(
    deal_id: str,
    deal: Deal,
    library: Library,
    document: Document,
    version: ExecutionVersion,
    signed_on: dt.date,
    items: list[AfterSignatureItem],
    first_qbr: dt.date,
) -> dict[str, Any]:
    """execution.json: what was signed (round, commit, hashes), by whom, when, and with which approvals."""
    signed = version.round
    confirmed = {c.item: c for c in deal.signature.pre_signature} if deal.signature else {}
    checklist = []
    for item in pre_signature_checklist(library).items:
        if item.satisfied_by == "sign":
            checklist.append(
                {"item": item.id, "confirmed_by": "assembler sign", "date": signed_on.isoformat()}
            )
        else:
            confirmation = confirmed[item.id]
            checklist.append(
                {
                    "item": item.id,
                    "confirmed_by": confirmation.confirmed_by,
                    "date": confirmation.date.isoformat(),
                }
            )
    return {
        "deal": deal_id,
        "document": document.id,
        "partner": deal.partner.name,
        "tier": deal.partner.tier,
        "model": deal.model,
        "round": signed.number,
        "round_tag": round_tag(deal_id, document.id, signed.number),
        "commit": signed.commit,
        "clause_library": signed.library_tree,
        "round_sha256": signed.docx_sha256,
        "sha256": version.docx_sha256,
        "pdf_sha256": version.pdf_sha256,
        "signed_on": signed_on.isoformat(),
        "signatories": {
            "company": {"party": deal.company.name, **deal.company.signatory.model_dump(mode="json")},
            "partner": {"party": deal.partner.name, **deal.partner.signatory.model_dump(mode="json")},
        },
        "approvals": [a.model_dump(mode="json", exclude_none=True) for a in deal.approvals],
        "pre_signature": checklist,
        "post_signature_due": items[0].due.isoformat() if items else None,
        "first_qbr": first_qbr.isoformat(),
    }
