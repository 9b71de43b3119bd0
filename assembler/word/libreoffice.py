"""Every LibreOffice call: DOCX → PDF with `soffice --headless`, one private profile per conversion."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from assembler.errors import AssemblerError

INSTALL_HINT = (
    "LibreOffice is not installed, so no PDF was made; install it (Debian/Ubuntu: "
    "apt-get install libreoffice-writer-nogui) and run the build again with --pdf"
)


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: bytes, timeout: float = 180) -> bytes:
    """Convert with LibreOffice headless; each run gets its own profile (shared ones drop outputs)."""
    soffice = soffice_path()
    if soffice is None:
        raise AssemblerError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="assembler-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "document.docx"
        source.write_bytes(docx)
        profile = (folder / "profile").as_uri()
        proc = subprocess.run(
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
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        pdf = folder / "out" / "document.pdf"
        if proc.returncode != 0 or not pdf.exists():
            detail = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip().splitlines()
            raise AssemblerError(
                f"LibreOffice could not convert the document: {detail[-1] if detail else '?'}"
            )
        return pdf.read_bytes()
