"""Tracked-change redlines between two Word documents (python-redlines, the Docxodus engine)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from assembler.errors import RenderError
from assembler.subprocesses import run_bounded
from assembler.word.package import normalize_docx

# Docxodus takes ~0.5 s to start and well under a minute for a 200-page agreement.
REDLINE_TIMEOUT_SECONDS = 300.0


def redline_docx(old: bytes, new: bytes, author: str, when: dt.datetime) -> bytes:
    """Tracked changes turning `old` into `new`, authored by `author` and dated `when`.

    A paragraph that was both moved and edited must show as an edit, not a silent move: only identical
    paragraphs count as moves (move_similarity_threshold=1.0). The engine's command comes from
    python-redlines; it runs here so that it has a time budget and its scratch files a private folder.
    """
    # the redline engine's wrapper loads only when a redline is made
    from python_redlines import DocxodusEngine, EngineNotInstalledError

    try:
        engine = DocxodusEngine()
    except EngineNotInstalledError as exc:
        raise RenderError(
            f"the redline engine is not installed ({exc}); pip install 'python-redlines[docxodus]'"
        ) from None
    with tempfile.TemporaryDirectory(prefix="assembler-redline-") as tmp:
        folder = Path(tmp)
        (folder / "old.docx").write_bytes(old)
        (folder / "new.docx").write_bytes(new)
        command = engine._build_command(  # the engine's documented hook for its command line
            author,
            str(folder / "old.docx"),
            str(folder / "new.docx"),
            str(folder / "redline.docx"),
            detect_moves=True,
            move_similarity_threshold=1.0,
            date_time=when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        proc = run_bounded(
            command,
            tool="the redline engine",
            budget="redline",
            default_seconds=REDLINE_TIMEOUT_SECONDS,
            hint="no redline was written; set ASSEMBLER_REDLINE_TIMEOUT to allow longer",
        )
        output = folder / "redline.docx"
        if proc.returncode != 0 or not output.is_file():
            detail = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip().splitlines()
            reason = detail[-1] if detail else f"exit code {proc.returncode}, no message"
            raise RenderError(f"the redline engine failed: {reason}")
        return normalize_docx(output.read_bytes(), when.date())
