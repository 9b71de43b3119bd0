"""`verify`: every executed document checked against its execution record, its round and its tags."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assembler.deals.contract import DOCUMENT_IDS
from assembler.deals.layout import Workspace
from assembler.errors import DealError, SignatureError
from assembler.rounds.executed import EXECUTION_PDF, SIGNED_COPY, executed_path, executed_tag
from assembler.rounds.round import (
    document_path,
    parse_round,
    round_tag,
)
from assembler.word.execution import clause_texts

if TYPE_CHECKING:
    from assembler.rounds.git import Repository


_SHA1 = re.compile(r"^[0-9a-f]{40}$")


AMENDMENT_ID = re.compile(r"amendment-[1-9][0-9]{0,2}")


@dataclass(frozen=True)
class Verification:
    """An executed document checked against its execution record, round and tag, with any problems found."""

    document_id: str
    path: str
    round_number: int | None
    sha256: str | None
    tag: str
    problems: list[str]


def verify(workspace: Workspace, deal_id: str) -> list[Verification]:
    """Every executed document of the deal, checked against its record, its round and its tag."""
    # GitPython loads only for commands that read git
    from assembler.rounds.git import Repository

    deal_dir = workspace.deal_dir(deal_id)
    if not deal_dir.is_dir():
        raise DealError(f"agreements/{deal_id}: no such deal")
    repo = Repository(workspace.root)
    documents = {tag.split("/")[1] for tag in repo.tags(f"{deal_id}/") if tag.endswith("/executed")}
    documents |= {
        path.name.removesuffix(".execution.json") for path in (deal_dir / "executed").glob("*.execution.json")
    }
    documents = {d for d in documents if d in DOCUMENT_IDS or AMENDMENT_ID.fullmatch(d)}
    if not documents:
        raise SignatureError(
            f"agreements/{deal_id}: nothing executed to verify; `assembler sign {deal_id} --signed-on DATE` "
            "records a signature"
        )
    return [_verify_document(workspace, repo, deal_id, document_id) for document_id in sorted(documents)]


def _verify_document(workspace: Workspace, repo: Repository, deal_id: str, document_id: str) -> Verification:
    path = executed_path(deal_id, document_id)
    record_path = executed_path(deal_id, document_id, "execution.json")
    tag = executed_tag(deal_id, document_id)
    problems: list[str] = []
    tagged = repo.tags(tag).get(tag)
    if tagged is None:
        problems.append(f"tag {tag} is missing; the execution is not recorded in git")

    def result(number: int | None = None, sha256: str | None = None) -> Verification:
        return Verification(document_id, path, number, sha256, tag, problems)

    try:
        record_bytes = workspace.guard(workspace.root / record_path).read_bytes()
        record = json.loads(record_bytes)
        number, round_commit, sha256 = int(record["round"]), str(record["commit"]), str(record["sha256"])
        round_sha256 = str(record["round_sha256"])
        companions = {
            executed_path(deal_id, document_id, suffix): str(record[key])
            for key, suffix in (("pdf_sha256", EXECUTION_PDF), ("signed_copy_sha256", SIGNED_COPY))
            if record.get(key) is not None
        }
    except FileNotFoundError:
        problems.append(f"{record_path} is missing; restore it with `git checkout {tag} -- {record_path}`")
        return result()
    except (OSError, ValueError, TypeError, KeyError) as exc:
        problems.append(f"{record_path}: not a valid execution record ({type(exc).__name__}: {exc})")
        return result()
    if tagged is not None and repo.read_blob(tagged, record_path) != record_bytes:
        problems.append(f"{record_path} differs from the one committed at {tag}; it was altered")

    for file, expected in {path: sha256, **companions}.items():
        disk = workspace.guard(workspace.root / file)  # a linked executed/ folder is refused, never read
        if not disk.is_file():
            problems.append(f"{file} is missing; restore it with `git checkout {tag} -- {file}`")
            continue
        actual = hashlib.sha256(disk.read_bytes()).hexdigest()
        if actual != expected:
            problems.append(
                f"{file}: sha256 {actual} does not match the execution record ({expected}); the executed "
                f"file was altered: restore it with `git checkout {tag} -- {file}`"
            )

    # The record's commit is file content: only a full hex id is ever handed to git.
    if not _SHA1.fullmatch(round_commit):
        problems.append(f"{record_path}: commit {round_commit!r} is not a commit id")
        return result(number, sha256)
    # GitPython loads only for commands that read git
    from git.exc import ODBError

    try:
        signed_round = parse_round(round_commit, repo.commit_trailers(round_commit))
    except (ValueError, ODBError):  # no such commit in this repository
        signed_round = None
    if signed_round is None or (signed_round.deal_id, signed_round.document_id, signed_round.number) != (
        deal_id,
        document_id,
        number,
    ):
        problems.append(
            f"{record_path}: commit {round_commit[:12]} is not round {number} of {deal_id}/{document_id}"
        )
        return result(number, sha256)
    if signed_round.docx_sha256 != round_sha256:
        problems.append(
            f"{record_path}: round_sha256 {round_sha256} differs from round {number}'s Docx-SHA256 trailer "
            f"({signed_round.docx_sha256})"
        )
    name = round_tag(deal_id, document_id, number)
    if repo.tags(name).get(name) != round_commit:
        problems.append(f"tag {name} does not point to {round_commit[:12]}, the round the record names")
    if tagged is not None:
        if not repo.is_ancestor(round_commit, tagged):
            problems.append(
                f"tag {tag} ({tagged[:12]}) does not descend from round {number} ({round_commit[:12]})"
            )
        executed = repo.read_blob(tagged, path)
        if executed is None or hashlib.sha256(executed).hexdigest() != sha256:
            problems.append(f"{path} committed at {tag} is not the file the execution record names")
        else:
            problems += _wording_problems(
                repo, path, executed, round_commit, document_path(deal_id, document_id)
            )
    return result(number, sha256)


def _wording_problems(
    repo: Repository, path: str, executed: bytes, round_commit: str, round_path: str
) -> list[str]:
    """The execution version must carry the signed round's wording, clause by clause."""
    round_docx = repo.read_blob(round_commit, round_path)
    if round_docx is None:
        return [f"{round_path} is missing from round commit {round_commit[:12]}"]
    signed, carried = clause_texts(round_docx), clause_texts(executed)
    if list(signed) != list(carried):
        return [f"{path}: its clauses are not those of the signed round ({round_commit[:12]})"]
    return [
        f"{path}: clause {clause} differs from the signed round's wording ({round_commit[:12]})"
        for clause in signed
        if signed[clause] != carried[clause]
    ]
