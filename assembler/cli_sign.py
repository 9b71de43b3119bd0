"""`assembler sign / verify`: the execution version and its envelope, the signature recorded, and the executed
documents checked again. Registered on the main command group in cli.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from assembler.deals.layout import Workspace


def _workspace() -> Workspace:
    start = click.get_current_context().find_root().obj
    return Workspace.find(start)


@click.command()
@click.argument("deal")
@click.option(
    "--prepare", is_flag=True, help="Commit the execution version (DOCX, PDF) and DocuSign envelope."
)
@click.option(
    "--send", is_flag=True, help="Send the prepared envelope with DocuSign (DOCUSIGN_* credentials)."
)
@click.option(
    "--signed-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Record the signature: the date both parties signed (YYYY-MM-DD).",
)
@click.option(
    "--signed-copy",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --signed-on: the signed PDF (e.g. DocuSign's completed document) to store.",
)
@click.option("--document", "document_id", help="The document signed (default: the deal's stage).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="The clock's today (default: now).")
def sign(
    deal: str,
    prepare: bool,
    send: bool,
    signed_on: dt.datetime | None,
    signed_copy: Path | None,
    document_id: str | None,
    today: dt.datetime | None,
) -> None:
    """Prepare DEAL's execution version and envelope (--prepare), send it (--send), or record the signature
    (--signed-on): the execution version committed as executed, the signed copy, the post-signature checklist
    and the internal announcement. Refuses while a pre-signature item, a blocking finding or a signatory is
    open."""
    if [prepare, send, signed_on is not None].count(True) != 1:
        raise click.UsageError("give exactly one of --prepare, --send or --signed-on DATE")
    if signed_copy is not None and signed_on is None:
        raise click.UsageError("--signed-copy goes with --signed-on DATE")
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    if prepare:
        from assembler.signature.execution import prepare as prepare_document

        prepared = prepare_document(_workspace(), deal, document_id)
        click.echo(
            f"Execution version of {prepared.document_id} round {prepared.round_number}: {prepared.status}"
            + (f", committed ({prepared.commit[:12]})" if prepared.commit else "")
        )
        for path in prepared.files:
            click.echo(f"Wrote {path}")
        return
    if send:
        from assembler.signature.envelope import send as send_envelope

        click.echo(f"Sent DocuSign envelope {send_envelope(_workspace(), deal, document_id)}")
        return
    from assembler.rounds.executed import executed_path
    from assembler.signature.gate import sign as sign_document

    assert signed_on is not None
    result = sign_document(
        _workspace(),
        deal,
        signed_on.date(),
        document_id,
        signed_copy=signed_copy,
        today=today.date() if today else None,
    )
    executed = executed_path(result.deal_id, result.document_id)
    click.echo(
        f"Executed {executed}: round {result.round_number}, signed on {result.signed_on.isoformat()}, "
        f"committed ({result.commit[:12]}), tagged {result.tag}"
    )
    due = result.items[0].due.isoformat() if result.items else "-"
    click.echo(
        f"Post-signature: {len(result.items)} item(s) due by {due}; first QBR {result.first_qbr.isoformat()}"
    )
    for path in result.files:
        if path != executed:
            click.echo(f"Wrote {path}")


@click.command()
@click.argument("deal")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Also render every round again from its commit alone (deal file and clause-library tree) and "
    "compare the bytes.",
)
def verify(deal: str, rebuild: bool) -> None:
    """Check DEAL's executed documents: file hash, execution record, round and tags. Exit 1 on a mismatch."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from assembler.errors import SignatureError
    from assembler.rounds.git import Repository
    from assembler.rounds.rebuild import rebuild_rounds
    from assembler.signature.verify import verify as verify_deal

    workspace = _workspace()
    problems = []
    if rebuild:
        for result in rebuild_rounds(workspace, Repository.of_workspace(workspace.root), deal):
            item = result.round
            if result.reproduced:
                click.echo(
                    f"rebuilt {item.document_id} round {item.number}: sha256 {result.sha256} (identical)"
                )
            else:
                problems.append(
                    f"{item.document_id} round {item.number} ({item.commit[:12]}) does not render again to "
                    f"its bytes: sha256 {result.sha256}, committed {item.docx_sha256}"
                )
    if not rebuild or (workspace.deal_dir(deal) / "executed").is_dir():
        for checked in verify_deal(workspace, deal):
            if checked.problems:
                problems += checked.problems
            else:
                click.echo(
                    f"verified {checked.path}: round {checked.round_number}, sha256 {checked.sha256}, "
                    f"tag {checked.tag}"
                )
    if problems:
        raise SignatureError("\n".join(problems))
