"""`library impact`: clauses changed since a base revision, the deals they reach, and a redline per clause."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from assembler.assembly.twin import clause_sections
from assembler.atomic_write import write_files_atomically
from assembler.deals.contract import load_deal
from assembler.deals.layout import DealLayout
from assembler.errors import DealError, LibraryError
from assembler.governance.revisions import clause_text, clauses_in_tree, resolve_base
from assembler.library.loader import Clause, Library, read_clauses, work_tree_clause_files
from assembler.library.patterns import _JINJA_TAG
from assembler.rounds.redline import redline_docx
from assembler.rounds.round import Round, document_path, rounds
from assembler.subprocesses import usable_cpus
from assembler.word.package import DRAFT_MARKING, PARTIES_MARKING, read_parts, replace_text, write_package
from assembler.word.pandoc import markdown_to_docx
from assembler.word.render import epoch_of

if TYPE_CHECKING:
    from assembler.deals.layout import Workspace
    from assembler.rounds.git import Repository


_JINJA_RUN = re.compile(rf"(?:{_JINJA_TAG.pattern})+", re.S)  # adjacent tags: one code span, not ``


@dataclass(frozen=True)
class LibraryChange:
    """A clause whose text differs between the base revision and the work tree."""

    clause_id: str
    title: str
    old_version: int | None  # None: added since the base
    new_version: int | None  # None: removed since the base

    @property
    def label(self) -> str:
        """The version change as shown in the impact report, e.g. "version 2 → 3"."""
        if self.old_version is None:
            return f"new, version {self.new_version}"
        if self.new_version is None:
            return f"removed (was version {self.old_version})"
        return f"version {self.old_version} \u2192 {self.new_version}"

    @property
    def redline_name(self) -> str:
        """The file name of this clause's redline, e.g. "term.v2-v3.docx"."""
        old = f"v{self.old_version}" if self.old_version is not None else "new"
        new = f"v{self.new_version}" if self.new_version is not None else "removed"
        return f"{self.clause_id}.{old}-{new}.docx"


@dataclass(frozen=True)
class DealImpact:
    """A deal document that includes a changed clause and does not yet have a round with its new text."""

    deal_id: str
    document_id: str
    clause_id: str
    round: int | None  # the document's latest round, None when it has none yet
    round_version: int | None  # the clause version that round used; None when it predates the clause

    @property
    def status(self) -> str:
        """Which clause version the document's latest round used, as shown in the impact report."""
        if self.round is None:
            return "no round yet"
        if self.round_version is None:
            return f"round {self.round} predates the clause"
        return f"round {self.round} used version {self.round_version}"


@dataclass(frozen=True)
class StaleWording:
    """A deal's own wording of a clause, agreed against an older version of the library clause."""

    deal_id: str
    clause_id: str
    agreed_version: int
    library_version: int
    wording: str  # "fallback X" or the wording file
    source: str


@dataclass(frozen=True)
class ImpactReport:
    """The impact of library changes since a base revision: changed clauses, affected deals, redlines."""

    base: str
    base_commit: str
    changes: list[LibraryChange]
    deals: list[DealImpact]
    redlines: dict[str, Path]  # clause id → its redline
    summary: Path
    warnings: list[str]
    stale: list[StaleWording] = field(default_factory=list)


def library_changes(base: dict[str, Clause], current: dict[str, Clause]) -> list[LibraryChange]:
    """The clauses whose text differs between the base library and the current one, by clause id."""
    changes = []
    for clause_id in sorted(base.keys() | current.keys()):
        old, new = base.get(clause_id), current.get(clause_id)
        if old is not None and new is not None and clause_text(old) == clause_text(new):
            continue
        title = (new or old).meta.title  # type: ignore[union-attr]
        changes.append(
            LibraryChange(
                clause_id,
                title,
                old.meta.version if old else None,
                new.meta.version if new else None,
            )
        )
    return changes


def affected_deals(
    workspace: Workspace,
    repo: Repository,
    library: Library,
    current: dict[str, Clause],
    changes: list[LibraryChange],
) -> tuple[list[DealImpact], list[str]]:
    """Deal documents that include a changed clause: the latest committed round of each document (from its
    Markdown twin) and the document the deal's stage builds next (from the model). A round whose library
    already held the new text is up to date and left out. Returns the impacts and warnings."""

    order = [c.clause_id for c in changes]
    changed = set(order)
    new_text = {cid: clause_text(current[cid]) for cid in changed if cid in current}
    at_tree = functools.cache(lambda tree: clauses_in_tree(repo, tree, ""))
    impacts: list[DealImpact] = []
    warnings: list[str] = []
    for deal_id in workspace.deal_ids():
        source = DealLayout(deal_id).deal_yaml
        try:
            deal = load_deal(workspace.deal_file(deal_id), source)
        except DealError:
            warnings.append(
                f"{source} is not valid, so its impact is unknown; run `assembler validate {deal_id}`"
            )
            continue
        latest: dict[str, Round] = {}
        for found in rounds(repo, deal_id):
            if found.document_id not in latest or found.number > latest[found.document_id].number:
                latest[found.document_id] = found
        sequence = list(library.model(deal.model).documents)
        documents = sorted(
            {deal.stage, *latest}, key=lambda d: (sequence.index(d) if d in sequence else 99, d)
        )
        for document_id in documents:
            included: set[str] = set()
            last = latest.get(document_id)
            if last is not None:
                twin = repo.committed(last.commit, document_path(deal_id, document_id, "md"))
                included |= clause_sections(twin.decode("utf-8")).keys() & changed
            if document_id == deal.stage and document_id in sequence:
                included |= set(library.clause_ids(deal.model, document_id)) & changed
            for clause_id in sorted(included, key=order.index):
                if last is None:
                    impacts.append(DealImpact(deal_id, document_id, clause_id, None, None))
                    continue
                used = at_tree(last.library_tree).get(clause_id)
                if used is not None and clause_text(used) == new_text.get(clause_id):
                    continue
                version = used.meta.version if used is not None else None
                impacts.append(DealImpact(deal_id, document_id, clause_id, last.number, version))
    return impacts, warnings


def stale_wording(workspace: Workspace, current: dict[str, Clause]) -> list[StaleWording]:
    """Every deal wording whose library clause has moved on since the version it was agreed against."""
    from assembler.deals.contract import load_deal

    found = []
    for deal_id in workspace.deal_ids():
        try:
            deal = load_deal(workspace.deal_file(deal_id), f"agreements/{deal_id}/deal.yaml")
        except DealError:
            continue  # affected_deals already warns about an invalid deal file
        for item in deal.wording:
            clause = current.get(item.clause)
            if clause is not None and item.version < clause.meta.version:
                what = f"fallback {item.fallback}" if item.fallback else str(item.file)
                found.append(
                    StaleWording(deal_id, item.clause, item.version, clause.meta.version, what, item.source)
                )
    return found


def _literal_jinja(match: re.Match[str]) -> str:
    tags = " ".join(match.group(0).split())
    return f"`` {tags} ``" if "`" in tags else f"`{tags}`"


def clause_review_markdown(clause: Clause | None) -> str:
    """A clause as Legal reviews it: its heading with the version, the body and each fallback wording, with
    Jinja tags shown literally (as code) so every branch of the template is visible."""
    if clause is None:
        return "(no clause)\n"
    meta = clause.meta

    def show(text: str) -> str:
        return _JINJA_RUN.sub(_literal_jinja, text.strip("\n"))

    parts = [f"# {meta.title} (version {meta.version}) {{#{meta.id}}}", "", show(clause.body)]
    for fallback in meta.fallbacks:
        parts += [
            "",
            "::: {.fallback}",
            f"**Fallback {fallback.id}.** {fallback.use_when}",
            "",
            show(fallback.text),
        ]
        parts += [":::"]
    return "\n".join(parts) + "\n"


def review_docx(
    clause: Clause | None, shown: Clause, library: Library, when: dt.datetime, lua_filter: Path
) -> bytes:
    """One side of a clause's redline: the clause as Legal reviews it, as Word in the house style, its
    header and footer naming `shown` (alike on both sides: the only tracked changes are the clause's)."""
    reference = library.root / "templates" / "reference.docx"
    if not reference.exists():
        raise LibraryError("clause_library/templates/reference.docx is missing; run `make house-style`")
    markings = {
        DRAFT_MARKING: f"Clause library review \u2014 {shown.meta.title} ({shown.id}) \u2014 Confidential",
        PARTIES_MARKING: library.config.company.name,
    }
    body = markdown_to_docx(clause_review_markdown(clause), reference, epoch_of(when.date()), lua_filter)
    parts = read_parts(body)
    for name in [n for n in parts if re.fullmatch(r"word/(header|footer)\d*\.xml", n)]:
        for marker, text in markings.items():
            parts[name] = replace_text(parts[name], marker, text)
    return write_package(parts, when.date())


def clause_redline(old: Clause | None, new: Clause | None, library: Library, when: dt.datetime) -> bytes:
    """Tracked changes from the old clause to the new one, in the house style, authored by the legal team."""
    return clause_redlines([(old, new)], library, when, workers=1)[0]


def redline_workers(jobs: int, workers: int | None = None) -> int:
    """How many external processes run at once: `workers` when given, else one per CPU this process may
    use, never more than there are jobs."""
    return max(1, min(usable_cpus() if workers is None else workers, jobs))


def clause_redlines(
    pairs: list[tuple[Clause | None, Clause | None]],
    library: Library,
    when: dt.datetime,
    workers: int | None = None,
) -> list[bytes]:
    """Each (old, new) clause pair's redline, in the order given. Both sides of every pair are rendered
    (pandoc), then every pair compared (Docxodus), `redline_workers` processes at a time; threads suffice,
    the work is in the external processes. One worker is the same work, one job after another."""
    author = library.config.legal_team
    sides = [(clause, new or old) for old, new in pairs for clause in (old, new)]
    with resources.as_file(resources.files("assembler.word") / "clause_styles.lua") as lua_filter:

        def render(side: tuple[Clause | None, Clause | None]) -> bytes:
            clause, shown = side
            assert shown is not None  # a change has an old or a new clause
            return review_docx(clause, shown, library, when, lua_filter)

        def compare(index: int) -> bytes:
            return redline_docx(docx[2 * index], docx[2 * index + 1], author, when)

        count = redline_workers(len(sides), workers)
        if count == 1:
            docx = [render(side) for side in sides]
            return [compare(i) for i in range(len(pairs))]
        with concurrent.futures.ThreadPoolExecutor(count, thread_name_prefix="clause-redline") as pool:
            docx = list(pool.map(render, sides))
            return list(pool.map(compare, range(len(pairs))))


def _stale_lines(stale: list[StaleWording]) -> list[str]:
    if not stale:
        return []
    lines = ["", "## Deal wording on an older clause version", ""]
    lines += ["| Deal | Clause | Wording | Agreed against | Library | Source |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {s.deal_id} | `{s.clause_id}` | {s.wording} | version {s.agreed_version} | "
        f"version {s.library_version} | {s.source.replace('|', '/')} |"
        for s in stale
    ]
    return lines


def impact_markdown(report: ImpactReport) -> str:
    """The impact report in Markdown: changed clauses with their redlines, then the affected deals."""
    lines = [f"# Clause library changes since {report.base} ({report.base_commit[:12]})", ""]
    if not report.changes:
        return "\n".join([*lines, "No clause text changed.", *_stale_lines(report.stale)]) + "\n"
    lines += ["| Clause | Version | Redline |", "|---|---|---|"]
    lines += [f"| {c.title} (`{c.clause_id}`) | {c.label} | {c.redline_name} |" for c in report.changes]
    lines += ["", "## Deals", ""]
    if not report.deals:
        lines.append("No deal document includes a changed clause.")
    else:
        lines += ["| Deal | Document | Clause | Latest round |", "|---|---|---|---|"]
        lines += [f"| {d.deal_id} | {d.document_id} | `{d.clause_id}` | {d.status} |" for d in report.deals]
    return "\n".join([*lines, *_stale_lines(report.stale)]) + "\n"


def library_impact(
    workspace: Workspace, base: str, out_dir: Path, workers: int | None = None
) -> ImpactReport:
    """Clauses changed since `base`, the deals they reach, and per clause a redline (written to `out_dir`,
    with an impact.md summary); the redlines run `workers` at a time (default: one per CPU)."""
    # GitPython loads only for commands that read git
    from assembler.rounds.index import IndexedRepository

    library = Library(workspace.library_root)
    repo = IndexedRepository(workspace.root)  # every deal's rounds from one walk of the history
    base_commit = resolve_base(repo, base)
    current, problems = read_clauses(work_tree_clause_files(library))
    if problems:
        raise LibraryError(f"{problems[0]} (run `assembler library lint`)")
    previous = clauses_in_tree(repo, base_commit)
    changes = library_changes(previous, current)
    deals, warnings = affected_deals(workspace, repo, library, current, changes)
    when = dt.datetime.fromisoformat(repo.commit_info("HEAD").date)
    pairs = [(previous.get(c.clause_id), current.get(c.clause_id)) for c in changes]
    redlines = clause_redlines(pairs, library, when, workers)
    outputs = {out_dir / c.redline_name: docx for c, docx in zip(changes, redlines, strict=True)}
    report = ImpactReport(
        base,
        base_commit,
        changes,
        deals,
        {c.clause_id: out_dir / c.redline_name for c in changes},
        out_dir / "impact.md",
        warnings,
        stale_wording(workspace, current),
    )
    outputs[report.summary] = impact_markdown(report).encode("utf-8")
    write_files_atomically(outputs)
    return report
