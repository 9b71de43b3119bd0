"""Accept-all / reject-all of Word tracked changes for checking redlines, by two independent readers.

`accept_all`/`reject_all` use the package's own resolver (assembler.intake.tracked_changes);
`pandoc_accept`/`pandoc_reject` use pandoc's docx reader with `--track-changes=accept|reject`, code the
package did not write. Both are checked against a redline made by Word (tests/test_ingest.py: accept-all of
the corpus redline is the modified document, reject-all the original), and the redline tests hold each
round to both.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from lxml import etree

from assembler.intake.tracked_changes import is_mark, resolved, text_of
from assembler.word.package import W
from assembler.word.pandoc import run_pandoc


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


def _inline_text(inlines: list[Any]) -> str:
    """The text of pandoc AST inlines (footnotes left out: they are blocks of their own)."""
    parts = []
    for inline in inlines:
        kind, content = inline["t"], inline.get("c")
        if kind == "Str":
            parts.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            parts.append(_inline_text(content))
        elif kind in ("Span", "Link", "Image", "Cite"):
            parts.append(_inline_text(content[1]))  # [attributes or citations, inlines, ...]
        elif kind == "Quoted":
            marks = ("\u2018", "\u2019") if content[0]["t"] == "SingleQuote" else ("\u201c", "\u201d")
            parts.append(marks[0] + _inline_text(content[1]) + marks[1])
        elif kind in ("Code", "Math"):
            parts.append(content[1])
    return "".join(parts)


def _block_texts(node: Any, out: list[str]) -> None:
    """Every paragraph and heading of a pandoc AST in document order, lists and tables included."""
    if isinstance(node, list):
        for item in node:
            _block_texts(item, out)
    elif isinstance(node, dict) and "t" in node:
        if node["t"] in ("Para", "Plain"):
            out.append(_inline_text(node["c"]))
        elif node["t"] == "Header":
            out.append(_inline_text(node["c"][2]))
        else:
            _block_texts(node.get("c"), out)


def pandoc_texts(docx: bytes, track_changes: str | None = None) -> list[str]:
    """Non-empty paragraph texts of a DOCX body as pandoc reads it, whitespace runs as one space."""
    args = ["-f", "docx", "-t", "json"]
    if track_changes is not None:
        args.append(f"--track-changes={track_changes}")
    texts: list[str] = []
    _block_texts(json.loads(run_pandoc(args, docx))["blocks"], texts)
    return [" ".join(t.split()) for t in texts if t.strip()]


def pandoc_accept(docx: bytes) -> list[str]:
    """Paragraph texts with every tracked change accepted, by pandoc."""
    return pandoc_texts(docx, "accept")


def pandoc_reject(docx: bytes) -> list[str]:
    """Paragraph texts with every tracked change rejected, by pandoc."""
    return pandoc_texts(docx, "reject")


def assert_redline_between(redline: bytes, old: bytes, new: bytes) -> None:
    """Accept-all of `redline` reads as `new` and reject-all as `old`, by our resolver and by pandoc."""
    assert accept_all(redline) == plain_texts(new)
    assert reject_all(redline) == plain_texts(old)
    assert pandoc_accept(redline) == pandoc_texts(new)
    assert pandoc_reject(redline) == pandoc_texts(old)
