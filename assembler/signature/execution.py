"""`sign --prepare`: the execution version of the latest round, its PDF and its DocuSign envelope, committed.

The execution version is the latest round's DOCX with the draft marks replaced (see word/execution.py), so its
wording is the round's. It is committed as `agreements/<deal>/executed/<document>.execution.docx` (plus a PDF
when LibreOffice is installed and the envelope definition) with the round and both hashes in the trailers;
`sign --signed-on` then records that file as executed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assembler.assembly.localise import localise
from assembler.atomic_write import write_files_atomically
from assembler.deals.contract import Deal
from assembler.deals.layout import Workspace
from assembler.errors import SignatureError
from assembler.library.checklists import pre_signature_checklist
from assembler.library.jurisdictions import profile_for
from assembler.library.loader import Library
from assembler.library.schemas import Document
from assembler.library.validate import load_valid_deal
from assembler.playbook.approvals import evaluate_proven
from assembler.playbook.findings import Finding, blocking
from assembler.rounds.executed import (
    ENVELOPE,
    EXECUTION_PDF,
    Preparation,
    executed_path,
    find_preparation,
    refuse_if_executed,
)
from assembler.rounds.round import Round, commit_time, document_path, latest_round
from assembler.rounds.sequence import record, writing
from assembler.rounds.trailers import commit_message
from assembler.signature.amendment import amendment_document, is_amendment, render_amendment
from assembler.word.execution import PARTIES, anchors, execution_docx, package_text
from assembler.word.render import render_document

if TYPE_CHECKING:
    from assembler.rounds.git import Repository

LOCK_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class ExecutionVersion:
    """The execution version of one round: DOCX bytes and, when LibreOffice made one, the PDF."""

    round: Round
    docx: bytes
    pdf: bytes | None

    @property
    def docx_sha256(self) -> str:
        """The sha256 of the execution version's DOCX."""
        return hashlib.sha256(self.docx).hexdigest()

    @property
    def pdf_sha256(self) -> str | None:
        """The sha256 of its PDF, when there is one."""
        return hashlib.sha256(self.pdf).hexdigest() if self.pdf is not None else None

    def files(self) -> dict[str, bytes]:
        """Repository path → bytes of the execution version (and its PDF)."""
        deal_id, document_id = self.round.deal_id, self.round.document_id
        files = {executed_path(deal_id, document_id): self.docx}
        if self.pdf is not None:
            files[executed_path(deal_id, document_id, EXECUTION_PDF)] = self.pdf
        return files

    def trailers(self) -> dict[str, str]:
        """The commit trailers that tie the execution version to its round."""
        found = {
            "Round-Commit": self.round.commit,
            "Round-Docx-SHA256": self.round.docx_sha256,
            "Execution-Docx-SHA256": self.docx_sha256,
        }
        return found | ({"Execution-PDF-SHA256": self.pdf_sha256} if self.pdf_sha256 else {})


def rendered_sha256(
    workspace: Workspace, deal_id: str, document_id: str, round_number: int
) -> tuple[str, list[Finding]]:
    """The sha256 of the document as `build` renders it for `round_number`, and its playbook findings.

    Writes nothing: `sign` uses it to prove the deal still produces the round being signed.
    """
    rendered = (
        render_amendment(workspace, deal_id, document_id)
        if is_amendment(document_id)
        else render_document(workspace, deal_id, document_id)
    )
    findings = evaluate_proven(workspace.root, deal_id, rendered.deal, rendered.library, rendered.checked)
    return hashlib.sha256(rendered.package(round_number)).hexdigest(), findings


def placeholder_problems(workspace: Workspace, deal_id: str, deal: Deal, library: Library) -> list[str]:
    """A signatory still named by a placeholder ("To be confirmed") cannot sign."""
    source = workspace.relative(workspace.deal_file(deal_id))
    placeholders = {name.casefold() for name in pre_signature_checklist(library).placeholder_names}
    problems = []
    for key, party in (("partner", deal.partner), ("company", deal.company)):
        if party.signatory.name.casefold() in placeholders:
            problems.append(
                f"{source}: {key}.signatory.name: {party.signatory.name!r} is a placeholder; name the person "
                f"who signs for {party.name}"
            )
    return problems


def round_problems(
    workspace: Workspace, repo: Repository, deal_id: str, document_id: str
) -> tuple[Round | None, list[str]]:
    """The latest round, and why it cannot be signed: none committed, a blocking finding, or the deal or
    library changed since (the same render and comparison as `build`)."""
    latest = latest_round(repo, deal_id, document_id)
    problems = []
    if latest is None:
        problems.append(
            f"{document_path(deal_id, document_id)}: no committed round; `assembler build {deal_id}` commits "
            "round 1, and the round the parties agree is the one signed"
        )
    sha256, findings = rendered_sha256(workspace, deal_id, document_id, latest.number if latest else 1)
    problems += [f"{f.rule}: {f.message}" for f in blocking(findings)]
    if latest is not None and sha256 != latest.docx_sha256:
        problems.append(
            f"{document_path(deal_id, document_id)}: the deal or the clause library changed since round "
            f"{latest.number}, the latest round; commit round {latest.number + 1} with "
            f"`assembler build {deal_id}`, agree it, sign that"
        )
    return latest, problems


def make_execution_version(
    repo: Repository, deal: Deal, document: Document, signed: Round, library: Library
) -> ExecutionVersion:
    """Transform the round's committed DOCX into its execution version; add the PDF if LibreOffice is here."""
    from assembler.word.libreoffice import docx_to_pdf, soffice_path

    name = document_path(signed.deal_id, signed.document_id)
    round_docx = repo.read_blob(signed.commit, name)
    if round_docx is None or hashlib.sha256(round_docx).hexdigest() != signed.docx_sha256:
        raise SignatureError(
            f"{name}: the file committed in round {signed.number} ({signed.commit[:12]}) does not match its "
            "Docx-SHA256 trailer; the history was altered, do not sign from it"
        )
    # The round printed the title in its jurisdiction's spelling and the profile's draft status line.
    profile = profile_for(deal, library)
    docx = execution_docx(
        round_docx,
        document_title=localise(document.title, library, profile.spelling),
        status_line=profile.draft_status,
        round_number=signed.number,
        # An amendment takes effect on its own last signature, whatever the agreement's effective date.
        effective_date=deal.effective_date if document.kind != "amendment" else None,
        when=deal.effective_date or deal.mutual_interest_date,
    )
    text = package_text(docx)
    for party in PARTIES:
        for anchor in vars(anchors(party)).values():
            if text.count(anchor) != 1:
                raise SignatureError(
                    f"{name}: the DocuSign anchor {anchor!r} occurs {text.count(anchor)} times in round "
                    f"{signed.number}; it must occur once, on the signature page (reword the clause using it)"
                )
    return ExecutionVersion(signed, docx, docx_to_pdf(docx) if soffice_path() else None)


def committed_version(repo: Repository, prepared: Preparation, signed: Round) -> ExecutionVersion | None:
    """The execution version a `--prepare` commit holds, if it is that of `signed` and intact."""
    if prepared.round_commit != signed.commit:
        return None
    docx = repo.read_blob(prepared.commit, executed_path(signed.deal_id, signed.document_id))
    pdf = repo.read_blob(prepared.commit, executed_path(signed.deal_id, signed.document_id, EXECUTION_PDF))
    version = ExecutionVersion(signed, docx or b"", pdf if prepared.pdf_sha256 else None)
    if version.docx_sha256 != prepared.docx_sha256 or version.pdf_sha256 != prepared.pdf_sha256:
        return None
    return version


@dataclass(frozen=True)
class PrepareResult:
    """What `sign --prepare` did: the round it prepared, whether it committed, the files and hashes."""

    deal_id: str
    document_id: str
    round_number: int
    status: str  # "prepared" | "up to date"
    commit: str
    files: list[str]  # repository-relative
    docx_sha256: str
    pdf_sha256: str | None


def agreement_document(
    repo: Repository, deal_id: str, deal: Deal, library: Library, document_id: str | None, command: str
) -> Document:
    """The document `sign` works on (an agreement or an amendment); a preliminary document is refused."""
    document = amendment_document(repo, deal_id, deal, library, document_id)
    if document.kind == "preliminary":
        model = library.model(deal.model)
        agreements = [d for d in model.documents if library.document(d).kind != "preliminary"]
        raise SignatureError(
            f"--document {document_id}: the {document.title} is a preliminary document; `{command}` works on "
            f"the execution of an agreement (here: {', '.join(agreements)})"
        )
    return document


def prepare(
    workspace: Workspace,
    deal_id: str,
    document_id: str | None = None,
    *,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> PrepareResult:
    """Commit the execution version of the latest round, its PDF and its DocuSign envelope."""
    from assembler.rounds.git import Repository
    from assembler.signature.envelope import envelope_json, envelope_problems

    library = Library(workspace.library_root)
    deal = load_valid_deal(workspace, deal_id, library)
    repo = Repository.of_workspace(workspace.root, library.config.commit_identity)
    document = agreement_document(repo, deal_id, deal, library, document_id, "sign --prepare")
    document_id = document.id
    refuse_if_executed(repo, deal_id, document_id)
    problems = placeholder_problems(workspace, deal_id, deal, library)
    problems += envelope_problems(workspace, deal_id, deal, library)
    latest, found = round_problems(workspace, repo, deal_id, document_id)
    problems += found
    if problems or latest is None:
        raise SignatureError(
            "\n".join([f"{deal_id}: not prepared: {len(problems)} problem(s) to resolve first", *problems])
        )
    with writing(repo, lock_timeout, library.config.branch):
        if latest_round(repo, deal_id, document_id) != latest:
            raise SignatureError(
                f"{document_path(deal_id, document_id)}: a new round was committed meanwhile"
            )
        prepared = find_preparation(repo, deal_id, document_id)
        version = committed_version(repo, prepared, latest) if prepared else None
        status = "up to date" if version is not None else "prepared"
        version = version or make_execution_version(repo, deal, document, latest, library)
        files = {
            **version.files(),
            executed_path(deal_id, document_id, ENVELOPE): envelope_json(
                deal, library, document, version.docx, version.pdf
            ),
        }
        workspace.guard_all([workspace.root / path for path in files])  # before HEAD moves
        changed = {p: data for p, data in files.items() if repo.read_blob("HEAD", p) != data}
        commit = prepared.commit if prepared and not changed else ""
        if changed:
            status = "prepared"
            message = commit_message(
                f"{deal_id}: {document.title}, execution version of round {latest.number}",
                [],
                {"Deal": deal_id, "Document": document_id, "Round": latest.number, **version.trailers()},
            )
            commit = record(repo, files, message, commit_time().isoformat())
        else:
            write_files_atomically({workspace.root / p: data for p, data in files.items()})
    return PrepareResult(
        deal_id,
        document_id,
        latest.number,
        status,
        commit,
        list(files),
        version.docx_sha256,
        version.pdf_sha256,
    )
