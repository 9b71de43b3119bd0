"""The bench's workspaces: acme's co-sell agreement as shipped (~22 pages), or grown to ~60 or ~200 pages with
generated schedule clauses. Generated in a temporary folder for each run, never committed."""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

from common import REPO, sh

DEAL = "acme"
DOCUMENT = "co-sell-agreement"
SHIPPED_PAGES = 22
WORDS_PER_PAGE = 485  # acme's co-sell agreement: 10,665 words on 22 pages
CLAUSE_WORDS = 1000

_WORDS = (
    "partner company customer opportunity account pipeline quarter review notice report schedule period "
    "service product region market team plan forecast record invoice payment credit registration approval "
    "meeting support training material launch renewal statement request response update contact record "
    "program activity campaign budget portfolio milestone objective measure result process delivery"
).split()
_VERBS = "provide share review confirm record maintain prepare agree deliver update send keep".split()


def _paragraph(rng: random.Random, words: int) -> str:
    sentences, count = [], 0
    while count < words:
        length = rng.randint(12, 24)
        chosen = [rng.choice(_WORDS) for _ in range(length)]
        chosen.insert(2, "will " + rng.choice(_VERBS))
        sentence = " ".join(chosen)
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        count += length + 2
    return " ".join(sentences)


def _clause(number: int) -> str:
    rng = random.Random(number)  # the same text every run
    body = "\n\n".join(_paragraph(rng, CLAUSE_WORDS // 5) for _ in range(5))
    return (
        f"---\nid: bench-schedule-{number:03d}\ntitle: Operating Schedule {number}\nversion: 1\n"
        "applies_to: [co-sell-agreement]\ncovers: [commercial.model-and-terms]\nvariables: []\n---\n"
        f"{body}\n"
    )


def grow_library(library: Path, pages: int) -> int:
    """Grow the co-sell agreement with generated clauses to about `pages` pages; returns how many."""
    extra = max(0, round((pages - SHIPPED_PAGES) * WORDS_PER_PAGE / CLAUSE_WORDS))
    if not extra:
        return 0
    folder = library / "clauses" / "bench"
    folder.mkdir()
    ids = []
    for number in range(1, extra + 1):
        (folder / f"bench-schedule-{number:03d}.md").write_text(_clause(number), encoding="utf-8")
        ids.append(f"bench-schedule-{number:03d}")
    model = library / "models" / "co-sell.yaml"
    text = model.read_text(encoding="utf-8")
    anchor = "    - co-sell-forecasting-and-governance\n"
    assert anchor in text, "the co-sell model's clause list changed; update bench/fixtures.py"
    model.write_text(text.replace(anchor, anchor + "".join(f"    - {i}\n" for i in ids)), encoding="utf-8")
    return extra


def workspace(pages: int = SHIPPED_PAGES) -> Path:
    """A fresh git workspace with the clause library (grown to `pages`) and acme, its sign-offs committed."""
    root = Path(tempfile.mkdtemp(prefix="assembler-bench-"))
    shutil.copytree(REPO / "clause_library", root / "clause_library")
    grow_library(root / "clause_library", pages)
    (root / "agreements").mkdir()
    shutil.copytree(
        REPO / "agreements" / DEAL,
        root / "agreements" / DEAL,
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
    path = root / "agreements" / DEAL / "deal.yaml"
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
    """acme's referral fee (inside the playbook's range): a real change of the deal for a new round."""
    path = root / "agreements" / DEAL / "deal.yaml"
    lines = [
        f'  referral_fee_pct: "{value}"' if line.startswith("  referral_fee_pct:") else line
        for line in path.read_text().splitlines()
    ]
    path.write_text("\n".join(lines) + "\n")
