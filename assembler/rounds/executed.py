""" "Is it executed?": executed paths and tags, the execution commit read back from git, and the refusal to
build an executed document again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assembler.deals.layout import DealLayout
from assembler.errors import SignatureError
from assembler.rounds.trailers import Trailers

if TYPE_CHECKING:
    from assembler.rounds.git import Repository


EXECUTION_DOCX = "execution.docx"
EXECUTION_PDF = "execution.pdf"
ENVELOPE = "envelope.json"
SIGNED_COPY = "signed.pdf"


def executed_path(deal_id: str, document_id: str, suffix: str = EXECUTION_DOCX) -> str:
    """Repository-relative path of the execution version (the default suffix) or of one of its companions."""
    return DealLayout(deal_id).executed(document_id, suffix)


def executed_tag(deal_id: str, document_id: str) -> str:
    """The git tag that marks a document's executed version."""
    return f"{deal_id}/{document_id}/executed"


@dataclass(frozen=True)
class Execution:
    """An execution commit, read from its trailers."""

    deal_id: str
    document_id: str
    round_number: int
    signed_on: dt.date
    docx_sha256: str
    commit: str


def parse_execution(commit: str, found: Trailers) -> Execution | None:
    """The execution a commit records, from its trailers; None for any other commit."""
    try:
        return Execution(
            found["Deal"],
            found["Document"],
            int(found["Round"]),
            dt.date.fromisoformat(found["Executed-On"]),
            found["Docx-SHA256"],
            commit,
        )
    except (KeyError, ValueError):
        return None


def find_execution(repo: Repository, deal_id: str, document_id: str) -> Execution | None:
    """The document's execution: from its tag, else (a crash before tagging) from the commit trailers."""
    tag = executed_tag(deal_id, document_id)
    tagged = repo.tags(tag).get(tag)
    candidates = [(tagged, repo.commit_trailers(tagged))] if tagged else []
    record = executed_path(deal_id, document_id, "execution.json")
    for commit, trailers in [*candidates, *repo.log_trailers(record)]:
        found = parse_execution(commit, trailers)
        if found and (found.deal_id, found.document_id) == (deal_id, document_id):
            return found
    return None


def refuse_if_executed(repo: Repository, deal_id: str, document_id: str) -> None:
    """Called by `build` before a round: an executed document never gets another one."""
    execution = find_execution(repo, deal_id, document_id)
    tag = executed_tag(deal_id, document_id)
    if execution is None and not repo.tags(tag):
        return
    signed = f"signed on {execution.signed_on.isoformat()}" if execution else f"tagged {tag}"
    raise SignatureError(
        f"{executed_path(deal_id, document_id)} is executed ({signed}); an executed agreement never changes "
        f"\u2014 draft an amendment: `assembler build {deal_id} --document amendment`"
    )


@dataclass(frozen=True)
class Preparation:
    """A `sign --prepare` commit: the execution version of one round, read from its trailers."""

    deal_id: str
    document_id: str
    round_number: int
    round_commit: str
    docx_sha256: str
    pdf_sha256: str | None
    commit: str


def parse_preparation(commit: str, found: Trailers) -> Preparation | None:
    """The execution version a `sign --prepare` commit holds, from its trailers; None for any other commit."""
    if "Executed-On" in found:
        return None
    try:
        return Preparation(
            found["Deal"],
            found["Document"],
            int(found["Round"]),
            found["Round-Commit"],
            found["Execution-Docx-SHA256"],
            found.get("Execution-PDF-SHA256"),
            commit,
        )
    except (KeyError, ValueError):
        return None


def find_preparation(repo: Repository, deal_id: str, document_id: str) -> Preparation | None:
    """The latest execution version prepared for the document (None when none was)."""
    for commit, trailers in repo.log_trailers(executed_path(deal_id, document_id)):
        found = parse_preparation(commit, trailers)
        if found and (found.deal_id, found.document_id) == (deal_id, document_id):
            return found
    return None
