"""Assemble partnership agreements from a Legal-owned clause library; render, commit and redline them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assembler.build import BuildResult, build
    from assembler.deals.layout import Workspace
    from assembler.errors import AssemblerError

__all__ = ["AssemblerError", "BuildResult", "Workspace", "build"]

# Where each public name lives: loaded on first use, so `python -m assembler` (and a no-op build) does not
# import the whole pipeline just to start.
_HOMES = {
    "AssemblerError": "assembler.errors",
    "BuildResult": "assembler.build",
    "build": "assembler.build",
    "Workspace": "assembler.deals.layout",
}


def __getattr__(name: str) -> Any:
    """The public names, imported lazily (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'assembler' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)
