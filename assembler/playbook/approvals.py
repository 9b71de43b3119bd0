"""Sign-offs with identity: an approval in deal.yaml counts only when git proves who gave it.

The deal folder belongs to the alliances team, so a line in deal.yaml proves nothing by itself. An approval
counts only if the commit that added it to deal.yaml was authored by a person listed for that role in
clause_library/config.yaml (`approvers`), under that person's own name, and (with `signed_approvals: true`)
`git verify-commit` accepts the commit's signature. `assembler approve` records one as its own commit by the
person running it. Unproven approvals are reported and lift no red flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assembler.assembly.assemble import AssembledDocument
from assembler.deals.committed import committed_deal_data
from assembler.deals.contract import Approval, Deal
from assembler.deals.layout import DealLayout
from assembler.errors import RepositoryError
from assembler.library.loader import Library
from assembler.library.schemas import Config
from assembler.playbook.clock import Progress
from assembler.playbook.finding import SEVERITY_ORDER, Finding
from assembler.playbook.findings import evaluate
from assembler.playbook.wording import wording_findings

if TYPE_CHECKING:
    from assembler.rounds.git import Repository

NO_REPOSITORY = (
    "approvals are taken as written: this folder is not a git repository, so no commit proves who gave them "
    "(and no round can be committed here)"
)


@dataclass(frozen=True)
class ApprovalProof:
    """An approval of deal.yaml and what git says of it."""

    approval: Approval
    proven: bool
    reason: str  # who added it in which commit, or why it does not count


def _key(role: object, name: object, date: object, covers: object) -> tuple[str, str, str, tuple[str, ...]]:
    listed = tuple(str(c) for c in covers) if isinstance(covers, list) else ()
    return (str(role), " ".join(str(name).split()), str(date), listed)


def _approval_keys(text: str) -> set[tuple[str, str, str, tuple[str, ...]]]:
    data: Any = committed_deal_data(text)
    entries = data.get("approvals") if isinstance(data, dict) else None
    keys = set()
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            keys.add(_key(entry.get("role"), entry.get("name"), entry.get("date"), entry.get("covers")))
    return keys


def prove_approvals(
    root: Path, deal_id: str, deal: Deal, config: Config, repo: Repository | None = None
) -> list[ApprovalProof]:
    """Each approval of the deal with its proof (or the reason it has none), from the deal file's history
    (read through `repo` when the command already opened the repository)."""
    if not deal.approvals:
        return []
    from assembler.rounds.git import Repository  # GitPython loads only when there is something to prove

    try:
        repo = repo or Repository(root)
    except RepositoryError:
        # Outside a git repository nothing can be committed, so nothing an approval lifts can become a round;
        # approvals count as written there, and `check` says they are unproven.
        return [ApprovalProof(a, True, NO_REPOSITORY) for a in deal.approvals]
    introduced: dict[tuple[str, str, str, tuple[str, ...]], tuple[str, str, str]] = {}
    if repo is not None and repo.head() is not None:
        path = DealLayout(deal_id).deal_yaml
        authors = repo.log_authors(path)
        texts = repo.read_blobs([(commit, path) for commit, _, _ in authors])  # one batch read
        previous: set[tuple[str, str, str, tuple[str, ...]]] = set()
        for (commit, author, email), text in zip(authors, texts, strict=True):
            present = _approval_keys((text or b"").decode("utf-8", "replace"))
            for key in present - previous:  # added here (again, if it was removed before)
                introduced[key] = (commit, author, email)
            previous = present
    proofs = []
    for approval in deal.approvals:
        key = _key(approval.role, approval.name, approval.date.isoformat(), list(approval.covers))
        covers = ", ".join(approval.covers)
        shown = f"{approval.role} approval by {approval.name} ({approval.date}, covers: {covers})"
        origin = introduced.get(key)
        if origin is None:
            proofs.append(
                ApprovalProof(
                    approval,
                    False,
                    f"{shown} is not committed; it counts once its giver "
                    f"records it with `assembler approve {deal_id} --role {approval.role}`",
                )
            )
            continue
        commit, author, email = origin
        listed = {m.email.casefold(): m.name for m in config.approvers.get(approval.role, [])}
        if email.casefold() not in listed:
            proofs.append(
                ApprovalProof(
                    approval,
                    False,
                    f"{shown} was added in commit {commit[:12]} by "
                    f"{author} <{email}>, who is not listed for {approval.role} in "
                    "clause_library/config.yaml (approvers); it lifts no red flag",
                )
            )
        elif " ".join(listed[email.casefold()].split()) != key[1]:
            proofs.append(
                ApprovalProof(
                    approval,
                    False,
                    f"{shown} was added in commit {commit[:12]} by "
                    f"{author} <{email}>, not by {approval.name}; a sign-off is given by "
                    "its signer",
                )
            )
        elif config.signed_approvals and repo is not None and not repo.verify_commit(commit):
            proofs.append(
                ApprovalProof(
                    approval,
                    False,
                    f"{shown} was added in commit {commit[:12]}, whose "
                    "signature git does not verify (git verify-commit)",
                )
            )
        else:
            proofs.append(ApprovalProof(approval, True, f"{shown}: committed by {author} in {commit[:12]}"))
    return proofs


def evaluate_proven(
    root: Path,
    deal_id: str,
    deal: Deal,
    library: Library,
    assembled: AssembledDocument,
    *,
    today: Any = None,
    progress: Progress | None = None,
    first_round: bool = False,
    repo: Repository | None = None,
) -> list[Finding]:
    """The playbook's findings counting only proven approvals; each unproven one is a warning of its own."""
    proofs = prove_approvals(root, deal_id, deal, library.config, repo)
    proven = deal.model_copy(update={"approvals": [p.approval for p in proofs if p.proven]})
    findings = evaluate(proven, library, assembled, today=today, progress=progress, first_round=first_round)
    findings += wording_findings(proven, library, assembled)  # negotiated wording, checked as library text
    findings += [Finding("approval.unproven", "warning", p.reason) for p in proofs if not p.proven]
    if any(p.reason == NO_REPOSITORY for p in proofs):
        findings.append(Finding("approval.unproven", "info", NO_REPOSITORY))
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])
