"""Assemble partnership agreements from a Legal-owned clause library; render, commit and redline them."""

from assembler.build import BuildResult, build
from assembler.deals.layout import Workspace
from assembler.errors import AssemblerError

__all__ = ["AssemblerError", "BuildResult", "Workspace", "build"]
