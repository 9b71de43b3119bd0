"""The signed copy (e.g. DocuSign's completed PDF): untrusted input, checked before it is stored.

It must be a regular file (no symlink, no device), at most MAX_BYTES, and a PDF by its bytes (the `%PDF-`
header and an `%%EOF` marker near the end), whatever its name says. Nothing in it is parsed or quoted.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_BYTES = 50 * 1024 * 1024


def read_signed_copy(path: Path) -> tuple[bytes | None, list[str]]:
    """The file's bytes, or None and one line per reason it is refused."""
    shown = str(path)
    try:
        # O_NOFOLLOW: a symlink swapped in after a check is refused by the open itself.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None, [f"--signed-copy {shown}: no such file"]
    except OSError as exc:
        reason = "is a symlink" if path.is_symlink() else f"cannot be read ({exc.strerror})"
        return None, [f"--signed-copy {shown}: {reason}; give the signed PDF itself"]
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None, [f"--signed-copy {shown}: not a regular file; give the signed PDF itself"]
        if info.st_size > MAX_BYTES:
            return None, [
                f"--signed-copy {shown}: {info.st_size} bytes, over the {MAX_BYTES // (1024 * 1024)} MB "
                "limit for a signed copy"
            ]
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return None, [f"--signed-copy {shown}: over the {MAX_BYTES // (1024 * 1024)} MB limit"]
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        return None, [
            f"--signed-copy {shown}: not a PDF (it must start with %PDF- and end with %%EOF); give the "
            "completed PDF the signature platform returned"
        ]
    return data, []
