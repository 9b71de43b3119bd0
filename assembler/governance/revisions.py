"""The clause library at a git revision: clauses in a tree, the text that needs a version, `--base` refs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assembler.errors import BadInputError
from assembler.library.loader import Clause, read_clauses

if TYPE_CHECKING:
    from assembler.rounds.git import Repository


def clauses_in_tree(repo: Repository, treeish: str, path: str = "clause_library") -> dict[str, Clause]:
    """The clauses of the library at a commit (`path` = clause_library) or in a library tree (`path` = "");
    files that do not parse there are left out (lint reports the work tree, not history)."""
    prefix = f"{path}/clauses" if path else "clauses"
    files = repo.files_in_tree(treeish, prefix)
    clauses, _ = read_clauses({f"clause_library/clauses/{name}": data for name, data in files.items()})
    return clauses


def clause_text(clause: Clause) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """What a clause puts into documents: heading, body and fallback wordings (a change needs a version)."""
    return clause.meta.title, clause.body, tuple((f.id, f.text) for f in clause.meta.fallbacks)


def resolve_base(repo: Repository, base: str) -> str:
    """The commit a user-given `--base` revision names; BadInputError when it names none."""
    commit = repo.resolve_commit(base)
    if commit is None:
        if base.startswith("-"):
            raise BadInputError(
                f"--base {base}: a revision cannot start with '-'; name a branch, tag or commit"
            )
        raise BadInputError(
            f"--base {base}: not a commit in this repository; name a branch, tag or commit (in CI, fetch the "
            "base branch: actions/checkout with fetch-depth: 0)"
        )
    return commit
