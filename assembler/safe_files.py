"""Reading a file the tool did not write: only a regular file, and only after its size is known to fit."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class FileRefused(ValueError):
    """The path is not a regular file, or is larger than the budget; the message says which."""


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, refused by type and size before reading.

    A FIFO, a device such as /dev/zero or a 1 GB file is refused from its `fstat`, without reading it. The
    file is opened non-blocking so that opening a FIFO does not wait for a writer, and the checks are made
    on the open handle, so the file cannot be swapped between the check and the read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused("not a regular file (a device, pipe or folder); pass the file itself")
        if info.st_size > limit:
            raise FileRefused(f"the file is {info.st_size} bytes (limit {limit}); it cannot be this large")
        # Read the size stat reported, plus one byte to notice growth: read(n) allocates n bytes up front,
        # so asking for the whole budget would cost the budget in memory for every small file.
        data = handle.read(info.st_size + 1)
    if len(data) > info.st_size:
        raise FileRefused("the file changed while it was read; read it again once it is complete")
    return data


def escape_from(root: Path, path: Path) -> str | None:
    """Why `path` is not a real path inside `root`, or None when it is.

    The path is normalised without following links, must lie under `root`, and no component from `root`
    down to it that exists may be a symbolic link (a link could lead anywhere: another deal's executed/
    folder, a secrets file). Components that do not exist yet are fine: they will be created as folders.
    `root` itself is trusted (it was found, or given, by the user).
    """
    base = Path(os.path.abspath(root))
    target = Path(os.path.abspath(path))
    try:
        relative = target.relative_to(base)
    except ValueError:
        return "is outside the workspace"
    current = base
    for part in relative.parts:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return f"cannot be checked ({exc.strerror})"
        if stat.S_ISLNK(info.st_mode):
            shown = current.relative_to(base).as_posix()
            return f"passes through the symbolic link {shown}" if current != target else "is a symbolic link"
    return None
