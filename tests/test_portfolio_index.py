"""Portfolio commands read the history once: the index gives exactly git's answers, and parallel clause
redlines are the serial ones, in order."""

from __future__ import annotations

import datetime as dt

from assembler.deals.committed import committed_deal_data
from assembler.deals.layout import Workspace
from assembler.governance.impact import clause_redlines, redline_workers
from assembler.library.loader import Library
from assembler.rounds.git import Repository
from assembler.rounds.index import IndexedRepository
from assembler.rounds.round import rounds
from assembler.rounds.trailers import commit_message
from assembler.yamlfile import parse_yaml

from .conftest import git


def _commit(ws: Workspace, path: str, text: str, trailers: dict[str, object], author: str = "") -> str:
    target = ws.root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    git(ws, "add", "--", path)
    message = commit_message(f"edit {path}", [], trailers)
    git(ws, "commit", "-q", *([f"--author={author}"] if author else []), "-m", message, "--", path)
    return git(ws, "rev-parse", "HEAD").strip()


def _round(ws: Workspace, deal: str, document: str, number: int) -> str:
    trailers = {
        "Deal": deal,
        "Document": document,
        "Round": number,
        "Model": "co-sell",
        "Clause-Library": "0" * 40,
        "Docx-SHA256": "1" * 64,
    }
    commit = _commit(ws, f"agreements/{deal}/{document}.md", f"round {number}\n", trailers)
    git(ws, "tag", "-a", "-m", f"{deal} r{number}", f"{deal}/{document}/r{number}", commit)
    return commit


def _questions(repo: Repository) -> list[object]:
    """Every history question the portfolio commands ask, for a few deals, files and folders."""
    paths = [
        None,
        "agreements/acme/",
        "agreements/acme",
        "agreements/acme/deal.yaml",
        "agreements/acme/co-sell-agreement.md",
        "agreements/ac/",
        "agreements/acme-2/",
        "clause_library/",
        "agreements/nobody/deal.yaml",
    ]
    answers: list[object] = [repo.log_trailers(path) for path in paths]
    answers += [repo.log_authors(p) for p in ("agreements/acme/deal.yaml", "agreements/acme-2/deal.yaml")]
    answers += [repo.tags(p) for p in ("acme/", "acme", "acme/co-sell-agreement/r1", "acme-2/", "", "zzz/")]
    head = repo.head() or ""
    answers += [repo.commit_trailers(head), repo.commit_trailers("f" * 40), repo.commit_trailers("HEAD")]
    answers += [rounds(repo, "acme"), rounds(repo, "acme-2", "co-sell-agreement")]
    return answers


def _history(ws: Workspace) -> None:
    _round(ws, "acme", "co-sell-agreement", 1)
    _commit(ws, "agreements/acme-2/deal.yaml", "model: co-sell\n", {}, "Jordan Ellis <jordan.ellis@example>")
    _round(ws, "acme-2", "co-sell-agreement", 1)
    _commit(ws, "agreements/acme/deal.yaml", "model: co-sell\nstage: x\n", {}, "Priya <priya@example>")
    _round(ws, "acme", "co-sell-agreement", 2)


def test_the_index_answers_every_history_question_as_git_does(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    _history(ws)
    plain, indexed = Repository(ws.root), IndexedRepository(ws.root)
    assert indexed.indexed
    assert _questions(indexed) == _questions(plain)
    assert [r.number for r in rounds(indexed, "acme")] == [1, 2]
    head = plain.head() or ""
    info, commit = plain.commit_info(head), indexed.commit(head)
    assert commit is not None and (commit.date, commit.author) == (info.date, info.author)


def test_a_history_with_a_merge_is_not_indexed_and_still_answers_as_git_does(
    repo_workspace: Workspace,
) -> None:
    ws = repo_workspace
    git(ws, "checkout", "-q", "-b", "side")
    _round(ws, "acme-2", "co-sell-agreement", 1)
    git(ws, "checkout", "-q", "main")
    _round(ws, "acme", "co-sell-agreement", 1)
    git(ws, "merge", "-q", "--no-ff", "-m", "merge side", "side")
    indexed = IndexedRepository(ws.root)
    assert not indexed.indexed
    assert _questions(indexed) == _questions(Repository(ws.root))


def test_batch_blob_reads_equal_single_reads(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    _history(ws)
    repo = Repository(ws.root)
    head = repo.head() or ""
    first = git(ws, "rev-list", "--max-parents=0", "HEAD").strip()
    wanted = [
        (head, "agreements/acme/deal.yaml"),
        (first, "agreements/acme/deal.yaml"),
        (head, "agreements/acme/co-sell-agreement.md"),
        (first, "agreements/acme/co-sell-agreement.md"),  # not there yet
        (head, "agreements/acme-2/deal.yaml"),
        (head, "clause_library/templates/reference.docx"),  # binary, newlines inside
    ]
    assert repo.read_blobs(wanted) == [repo.read_blob(rev, path) for rev, path in wanted]
    assert repo.read_blobs(wanted)[3] is None
    assert repo.read_blobs([]) == []


def test_a_round_deal_file_parses_as_the_precise_loader_reads_it() -> None:
    text = "terms:\n  a: NO\n  b: 017\n  c: 2026-10-01\n  d: '10'\n  e: 1_000\n  f: on\n"
    assert committed_deal_data(text) == parse_yaml(text, "deal.yaml")
    assert committed_deal_data("terms: [unclosed\n") is None


def test_parallel_clause_redlines_are_the_serial_ones_in_order(workspace: Workspace) -> None:
    library = Library(workspace.library_root)
    clauses = library.clauses
    pairs = [
        (clauses["governing-law"], clauses["confidentiality"]),
        (None, clauses["audit-rights"]),
        (clauses["term-and-renewal"], None),
    ]
    when = dt.datetime(2026, 10, 30, 12, tzinfo=dt.UTC)
    serial = clause_redlines(pairs, library, when, workers=1)
    assert clause_redlines(pairs, library, when, workers=3) == serial
    assert len(set(serial)) == 3  # three different redlines, not one repeated
    assert redline_workers(10, None) >= 1 and redline_workers(2, 8) == 2 and redline_workers(0, 4) == 1


def test_lint_in_parallel_reports_what_one_process_reports_in_the_same_order(workspace: Workspace) -> None:
    from assembler.governance.lint import lint_library

    clauses = workspace.library_root / "clauses"
    law = clauses / "general" / "governing-law.md"
    (clauses / "co-sell" / "governing-law.md").write_text(law.read_text())  # an id used twice
    fees = clauses / "referral" / "referral-fees.md"
    unknown = "{{ terms.x | nofilter }}"  # an unknown value through an unknown filter
    fees.write_text(fees.read_text().replace("{{ terms.referral_fee_pct | pct }}", unknown))
    audit = clauses / "general" / "audit-rights.md"
    audit.write_text(audit.read_text() + "\nThis Agreement creates unlimited liability. {% if %}\n")
    (clauses / "general" / "not-text.md").write_bytes(b"---\nid: not-text\n---\n\xff\xfe")
    (clauses / "general" / "no-front-matter.md").write_text("A clause without front matter.\n")
    library = Library(workspace.library_root)
    serial = lint_library(library, workers=1)
    parallel = lint_library(Library(workspace.library_root), workers=3)
    assert parallel == serial
    assert len(serial.problems) >= 6
