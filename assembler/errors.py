"""The error family: every failure a user can cause is an `AssemblerError` that prints one `Error:` line."""

from __future__ import annotations

import typing

import click


class AssemblerError(click.ClickException):
    """A refused action or bad input. Exit code 1; the message says what is wrong and what to do."""

    exit_code = 1

    def format_message(self) -> str:
        return self.message

    def show(self, file: typing.IO[str] | None = None) -> None:
        for line in self.format_message().splitlines() or [""]:
            click.echo(f"Error: {line}", err=True, file=file)


class DealError(AssemblerError):
    """deal.yaml is missing, malformed or invalid."""


class LibraryError(AssemblerError):
    """The clause library is inconsistent (a Legal fix, not a deal fix)."""


class AssemblyError(AssemblerError):
    """A clause could not be assembled for this deal."""


class RenderError(AssemblerError):
    """pandoc or Word post-processing failed."""


class WorkspaceError(AssemblerError):
    """No workspace, or a path outside it."""
