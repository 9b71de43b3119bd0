"""Per-deal wording: a deal's overrides of library clauses (adopted fallbacks, negotiated text), loaded and
checked against the library, and spliced into a clause's rendered body.

An override is declared in deal.yaml `wording:` and, for negotiated text, kept as a reviewable Markdown file
`agreements/<deal>/wording/<clause-id>.md`. It is rendered in the same sandbox as library clauses, so it
follows the same Jinja rules and only ever prints the deal's data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from assembler.deals.committed import committed_deal_data
from assembler.deals.contract import Deal, Wording
from assembler.deals.layout import Workspace
from assembler.errors import DealError
from assembler.library.loader import Clause, Library
from assembler.library.schemas import Fallback

WORDING_DIR = "wording"


@dataclass(frozen=True)
class Override:
    """One clause's deal wording: what replaces the library text, and where it came from."""

    declared: Wording
    body: str  # Markdown with Jinja, as written (a fallback's text or the wording file)
    source_label: str  # how messages name it: the wording file, or the deal file's fallback entry
    after: int | Literal["end"] | None = None  # a fallback added as a new sub-clause after this one
    replaces: int | None = None  # a fallback in place of this one sub-clause (library `replaces`)

    @property
    def subclause(self) -> int | None:
        """The one sub-clause the wording replaces; None when it replaces the whole body or adds one."""
        return self.declared.subclause or self.replaces

    @property
    def whole(self) -> bool:
        """Whether the wording is the clause's whole body."""
        return self.subclause is None and self.after is None

    @property
    def clause_id(self) -> str:
        """The library clause the wording replaces."""
        return self.declared.clause

    @property
    def template_name(self) -> str:
        """The sandbox's name for the wording's template (never a clause id, so never the library text)."""
        sub = f".{self.declared.subclause}" if self.declared.subclause else ""
        return f"wording:{self.clause_id}{sub}"

    def describe(self) -> str:
        """One line for provenance and change summaries: what the wording is and who agreed it."""
        return describe(self.declared)


def describe(item: Wording) -> str:
    """A declared wording in one line: what it is, its source, who agreed it, the clause version."""
    what = f"adopted fallback {item.fallback}" if item.fallback else f"deal wording {item.file}"
    if item.subclause:
        what += f" (sub-clause {item.subclause})"
    forced = ", accepted with --force over a critical finding" if item.forced else ""
    return (
        f"{what}, from {item.source}, agreed by {item.agreed.by} on {item.agreed.date}, "
        f"written against version {item.version}{forced}"
    )


def wording_changes(old_text: str | None, new_text: str) -> list[tuple[str, object, object]]:
    """(wording.<clause>, old description, new description) for each override added, changed or removed
    between two deal.yaml texts (for history and the concession ledger, next to term changes)."""

    def declared(text: str | None) -> dict[str, Wording]:
        data = (committed_deal_data(text) if text else None) or {}
        found: dict[str, Wording] = {}
        for raw in data.get("wording") or [] if isinstance(data, dict) else []:
            try:
                item = Wording.model_validate(raw)
            except ValidationError:
                continue
            key = item.clause + (f".{item.subclause}" if item.subclause else "")
            found[key] = item
        return found

    old, new = declared(old_text), declared(new_text)
    return [
        (
            f"wording.{key}",
            describe(old[key]) if key in old else None,
            describe(new[key]) if key in new else None,
        )
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]


def wording_path(deal_dir: Path, relative: str) -> Path:
    """The file a `file:` entry names, refusing one that leaves the deal's wording folder."""
    path = deal_dir / relative
    folder = deal_dir / WORDING_DIR
    if folder.is_symlink() or path.is_symlink():
        raise DealError(
            f"{path}: wording files must be regular files inside the deal folder, not symbolic links"
        )
    return path


def load_overrides(deal: Deal, deal_dir: Path, source: str, library: Library) -> tuple[Override, ...]:
    """The deal's overrides, each checked against the library; every problem is reported at once."""
    problems: list[str] = []
    found: list[Override] = []
    for index, item in enumerate(deal.wording):
        where = f"{source}: wording.{index}"
        others = [o for o in deal.wording[:index] if o.clause == item.clause]
        if any(o.subclause == item.subclause or None in (o.subclause, item.subclause) for o in others):
            problems.append(f"{where}.clause: {item.clause} already has wording; keep one entry per clause")
            continue
        clause = library.clauses.get(item.clause)
        if clause is None:
            problems.append(f"{where}.clause: no library clause {item.clause!r}; name a clause id")
            continue
        if item.version > clause.meta.version:
            problems.append(
                f"{where}.version: {item.version} is newer than the library's {item.clause} "
                f"(version {clause.meta.version}); write the version the wording was agreed against"
            )
        if item.fallback is not None:
            fallback = next((f for f in clause.meta.fallbacks if f.id == item.fallback), None)
            if fallback is None:
                offered = ", ".join(f.id for f in clause.meta.fallbacks) or "none"
                problems.append(
                    f"{where}.fallback: {item.clause} has no fallback {item.fallback!r} "
                    f"(it offers: {offered})"
                )
                continue
            found.append(fallback_override(item, fallback, f"{where}.fallback"))
            continue
        assert item.file is not None  # the model allows exactly one of fallback and file
        try:
            path = wording_path(deal_dir, item.file)
            body = path.read_text(encoding="utf-8")
        except DealError as exc:
            problems.append(str(exc))
            continue
        except FileNotFoundError:
            problems.append(
                f"{where}.file: {item.file} does not exist in the deal folder; write it or remove the entry"
            )
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{where}.file: cannot read {item.file} ({exc})")
            continue
        if not body.strip():
            problems.append(f"{where}.file: {item.file} is empty; write the clause text or remove the entry")
            continue
        found.append(
            Override(
                item, body.replace("\r\n", "\n").strip("\n") + "\n", f"{source.rsplit('/', 1)[0]}/{item.file}"
            )
        )
    if problems:
        raise DealError("\n".join(problems))
    return tuple(found)


def fallback_override(item: Wording, fallback: Fallback, label: str) -> Override:
    """An adopted library fallback as an override, placed where the library says its text goes."""
    return Override(item, fallback.text.strip("\n") + "\n", label, fallback.after, fallback.replaces)


def stale(override: Override, clause: Clause) -> bool:
    """Whether the library clause moved on since the override was agreed."""
    return override.declared.version < clause.meta.version


_BLOCKS = re.compile(r"\n\s*\n")
_NOT_A_SUBCLAUSE = re.compile(r"^(\(([a-z]{1,3}|[ivxl]+)\)\s|\||:::|\s)")


def blocks(text: str) -> list[str]:
    """A rendered body's blocks (paragraphs, lists, tables) in order."""
    return [block for block in _BLOCKS.split(text.strip()) if block.strip()]


def subclause_count(text: str) -> int:
    """How many numbered sub-clauses (1.1, 1.2, ...) a rendered clause body has: its top-level paragraphs.

    Mirrors clause_styles.lua: a paragraph is a sub-clause; list items, tables and divs are not.
    """
    return sum(1 for block in blocks(text) if not _NOT_A_SUBCLAUSE.match(block))


def subclauses(text: str) -> list[str]:
    """A clause body split into its numbered sub-clauses (a paragraph and the lists that follow it)."""
    groups: list[list[str]] = []
    for block in blocks(text):
        if groups and _NOT_A_SUBCLAUSE.match(block):
            groups[-1].append(block)
        else:
            groups.append([block])
    return ["\n\n".join(group) for group in groups]


def replace_subclause(text: str, number: int, replacement: str, where: str) -> str:
    """The body with its `number`-th sub-clause (a top-level paragraph and its list items) replaced."""
    parts = blocks(text)
    starts = [i for i, block in enumerate(parts) if not _NOT_A_SUBCLAUSE.match(block)]
    if number > len(starts):
        raise DealError(
            f"{where}: subclause {number} does not exist; the clause has {len(starts)} sub-clause(s) here"
        )
    begin = starts[number - 1]
    end = starts[number] if number < len(starts) else len(parts)
    return "\n\n".join([*parts[:begin], replacement.strip(), *parts[end:]])


def insert_subclause(text: str, after: int | Literal["end"], addition: str, where: str) -> str:
    """The body with `addition` as a new sub-clause after its `after`-th (and that one's list items), or
    after its last with "end"."""
    parts = blocks(text)
    starts = [i for i, block in enumerate(parts) if not _NOT_A_SUBCLAUSE.match(block)]
    if after == "end":
        after = len(starts)
    if after > len(starts):
        raise DealError(
            f"{where}: the library places this wording after sub-clause {after}, but the clause has "
            f"{len(starts)} sub-clause(s) here; correct the fallback's `after` in the clause library"
        )
    end = starts[after] if after < len(starts) else len(parts)
    return "\n\n".join([*parts[:end], addition.strip(), *parts[end:]])


def deal_overrides(workspace: Workspace, deal_id: str, deal: Deal, library: Library) -> tuple[Override, ...]:
    """The overrides a deal declares, read from its folder in the workspace."""
    deal_dir = workspace.deal_dir(deal_id)
    return load_overrides(deal, deal_dir, workspace.relative(deal_dir / "deal.yaml"), library)


def wording_files(workspace: Workspace, deal_id: str, overrides: Iterable[Override]) -> dict[str, bytes]:
    """Repository path → bytes of every wording file used (a round commits them with its document)."""
    files: dict[str, bytes] = {}
    for override in overrides:
        if override.declared.file is not None:
            path = wording_path(workspace.deal_dir(deal_id), override.declared.file)
            files[f"agreements/{deal_id}/{override.declared.file}"] = path.read_bytes()
    return files


def wording_sources(overrides: Iterable[Override]) -> dict[str, str]:
    """Clause id → the description of the deal wording in it (for the per-clause change summary)."""
    sources: dict[str, list[str]] = {}
    for override in overrides:
        sources.setdefault(override.clause_id, []).append(override.describe())
    return {clause_id: "; ".join(texts) for clause_id, texts in sources.items()}
