"""The command line: each command parses its options, calls one library function, and prints the result."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import click

from assembler.cli_approve import approve
from assembler.cli_library import library
from assembler.cli_maintenance import house_style, schema
from assembler.cli_portfolio import calendar, site
from assembler.cli_sign import sign, verify
from assembler.cli_wording import accept, adopt, ingest, wording
from assembler.deals.layout import Workspace
from assembler.errors import InternalError


class _Group(click.Group):
    """Turns an unexpected exception into exit code 3 and one line naming the log of its traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            if os.environ.get("ASSEMBLER_TEST_INTERNAL_ERROR"):  # test hook: how a bug is reported
                raise RuntimeError("forced internal error (ASSEMBLER_TEST_INTERNAL_ERROR is set)")
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            raise click.Abort() from None
        except Exception as exc:  # a bug, not bad input
            raise InternalError(exc) from exc


@click.group(cls=_Group)
@click.version_option(package_name="assembler", message="%(prog)s %(version)s")
@click.option(
    "--workspace",
    "-C",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="ASSEMBLER_WORKSPACE",
    help="The checkout holding clause_library/ and agreements/ (default: found from the current directory).",
)
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None) -> None:
    """Assemble partnership agreements from the clause library."""
    ctx.obj = workspace


def _table(columns: tuple[str, ...], title: str, **options: object) -> Any:
    """A rich table with folding columns (imported here: rich loads only for commands that print tables)."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from rich.table import Table

    table = Table(title=title, **options)  # type: ignore[arg-type]
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _cells(*values: object) -> list[str]:
    """Table cells with rich markup escaped: deal data and rule ids ("[covers: ...]") print as written."""
    from rich.markup import escape

    return [escape(str(value)) for value in values]


def _workspace() -> Workspace:
    start = click.get_current_context().find_root().obj
    return Workspace.find(start)


@cli.command()
@click.argument("deal")
@click.option("--partner", help="The partner's legal name.")
@click.option("--model", "model_id", help="The partnership model, e.g. co-sell.")
@click.option("--terms", "key_value", help="Proposed commercial terms: the model's key rate or fee, e.g. 10.")
@click.option(
    "--target-signature-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="When both sides aim to sign (default: the model's target).",
)
@click.option("--constraint", "constraints", multiple=True, help="A known constraint, 'partner: text'.")
@click.option("--stage", help="The first document (default: the model's first, e.g. loi).")
@click.option(
    "--mutual-interest-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="When both sides confirmed interest (default: today).",
)
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Today (default: ASSEMBLER_TODAY, now)."
)
@click.option("--ask", is_flag=True, help="Ask for every input, one answer a line (empty keeps the default).")
def new(
    deal: str,
    partner: str | None,
    model_id: str | None,
    key_value: str | None,
    target_signature_date: dt.datetime | None,
    constraints: tuple[str, ...],
    stage: str | None,
    mutual_interest_date: dt.datetime | None,
    today: dt.datetime | None,
    ask: bool,
) -> None:
    """Scaffold agreements/DEAL/deal.yaml with the model's defaults; asks for the playbook's inputs that are
    not given when run at a terminal (or always with --ask)."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    import sys

    from assembler.errors import DealError
    from assembler.library.loader import Library
    from assembler.playbook.negotiation import today_from
    from assembler.scaffold import NewDealInputs, ask_inputs, missing_inputs, new_deal, parse_constraints

    workspace = _workspace()
    inputs = NewDealInputs(
        partner,
        model_id,
        key_value,
        target_signature_date.date() if target_signature_date else None,
        tuple(c for text in constraints for c in parse_constraints(text)),
        stage,
    )
    if ask or (missing_inputs(inputs) and sys.stdin.isatty()):

        def prompt(question: str, default: str | None) -> str:
            return str(click.prompt(question, default=default or "", show_default=bool(default)))

        inputs = ask_inputs(Library(workspace.library_root), inputs, prompt, always=ask)
    missing = missing_inputs(inputs)
    if missing:
        raise DealError(
            f"new {deal}: missing {', '.join(missing)}; give them as options, or run with --ask to answer "
            "them one a line"
        )
    assert inputs.partner is not None and inputs.model is not None
    day = mutual_interest_date.date() if mutual_interest_date else today_from(today.date() if today else None)
    path = new_deal(workspace, deal, inputs.partner, inputs.model, day, inputs)
    click.echo(f"Created {path}")


@cli.command()
@click.argument("deal")
def validate(deal: str) -> None:
    """Check DEAL's deal.yaml against the schema and its model."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from assembler.library.loader import Library
    from assembler.library.validate import load_valid_deal

    workspace = _workspace()
    loaded = load_valid_deal(workspace, deal, Library(workspace.library_root))
    click.echo(
        f"{workspace.relative(workspace.deal_file(deal))}: valid ({loaded.model}, stage {loaded.stage})"
    )


@cli.command()
@click.argument("deal")
@click.option("--document", "document_id", help="The document to build (default: the deal's stage).")
@click.option("--no-commit", is_flag=True, help="Render without committing a round.")
@click.option("--pdf", is_flag=True, help="Also convert to PDF with LibreOffice.")
def build(deal: str, document_id: str | None, no_commit: bool, pdf: bool) -> None:
    """Assemble DEAL's document, commit it as the next round, and redline it against the previous one."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    workspace = _workspace()
    if not no_commit and not pdf:
        from assembler.rounds.inputs import unchanged_round  # light: nothing rendered, no GitPython

        same = unchanged_round(workspace.root, deal, document_id)
        if same is not None:
            click.echo(f"{workspace.relative(same.docx)} is up to date (round {same.number})")
            return
    from assembler.assembly.twin import summary_line
    from assembler.build import build as build_document

    result = build_document(workspace, deal, document_id, commit=not no_commit, pdf=pdf)
    for warning in result.assembled.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for finding in result.findings:
        if finding.severity == "blocking":  # only reachable with --no-commit
            click.echo(
                f"Warning: blocking, no round can be committed: {finding.rule}: {finding.message}", err=True
            )
        elif finding.severity == "warning":
            click.echo(f"Warning: {finding.rule}: {finding.message}", err=True)
    docx = workspace.relative(result.docx_path)
    if result.status == "up to date":
        click.echo(f"{docx} is up to date (round {result.round_number})")
    elif result.status == "not committed":
        click.echo(f"Built {docx} and its .md twin (round {result.round_number}, not committed)")
    else:
        tag = f"{result.deal_id}/{result.document_id}/r{result.round_number}"
        click.echo(
            f"Round {result.round_number} of {docx} committed ({(result.commit or '')[:12]}), tagged {tag}"
        )
        for change in result.term_changes:
            click.echo(f"  {change}")
        if result.redline_path is not None:
            click.echo(
                f"Redline {workspace.relative(result.redline_path)}: {summary_line(result.clause_changes)}"
            )
    if result.pdf_path is not None:
        click.echo(f"PDF {workspace.relative(result.pdf_path)}")


@cli.command()
@click.argument("deal")
@click.option("--document", "document_id", help="The document (default: the deal's stage).")
@click.option("--from", "old", type=int, help="The older round (default: the one before --to).")
@click.option("--to", "new", type=int, help="The newer round (default: the latest).")
def redline(deal: str, document_id: str | None, old: int | None, new: int | None) -> None:
    """Write the tracked-change redline between two committed rounds of DEAL's document."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from assembler.assembly.twin import summary_line
    from assembler.history import redline_between

    workspace = _workspace()
    result = redline_between(workspace, deal, document_id, old, new)
    click.echo(
        f"Redline round {result.old} \u2192 {result.new}: {workspace.relative(result.path)} "
        f"({summary_line(result.changes)})"
    )


@cli.command()
@click.argument("deal")
def history(deal: str) -> None:
    """The audit trail of DEAL from git: every round and what changed in the deal."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from rich.console import Console

    from assembler.build import format_change
    from assembler.history import deal_history

    entries = deal_history(_workspace(), deal)
    if not entries:
        click.echo(f"{deal}: no rounds yet; `assembler build {deal}` commits round 1")
        return
    table = _table(
        (
            "Round",
            "Document",
            "Date",
            "Author",
            "Commit",
            "DOCX sha256",
            "Clause library",
            "Deal changes",
        ),
        title=f"{deal}: rounds",
        show_lines=True,
    )
    for entry in entries:
        item = entry.round
        changes = "\n".join(format_change(*c) for c in entry.term_changes) or "-"
        table.add_row(
            *_cells(
                item.number,
                f"{entry.amends} \u203a {item.document_id}" if entry.amends else item.document_id,
                entry.date,
                entry.author,
                item.commit[:12],
                item.docx_sha256[:16],
                item.library_tree[:12],
                changes,
            )
        )
    Console(width=200, soft_wrap=False).print(table)


@cli.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def textconv(path: Path) -> None:
    """Print a .docx as plain text (git's textconv for `git diff` of Word files)."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from assembler.word.pandoc import docx_to_text

    click.echo(docx_to_text(path.read_bytes()), nl=False)


@cli.command()
@click.argument("deal")
@click.option("--document", "document_id", help="The document to check (default: the deal's stage).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="The clock's today (default: now).")
def check(deal: str, document_id: str | None, today: dt.datetime | None) -> None:
    """Check DEAL against the playbook; write agreements/DEAL/negotiation.md. Exit 1 on a blocking finding."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from rich.console import Console

    from assembler.check import deal_state, write_negotiation_report
    from assembler.library.loader import Library

    workspace = _workspace()
    state = deal_state(workspace, deal, document_id, today.date() if today else None)
    console = Console(width=160, soft_wrap=False)
    table = _table(
        ("Severity", "Rule", "Finding"),
        title=f"{deal}: {state.assembled.document.title} \u2014 playbook findings",
        show_lines=False,
    )
    colours = {"blocking": "bold red", "warning": "yellow", "info": "dim"}
    for finding in state.findings:
        table.add_row(
            f"[{colours[finding.severity]}]{finding.severity}[/]", *_cells(finding.rule, finding.message)
        )
    console.print(table)
    plan = _table(
        ("Week", "Milestone", "Due", "State"), title=f"Week plan (signature target: day {state.target_days})"
    )
    for milestone in state.plan:
        plan.add_row(*_cells(milestone.week, milestone.title, milestone.due.isoformat(), milestone.state))
    console.print(plan)
    if state.ledger:
        ledger = _table(
            ("From", "To", "Term", "Old", "New", "Moved by", "Favours"), title="Concession ledger"
        )
        for c in state.ledger:
            moved = "-" if c.delta is None else (f"+{c.delta}" if c.delta > 0 else str(c.delta))
            ledger.add_row(*_cells(c.from_label, c.to_label, c.term, c.old, c.new, moved, c.toward))
        console.print(ledger)
    report = write_negotiation_report(workspace, state, Library(workspace.library_root))
    blocking = [f for f in state.findings if f.severity == "blocking"]
    click.echo(f"Wrote {report}. {len(blocking)} blocking finding(s).")
    if blocking:
        raise SystemExit(1)


@cli.command()
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="The clock's today (default: now).")
def status(today: dt.datetime | None) -> None:
    """Every deal in one table: stage, round, the clock against the deal's target, next milestone, blocking
    findings, and the post-signature items still open on executed deals. Exit 2 when a deal cannot be read."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from rich.console import Console

    from assembler.playbook.negotiation import today_from
    from assembler.signature.after import open_items_text
    from assembler.signature.obligations import open_obligations
    from assembler.status import status_rows

    day = today_from(today.date() if today else None)
    rows = status_rows(_workspace(), day)
    table = _table(
        (
            "Deal",
            "Partner",
            "Model",
            "Stage",
            "Round",
            "Clock",
            "Next milestone",
            "Due",
            "Blocking",
            "Open after signature",
        ),
        title=f"Deals on {day.isoformat()}",
    )
    for row in rows:
        milestone = row.next_milestone
        if row.error is not None:
            table.add_row(*_cells(row.deal_id, f"Error: {row.error}", *["-"] * 8))
            continue
        table.add_row(
            *_cells(
                row.deal_id,
                row.partner,
                row.model,
                row.stage,
                row.round or "-",
                f"day {row.day} of {row.target_days}",
                milestone.title if milestone else "-",
                milestone.due.isoformat() if milestone else "-",
                row.blocking,
                "-" if row.after_signature is None else open_items_text(row.after_signature, day),
            )
        )
    Console(width=200, soft_wrap=False).print(table)
    obligations = [(row.deal_id, o) for row in rows for o in open_obligations(row.obligations or [], day)]
    if obligations:
        listed = _table(("Deal", "Due", "Obligation", "State"), title="Obligations of executed deals")
        for deal_id, o in obligations:
            listed.add_row(deal_id, o.due.isoformat(), o.title, o.state(day))
        Console(width=200, soft_wrap=False).print(listed)
    broken = [row for row in rows if row.error is not None]
    if broken:
        from assembler.errors import DealError

        raise DealError("\n".join(f"{row.deal_id}: {row.error}" for row in broken))


cli.add_command(library)
cli.add_command(site)
cli.add_command(calendar)
for _command in (ingest, accept, adopt, wording, sign, verify):
    cli.add_command(_command)
cli.add_command(approve)
cli.add_command(schema)
cli.add_command(house_style)


def main() -> None:
    """The `assembler` console script's entry point."""
    cli(prog_name="assembler")
