"""`assembler library ...`: governance of the clause library (lint before a merge, impact for Legal review).

Registered on the main command group in cli.py; each command calls one function of assembler/governance.py.
"""

from __future__ import annotations

from pathlib import Path

import click

from assembler.deals.layout import Workspace


def _workspace() -> Workspace:
    start = click.get_current_context().find_root().obj
    return Workspace.find(start)


@click.group()
def library() -> None:
    """Check the clause library and review the impact of its changes."""


@library.command()
@click.option(
    "--base",
    metavar="REF",
    help="Also check that every clause whose text changed since REF (a branch, tag or commit) has a higher "
    "version than at REF.",
)
def lint(base: str | None) -> None:
    """Check every clause file, the models that use them and the red-flag language; exit 1 on a problem.

    Checks: front matter and unique ids; the variables a clause declares and uses are values available to a
    clause; every [[ref:...]] names a clause that is in every document using the clause; applies_to matches
    the documents that use the clause; every substantive agreement covers the mandatory checklist; no clause
    contains red-flag language (rules/red-flag-patterns.yaml) unless an allow entry records Legal's review.
    """
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from assembler.errors import LibraryLintError
    from assembler.governance.lint import lint_workspace

    report = lint_workspace(_workspace(), base)
    if report.problems:
        count = len(report.problems)
        summary = f"{count} problem{'s' if count > 1 else ''} in the clause library; fix them and lint again"
        raise LibraryLintError("\n".join([*report.problems, summary]))
    click.echo(f"clause library OK ({report.clauses} clauses)")
    if base is not None:
        click.echo(f"{len(report.versioned)} clause(s) changed since {base}, each with a higher version")


@library.command()
@click.option("--base", metavar="REF", required=True, help="The revision to compare with (e.g. origin/main).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the redlines and impact.md (default: library-impact/ in the workspace).",
)
def impact(base: str, out_dir: Path | None) -> None:
    """List the clauses whose text changed since REF and the deal documents they reach, and write a redline
    of each changed clause for Legal review.

    A deal document is listed when it includes a changed clause and either has no round yet (the deal's
    stage document: its next build takes the new text) or its latest round used an older version of the
    clause (the next round will carry the change to the counterparty). Rounds already built with the new
    text are up to date and not listed.
    """
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from assembler.governance.impact import library_impact

    workspace = _workspace()
    report = library_impact(workspace, base, out_dir or workspace.root / "library-impact")
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if not report.changes:
        click.echo(f"No clause text changed since {base} ({report.base_commit[:12]}).")
    else:
        click.echo(f"Clauses changed since {base} ({report.base_commit[:12]}):")
        for change in report.changes:
            redline = workspace.relative(report.redlines[change.clause_id])
            click.echo(f"  {change.clause_id}: {change.title}, {change.label}; redline {redline}")
        click.echo(f"Deal documents that include them ({len(report.deals)}):")
        for item in report.deals:
            click.echo(f"  {item.deal_id} {item.document_id}: {item.clause_id} ({item.status})")
    if report.stale:
        click.echo(f"Deal wording agreed against an older clause version ({len(report.stale)}):")
        for stale in report.stale:
            click.echo(
                f"  {stale.deal_id} {stale.clause_id}: {stale.wording} agreed against version "
                f"{stale.agreed_version}, the library is at version {stale.library_version}"
            )
    click.echo(f"Wrote {workspace.relative(report.summary)}")
