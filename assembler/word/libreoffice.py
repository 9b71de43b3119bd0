"""Every LibreOffice call: DOCX → PDF with `soffice --headless`, one private profile per conversion."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from assembler.errors import RenderError
from assembler.subprocesses import run_bounded

INSTALL_HINT = (
    "LibreOffice is not installed, so no PDF was made; install it (Debian/Ubuntu: "
    "apt-get install libreoffice-writer-nogui) and run the build again with --pdf"
)


def soffice_path() -> str | None:
    """The LibreOffice command, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


# A first start of LibreOffice with a fresh profile takes ~10 s; a long agreement converts in under a minute.
SOFFICE_TIMEOUT_SECONDS = 180.0


def docx_to_pdf(docx: bytes) -> bytes:
    """Convert with LibreOffice headless; each run gets its own profile (shared ones drop outputs)."""
    soffice = soffice_path()
    if soffice is None:
        raise RenderError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="assembler-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "document.docx"
        source.write_bytes(docx)
        profile = (folder / "profile").as_uri()
        proc = run_bounded(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder / "out"),
                str(source),
            ],
            tool="LibreOffice",
            budget="soffice",
            default_seconds=SOFFICE_TIMEOUT_SECONDS,
            hint="no PDF was made; set ASSEMBLER_SOFFICE_TIMEOUT to allow longer",
        )
        pdf = folder / "out" / "document.pdf"
        if proc.returncode != 0 or not pdf.exists():
            detail = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip().splitlines()
            raise RenderError(f"LibreOffice could not convert the document: {detail[-1] if detail else '?'}")
        return pdf.read_bytes()
