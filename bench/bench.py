"""`make bench`: our `build` of a new round (with its redline) against the raw dependency floor.

The floor is the same pandoc, docxtpl and python-redlines calls made directly on the same content by a
minimal script in a fresh Python process. Ours is the real command line, as a user runs it. Each is
measured several times and the median reported; the ratio is ours / floor.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def sh(*args: str, cwd: Path) -> str:
    return subprocess.run(args, cwd=cwd, env=GIT_ENV, check=True, capture_output=True, text=True).stdout


def workspace() -> Path:
    root = Path(tempfile.mkdtemp(prefix="assembler-bench-"))
    shutil.copytree(REPO / "clause_library", root / "clause_library")
    (root / "agreements").mkdir()
    shutil.copytree(
        REPO / "agreements" / "acme",
        root / "agreements" / "acme",
        ignore=shutil.ignore_patterns("*.docx", "*.md", "redlines"),
    )
    shutil.copy(REPO / ".gitignore", root / ".gitignore")
    sh("git", "init", "-q", "-b", "main", cwd=root)
    sh("git", "add", "-A", cwd=root)
    sh("git", "commit", "-q", "-m", "bench workspace", cwd=root)
    record_sign_offs(root)
    return root


def record_sign_offs(root: Path) -> None:
    """acme's approvals as the tool requires them: each committed by its giver (clause_library approvers)."""
    from ruamel.yaml import YAML

    approvers = YAML(typ="safe").load((root / "clause_library" / "config.yaml").read_text())["approvers"]
    path = root / "agreements" / "acme" / "deal.yaml"
    lines = path.read_text().splitlines(keepends=True)
    grants = [line for line in lines if line.startswith("  - {role: ")]
    path.write_text("".join(line for line in lines if line not in grants))
    sh("git", "commit", "-q", "-am", "acme: sign-offs are recorded by their givers", cwd=root)
    kept = [line for line in lines if line not in grants]
    at = kept.index("approvals:\n") + 1
    for grant in grants:
        kept.insert(at, grant)
        at += 1
        path.write_text("".join(kept))
        entry = YAML(typ="safe").load(grant.strip()[2:])
        person = next(p for p in approvers[entry["role"]] if p["name"] == entry["name"])
        author = f"--author={person['name']} <{person['email']}>"
        sh("git", "commit", "-q", author, "-am", f"acme: {entry['role']} sign-off", cwd=root)


def set_fee(root: Path, value: int) -> None:
    path = root / "agreements" / "acme" / "deal.yaml"
    lines = [
        f'  referral_fee_pct: "{value}"' if line.startswith("  referral_fee_pct:") else line
        for line in path.read_text().splitlines()
    ]
    path.write_text("\n".join(lines) + "\n")


def our_build(root: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "assembler", "build", "acme"],
        cwd=root,
        env=GIT_ENV,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


FLOOR_SCRIPT = """
import io, subprocess, sys
from docxtpl import DocxTemplate
from python_redlines import DocxodusEngine
pandoc, reference, lua, shell, markdown, old = sys.argv[1:7]
body = subprocess.run(
    [pandoc, "--sandbox", "-f", "markdown-smart-raw_html-raw_attribute", "-t", "docx", "-o", "-",
     "--reference-doc=" + reference, "--lua-filter=" + lua],
    input=open(markdown, "rb").read(), capture_output=True, check=True,
).stdout
template = DocxTemplate(shell)
party = {"name": "Acme", "entity": None, "address": None, "signatory": {"name": "A", "title": "B"}}
template.render({"document_title": "Co-Sell Agreement", "status_line": "Draft", "signature_intro": "x",
                 "company": party, "partner": party}, autoescape=True)
template.save(io.BytesIO())
DocxodusEngine().run_redline("Northwind Legal", open(old, "rb").read(), body,
                             detect_moves=True, move_similarity_threshold=1.0)
"""


def floor(root: Path) -> float:
    """pandoc + docxtpl + python-redlines on the same content, called directly from a fresh Python process
    (as a hand-written script would: interpreter start and those libraries' imports included)."""
    from assembler.word.pandoc import pandoc_path

    old = root / "previous.docx"
    old.write_bytes(
        subprocess.run(
            ["git", "show", "HEAD~1:agreements/acme/co-sell-agreement.docx"],
            cwd=root,
            check=True,
            capture_output=True,
        ).stdout
    )
    library = root / "clause_library"
    with resources.as_file(resources.files("assembler.word") / "clause_styles.lua") as lua:
        args = [
            pandoc_path(),
            str(library / "templates/reference.docx"),
            str(lua),
            str(library / "templates/shell.docx"),
            str(root / "agreements/acme/co-sell-agreement.md"),
            str(old),
        ]
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", FLOOR_SCRIPT, *args], check=True, capture_output=True)
        elapsed = time.perf_counter() - started
    old.unlink()
    return elapsed


def main() -> None:
    root = workspace()
    try:
        set_fee(root, 10)
        our_build(root)  # round 1 (not timed)
        ours, floors, unchanged = [], [], []
        for run in range(RUNS):
            set_fee(root, 11 if run % 2 == 0 else 10)  # inside our range, and a change every run
            ours.append(our_build(root))
            floors.append(floor(root))
            unchanged.append(our_build(root))  # nothing changed: "up to date"
        pages = subprocess.run(
            [
                sys.executable,
                "-c",
                "import docx,sys; d=docx.Document(sys.argv[1]); "
                "print(sum(len(p.text.split()) for p in d.paragraphs))",
                str(root / "agreements/acme/co-sell-agreement.docx"),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        ours_s, floor_s = statistics.median(ours), statistics.median(floors)
        print(
            f"document: Co-Sell Agreement, {pages} words (about {int(pages) // 500} pages); "
            f"medians of {RUNS} runs"
        )
        print(f"build of a new round with redline (ours, CLI process): {ours_s:.3f} s")
        print(f"raw dependency floor (pandoc + docxtpl + python-redlines): {floor_s:.3f} s")
        print(f"ratio ours / floor: {ours_s / floor_s:.2f}x")
        print(f"no-change rebuild ('up to date'): {statistics.median(unchanged):.3f} s")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
