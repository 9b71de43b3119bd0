"""`assembler approve`: a sign-off recorded in deal.yaml as its own commit, authored by the person giving it.

The commit is what proves the approval (see playbook/approvals.py), so it is made with the git identity of the
person running the command, never the library's fallback committer, and only for a person listed for the role.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assembler.deals.contract import parse_deal_text
from assembler.deals.layout import DealLayout, Workspace
from assembler.errors import BadInputError, RepositoryError
from assembler.library.loader import Library
from assembler.library.validate import read_valid_deal
from assembler.playbook.clock import PRELIMINARY_FIRST
from assembler.rounds.git import Repository
from assembler.rounds.round import commit_time
from assembler.rounds.sequence import record, writing
from assembler.rounds.trailers import commit_message
from assembler.yamlfile import edit_yaml

LOCK_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class Approved:
    """The approval recorded and its commit."""

    role: str
    name: str
    covers: list[str]
    date: dt.date
    commit: str


def approve(
    workspace: Workspace, deal_id: str, role: str, covers: list[str], note: str | None, today: dt.date
) -> Approved:
    """Add an approval by the person running the command to deal.yaml and commit it (only that file)."""
    library = Library(workspace.library_root)
    read_valid_deal(workspace, deal_id, library)  # the deal must be valid before and after
    rules = {flag.id for flag in library.red_flags.red_flags} | {PRELIMINARY_FIRST}
    unknown = [rule for rule in covers if rule not in rules]
    if unknown:
        raise BadInputError(
            f"--covers {', '.join(unknown)}: not a rule a sign-off covers (rules/red-flags.yaml, or "
            f"{PRELIMINARY_FIRST}); use one of: "
            f"{', '.join(sorted(rules))}"
        )
    repo = Repository.of_workspace(workspace.root)  # no fallback identity: the commit proves who approved
    name, email = repo.identity()
    listed = {m.email.casefold(): m.name for m in library.config.approvers.get(role, [])}  # type: ignore[call-overload]
    if email.casefold() not in listed:
        raise RepositoryError(
            f"{name} <{email}> is not listed for {role} in clause_library/config.yaml (approvers); only a "
            f"listed person records a {role} sign-off, with their own git identity (git config user.email)"
        )
    layout = DealLayout(deal_id)
    path = workspace.path(layout.deal_yaml)
    entry = {
        "role": role,
        "name": listed[email.casefold()],
        "date": today.isoformat(),
        "covers": list(covers),
    }
    if note:
        entry["reason"] = note
    text = edit_yaml(
        path.read_text(encoding="utf-8"), lambda data: data.setdefault("approvals", []).append(entry)
    )
    parse_deal_text(text, workspace.relative(path))  # what is committed is a valid deal file
    message = commit_message(
        f"{deal_id}: {role} sign-off by {entry['name']} (covers: {', '.join(covers)})",
        [note] if note else [],
        {"Deal": deal_id, "Approval-Role": role, "Approval-Covers": " ".join(covers)},
    )
    with writing(repo, LOCK_TIMEOUT_SECONDS, library.config.branch):
        commit = record(repo, {layout.deal_yaml: text.encode("utf-8")}, message, commit_time().isoformat())
    return Approved(role, entry["name"], list(covers), today, commit)
