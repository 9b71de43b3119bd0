"""The one Jinja environment for Legal's templates: an immutable sandbox where deal values are only ever
printed, formatted data."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jinja2
import platformdirs
from jinja2.sandbox import ImmutableSandboxedEnvironment

from assembler.assembly import markdown


class UnsetValue(Exception):
    """A template printed a deal value that is not set in this deal."""


def _finalizer(escape: Callable[[str], str] | None) -> Callable[[Any], str]:
    """Every printed value: formatted for a contract, then (for Markdown output) escaped."""

    def finalize(value: Any) -> str:
        if value is None:
            raise UnsetValue()
        if isinstance(value, jinja2.Undefined):
            return str(value)  # StrictUndefined raises here with the variable's name
        text = markdown.as_text(value)
        return escape(text) if escape else text

    return finalize


@functools.cache
def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled clause templates, keyed by a checksum of their source, in the user's cache folder.

    Compiling the library's templates is a large share of a build's own time; a missing or read-only cache
    folder only means compiling again.
    """
    try:
        folder = platformdirs.user_cache_path("assembler") / f"jinja-{jinja2.__version__}"
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".writable"
        probe.touch()
    except (OSError, RuntimeError):  # no home folder, or not writable
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def sandbox(
    currency: str,
    *,
    escape: Callable[[str], str] | None = markdown.escape,
    loader: jinja2.BaseLoader | None = None,
) -> ImmutableSandboxedEnvironment:
    """The one Jinja environment for Legal's templates: immutable sandbox, unknown names are errors, and
    deal values are only ever printed data (formatted, and escaped for Markdown unless `escape` is None)."""
    env = ImmutableSandboxedEnvironment(
        loader=loader,
        bytecode_cache=_bytecode_cache() if loader is not None else None,
        undefined=jinja2.StrictUndefined,
        finalize=_finalizer(escape),
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters.update(
        money=lambda v: markdown.money(v, currency),
        pct=markdown.pct,
        spelled=markdown.spelled,
        long_date=markdown.long_date,
        join_and=markdown.join_and,
    )
    return env
