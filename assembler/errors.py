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


class RepositoryError(AssemblerError):
    """The workspace's git repository is missing, busy or in a state we must not write to."""


class IntakeError(AssemblerError):
    """An untrusted file was rejected."""


class SignatureError(AssemblerError):
    """A signature refused, an executed document touched, or an execution that does not verify."""


class LibraryLintError(LibraryError):
    """`library lint` found problems (one line each)."""
