"""Accept-all / reject-all of Word tracked changes for checking redlines.

They use the package's own resolver (assembler.tracked_changes), which is itself checked against a redline
made by Word (tests/test_ingest.py: accept-all of the corpus redline is the modified document, reject-all
the original), so the redline tests compare against an independently verified reading.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from assembler.intake.tracked_changes import W, is_mark, resolved, text_of


def _body(docx: bytes) -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")).find(f"{{{W}}}body")


def paragraph_texts(body: etree._Element) -> list[str]:
    texts = [text_of(p) for p in body.iter(f"{{{W}}}p")]
    return [t for t in texts if t.strip()]


def accept_all(docx: bytes) -> list[str]:
    return paragraph_texts(resolved(_body(docx), accept=True))


def reject_all(docx: bytes) -> list[str]:
    return paragraph_texts(resolved(_body(docx), accept=False))


def plain_texts(docx: bytes) -> list[str]:
    """Paragraph texts of a document without tracked changes."""
    return paragraph_texts(_body(docx))


def changes(docx: bytes) -> dict[str, list[str]]:
    """The text of every w:ins and w:del (not paragraph or row marks)."""
    body = _body(docx)
    return {
        kind: [text_of(e) for e in body.iter(f"{{{W}}}{kind}") if not is_mark(e)] for kind in ("ins", "del")
    }
