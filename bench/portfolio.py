"""Portfolio scale for `make bench`: `status`, `history`, `check`, `library lint` and `library impact` on
generated workspaces (never committed), each against a reference measured in the same run.

The fixtures are built with `git fast-import`, so that hundreds of deals and rounds cost a second to set up:
the example deals are cloned under new ids, each sign-off is committed by its giver (as `approve` does), and
each round is a commit with the deal file, the document and its Markdown twin, the round's trailers and tag,
exactly as `build` writes them. Run standalone with `python bench/portfolio.py`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import GIT_ENV, REPO, RUNS, Row, Step, assembler, paired, sh, table

TODAY = "2026-11-02"  # the clock of every scenario: inside the example deals' timelines
DATE = "1793361600 +0000"  # 2026-10-30, the commit time of every generated commit
EXAMPLES = sorted(p.parent.name for p in (REPO / "agreements").glob("*/deal.yaml"))
APPROVERS = {
    "CPO": ("Jordan Ellis", "jordan.ellis@northwind.example"),
    "Legal": ("Morgan Reyes", "morgan.reyes@northwind.example"),
    "Finance": ("Priya Natarajan", "priya.natarajan@northwind.example"),
}
GRANT = re.compile(r"^  - \{role: (?P<role>[A-Za-z]+), ")
STAGE = re.compile(r"^stage: (?P<stage>[a-z0-9-]+)$", re.M)
MODEL = re.compile(r"^model: (?P<model>[a-z0-9-]+)$", re.M)
TERM_MONTHS = re.compile(r"^  term_months: (?P<months>\d+)$", re.M)


class _Stream:
    """A `git fast-import` stream under construction."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.mark = 0

    def blob(self, data: bytes) -> int:
        self.mark += 1
        self.parts += [f"blob\nmark :{self.mark}\ndata {len(data)}\n".encode(), data, b"\n"]
        return self.mark

    def commit(self, files: dict[str, bytes], message: str, author: tuple[str, str] = ("Bench", "")) -> int:
        marks = {path: self.blob(data) for path, data in files.items()}
        self.mark += 1
        name, email = author[0], author[1] or "bench@example.com"
        text = message.encode()
        self.parts += [
            f"commit refs/heads/main\nmark :{self.mark}\n".encode(),
            f"author {name} <{email}> {DATE}\ncommitter Bench <bench@example.com> {DATE}\n".encode(),
            f"data {len(text)}\n".encode(),
            text,
            b"\n",
            *(f"M 100644 :{mark} {path}\n".encode() for path, mark in marks.items()),
            b"\n",
        ]
        return self.mark

    def tag(self, name: str, commit: int, message: str) -> None:
        text = message.encode()
        self.parts += [
            f"tag {name}\nfrom :{commit}\n".encode(),
            f"tagger Bench <bench@example.com> {DATE}\ndata {len(text)}\n".encode(),
            text,
            b"\n",
        ]

    def run(self, root: Path) -> None:
        subprocess.run(
            ["git", "fast-import", "--quiet"], cwd=root, env=GIT_ENV, input=b"".join(self.parts), check=True
        )
        sh("git", "checkout", "-q", "-f", "main", cwd=root)


def _library_files(root: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted((root / "clause_library").rglob("*")):
        if path.is_file():
            yield path.relative_to(root).as_posix(), path.read_bytes()


def _empty_workspace() -> Path:
    root = Path(tempfile.mkdtemp(prefix="assembler-bench-portfolio-"))
    shutil.copytree(REPO / "clause_library", root / "clause_library")
    for name in (".gitignore", ".gitattributes"):
        shutil.copy(REPO / name, root / name)
    sh("git", "init", "-q", "-b", "main", cwd=root)
    return root


def _round_message(deal_id: str, document_id: str, number: int, model: str, tree: str, docx: bytes) -> str:
    import hashlib

    return (
        f"{deal_id}: {document_id}, round {number}\n\n"
        f"Deal: {deal_id}\nDocument: {document_id}\nRound: {number}\nModel: {model}\n"
        f"Clause-Library: {tree}\nDocx-SHA256: {hashlib.sha256(docx).hexdigest()}\n"
    )


def portfolio(deals: int, rounds: int, only: str | None = None) -> Path:
    """A workspace of `deals` deals cloned from the examples (ids `<example>-<n>`), each with its sign-offs
    committed by their givers and `rounds` rounds of its stage document (or, with `only`, that one example
    deal under its own id with `rounds` rounds, next to the other examples without rounds)."""
    root = _empty_workspace()
    sources = (
        [(name, name) for name in EXAMPLES]
        if only
        else [(EXAMPLES[i % len(EXAMPLES)], f"{EXAMPLES[i % len(EXAMPLES)]}-{i:03d}") for i in range(deals)]
    )
    first = _Stream()
    texts = {deal_id: (REPO / "agreements" / source / "deal.yaml").read_text() for source, deal_id in sources}
    stripped = {
        deal_id: "".join(line for line in text.splitlines(keepends=True) if not GRANT.match(line))
        for deal_id, text in texts.items()
    }
    files = dict(_library_files(root))
    for name in (".gitignore", ".gitattributes"):
        files[name] = (root / name).read_bytes()
    files.update({f"agreements/{d}/deal.yaml": t.encode() for d, t in stripped.items()})
    first.commit(files, "Clause library and deals\n")
    # Each sign-off is its own commit by its giver, as `assembler approve` records it.
    for deal_id, text in texts.items():
        lines = text.splitlines(keepends=True)
        grants = [line for line in lines if GRANT.match(line)]
        for index in range(len(grants)):
            kept = [line for line in lines if not GRANT.match(line) or line in grants[: index + 1]]
            role = GRANT.match(grants[index])["role"]  # type: ignore[index]
            first.commit(
                {f"agreements/{deal_id}/deal.yaml": "".join(kept).encode()},
                f"{deal_id}: {role} sign-off\n",
                APPROVERS[role],
            )
    first.run(root)
    tree = sh("git", "rev-parse", "HEAD:clause_library", cwd=root).strip()
    later = _Stream()
    later.parts.append(
        b"reset refs/heads/main\nfrom " + sh("git", "rev-parse", "HEAD", cwd=root).strip().encode() + b"\n\n"
    )
    with_rounds = [(s, d) for s, d in sources if only in (None, d)]
    for number in range(1, rounds + 1):
        for _, deal_id in with_rounds:
            text = texts[deal_id]
            stage = STAGE.search(text)["stage"]  # type: ignore[index]
            model = MODEL.search(text)["model"]  # type: ignore[index]
            months = TERM_MONTHS.search(text)
            if months and number < rounds:  # earlier rounds negotiated the term: a move in the ledger
                text = TERM_MONTHS.sub(f"  term_months: {int(months['months']) + 12 * (number % 2)}", text)
            docx = f"{deal_id} {stage} round {number}".encode()  # never opened by these commands
            twin = f"# {stage} {{#{stage}}}\n\nRound {number} of {deal_id}.\n".encode()
            mark = later.commit(
                {
                    f"agreements/{deal_id}/deal.yaml": text.encode(),
                    f"agreements/{deal_id}/{stage}.docx": docx,
                    f"agreements/{deal_id}/{stage}.md": twin,
                },
                _round_message(deal_id, stage, number, model, tree, docx),
            )
            later.tag(f"{deal_id}/{stage}/r{number}", mark, f"{deal_id}: {stage} round {number}")
    later.run(root)
    return root


def clause_library_of(count: int) -> Path:
    """A workspace whose library holds `count` clauses: the shipped ones plus copies under new ids (used by
    no document, so `applies_to` is empty), committed."""
    root = _empty_workspace()
    folder = root / "clause_library" / "clauses"
    originals = sorted(folder.rglob("*.md"))
    # A clause with a reviewed red-flag exemption is not copied: the exemption names the clause's id.
    rules = (root / "clause_library" / "rules" / "red-flag-patterns.yaml").read_text()
    allowed = set(re.findall(r"^  - clause: ([a-z0-9-]+)$", rules, re.M))
    sources = [p for p in originals if p.stem not in allowed]
    extra = folder / "generated"
    extra.mkdir()
    for name in EXAMPLES:  # the workspace's deals, as a checkout has them
        (root / "agreements" / name).mkdir(parents=True)
        shutil.copy(REPO / "agreements" / name / "deal.yaml", root / "agreements" / name / "deal.yaml")
    for n in range(count - len(originals)):
        source = sources[n % len(sources)]
        text = source.read_text()
        text = re.sub(r"^id: .*$", f"id: {source.stem}-copy-{n}", text, count=1, flags=re.M)
        text = re.sub(r"^applies_to: .*$", "applies_to: []", text, count=1, flags=re.M)
        (extra / f"{source.stem}-copy-{n}.md").write_text(text)
    sh("git", "add", "-A", cwd=root)
    sh("git", "commit", "-q", "-m", "Clause library", cwd=root)
    return root


def impact_workspace(changed: int) -> Path:
    """The example deals with their rounds, and `changed` clauses edited (version raised) since HEAD."""
    root = portfolio(len(EXAMPLES), 1)
    clauses = sorted((root / "clause_library" / "clauses" / "general").glob("*.md"))[:changed]
    for path in clauses:
        text = path.read_text()
        version = int(re.search(r"^version: (\d+)$", text, re.M)[1])  # type: ignore[index]
        text = re.sub(r"^version: \d+$", f"version: {version + 1}", text, count=1, flags=re.M)
        path.write_text(text.rstrip("\n") + "\n\nThis Section was reviewed by Legal.\n")
    return root


def _python(code: str, cwd: Path) -> Step:
    def run() -> None:
        subprocess.run([sys.executable, "-c", code], cwd=cwd, env=GIT_ENV, check=True, capture_output=True)

    return run


def _tolerant(*args: str, cwd: Path) -> Step:
    """Our CLI as a user runs it, where exit 1 (a blocking finding, a lint problem) is a valid outcome."""

    def run() -> None:
        done = subprocess.run(
            [sys.executable, "-m", "assembler", *args], cwd=cwd, env=GIT_ENV, capture_output=True
        )
        if done.returncode not in (0, 1):
            raise RuntimeError(f"assembler {' '.join(args)} failed: {done.stderr.decode()[-2000:]}")

    return run


def rows() -> list[Row]:
    """Every portfolio scenario, measured."""
    found: list[Row] = []
    cleanup: list[Path] = []
    try:
        small, large = portfolio(20, 2), portfolio(200, 2)
        cleanup += [small, large]
        version = assembler("--version", cwd=large)
        at_20 = paired(_tolerant("status", "--today", TODAY, cwd=small), version)
        at_200 = paired(_tolerant("status", "--today", TODAY, cwd=large), version)
        found.append(Row.of("status, 20 deals", at_20, "assembler --version", "-"))
        found.append(Row.of("status, 200 deals", at_200, "assembler --version", "≤ 8×"))
        # The first status after a change recomputes the rows it reaches; with every row to recompute:
        cold = paired(
            _tolerant("status", "--today", TODAY, cwd=large),
            version,
            runs=min(RUNS, 2),
            before_each=lambda: (large / ".git" / "assembler" / "status-rows.json").unlink(missing_ok=True),
        )
        found.append(Row.of("status, 200 deals, every row recomputed", cold, "assembler --version", "-"))
        scaling = paired(
            _tolerant("status", "--today", TODAY, cwd=large), _tolerant("status", "--today", TODAY, cwd=small)
        )
        found.append(Row.of("status, 200 deals vs 20", scaling, "status, 20 deals", "≤ 3×"))

        long = portfolio(0, 100, only="acme")
        cleanup.append(long)
        version = assembler("--version", cwd=long)
        found.append(
            Row.of(
                "history, 100 rounds",
                paired(_tolerant("history", "acme", cwd=long), version),
                "assembler --version",
                "≤ 3×",
            )
        )
        check = _tolerant("check", "acme", "--today", TODAY, cwd=long)
        found.append(Row.of("check, 100 rounds", paired(check, version), "assembler --version", "≤ 3×"))

        lint_root = clause_library_of(2000)
        cleanup.append(lint_root)
        lint = paired(_tolerant("library", "lint", cwd=lint_root), assembler("--version", cwd=lint_root))
        found.append(Row.of("library lint, 2,000 clauses", lint, "assembler --version", "≤ 3 s"))

        impact_root = impact_workspace(10)
        cleanup.append(impact_root)
        serial = _python(
            "from pathlib import Path\n"
            "from assembler.deals.layout import Workspace\n"
            "from assembler.governance.impact import library_impact\n"
            "library_impact(Workspace(Path.cwd()), 'HEAD', Path.cwd() / 'library-impact', workers=1)\n",
            impact_root,
        )
        impact = paired(_tolerant("library", "impact", "--base", "HEAD", cwd=impact_root), serial)
        found.append(Row.of("library impact, 10 clauses", impact, "the same, serially", "≤ 0.5×"))
    finally:
        if not os.environ.get("BENCH_KEEP"):
            for path in cleanup:
                shutil.rmtree(path, ignore_errors=True)
    return found


if __name__ == "__main__":
    print(table(rows()))
