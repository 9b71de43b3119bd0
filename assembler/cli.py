"""The command line: each command parses its options, calls one library function, and prints the result."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .errors import AssemblerError
from .workspace import Workspace


class _Group(click.Group):
    """Turns an unexpected exception into one line that says it is a bug (library errors print as-is)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            raise click.Abort() from None
        except Exception as exc:  # a bug, not bad input
            raise AssemblerError(
                f"internal error ({type(exc).__name__}: {exc}); this is a bug in assembler, please report it"
            ) from exc


@click.group(cls=_Group)
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


def _workspace() -> Workspace:
    start = click.get_current_context().find_root().obj
    return Workspace.find(start)


@cli.command()
@click.argument("deal")
@click.option("--partner", required=True, help="The partner's legal name.")
@click.option("--model", "model_id", required=True, help="The partnership model, e.g. co-sell.")
@click.option(
    "--mutual-interest-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="When both sides confirmed interest (default: today).",
)
def new(deal: str, partner: str, model_id: str, mutual_interest_date: dt.datetime | None) -> None:
    """Scaffold agreements/DEAL/deal.yaml with the model's defaults."""
    from .scaffold import new_deal

    day = mutual_interest_date.date() if mutual_interest_date else dt.date.today()
    path = new_deal(_workspace(), deal, partner, model_id, day)
    click.echo(f"Created {path}")


@cli.command()
@click.argument("deal")
def validate(deal: str) -> None:
    """Check DEAL's deal.yaml against the schema and its model."""
    from .library import Library
    from .validate import load_valid_deal

    workspace = _workspace()
    loaded = load_valid_deal(workspace, deal, Library(workspace.library_root))
    click.echo(
        f"{workspace.relative(workspace.deal_file(deal))}: valid ({loaded.model}, stage {loaded.stage})"
    )


@cli.command()
@click.argument("deal")
@click.option("--document", "document_id", help="The document to build (default: the deal's stage).")
@click.option("--pdf", is_flag=True, help="Also convert to PDF with LibreOffice.")
def build(deal: str, document_id: str | None, pdf: bool) -> None:
    """Assemble and render DEAL's document to agreements/DEAL/<document>.docx and .md."""
    from .build import build as build_document

    workspace = _workspace()
    result = build_document(workspace, deal, document_id, pdf=pdf)
    for warning in result.assembled.warnings:
        click.echo(f"Warning: {warning}", err=True)
    outputs = [result.docx_path, result.markdown_path] + ([result.pdf_path] if result.pdf_path else [])
    click.echo(
        f"Built {', '.join(workspace.relative(p) for p in outputs)} (sha256 {result.docx_sha256[:12]})"
    )


@cli.command()
def schema() -> None:
    """Write the JSON Schemas of deal, clause and model files to schemas/."""
    from .schema import write_schemas

    workspace = _workspace()
    for path in write_schemas(workspace.root / "schemas"):
        click.echo(f"Wrote {workspace.relative(path)}")


@cli.command("house-style")
def house_style() -> None:
    """Regenerate clause_library/templates/*.docx (the Word house style) from assembler/house_style.py."""
    from .house_style import write_templates

    workspace = _workspace()
    for path in write_templates(workspace.library_root / "templates"):
        click.echo(f"Wrote {workspace.relative(path)}")


def main() -> None:
    cli(prog_name="assembler")
