"""Every pandoc call (pandoc ships inside pypandoc-binary; no system install)."""

from __future__ import annotations

import os
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from assembler.errors import RenderError
from assembler.subprocesses import run_bounded

# Markdown as our clauses write it, with typographic quotes and dashes for the clause prose (deal values are
# escaped, so theirs stay exactly as typed), and nothing that lets a clause or a deal value smuggle raw HTML,
# raw Word XML or TeX into the document.
MARKDOWN_IN = "markdown+smart-raw_html-raw_attribute-raw_tex-tex_math_dollars-citations-yaml_metadata_block"

# A 200-page agreement renders in a few seconds; a minute means something is wrong.
PANDOC_TIMEOUT_SECONDS = 120.0


def pandoc_path() -> str:
    """The pandoc executable: ASSEMBLER_PANDOC when set, else the one pypandoc-binary ships."""
    return os.environ.get("ASSEMBLER_PANDOC") or _shipped_pandoc()


@cache
def _shipped_pandoc() -> str:
    # Found without importing pypandoc, whose import and probe (`pandoc --version`) cost more than a tenth
    # of a second before our pandoc could start.
    spec = find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        shipped = Path(folder) / "files" / "pandoc"
        if shipped.is_file() and os.access(shipped, os.X_OK):
            return str(shipped)
    import pypandoc  # no shipped binary: let pypandoc find a system pandoc

    return str(pypandoc.get_pandoc_path())


def run_pandoc(args: list[str], data: bytes, epoch: int | None = None) -> bytes:
    """Run pandoc sandboxed (it may read no file but those named in `args`) with `data` on stdin."""
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    proc = run_bounded(
        [pandoc_path(), "--sandbox", *args],
        tool="pandoc",
        budget="pandoc",
        default_seconds=PANDOC_TIMEOUT_SECONDS,
        hint="the document may be too large; set ASSEMBLER_PANDOC_TIMEOUT to allow longer",
        data=data,
        env=env,
    )
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"pandoc failed: {message[-1] if message else proc.returncode}")
    return proc.stdout


def markdown_to_docx(
    markdown: str, reference_doc: Path | None, epoch: int, lua_filter: Path | None = None
) -> bytes:
    """Render assembled Markdown to DOCX bytes with the house reference document."""
    args = ["-f", MARKDOWN_IN, "-t", "docx", "-o", "-"]
    if reference_doc is not None:
        args.append(f"--reference-doc={reference_doc}")
    if lua_filter is not None:
        args.append(f"--lua-filter={lua_filter}")
    return run_pandoc(args, markdown.encode("utf-8"), epoch)


def docx_to_text(docx: bytes) -> str:
    """Plain text of a DOCX, as pandoc reads it (used for `git diff` text and read-back checks)."""
    return run_pandoc(["-f", "docx", "-t", "plain", "--wrap=none"], docx).decode("utf-8")
