"""Assemble partnership agreements from a Legal-owned clause library; render, commit and redline them."""

from .build import BuildResult, build
from .errors import AssemblerError
from .workspace import Workspace

__all__ = ["AssemblerError", "BuildResult", "Workspace", "build"]
