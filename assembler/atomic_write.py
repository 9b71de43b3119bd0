"""Writing outputs so that a crash leaves the old files or the complete new ones, never half of either."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from assembler.errors import WorkspaceError
from assembler.safe_files import escape_from


def write_files_atomically(files: dict[Path, bytes], *, root: Path | None = None) -> None:
    """Write every file to a temp sibling first, fsync, then rename each into place.

    With `root`, every path is checked first to be a real path inside it (no symbolic link on the way), and
    nothing is written unless all are.
    """
    if root is not None:
        for path in files:
            problem = escape_from(root, path)
            if problem:
                shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
                raise WorkspaceError(
                    f"{shown}: {problem}; nothing was written: the tool writes only real files inside the "
                    "workspace, so replace the link with a real folder or file"
                )
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            tmp = Path(name)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            # mkstemp creates 0600; outputs are ordinary repository files.
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
            staged.append((tmp, path))
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
