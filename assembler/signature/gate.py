"""Signature: the pre-signature gate, the execution record in git, and what follows a signature.

`sign` refuses until the playbook's pre-signature checklist (clause_library/checklists/pre-signature.yaml) is
confirmed in deal.yaml, no blocking finding remains, both signatories are named and the deal still renders to
its latest round. It then commits that round's exact bytes as `agreements/<deal>/executed/<document>.docx`
with an execution record, the post-signature checklist and the internal announcement (Markdown and `.eml`),
and tags the commit `<deal>/<document>/executed`. From then on the document is never built again; `verify`
proves the executed file is still the signed round.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from assembler.assembly import markdown
from assembler.deals.contract import Deal
from assembler.deals.layout import Workspace
from assembler.errors import SignatureError
from assembler.library.checklists import post_signature_checklist, pre_signature_checklist
from assembler.library.loader import Library
from assembler.library.schemas import Document
from assembler.library.validate import choose_document, load_valid_deal
from assembler.playbook.findings import Finding, blocking, evaluate
from assembler.rounds.executed import executed_path, executed_tag, refuse_if_executed
from assembler.rounds.round import (
    Round,
    commit_time,
    document_path,
    latest_round,
    round_tag,
)
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
from assembler.word.render import render_document

LOCK_TIMEOUT_SECONDS = 300.0


def _gate_problems(
    workspace: Workspace, deal_id: str, deal: Deal, library: Library, signed_on: dt.date
) -> list[str]:
    """Checklist and signatory problems (those that need no rendering), one line each."""
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
    placeholders = {name.casefold() for name in checklist.placeholder_names}
    for key, party in (("partner", deal.partner), ("company", deal.company)):
        if party.signatory.name.casefold() in placeholders:
            problems.append(
                f"{source}: {key}.signatory.name: {party.signatory.name!r} is a placeholder; name the person "
                f"who signs for {party.name}"
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
    docx_sha256: str
    files: list[str]  # repository-relative, as committed
    items: list[AfterSignatureItem]
    first_qbr: dt.date


def sign(
    workspace: Workspace,
    deal_id: str,
    signed_on: dt.date,
    document_id: str | None = None,
    *,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> SignResult:
    """Record the signature of a deal's document; every reason to refuse is reported at once."""
    from assembler.rounds.git import Repository

    library = Library(workspace.library_root)
    deal = load_valid_deal(workspace, deal_id, library)
    document_id = choose_document(deal, library, document_id)
    model = library.model(deal.model)
    document = library.document(document_id)
    if document.kind != "agreement":
        agreements = [d for d in model.documents if library.document(d).kind == "agreement"]
        raise SignatureError(
            f"--document {document_id}: the {document.title} is a preliminary document; `sign` records the "
            f"execution of an agreement (here: {', '.join(agreements)})"
        )
    announcement_config(library)  # a library without it cannot write the announcement: say so first
    repo = Repository.of_workspace(workspace.root, library.config.commit_identity)
    refuse_if_executed(repo, deal_id, document_id)

    problems = _gate_problems(workspace, deal_id, deal, library, signed_on)
    latest = latest_round(repo, deal_id, document_id)
    docx_name = document_path(deal_id, document_id)
    if latest is None:
        problems.append(
            f"{docx_name}: no committed round; `assembler build {deal_id}` commits round 1, and the round "
            "the parties agree is the one signed"
        )
    # The same render and comparison as `build`: the deal must still produce the latest round byte for byte.
    sha256, findings = rendered_sha256(workspace, deal_id, document_id, latest.number if latest else 1)
    problems += [f"{f.rule}: {f.message}" for f in blocking(findings)]
    if latest is not None and sha256 != latest.docx_sha256:
        problems.append(
            f"{docx_name}: the deal or the clause library changed since round {latest.number}, the latest "
            f"round; commit round {latest.number + 1} with `assembler build {deal_id}`, agree it, sign that"
        )
    if problems or latest is None:
        raise SignatureError(
            "\n".join([f"{deal_id}: not signed: {len(problems)} problem(s) to resolve first", *problems])
        )

    with writing(repo, lock_timeout, library.config.branch):
        refuse_if_executed(repo, deal_id, document_id)  # another `sign` may have finished meanwhile
        if latest_round(repo, deal_id, document_id) != latest:
            raise SignatureError(f"{docx_name}: a new round was committed meanwhile; check it and sign again")
        docx = repo.read_blob(latest.commit, docx_name)
        if docx is None or hashlib.sha256(docx).hexdigest() != latest.docx_sha256:
            raise SignatureError(
                f"{docx_name}: the file committed in round {latest.number} ({latest.commit[:12]}) does not "
                "match its Docx-SHA256 trailer; the history was altered, do not sign from it"
            )
        files, items, first_qbr = _execution_files(
            workspace, deal_id, deal, library, document, latest, docx, signed_on
        )
        message = commit_message(
            f"{deal_id}: {document.title} executed, round {latest.number}, signed on {signed_on}",
            [],
            {
                "Deal": deal_id,
                "Document": document_id,
                "Round": latest.number,
                "Executed-On": signed_on.isoformat(),
                "Docx-SHA256": latest.docx_sha256,
            },
        )
        workspace.guard_all([workspace.root / path for path in files])  # before HEAD moves
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
        latest.docx_sha256,
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
    signed: Round,
    docx: bytes,
    signed_on: dt.date,
) -> tuple[dict[str, bytes], list[AfterSignatureItem], dt.date]:
    """The executed docx and its companions (path → bytes), the post-signature items and the first QBR."""
    due_hours = post_signature_checklist(library).due_hours
    items = after_signature_items(deal, library, signed_on)
    first_qbr = signed_on + dt.timedelta(days=library.config.first_qbr_days)
    record = execution_record(deal_id, deal, library, document, signed, signed_on, items, first_qbr)
    record_bytes = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n"
    context = announcement_context(
        deal, library, document, signed_on, signed.number, items, due_hours, first_qbr
    )
    subject_md, body_md = render_announcement(library, context, markdown.escape)
    subject, body = render_announcement(library, context, None)
    post_signature = post_signature_markdown(workspace, deal_id, deal, library, document, context)
    eml = announcement_eml(library, subject, body, signed_on, hashlib.sha256(record_bytes).hexdigest())
    files = {
        executed_path(deal_id, document.id): docx,
        executed_path(deal_id, document.id, "execution.json"): record_bytes,
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
    signed: Round,
    signed_on: dt.date,
    items: list[AfterSignatureItem],
    first_qbr: dt.date,
) -> dict[str, Any]:
    """execution.json: what was signed (round, commit, hash), by whom, when, and with which approvals."""
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
        "sha256": signed.docx_sha256,
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


def rendered_sha256(
    workspace: Workspace, deal_id: str, document_id: str, round_number: int
) -> tuple[str, list[Finding]]:
    """The sha256 of the document as `build` renders it for `round_number`, and its playbook findings.

    Writes nothing: `sign` uses it to prove the deal still produces the round being signed.
    """
    rendered = render_document(workspace, deal_id, document_id)
    findings = evaluate(rendered.deal, rendered.library, rendered.assembled)
    return hashlib.sha256(rendered.package(round_number)).hexdigest(), findings
