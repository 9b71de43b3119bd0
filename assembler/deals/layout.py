"""The workspace (the git checkout that holds `clause_library/` and `agreements/`) and `DealLayout`, the one
owner of every path under `agreements/<deal>/`."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from assembler.errors import DealError, WorkspaceError
from assembler.safe_files import escape_from

DEAL_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def check_deal_id(deal_id: str) -> str:
    """Refuse a deal id that could escape `agreements/` or be read by git as an option."""
    if not DEAL_ID.fullmatch(deal_id):
        raise DealError(
            f"deal id {deal_id!r} is not allowed: use 1-63 lowercase letters, digits and hyphens, "
            "starting with a letter or digit (e.g. acme or acme-emea)"
        )
    return deal_id


@dataclass(frozen=True)
class DealLayout:
    """Every file of one deal, as repository-relative POSIX paths (what git and commit trailers name).

    The id is checked before any path is built from it, so no path can leave `agreements/`.
    """

    deal_id: str

    def __post_init__(self) -> None:
        check_deal_id(self.deal_id)

    @property
    def folder(self) -> str:
        """`agreements/<deal>`."""
        return f"agreements/{self.deal_id}"

    @property
    def deal_yaml(self) -> str:
        """The deal file, the input of every command."""
        return f"{self.folder}/deal.yaml"

    @property
    def negotiation_report(self) -> str:
        """`check`'s report."""
        return f"{self.folder}/negotiation.md"

    def document(self, document_id: str, suffix: str = "docx") -> str:
        """The current draft of a document (`docx`) or its Markdown twin (`md`)."""
        return f"{self.folder}/{document_id}.{suffix}"

    def redline(self, document_id: str, old: int, new: int, suffix: str = "docx") -> str:
        """The redline between two rounds (`docx`) or its per-clause change summary (`md`)."""
        return f"{self.folder}/redlines/{document_id}.r{old}-r{new}.{suffix}"

    def executed(self, document_id: str, suffix: str = "docx") -> str:
        """An executed document (`docx`) or one of its companions (`execution.json`, ...)."""
        return f"{self.folder}/executed/{document_id}.{suffix}"

    def triage(self, stem: str, suffix: str) -> str:
        """A received counterparty file (`docx`) or its triage report (`md`)."""
        return f"{self.folder}/triage/{stem}.{suffix}"

    def wording(self, clause_id: str) -> str:
        """The deal's negotiated wording of one clause."""
        return f"{self.folder}/wording/{clause_id}.md"


@dataclass(frozen=True)
class Workspace:
    """The checkout that holds the clause library and the deals; `guard` keeps every path inside it."""

    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> Workspace:
        """The nearest folder, from `start` upward, holding both `clause_library/` and `agreements/`."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "clause_library").is_dir() and (folder / "agreements").is_dir():
                return cls(folder)
        raise WorkspaceError(
            f"no workspace found from {here} upward: run inside a checkout that has clause_library/ "
            "and agreements/, or pass --workspace"
        )

    @property
    def library_root(self) -> Path:
        """The clause library folder (`clause_library/`)."""
        return self.root / "clause_library"

    @property
    def agreements(self) -> Path:
        """The folder holding one subfolder per deal (`agreements/`)."""
        return self.root / "agreements"

    def deal(self, deal_id: str) -> DealLayout:
        """The paths of one deal (the id is checked first)."""
        return DealLayout(deal_id)

    def guard(self, path: Path) -> Path:
        """`path`, once checked to be a real path inside the workspace: the one check every reader and writer
        of `agreements/` and `clause_library/` makes. A path outside, or through a symbolic link, is refused
        by its name only; the link's target is never opened, so its content cannot reach a message."""
        problem = escape_from(self.root, path)
        if problem:
            raise WorkspaceError(
                f"{self.shown(path)}: {problem}; the tool reads and writes only real files and folders "
                "inside the workspace: replace the link with the folder or file itself"
            )
        return path

    def guard_all(self, paths: list[Path]) -> None:
        """Check every path (see `guard`) before anything is written."""
        for path in paths:
            self.guard(path)

    def shown(self, path: Path) -> str:
        """A path as shown in messages, relative to the workspace, without following links."""
        absolute = Path(os.path.abspath(path))
        root = Path(os.path.abspath(self.root))
        return absolute.relative_to(root).as_posix() if absolute.is_relative_to(root) else str(path)

    def path(self, relative: str) -> Path:
        """The absolute path of a repository-relative one (as DealLayout gives them), checked by `guard`."""
        return self.guard(self.root / relative)

    def deal_dir(self, deal_id: str) -> Path:
        """The deal's folder; the id is checked before any path is built from it, and the folder must be a
        real folder inside the workspace (see `guard`)."""
        return self.path(DealLayout(deal_id).folder)

    def deal_file(self, deal_id: str) -> Path:
        """The deal's deal.yaml."""
        return self.path(DealLayout(deal_id).deal_yaml)

    def relative(self, path: Path) -> str:
        """A path as shown in messages: relative to the workspace, with forward slashes."""
        if Path(os.path.abspath(path)).is_relative_to(os.path.abspath(self.root)):
            return self.shown(path)  # not resolved: a link's target is never named
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def deal_ids(self) -> list[str]:
        """The ids of every deal in the workspace (folders of agreements/ with a deal.yaml), sorted."""
        return sorted(p.parent.name for p in self.agreements.glob("*/deal.yaml"))
