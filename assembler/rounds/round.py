"""Rounds: each committed draft of a deal's document is one git commit with trailers and a tag.

The git history is the audit trail: a round is found from its commit's trailers (`Deal:`, `Document:`,
`Round:` ...), and its tag `<deal>/<document>/r<N>` is created (or repaired after a crash) from them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assembler.deals.layout import DealLayout
from assembler.rounds.trailers import INPUTS, Trailers, commit_message

if TYPE_CHECKING:
    from assembler.rounds.git import Repository


@dataclass(frozen=True)
class Round:
    """A committed round of a deal document, read from its commit's trailers."""

    deal_id: str
    document_id: str
    number: int
    commit: str
    docx_sha256: str
    library_tree: str
    model: str
    # The build date the round's milestone dates were re-planned from (only when its plan had slipped).
    planned_from: dt.date | None = None

    @property
    def tag(self) -> str:
        """The round's git tag, e.g. "acme/co-sell-agreement/r2"."""
        return round_tag(self.deal_id, self.document_id, self.number)


def round_tag(deal_id: str, document_id: str, number: int) -> str:
    """The git tag of round `number` of a deal document: "<deal>/<document>/r<number>"."""
    return f"{deal_id}/{document_id}/r{number}"


def document_path(deal_id: str, document_id: str, suffix: str = "docx") -> str:
    """Repository-relative path of a deal's current draft."""
    return DealLayout(deal_id).document(document_id, suffix)


def redline_path(deal_id: str, document_id: str, old: int, new: int, suffix: str = "docx") -> str:
    """Repository-relative path of the redline between two rounds of a document."""
    return DealLayout(deal_id).redline(document_id, old, new, suffix)


def parse_round(commit: str, found: Trailers) -> Round | None:
    """The round a commit records, from its trailers; None for any other commit."""
    try:
        return Round(
            deal_id=found["Deal"],
            document_id=found["Document"],
            number=int(found["Round"]),
            commit=commit,
            docx_sha256=found["Docx-SHA256"],
            library_tree=found["Clause-Library"],
            model=found["Model"],
            planned_from=dt.date.fromisoformat(found["Planned-From"]) if "Planned-From" in found else None,
        )
    except (KeyError, ValueError):
        return None


def rounds(repo: Repository, deal_id: str, document_id: str | None = None) -> list[Round]:
    """Every round of a deal (optionally one document), oldest first, from commit trailers."""
    path = f"{DealLayout(deal_id).folder}/" if document_id is None else document_path(deal_id, document_id)
    found = []
    for commit, trailers in repo.log_trailers(path):
        parsed = parse_round(commit, trailers)
        if parsed and parsed.deal_id == deal_id and document_id in (None, parsed.document_id):
            found.append(parsed)
    return sorted(found, key=lambda r: (r.number, r.document_id)) if document_id else found[::-1]


def latest_round(repo: Repository, deal_id: str, document_id: str) -> Round | None:
    """The latest committed round of a deal document, or None before the first."""
    found = rounds(repo, deal_id, document_id)
    return found[-1] if found else None


def find_round(repo: Repository, deal_id: str, document_id: str, number: int) -> Round | None:
    """Round `number` of a deal document, or None when it was never committed."""
    return next((r for r in rounds(repo, deal_id, document_id) if r.number == number), None)


def ensure_tags(repo: Repository, found: list[Round]) -> None:
    """Create any round tag a crash between commit and tag left missing."""
    if not found:
        return
    existing = repo.tags(f"{found[0].deal_id}/")
    for item in found:
        if item.tag not in existing:
            repo.tag(item.tag, item.commit, tag_message(item.deal_id, item.document_id, item.number))


def tag_message(deal_id: str, document_id: str, number: int) -> str:
    """The annotation of a round's tag."""
    return f"{deal_id}: {document_id} round {number}"


def round_message(
    deal_id: str,
    document_title: str,
    document_id: str,
    number: int,
    model: str,
    library_tree: str,
    docx: bytes,
    changes: list[str],
    planned_from: dt.date | None = None,
    wording: list[tuple[str, str]] | None = None,
    inputs: str | None = None,
) -> str:
    """A round's commit message: what changed since the previous round, the deal wording in the round
    (`wording`: clause id and description), then the round's trailers (`Planned-From:` when its printed
    milestone dates were re-planned from that build date; `Inputs:`, the digest of its inputs, when given)."""
    body = ["Changed since the previous round:", *(f"- {c}" for c in changes)] if changes else []
    if wording:
        body += [""] if body else []
        body += ["Deal wording in this round:", *(f"- {cid}: {text}" for cid, text in wording)]
    return commit_message(
        f"{deal_id}: {document_title}, round {number}",
        body,
        {
            "Deal": deal_id,
            "Document": document_id,
            "Round": number,
            "Model": model,
            "Clause-Library": library_tree,
            "Docx-SHA256": hashlib.sha256(docx).hexdigest(),
            **({"Planned-From": planned_from.isoformat()} if planned_from else {}),
            **({INPUTS: inputs} if inputs else {}),
        },
    )


def commit_time() -> dt.datetime:
    """The round's commit (and redline change) time: GIT_COMMITTER_DATE when set, else now, in UTC seconds."""
    pinned = os.environ.get("GIT_COMMITTER_DATE")
    if pinned:
        try:
            return dt.datetime.fromisoformat(pinned.replace("Z", "+00:00")).astimezone(dt.UTC)
        except ValueError:
            pass
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
