"""Tracked-change redlines between two Word documents (python-redlines, the Docxodus engine)."""

from __future__ import annotations

import datetime as dt

from assembler.errors import AssemblerError
from assembler.word.package import normalize_docx


def redline_docx(old: bytes, new: bytes, author: str, when: dt.datetime) -> bytes:
    """Tracked changes turning `old` into `new`, authored by `author` and dated `when`.

    A paragraph that was both moved and edited must show as an edit, not a silent move: only identical
    paragraphs count as moves (move_similarity_threshold=1.0).
    """
    from python_redlines import DocxodusEngine, EngineExecutionError, EngineNotInstalledError

    try:
        engine = DocxodusEngine()
        output, _, _ = engine.run_redline(
            author,
            old,
            new,
            detect_moves=True,
            move_similarity_threshold=1.0,
            date_time=when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    except EngineNotInstalledError as exc:
        raise AssemblerError(
            f"the redline engine is not installed ({exc}); pip install 'python-redlines[docxodus]'"
        ) from None
    except EngineExecutionError as exc:
        raise AssemblerError(f"the redline engine failed: {str(exc).strip().splitlines()[-1]}") from None
    return normalize_docx(output, when.date())
