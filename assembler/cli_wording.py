"""`assembler ingest / accept / adopt / wording`: their returned draft, numbered, and the deal's own
wording made from it. Registered on the main command group in cli.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from assembler.deals.layout import Workspace


def _workspace() -> Workspace:
    start = click.get_current_context().find_root().obj
    return Workspace.find(start)


def _table(columns: tuple[str, ...], title: str) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def print_triage(result: Any) -> None:
    """The numbered changes and the received comments, as tables."""
    from rich.console import Console
    from rich.markup import escape

    from assembler.intake.report import snippet

    console = Console(width=200, soft_wrap=False)
    if result.items:
        table = _table(("#", "Clause", "Change", "Class", "Suggested response"), title="Changes")
        for item in sorted(result.items, key=lambda i: i.number):
            change = f"{item.kind}: {snippet(item.before, item.after)}"
            values = (str(item.number), item.place, change, item.klass, item.response)
            table.add_row(*(escape(v) for v in values))
        console.print(table)
    if result.comments:
        table = _table(("#", "Clause", "Author", "Date", "Comment"), title="Comments")
        for comment in result.comments:
            where = result.places.get(comment.place, comment.place or "Start of document")
            values = (str(comment.number), where, comment.author, comment.date, comment.text)
            table.add_row(*(escape(v) for v in values))
        console.print(table)


@click.command()
@click.argument("deal")
@click.argument("numbers", nargs=-1, type=int, required=True)
@click.option("--by", help="Who agreed the changes (default: the git author).")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="When (default: today).")
@click.option("--force", is_flag=True, help="Accept changes triage classified critical (recorded).")
@click.option("--document", "document_id", help="The document (default: the deal's stage).")
def accept(
    deal: str,
    numbers: tuple[int, ...],
    by: str | None,
    on: dt.datetime | None,
    force: bool,
    document_id: str | None,
) -> None:
    """Accept received changes N ... of the latest ingest as the deal's wording for the next round."""
    from assembler.build import format_change
    from assembler.intake.accept import accept as accept_changes

    result = accept_changes(
        _workspace(),
        deal,
        list(numbers),
        by=by,
        on=on.date() if on else None,
        force=force,
        document_id=document_id,
    )
    for item in result.wording:
        forced = " (critical, accepted with --force)" if item.forced else ""
        click.echo(f"{item.clause}: {item.file} from {item.source}, agreed by {item.agreed.by}{forced}")
    for change in result.terms:
        click.echo(
            f"change {change.number} is a term change: "
            + format_change("terms." + change.path, change.old, change.new)
        )
    click.echo(f"Wrote {', '.join(result.written)}; `assembler build {deal}` makes the next round")


@click.command()
@click.argument("deal")
@click.argument("clause")
@click.argument("fallback")
@click.option("--by", help="Who agreed the fallback (default: the git author).")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="When (default: today).")
def adopt(deal: str, clause: str, fallback: str, by: str | None, on: dt.datetime | None) -> None:
    """Adopt one of CLAUSE's library fallbacks as the deal's wording."""
    from assembler.intake.accept import adopt as adopt_fallback

    item = adopt_fallback(_workspace(), deal, clause, fallback, by=by, on=on.date() if on else None)
    click.echo(
        f"{item.clause}: adopted fallback {item.fallback} (version {item.version}), "
        f"agreed by {item.agreed.by}"
    )


@click.command()
@click.argument("deal")
def wording(deal: str) -> None:
    """The deal's own wording: adopted fallbacks and negotiated text, with their state."""
    from rich.console import Console
    from rich.markup import escape

    from assembler.intake.accept import wording_states

    states = wording_states(_workspace(), deal)
    if not states:
        click.echo(f"{deal}: no deal wording; every clause is the library's")
        return
    table = _table(
        ("Clause", "Wording", "Source", "Agreed", "Version", "State"), title=f"{deal}: deal wording"
    )
    for s in states:
        table.add_row(
            *(escape(v) for v in (s.clause_id, s.wording, s.source, s.agreed, str(s.version), s.state))
        )
    Console(width=200, soft_wrap=False).print(table)


@click.command()
@click.argument("deal")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--round", "round_number", type=int, help="The round we sent (default: the latest).")
@click.option("--document", "document_id", help="The document (default: the deal's stage).")
@click.option("--from", "received_from", help="Who sent the file (recorded in the Received-From trailer).")
def ingest(
    deal: str, file: Path, round_number: int | None, document_id: str | None, received_from: str | None
) -> None:
    """Triage a counterparty's returned .docx against the round we sent, and commit it with the report."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from assembler.intake.triage import ingest as ingest_file
    from assembler.intake.triage import summary_lines

    workspace = _workspace()
    result = ingest_file(
        workspace, deal, file, round_number=round_number, document_id=document_id, received_from=received_from
    )
    for line in summary_lines(result):
        click.echo(line)
    print_triage(result)
    click.echo(
        f"Report {workspace.relative(result.report_path)}; "
        f"received file {workspace.relative(result.received_path)}"
    )
