"""`build`: the staged pipeline, top to bottom.

load deal → validate → assemble clauses → render the body (pandoc) → package the round's DOCX → compare with
the latest round → redline against it → commit and tag the round → write the work-tree files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from assembler.atomic_write import write_files_atomically
from assembler.deals.layout import DealLayout, Workspace
from assembler.errors import AssemblerError, RepositoryError
from assembler.rounds.inputs import build_date, deal_inputs, inputs_digest
from assembler.word.render import RenderedDocument, render_document

# Everything else loads inside the functions that use it, once pandoc is already rendering the body: the
# playbook, GitPython, the redline engine and the Word libraries cost nothing on the way to pandoc.
if TYPE_CHECKING:
    from assembler.assembly.assemble import AssembledDocument
    from assembler.assembly.twin import ClauseChange
    from assembler.library.loader import Library
    from assembler.playbook.clock import Progress
    from assembler.playbook.findings import Finding
    from assembler.rounds.git import Repository
    from assembler.rounds.round import Round


LOCK_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class BuildResult:
    """The outcome of `build` for one document: the round, the files written and what changed."""

    deal_id: str
    document_id: str
    round_number: int
    status: str  # "new round" | "up to date" | "not committed"
    docx_path: Path
    markdown_path: Path
    docx_sha256: str
    assembled: AssembledDocument
    commit: str | None = None
    redline_path: Path | None = None
    clause_changes: list[ClauseChange] = field(default_factory=list)
    term_changes: list[str] = field(default_factory=list)
    pdf_path: Path | None = None
    findings: list[Finding] = field(default_factory=list)


def format_change(path: str, old: object, new: object) -> str:
    """One deal-term change as shown to the user: "path: old → new" ("(not set)" for a missing value)."""

    def show(value: object) -> str:
        return "(not set)" if value is None else str(value)

    return f"{path}: {show(old)} \u2192 {show(new)}"


def build(
    workspace: Workspace,
    deal_id: str,
    document_id: str | None = None,
    *,
    commit: bool = True,
    pdf: bool = False,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> BuildResult:
    """Build one document of a deal; unless `commit` is False, commit it as the next round."""
    # Validation, assembly and pandoc come first: bad input is reported before any git check, and the
    # writer lock is held only for comparing, redlining and committing.
    from assembler.signature.amendment import is_amendment, render_amendment

    today = build_date()  # the build date: a late plan's printed dates are re-planned from it
    if today is None:  # ASSEMBLER_TODAY is not a date: the playbook's clock says so
        from assembler.playbook.negotiation import today_from

        today = today_from(None)
    # The deal's wording as the build starts (part of the round's inputs digest).
    early_inputs = deal_inputs(workspace.deal_dir(deal_id)) if commit else None
    rendered = (
        render_amendment(workspace, deal_id, document_id)
        if is_amendment(document_id)
        else render_document(workspace, deal_id, document_id, today)
    )
    from assembler.library.plan import slip_days
    from assembler.playbook.approvals import evaluate_proven
    from assembler.playbook.findings import blocking, finance_findings
    from assembler.rounds.sequence import writing

    planned_from = today if slip_days(rendered.deal, rendered.library, today) else None
    progress = _progress(workspace, deal_id, rendered.library) if commit else None
    findings = evaluate_proven(
        workspace.root, deal_id, rendered.deal, rendered.library, rendered.checked, progress=progress
    )
    blockers = blocking(findings)
    if commit and blockers:
        raise AssemblerError(
            "\n".join(
                [
                    f"{deal_id}: no round was created: {len(blockers)} blocking playbook finding(s) "
                    f"(see `assembler check {deal_id}`)"
                ]
                + [f"{f.rule}: {f.message}" for f in blockers]
            )
        )
    from assembler.rounds.git import Repository

    if not commit:
        return replace(_build_uncommitted(workspace, deal_id, rendered, pdf), findings=findings)
    # A round whose rebuild would print only "up to date" records its inputs' digest (rounds/inputs.py).
    quiet = not rendered.assembled.warnings and not any(f.severity == "warning" for f in findings)
    digest_of = (
        _Digest(
            early_inputs[1],
            document_id or "",
            today if _prints_dates(rendered, early_inputs[1]) else None,
        )
        if quiet and early_inputs is not None
        else None
    )
    repo = Repository.of_workspace(workspace.root, rendered.library.config.commit_identity)
    with writing(repo, lock_timeout, rendered.library.config.branch):
        result = _build_round(workspace, repo, deal_id, rendered, pdf, planned_from, digest_of)
    first_round = (
        []
        if result.round_number > 1 or result.status == "up to date"
        else finance_findings(rendered.deal, rendered.library, rendered.checked, first_round=True)
    )
    return replace(result, findings=findings + first_round)


def _prints_dates(rendered: RenderedDocument, wording: dict[str, bytes]) -> bool:
    """Whether the document may print milestone dates (moved forward by the build date once the plan is
    late): a preliminary document, or any clause or deal wording that names them. Such a round's digest
    includes the build date."""
    if rendered.assembled.document.kind == "preliminary":
        return True
    texts = [
        text
        for placed in rendered.assembled.clauses
        for text in (placed.clause.body, *(f.text for f in placed.clause.meta.fallbacks))
    ]
    return any("milestones" in text for text in texts) or any(b"milestones" in d for d in wording.values())


@dataclass(frozen=True)
class _Digest:
    """What the inputs digest takes besides the deal file and the library: the wording files read as the
    build started, the document asked for, and the build date (preliminary documents only)."""

    wording: dict[str, bytes]
    document: str
    today: dt.date | None

    def of(self, repo: Repository, rendered: RenderedDocument) -> str:
        """The digest, with HEAD's clause-library files (the work tree's, as checked) and HEAD's branch."""
        branch = rendered.library.config.branch
        return inputs_digest(
            deal_yaml=rendered.deal_yaml,
            wording=self.wording,
            library=repo.tree_blobs("HEAD", "clause_library"),
            document=self.document,
            branch=f"refs/heads/{branch}" if branch else (repo.symbolic_head() or "HEAD"),
            today=self.today,
        )


def _progress(workspace: Workspace, deal_id: str, library: Library) -> Progress | None:
    """What git shows of the deal (for the preliminary-first rule); None outside a repository."""
    from assembler.playbook.clock import progress_from_git
    from assembler.rounds.git import Repository

    try:
        return progress_from_git(Repository(workspace.root), deal_id, library)
    except RepositoryError:
        return None


def _outputs(workspace: Workspace, deal_id: str, document_id: str) -> tuple[Path, Path]:
    deal_dir = workspace.deal_dir(deal_id)
    return deal_dir / f"{document_id}.docx", deal_dir / f"{document_id}.md"


def _reproduces(rendered: RenderedDocument, latest: Round, repo: Repository) -> bytes | None:
    """The latest round's exact bytes when this render reproduces them, else None (a new round is due).

    Packaging the latest round again is needed only when the text is unchanged (the cover, signature page or
    templates may still differ); a changed text is a new round for certain.
    """
    from assembler.rounds.round import document_path

    old = repo.committed(latest.commit, document_path(latest.deal_id, latest.document_id, "md"))
    if old.decode("utf-8") != rendered.assembled.markdown:
        return None
    same = rendered.package(latest.number)
    return same if hashlib.sha256(same).hexdigest() == latest.docx_sha256 else None


def _build_uncommitted(
    workspace: Workspace, deal_id: str, rendered: RenderedDocument, pdf: bool
) -> BuildResult:
    # GitPython loads only for commands that read git
    from assembler.rounds.git import Repository
    from assembler.rounds.round import latest_round

    document_id = rendered.assembled.document.id
    number, docx = 1, None
    with contextlib.suppress(RepositoryError):  # not a repository: the draft is round 1
        repo = Repository(workspace.root)
        latest = latest_round(repo, deal_id, document_id)
        if latest is not None:
            docx = _reproduces(rendered, latest, repo)
            number = latest.number if docx is not None else latest.number + 1
    docx = docx or rendered.package(number)
    docx_path, markdown_path = _outputs(workspace, deal_id, document_id)
    pdf_path = _write(workspace, deal_id, document_id, docx, rendered.assembled.markdown, pdf)
    return BuildResult(
        deal_id,
        document_id,
        number,
        "not committed",
        docx_path,
        markdown_path,
        hashlib.sha256(docx).hexdigest(),
        rendered.assembled,
        pdf_path=pdf_path,
    )


def _write(
    workspace: Workspace, deal_id: str, document_id: str, docx: bytes, markdown: str, pdf: bool
) -> Path | None:
    docx_path, markdown_path = _outputs(workspace, deal_id, document_id)
    outputs = {docx_path: docx, markdown_path: markdown.encode("utf-8")}
    pdf_path = docx_path.with_suffix(".pdf") if pdf else None
    if pdf_path is not None:
        from assembler.word.libreoffice import docx_to_pdf

        outputs[pdf_path] = docx_to_pdf(docx)  # before writing anything: a failed conversion writes nothing
    write_files_atomically(outputs, root=workspace.root)
    return pdf_path


def _build_round(
    workspace: Workspace,
    repo: Repository,
    deal_id: str,
    rendered: RenderedDocument,
    pdf: bool,
    planned_from: dt.date | None = None,
    digest_of: _Digest | None = None,
) -> BuildResult:
    from assembler.assembly.twin import clause_changes, summary_markdown
    from assembler.assembly.wording import wording_changes, wording_files, wording_sources
    from assembler.deals.contract import deal_changes
    from assembler.rounds.executed import refuse_if_executed
    from assembler.rounds.redline import redline_docx
    from assembler.rounds.round import (
        Round,
        commit_time,
        document_path,
        ensure_tags,
        redline_path,
        round_message,
        round_tag,
        rounds,
        tag_message,
    )
    from assembler.rounds.sequence import record

    refuse_if_executed(repo, deal_id, rendered.assembled.document.id)  # an executed agreement never changes
    differences = library_differences(repo, workspace.root)  # file by file: skip-worktree and ignored count
    if differences:
        listed = ", ".join(differences[:3]) + (", ..." if len(differences) > 3 else "")
        raise RepositoryError(
            f"clause_library differs from its last commit ({listed}); "
            "a round must be rebuildable from git, so commit the library change (after Legal review) first, "
            "or build with --no-commit"
        )
    library_tree = repo.tree_id("HEAD", "clause_library") if repo.head() else None
    if library_tree is None:
        raise RepositoryError("clause_library is not committed in this repository; commit it first")

    assembled = rendered.assembled
    document_id = assembled.document.id
    # One walk of the deal's history answers both: which tags are missing, which round is the latest.
    deal_rounds = rounds(repo, deal_id)
    ensure_tags(repo, deal_rounds)
    of_document = sorted((r for r in deal_rounds if r.document_id == document_id), key=lambda r: r.number)
    latest = of_document[-1] if of_document else None
    docx_path, markdown_path = _outputs(workspace, deal_id, document_id)

    same_round = _reproduces(rendered, latest, repo) if latest is not None else None
    if latest is not None and same_round is not None:
        _restore_work_tree(workspace, repo, latest)
        pdf_path = (
            _write(workspace, deal_id, document_id, same_round, assembled.markdown, pdf) if pdf else None
        )
        return BuildResult(
            deal_id,
            document_id,
            latest.number,
            "up to date",
            docx_path,
            markdown_path,
            latest.docx_sha256,
            assembled,
            commit=latest.commit,
            pdf_path=pdf_path,
        )

    number = latest.number + 1 if latest else 1
    docx = rendered.package(number)
    markdown = assembled.markdown.encode("utf-8")
    deal_yaml = rendered.deal_yaml
    when = commit_time()
    files = {
        document_path(deal_id, document_id): docx,
        document_path(deal_id, document_id, "md"): markdown,
        DealLayout(deal_id).deal_yaml: deal_yaml,
        **wording_files(workspace, deal_id, [*assembled.overrides(), *rendered.checked.overrides()]),
        **rendered.companions,
    }
    changes: list[ClauseChange] = []
    term_changes: list[str] = []
    redline_file = None
    # Docxodus (the slowest step) starts as soon as the new document exists; the blobs of the files already
    # known are stored meanwhile, and the change summary and commit message are made on this thread.
    with ThreadPoolExecutor(max_workers=2) as pool:
        redline: Future[bytes] | None = None
        if latest is not None:
            old_docx = repo.committed(latest.commit, document_path(deal_id, document_id))
            redline = pool.submit(redline_docx, old_docx, docx, rendered.library.config.legal_team, when)
        written = pool.submit(repo.write_blobs, dict(files))
        if latest is not None:
            old_yaml = repo.committed(latest.commit, DealLayout(deal_id).deal_yaml).decode("utf-8")
            old_markdown = repo.committed(latest.commit, document_path(deal_id, document_id, "md")).decode(
                "utf-8"
            )
            changes = clause_changes(old_markdown, assembled.markdown)
            new_yaml = deal_yaml.decode("utf-8")
            term_changes = [
                format_change(*c) for c in deal_changes(old_yaml, new_yaml) if c[0] != "wording"
            ] + [format_change(*c) for c in wording_changes(old_yaml, new_yaml)]
            redline_file = redline_path(deal_id, document_id, latest.number, number)
            files[redline_path(deal_id, document_id, latest.number, number, "md")] = summary_markdown(
                assembled.document.title,
                latest.number,
                number,
                changes,
                wording_sources(assembled.overrides()),
            ).encode("utf-8")
        message = round_message(
            deal_id,
            assembled.document.title,
            document_id,
            number,
            rendered.deal.model,
            library_tree,
            docx,
            term_changes,
            planned_from if assembled.document.kind == "preliminary" else None,
            [(o.clause_id, o.describe()) for o in assembled.overrides()],
            digest_of.of(repo, rendered) if digest_of is not None else None,
        )
        if redline is not None and redline_file is not None:
            files[redline_file] = redline.result()
        stored = written.result()
    sha256 = hashlib.sha256(docx).hexdigest()
    tag = (round_tag(deal_id, document_id, number), tag_message(deal_id, document_id, number))
    workspace.guard_all(
        [workspace.root / path for path in files]
    )  # a linked folder: refuse before HEAD moves
    commit = record(repo, files, message, when.isoformat(), [tag], stored)
    new_round = Round(deal_id, document_id, number, commit, sha256, library_tree, rendered.deal.model)
    pdf_path = _write(workspace, deal_id, document_id, docx, assembled.markdown, pdf) if pdf else None
    return BuildResult(
        deal_id,
        document_id,
        number,
        "new round",
        docx_path,
        markdown_path,
        new_round.docx_sha256,
        assembled,
        commit=commit,
        redline_path=workspace.root / redline_file if redline_file else None,
        clause_changes=changes,
        term_changes=term_changes,
        pdf_path=pdf_path,
    )


def library_differences(repo: Repository, root: Path) -> list[str]:
    """The work tree's clause_library files that are not HEAD's (rounds/rebuild.py, loaded only here)."""
    from assembler.rounds.rebuild import library_differences as differences

    return differences(repo, root)


def _restore_work_tree(workspace: Workspace, repo: Repository, latest: Round) -> None:
    """After a crash between commit and file write, the work tree may lag the committed round: restore it."""
    from assembler.rounds.round import document_path, redline_path

    deal_id, document_id, number = latest.deal_id, latest.document_id, latest.number
    paths = [document_path(deal_id, document_id), document_path(deal_id, document_id, "md")]
    if number > 1:
        paths += [redline_path(deal_id, document_id, number - 1, number, suffix) for suffix in ("docx", "md")]
    stale = {}
    for path in paths:
        committed = repo.read_blob(latest.commit, path)
        target = workspace.root / path
        if committed is not None and (not target.exists() or target.read_bytes() != committed):
            stale[target] = committed
    if stale:
        write_files_atomically(stale, root=workspace.root)
