"""Budgets for rendering Legal's templates: output size, time, and the operations that allocate without bound.

A template is code. Without budgets a one-line clause such as `{{ 'x' * 10**9 }}`, `{{ 'x'|center(10**9) }}`
or two nested loops over large ranges costs gigabytes or hours. The sandbox (sandbox.py) routes every
operator, call, filter, `range` and namespace assignment through the checks here, joins the output with
a size budget, and stops a render that runs past its time budget. A refusal is a `SecurityError` (a Jinja
`TemplateError`), so every caller reports it as one line naming the template.
"""

from __future__ import annotations

import ctypes
import functools
import math
import operator
import re
import threading
from collections.abc import Callable, Iterable, Sized
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.utils import Namespace

MAX_RENDER_CHARS = 2_000_000  # one template's output; the longest clause renders to about 20,000


MAX_VALUE_CHARS = MAX_RENDER_CHARS  # any one string or list made while rendering


MAX_RANGE = 10_000  # items of one `range(...)`


MAX_POWER_BITS = 4_096  # an integer `a ** b` larger than this many bits is refused before computing it


MAX_RENDER_SECONDS = 2.0  # one template; a clause renders in milliseconds


MAX_FORMAT_WIDTH = 1_000  # a width or precision in a format string ("%1000000000d", "{:>999999999}")


class RenderBudgetExceeded(SecurityError):
    """A template went over a rendering budget; the message names the budget."""


class _Deadline(BaseException):
    """Raised asynchronously in the rendering thread; a BaseException so no template-level handler eats it."""


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple | dict | Sized) else 0


def check_value(value: Any, what: str = "a value") -> Any:
    """Refuse a string or collection over MAX_VALUE_CHARS."""
    if isinstance(value, str | bytes | list | tuple | dict) and len(value) > MAX_VALUE_CHARS:
        raise RenderBudgetExceeded(
            f"{what} of {len(value)} items is over the rendering budget ({MAX_VALUE_CHARS}); "
            "simplify the template"
        )
    return value


_WIDE_FORMAT = re.compile(r"(?:%[-#0 +]*(?:\*|\d+)(?:\.(?:\*|\d+))?)|(?:\{[^{}]*:[^{}]*?(\d+)[^{}]*\})")


def check_format(template: Any) -> None:
    """Refuse a %- or {}-format string whose width or precision would build a huge string."""
    if not isinstance(template, str):
        return
    for match in _WIDE_FORMAT.finditer(template):
        numbers = [int(n) for n in re.findall(r"\d+", match.group(0)) if len(n) < 12]
        if (
            "*" in match.group(0)
            or any(n > MAX_FORMAT_WIDTH for n in numbers)
            or re.search(r"\d{12}", match.group(0))
        ):
            raise RenderBudgetExceeded(
                f"the format {match.group(0)!r} has a width over {MAX_FORMAT_WIDTH} (or a `*` width); "
                "use a smaller one"
            )


def check_args(args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    """Refuse an integer argument that would size a result (a width, a count) over the budget."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_VALUE_CHARS:
            raise RenderBudgetExceeded(
                f"the argument {value if value < 10**20 else '(a huge number)'} is over the rendering budget "
                f"({MAX_VALUE_CHARS}); use a smaller one"
            )
        check_value(value, "an argument")


def budget_range(*args: int) -> range:
    """`range` with at most MAX_RANGE items."""
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise RenderBudgetExceeded(f"range of {len(rng)} items is over the budget of {MAX_RANGE} items")
    return rng


def _multiply(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        repeats = isinstance(seq, str | list | tuple) and isinstance(count, int)
        if repeats and len(seq) * max(count, 0) > MAX_VALUE_CHARS:
            shown = count if count < 10**20 else "(a huge number of)"
            raise RenderBudgetExceeded(
                f"repeating {len(seq)} items {shown} times is over the rendering budget ({MAX_VALUE_CHARS})"
            )
    return left * right


def _power(left: Any, right: Any) -> Any:
    integers = isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1
    if integers and right * math.log2(abs(left)) > MAX_POWER_BITS:
        raise RenderBudgetExceeded(
            f"an integer power over {MAX_POWER_BITS} bits is over the rendering budget"
        )
    return left**right


def _modulo(left: Any, right: Any) -> Any:
    check_format(left)
    return check_value(left % right)


def _add(left: Any, right: Any) -> Any:
    if _size(left) + _size(right) > MAX_VALUE_CHARS:
        raise RenderBudgetExceeded(f"joining values is over the rendering budget ({MAX_VALUE_CHARS})")
    return left + right


BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "*": _multiply,
    "**": _power,
    "%": _modulo,
    "+": _add,
    "//": operator.floordiv,
}


def budget_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose extra arguments and result are checked (the piped-in value is the deal's data)."""

    @functools.wraps(function)  # keeps Jinja's pass_context/pass_environment markers
    def checked(*args: Any, **kwargs: Any) -> Any:
        check_args(args[1:] if args else (), kwargs)
        if function.__name__ in ("do_format", "format"):
            check_format(args[0] if args else None)
        return check_value(function(*args, **kwargs), "a filter's result")

    return checked


class BudgetNamespace(Namespace):
    """`namespace()` whose stored values are checked, so a loop cannot double a string without bound."""

    def __setitem__(self, name: str, value: Any) -> None:
        check_value(value, f"namespace value {name!r}")
        super().__setitem__(name, value)


_local = threading.local()


def _interrupt(thread_id: int, state: dict[str, bool], lock: threading.Lock) -> None:
    with lock:
        if not state["done"]:
            state["fired"] = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(_Deadline))


def budget_concat(chunks: Iterable[str]) -> str:
    """Join a render's output with the size budget; the outermost join also enforces the time budget.

    Jinja renders lazily: the template runs while its output generator is consumed here, so a deadline
    around this loop bounds the whole render. The timer raises in this thread at the next bytecode, which
    stops a loop that prints nothing, too.
    """
    if getattr(_local, "depth", 0):
        return _join(chunks)
    state = {"done": False, "fired": False}
    lock = threading.Lock()
    timer = threading.Timer(MAX_RENDER_SECONDS, _interrupt, (threading.get_ident(), state, lock))
    timer.daemon = True
    _local.depth = 1
    try:
        timer.start()
        try:
            return _join(chunks)
        finally:
            with lock:
                state["done"] = True
            timer.cancel()
    except _Deadline:
        raise RenderBudgetExceeded(
            f"rendering took longer than the time budget ({MAX_RENDER_SECONDS:g} s); simplify the loops"
        ) from None
    finally:
        _local.depth = 0


def _join(chunks: Iterable[str]) -> str:
    depth = getattr(_local, "depth", 0)
    _local.depth = depth + 1
    try:
        pieces: list[str] = []
        total = 0
        for chunk in chunks:
            total += len(chunk)
            if total > MAX_RENDER_CHARS:
                raise RenderBudgetExceeded(
                    f"the output is over the rendering budget of {MAX_RENDER_CHARS} characters; "
                    "simplify the template"
                )
            pieces.append(chunk)
        return "".join(pieces)
    finally:
        _local.depth = depth
