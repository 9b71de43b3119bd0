"""Rounds: each committed draft of a deal's document is one git commit with trailers and a tag.

The git history is the audit trail: a round is found from its commit's trailers (`Deal:`, `Document:`,
`Round:` ...), and its tag `<deal>/<document>/r<N>` is created (or repaired after a crash) from them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assembler.rounds.git import Repository


TRAILER = re.compile(r"^([A-Za-z0-9-]+): (.*)$", re.M)


@dataclass(frozen=True)
class Round:
    deal_id: str
    document_id: str
    number: int
    commit: str
    docx_sha256: str
    library_tree: str
    model: str

    @property
    def tag(self) -> str:
        return round_tag(self.deal_id, self.document_id, self.number)


def round_tag(deal_id: str, document_id: str, number: int) -> str:
    return f"{deal_id}/{document_id}/r{number}"


def document_path(deal_id: str, document_id: str, suffix: str = "docx") -> str:
    """Repository-relative path of a deal's current draft."""
    return f"agreements/{deal_id}/{document_id}.{suffix}"


def redline_path(deal_id: str, document_id: str, old: int, new: int, suffix: str = "docx") -> str:
    return f"agreements/{deal_id}/redlines/{document_id}.r{old}-r{new}.{suffix}"


def trailers(message: str) -> dict[str, str]:
    """The trailer block (the last paragraph) of a commit message."""
    last = message.strip().split("\n\n")[-1]
    return {key: value.strip() for key, value in TRAILER.findall(last)}


def parse_round(commit: str, message: str) -> Round | None:
    found = trailers(message)
    try:
        return Round(
            deal_id=found["Deal"],
            document_id=found["Document"],
            number=int(found["Round"]),
            commit=commit,
            docx_sha256=found["Docx-SHA256"],
            library_tree=found["Clause-Library"],
            model=found["Model"],
        )
    except (KeyError, ValueError):
        return None


def rounds(repo: Repository, deal_id: str, document_id: str | None = None) -> list[Round]:
    """Every round of a deal (optionally one document), oldest first, from commit trailers."""
    path = f"agreements/{deal_id}/" if document_id is None else document_path(deal_id, document_id)
    found = []
    for commit, message in repo.log_messages(path):
        parsed = parse_round(commit, message)
        if parsed and parsed.deal_id == deal_id and document_id in (None, parsed.document_id):
            found.append(parsed)
    return sorted(found, key=lambda r: (r.number, r.document_id)) if document_id else found[::-1]


def latest_round(repo: Repository, deal_id: str, document_id: str) -> Round | None:
    found = rounds(repo, deal_id, document_id)
    return found[-1] if found else None


def find_round(repo: Repository, deal_id: str, document_id: str, number: int) -> Round | None:
    return next((r for r in rounds(repo, deal_id, document_id) if r.number == number), None)


def ensure_tags(repo: Repository, found: list[Round]) -> None:
    """Create any round tag a crash between commit and tag left missing."""
    if not found:
        return
    existing = repo.tags(f"{found[0].deal_id}/")
    for item in found:
        if item.tag not in existing:
            repo.tag(item.tag, item.commit, tag_message(item))


def tag_message(item: Round) -> str:
    return f"{item.deal_id}: {item.document_id} round {item.number}"


def commit_message(
    deal_id: str,
    document_title: str,
    document_id: str,
    number: int,
    model: str,
    library_tree: str,
    docx: bytes,
    changes: list[str],
) -> str:
    body = ["Changed since the previous round:", *(f"- {c}" for c in changes)] if changes else []
    lines = [f"{deal_id}: {document_title}, round {number}", ""]
    if body:
        lines += [*body, ""]
    lines += [
        f"Deal: {deal_id}",
        f"Document: {document_id}",
        f"Round: {number}",
        f"Model: {model}",
        f"Clause-Library: {library_tree}",
        f"Docx-SHA256: {hashlib.sha256(docx).hexdigest()}",
    ]
    return "\n".join(lines) + "\n"


def commit_time() -> dt.datetime:
    """The round's commit (and redline change) time: GIT_COMMITTER_DATE when set, else now, in UTC seconds."""
    pinned = os.environ.get("GIT_COMMITTER_DATE")
    if pinned:
        try:
            return dt.datetime.fromisoformat(pinned.replace("Z", "+00:00")).astimezone(dt.UTC)
        except ValueError:
            pass
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def fault_point(name: str) -> None:
    """Test hook: ASSEMBLER_FAULT_AT=<name> kills the process at that point, as a crash would."""
    if os.environ.get("ASSEMBLER_FAULT_AT") == name:
        os.kill(os.getpid(), 9)
