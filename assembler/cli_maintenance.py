"""Maintenance commands (registered on the main group in cli.py): JSON Schemas and the Word house style."""

from __future__ import annotations

from pathlib import Path

import click

from assembler.deals.layout import Workspace


def _workspace() -> Workspace:
    start: Path | None = click.get_current_context().find_root().obj
    return Workspace.find(start)


@click.command()
def schema() -> None:
    """Write the JSON Schemas of deal, clause and model files to schemas/."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from assembler.library.json_schemas import write_schemas

    workspace = _workspace()
    for path in write_schemas(workspace.root / "schemas"):
        click.echo(f"Wrote {workspace.relative(path)}")


@click.command("house-style")
def house_style() -> None:
    """Regenerate clause_library/templates/*.docx (the Word house style) from assembler/house_style.py."""
    # lazy: the command's own modules load only when it runs, so start-up and --help stay fast
    from assembler.word.house_style import write_templates

    workspace = _workspace()
    for path in write_templates(workspace.library_root / "templates"):
        click.echo(f"Wrote {workspace.relative(path)}")
