"""The one Jinja environment for Legal's templates: an immutable sandbox where deal values are only ever
printed, formatted data."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jinja2
import platformdirs
from jinja2.sandbox import ImmutableSandboxedEnvironment

from assembler.assembly import markdown, render_budget


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
        # "-budgeted": code compiled before the rendering budgets did not route operators through them.
        folder = platformdirs.user_cache_path("assembler") / f"jinja-{jinja2.__version__}-budgeted"
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".writable"
        probe.touch()
    except (OSError, RuntimeError):  # no home folder, or not writable
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


class BudgetedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with rendering budgets (render_budget.py) on operators, calls and output."""

    intercepted_binops = frozenset(render_budget.BINOPS)

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        """Operators that can allocate without bound are checked before they run."""
        return render_budget.BINOPS[operator](left, right)

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Every call from a template (methods such as str.center, macros): arguments and result checked."""
        render_budget.check_args(args, kwargs)
        return render_budget.check_value(super().call(__context, __obj, *args, **kwargs), "a call's result")

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`'{:>999999999}'.format(x)` is refused by its width before formatting."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        render_budget.check_format(value.__self__)
        return wrapped


def sandbox(
    currency: str,
    *,
    escape: Callable[[str], str] | None = markdown.escape,
    loader: jinja2.BaseLoader | None = None,
) -> ImmutableSandboxedEnvironment:
    """The one Jinja environment for Legal's templates: immutable sandbox, unknown names are errors, and
    deal values are only ever printed data (formatted, and escaped for Markdown unless `escape` is None)."""
    env = BudgetedSandbox(
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
    env.filters = {name: render_budget.budget_filter(f) for name, f in env.filters.items()}
    env.globals.update(range=render_budget.budget_range, namespace=render_budget.BudgetNamespace)
    env.concat = render_budget.budget_concat  # type: ignore[method-assign]
    return env
