"""`assembler approve`: a sign-off as its own commit by its giver (registered on the main group in cli.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from assembler.deals.layout import Workspace


def _workspace() -> Workspace:
    start: Path | None = click.get_current_context().find_root().obj
    return Workspace.find(start)


@click.command()
@click.argument("deal")
@click.option(
    "--role", required=True, type=click.Choice(["CPO", "Legal", "Finance"]), help="Your sign-off role."
)
@click.option(
    "--covers", "covers", required=True, multiple=True, help="A red-flag rule id the sign-off covers."
)
@click.option("--note", help="Why the sign-off is given (its `reason` in deal.yaml, and the commit body).")
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="The approval's date (default: now)."
)
def approve(
    deal: str, role: str, covers: tuple[str, ...], note: str | None, today: dt.datetime | None
) -> None:
    """Record your sign-off on DEAL's red flags as its own commit, authored by you: it proves who approved."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from assembler.approve import approve as record_approval
    from assembler.playbook.negotiation import today_from

    day = today_from(today.date() if today else None)
    result = record_approval(_workspace(), deal, role, list(covers), note, day)
    click.echo(
        f"{result.role} sign-off by {result.name} on {deal} (covers: {', '.join(result.covers)}) committed "
        f"({result.commit[:12]})"
    )
