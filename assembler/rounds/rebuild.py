"""Rounds reproducible by construction: the clause library a round is rendered from must be exactly the tree
its `Clause-Library:` trailer names, and any committed round can be rendered again from its commit alone.

`git status` cannot prove the first: edits under skip-worktree or assume-unchanged, and files in ignored
folders, do not show there. So the work tree's library is compared with HEAD's tree file by file (git blob
ids computed here, no process per file).
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from assembler.deals.layout import DealLayout, Workspace
from assembler.rounds.git import Repository
from assembler.rounds.round import Round, rounds
from assembler.word.render import render_document

LIBRARY = "clause_library"


def blob_id(data: bytes) -> str:
    """The id git gives a file's content (SHA-1 of the blob object)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def library_differences(repo: Repository, root: Path) -> list[str]:
    """Files of the work tree's clause_library that are not exactly those of HEAD's tree (added, changed or
    missing, whatever git's index flags or ignore rules say), as repository-relative paths."""
    committed = repo.tree_blobs("HEAD", LIBRARY)
    folder = root / LIBRARY
    on_disk: dict[str, Path] = {}
    for found in sorted(folder.rglob("*")):
        if found.is_file() or found.is_symlink():
            on_disk[found.relative_to(folder).as_posix()] = found
    differences = []
    for name in sorted(on_disk.keys() | committed.keys()):
        path = on_disk.get(name)
        if (
            path is None
            or path.is_symlink()
            or name not in committed
            or blob_id(path.read_bytes()) != committed[name]
        ):
            differences.append(f"{LIBRARY}/{name}")
    return differences


@dataclass(frozen=True)
class Rebuilt:
    """One round rendered again from its commit: does it give the committed bytes?"""

    round: Round
    sha256: str

    @property
    def reproduced(self) -> bool:
        """Whether the new render is byte for byte the committed round."""
        return self.sha256 == self.round.docx_sha256


def rebuild_rounds(workspace: Workspace, repo: Repository, deal_id: str) -> list[Rebuilt]:
    """Every round of the deal rendered again from what its commit holds: the deal file at that commit and
    the clause-library tree its trailer names; nothing is read from the work tree."""
    results = []
    for found in rounds(repo, deal_id):
        if found.document_id.startswith("amendment-"):
            # An amendment's text is computed from the executed history (signature/amendment.py), which a
            # scratch workspace does not hold; its rounds are checked by hash and, once signed, by `verify`.
            continue
        library = repo.files_in_tree(found.library_tree)
        deal_yaml = repo.committed(found.commit, DealLayout(deal_id).deal_yaml)
        with tempfile.TemporaryDirectory(prefix="assembler-rebuild-") as tmp:
            scratch = Workspace(Path(tmp))
            for name, data in library.items():
                target = scratch.library_root / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            scratch.deal_dir(deal_id).mkdir(parents=True)
            scratch.deal_file(deal_id).write_bytes(deal_yaml)
            rendered = render_document(scratch, deal_id, found.document_id, found.planned_from)
            docx = rendered.package(found.number)
        results.append(Rebuilt(found, hashlib.sha256(docx).hexdigest()))
    return results
