"""The portfolio commands: `site` (the static web site) and `calendar` (iCalendar deadlines)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from assembler.deals.layout import Workspace


def _workspace() -> Workspace:
    start = click.get_current_context().find_root().obj
    return Workspace.find(start)


@click.command()
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="The site's folder (default: site/)."
)
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="The clock's today (default: now).")
def site(out: Path | None, today: dt.datetime | None) -> None:
    """Write the portfolio as a static web site: an index of every deal with its timeline, a page per deal."""
    from assembler.site import build_site

    workspace = _workspace()
    result = build_site(workspace, out, today.date() if today else None)
    click.echo(f"Wrote {workspace.relative(result.out / 'index.html')}: {result.deals} deal(s)")
    for deal_id in result.broken:
        click.echo(f"warning: {deal_id}: deal.yaml does not load; the site shows its errors", err=True)


@click.command()
@click.argument("deal", required=False)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="The .ics file (default: stdout)."
)
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="The clock's today (default: now).")
def calendar(deal: str | None, out: Path | None, today: dt.datetime | None) -> None:
    """Every milestone and post-signature obligation (of DEAL, or of every deal) as an iCalendar file."""
    from assembler.atomic_write import write_files_atomically
    from assembler.calendar_ics import build_calendar

    workspace = _workspace()
    result = build_calendar(workspace, deal, today.date() if today else None)
    for deal_id, problem in result.skipped:
        click.echo(f"warning: {deal_id} skipped: {problem}", err=True)
    if out is None:
        click.echo(result.ics, nl=False)  # bytes: written as they are, CRLF line ends and all
        return
    write_files_atomically({out.absolute(): result.ics})
    click.echo(f"Wrote {workspace.relative(out)}: {result.events} event(s)")
