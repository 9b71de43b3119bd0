"""`make bench`: our commands against honest references, as one Markdown table.

- A new round with its redline (the real CLI, a fresh process) against the floor: bench/floor.py doing the
  same work with the raw dependencies (pandoc, docxtpl, the splice and zip, Docxodus on the full old and new
  documents, git plumbing) in a fresh process, at ~22 (acme as shipped), ~60 and ~200 pages.
- A no-op rebuild ("up to date") against the CLI's own start-up, `assembler --version`.
- The portfolio scenarios of bench/portfolio.py (status, history, check, lint, impact at scale), when present.

Each pair runs alternately after a warm-up (bench/common.py); the ratio is the median of per-pair ratios.
BENCH_RUNS sets the number of pairs (default 5); BENCH_PAGES the document sizes (default "22,60,200").
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from common import GIT_ENV, REPO, RUNS, Row, assembler, load, paired, sh, table
from fixtures import DEAL, DOCUMENT, SHIPPED_PAGES, WORDS_PER_PAGE, set_fee, workspace

FLOOR = Path(__file__).resolve().parent / "floor.py"
PAGES = [int(p) for p in os.environ.get("BENCH_PAGES", "22,60,200").split(",") if p.strip()]
LIMITS = {SHIPPED_PAGES: 1.15, 200: 1.10}


def _build(root: Path, *extra: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "assembler", "build", DEAL, *extra],
        cwd=root,
        env=GIT_ENV,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


class Floor:
    """The floor's side of a new-round scenario: its own clone of the workspace, and the inputs ours renders
    for each fee (the assembled Markdown and the shell's context, prepared untimed)."""

    def __init__(self, ours: Path, scratch: Path) -> None:
        self.root = scratch / "floor"
        sh("git", "clone", "-q", str(ours), str(self.root), cwd=scratch)
        self.scratch = scratch
        self.number = 1
        self.inputs = {fee: self._inputs(ours, fee) for fee in (10, 11)}
        self.job = scratch / "job.json"

    def _inputs(self, ours: Path, fee: int) -> dict[str, object]:
        """What ours renders for `fee`: its assembled Markdown and the filled shell's context."""
        from assembler.deals.layout import Workspace
        from assembler.word.package import BODY_MARKER, DRAFT_MARKING, PARTIES_MARKING
        from assembler.word.pandoc import MARKDOWN_IN, pandoc_path
        from assembler.word.render import epoch_of, render_document
        from assembler.word.shell import localised_shell_context

        set_fee(ours, fee)
        rendered = render_document(Workspace(ours), DEAL, None)
        markdown = self.scratch / f"fee-{fee}.md"
        markdown.write_text(rendered.assembled.markdown, encoding="utf-8")
        context = localised_shell_context(rendered.assembled.document, rendered.deal, rendered.library)
        deal = rendered.deal
        sh("git", "checkout", "-q", "HEAD", "--", f"agreements/{DEAL}", cwd=ours)
        return {
            "markdown": str(markdown),
            "context": json.loads(json.dumps(context, default=str)),
            "epoch": epoch_of(rendered.when),
            "pandoc": pandoc_path(),
            "reader": MARKDOWN_IN,
            "body_marker": BODY_MARKER,
            "title": rendered.assembled.document.title,
            "placeholders": (DRAFT_MARKING, PARTIES_MARKING),
            "parties": f"{deal.company.name} and {deal.partner.name}",
            "author": rendered.library.config.legal_team,
        }

    def prepare(self) -> None:
        """The next round's deal change and job file (untimed)."""
        fee = 11 if self.number % 2 else 10
        self.number += 1
        set_fee(self.root, fee)
        found = dict(self.inputs[fee])
        draft, parties = found.pop("placeholders")  # type: ignore[misc]
        library = self.root / "clause_library"
        number = self.number
        with resources.as_file(resources.files("assembler.word") / "clause_styles.lua") as lua:
            job = {
                **found,
                "root": str(self.root),
                "reference": str(library / "templates" / "reference.docx"),
                "shell": str(library / "templates" / "shell.docx"),
                "lua": str(lua),
                "markings": {
                    draft: f"DRAFT \u2014 {found['title']} \u2014 Round {number} \u2014 Confidential",
                    parties: found["parties"],
                },
                "document": f"agreements/{DEAL}/{DOCUMENT}.docx",
                "twin": f"agreements/{DEAL}/{DOCUMENT}.md",
                "deal_yaml": f"agreements/{DEAL}/deal.yaml",
                "redline": f"agreements/{DEAL}/redlines/{DOCUMENT}.r{number - 1}-r{number}.docx",
                "redline_summary": f"agreements/{DEAL}/redlines/{DOCUMENT}.r{number - 1}-r{number}.md",
                "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "message": f"{DEAL}: round {number}\n",
                "tag": f"floor/r{number}",
            }
        self.job.write_text(json.dumps(job), encoding="utf-8")

    def run(self) -> None:
        """One floor round: a fresh Python process running bench/floor.py."""
        subprocess.run(
            [sys.executable, str(FLOOR), str(self.job)], env=GIT_ENV, check=True, capture_output=True
        )


def _toggle(root: Path) -> Callable[[], None]:
    state = {"fee": 10}

    def prepare() -> None:
        state["fee"] = 11 if state["fee"] == 10 else 10
        set_fee(root, state["fee"])

    return prepare


def new_round(pages: int) -> tuple[Row, Path]:
    """A new round with redline at about `pages` pages, ours against the floor; returns the row and ours'
    workspace (left at an up-to-date round)."""
    root = workspace(pages)
    scratch = Path(tempfile.mkdtemp(prefix="assembler-bench-floor-"))
    try:
        set_fee(root, 10)
        _build(root)  # round 1 (not timed)
        floor = Floor(root, scratch)
        words = len((root / "agreements" / DEAL / f"{DOCUMENT}.md").read_text(encoding="utf-8").split())
        result = paired(
            assembler("build", DEAL, cwd=root), floor.run, before_each=(_toggle(root), floor.prepare)
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    about = round(words / WORDS_PER_PAGE)
    limit = LIMITS.get(pages)
    row = Row.of(
        f"new round + redline, ~{about} pages ({words} words)",
        result,
        "floor: raw pandoc, docxtpl, zip, Docxodus, git plumbing",
        f"≤ {limit:.2f}×" if limit else "(no target)",
        limit,
    )
    return row, root


def no_op(root: Path) -> Row:
    """A rebuild with nothing changed against `assembler --version`."""
    said = _build(root)
    assert "is up to date" in said, said
    result = paired(assembler("build", DEAL, cwd=root), assembler("--version", cwd=root))
    return Row.of("no-op rebuild (up to date)", result, "assembler --version", "≤ 1.30×", 1.30)


def portfolio_rows() -> list[Row]:
    """bench/portfolio.py's rows (status, history, check, lint, impact at scale), once it exists."""
    try:
        import portfolio  # type: ignore[import-not-found]
    except ImportError:
        return []
    found: list[Row] = portfolio.rows()
    return found


def main() -> None:
    """Run every scenario and print the table."""
    print(f"assembler bench: {RUNS} pairs per scenario; {load()}", flush=True)
    rows: list[Row] = []
    shipped: Path | None = None
    for pages in PAGES:
        row, root = new_round(pages)
        rows.append(row)
        print(f"  {row.scenario}: {row.ratio:.2f}×", flush=True)
        if pages == SHIPPED_PAGES and shipped is None:
            shipped = root
        else:
            shutil.rmtree(root, ignore_errors=True)
    if shipped is None:
        shipped, _ = workspace(), None
        set_fee(shipped, 10)
        _build(shipped)
    rows.append(no_op(shipped))
    shutil.rmtree(shipped, ignore_errors=True)
    rows += portfolio_rows()
    print(f"\nmeasured {dt.date.today().isoformat()}; {load()}; repository {REPO.name}\n")
    print(table(rows))


if __name__ == "__main__":
    main()
