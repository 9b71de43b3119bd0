"""The workspace: the git checkout that holds `clause_library/` and `agreements/`, and paths inside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assembler.deals.contract import check_deal_id
from assembler.errors import WorkspaceError


@dataclass(frozen=True)
class Workspace:
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
        return self.root / "clause_library"

    @property
    def agreements(self) -> Path:
        return self.root / "agreements"

    def deal_dir(self, deal_id: str) -> Path:
        """The deal's folder; the id is checked before any path is built from it."""
        return self.agreements / check_deal_id(deal_id)

    def deal_file(self, deal_id: str) -> Path:
        return self.deal_dir(deal_id) / "deal.yaml"

    def relative(self, path: Path) -> str:
        """A path as shown in messages: relative to the workspace, with forward slashes."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def deal_ids(self) -> list[str]:
        return sorted(p.parent.name for p in self.agreements.glob("*/deal.yaml"))
