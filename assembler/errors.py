"""The error family, in one place, with the exit codes the CLI documents.

0 success · 1 refused (a blocking finding, a gate, a verify mismatch, a tool that failed or timed out) ·
2 bad usage or bad input (deal file, clause library, a received file, a revision) · 3 a bug (the traceback
is written to a log file and one line names it). Every message says which file, key or clause, what is wrong
and what to do.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import tempfile
import traceback
import typing
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_BUG = 3


class AssemblerError(click.ClickException):
    """A refused action. Exit code 1; the message says what is wrong and what to do."""

    exit_code = EXIT_REFUSED

    def format_message(self) -> str:
        """The message as given: it is already a complete sentence with its fix."""
        return self.message

    def show(self, file: typing.IO[str] | None = None) -> None:
        """One `Error:` line per line of the message, on stderr."""
        for line in self.format_message().splitlines() or [""]:
            click.echo(f"Error: {line}", err=True, file=file)


class BadInputError(AssemblerError):
    """Bad usage or bad input: the user's file, option or revision must change. Exit code 2."""

    exit_code = EXIT_BAD_INPUT


class DealError(BadInputError):
    """deal.yaml is missing, malformed or invalid."""


class LibraryError(BadInputError):
    """The clause library is inconsistent (a Legal fix, not a deal fix)."""


class AssemblyError(BadInputError):
    """A clause could not be assembled for this deal."""


class WorkspaceError(BadInputError):
    """No workspace, or a path outside it."""


class IntakeError(BadInputError):
    """An untrusted file was rejected."""


class RenderError(AssemblerError):
    """pandoc, LibreOffice or the redline engine failed or ran out of time."""


class RepositoryError(AssemblerError):
    """The workspace's git repository is missing, busy or in a state we must not write to."""


class SignatureError(AssemblerError):
    """A signature refused, an executed document touched, or an execution that does not verify."""


class LibraryLintError(LibraryError):
    """`library lint` found problems (one line each): the merge is refused."""

    exit_code = EXIT_REFUSED


class ToolTimeout(RenderError):
    """An external tool (pandoc, LibreOffice, git, the redline engine) ran past its time budget."""

    def __init__(self, tool: str, seconds: float, hint: str) -> None:
        super().__init__(f"{tool} did not finish within {seconds:g} s and was stopped; {hint}")


def tool_timeout(name: str, default: float) -> float:
    """A tool's time budget in seconds: ASSEMBLER_<NAME>_TIMEOUT when set (positive), else `default`."""
    variable = f"ASSEMBLER_{name.upper()}_TIMEOUT"
    raw = os.environ.get(variable)
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise BadInputError(f"{variable}={raw!r} is not a positive number of seconds")
    return seconds


def log_folder() -> Path:
    """Where bug reports go: the user's log folder (platformdirs), else the system temp folder."""
    import platformdirs  # only when a bug is being reported

    folder = platformdirs.user_log_path("assembler")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        return Path(tempfile.gettempdir())


def report_bug(exc: BaseException) -> Path:
    """Write the traceback of an unexpected exception to a new log file; returns its path."""

    try:
        ours = version("assembler")
    except PackageNotFoundError:
        ours = "unknown"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        f"assembler {ours}, Python {platform.python_version()} on {platform.platform()}",
        f"argv: {sys.argv!r}",
        "",
        *traceback.format_exception(exc),
    ]
    folder = log_folder()
    fd, name = tempfile.mkstemp(prefix=f"assembler-bug-{stamp}-", suffix=".log", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(line.rstrip("\n") for line in lines) + "\n")
    return Path(name)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else "no message"


class InternalError(AssemblerError):
    """A bug: the one line names the log file that holds the traceback. Exit code 3."""

    exit_code = EXIT_BUG

    def __init__(self, exc: BaseException) -> None:
        try:
            where = f"the traceback is in {report_bug(exc)}"
        except OSError as log_error:  # the report itself failed: print the traceback rather than lose it
            traceback.print_exception(exc)
            where = f"the traceback is above (no log file could be written: {log_error})"
        super().__init__(
            f"internal error ({type(exc).__name__}: {_first_line(exc)}); this is a bug in assembler, "
            f"please report it; {where}"
        )
