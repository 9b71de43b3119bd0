"""Library data files read once per version: a cache keyed by the file's path and modification time.

Checks that run for every clause (spelling, blanks, liability patterns) read the same small YAML files; a
test or an author may edit a file between two runs in one process, so the key includes its mtime.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from assembler.library.loader import Library

T = TypeVar("T")
_CACHE: dict[tuple[str, ...], Any] = {}


def cached(library: Library, relative: str, make: Callable[[Library], T]) -> T:
    """`make(library)`, computed once per version of the library file `relative` (and per `make`)."""
    path = library.root / relative
    try:
        stamp = str(path.stat().st_mtime_ns)
    except OSError:
        stamp = "-1"
    key = (str(path), library.label, stamp, make.__module__, make.__qualname__)
    if key not in _CACHE:
        _CACHE[key] = make(library)
    value: T = _CACHE[key]
    return value
