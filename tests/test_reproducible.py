"""Same deal, library and round → the same bytes, run after run and process after process."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

from assembler.deals.layout import Workspace


def build_in_subprocess(workspace: Workspace, hash_seed: str) -> tuple[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "TZ": "Pacific/Auckland" if hash_seed == "1" else "UTC"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "assembler",
            "--workspace",
            str(workspace.root),
            "build",
            "acme",
            "--no-commit",
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    deal_dir = workspace.deal_dir("acme")
    return tuple(  # type: ignore[return-value]
        hashlib.sha256((deal_dir / f"co-sell-agreement.{ext}").read_bytes()).hexdigest()
        for ext in ("docx", "md")
    )


def test_two_processes_give_identical_docx_and_markdown(workspace: Workspace) -> None:
    first = build_in_subprocess(workspace, "1")
    second = build_in_subprocess(workspace, "2")
    assert first == second
