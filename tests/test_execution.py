"""Execution: a round's execution version, its DocuSign envelope, `--send`, and the signed copy recorded."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import subprocess

import docx
import pytest

from assembler.deals.layout import Workspace
from assembler.word.execution import anchors, clause_texts, package_text
from assembler.word.libreoffice import soffice_path

from .conftest import REMOVE, files_under, git, ready_to_sign, round_docx, run_cli, set_deal

DEAL = "agreements/acme/deal.yaml"
EXECUTED = "agreements/acme/executed/co-sell-agreement"
TAG = "acme/co-sell-agreement/executed"
needs_libreoffice = pytest.mark.skipif(soffice_path() is None, reason="LibreOffice is not installed")

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def prepared(ws: Workspace) -> bytes:
    """Round 1 of acme's agreement and its execution version; returns the execution DOCX."""
    assert run_cli(ws, "build", "acme").exit_code == 0
    result = run_cli(ws, "sign", "acme", "--prepare")
    assert result.exit_code == 0, result.stderr
    return (ws.root / f"{EXECUTED}.execution.docx").read_bytes()


@needs_libreoffice
def test_the_execution_version_has_the_rounds_wording_and_no_draft_marks(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    executed = prepared(ws)
    round_commit = git(ws, "rev-parse", "acme/co-sell-agreement/r1^{commit}").strip()
    assert git(ws, "status", "--porcelain") == ""

    # No draft marking in any part: body, headers, footers, notes.
    text = package_text(executed)
    for draft in ("DRAFT", "Round", "subject to contract", "Draft for discussion"):
        assert draft not in text
    document = docx.Document(io.BytesIO(executed))
    headers = [p.text for s in document.sections for p in s.header.paragraphs + s.footer.paragraphs]
    assert "Co-Sell Agreement \u2014 Execution Version" in headers
    assert "DRAFT \u2014 Co-Sell Agreement \u2014 Round 1 \u2014 Confidential" in package_text(round_docx(ws))

    # The Effective Date is stated; both signature blocks name the signatory, title, signature and date lines.
    lines = text.splitlines()
    assert "Effective Date: the date of the last signature below" in lines
    for name, title in (("Jordan Ellis", "Chief Partner Officer"), ("Dana Whitfield", "VP of Alliances")):
        assert any(line.startswith(f"Name: {name}") for line in lines)
        assert f"Title: {title}" in lines
    assert sum(line.startswith("By: ____") for line in lines) == 2
    assert sum(line.startswith("Date: ____") for line in lines) == 2

    # The body is the round's, clause by clause.
    signed, carried = clause_texts(round_docx(ws)), clause_texts(executed)
    assert len(signed) > 20 and "limitation-of-liability" in signed
    assert list(carried) == list(signed)
    for clause, paragraphs in signed.items():
        assert carried[clause] == paragraphs, clause

    # Committed with its PDF, the round and both hashes in the trailers.
    pdf = (ws.root / f"{EXECUTED}.execution.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    message = git(ws, "log", "-1", "--format=%B")
    assert message.startswith("acme: Co-Sell Agreement, execution version of round 1\n")
    for trailer in (
        "Round: 1",
        f"Round-Commit: {round_commit}",
        f"Round-Docx-SHA256: {hashlib.sha256(round_docx(ws)).hexdigest()}",
        f"Execution-Docx-SHA256: {hashlib.sha256(executed).hexdigest()}",
        f"Execution-PDF-SHA256: {hashlib.sha256(pdf).hexdigest()}",
    ):
        assert f"\n{trailer}\n" in message
    assert git(ws, "show", "--name-only", "--format=", "HEAD").split() == sorted(
        f"{EXECUTED}.{suffix}" for suffix in ("envelope.json", "execution.docx", "execution.pdf")
    )
    # Preparing again changes nothing; the round is still buildable (not executed yet).
    head = git(ws, "rev-parse", "HEAD")
    again = run_cli(ws, "sign", "acme", "--prepare")
    assert again.exit_code == 0 and "up to date" in again.stdout
    assert git(ws, "rev-parse", "HEAD") == head
    assert run_cli(ws, "build", "acme").exit_code == 0


def test_the_effective_date_of_the_deal_is_stated(repo_workspace: Workspace) -> None:
    from assembler.library.jurisdictions import profile_for_law
    from assembler.library.loader import Library
    from assembler.word.execution import execution_docx

    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    # acme is governed by Delaware law: its cover prints that profile's draft status line
    status_line = profile_for_law("Delaware, USA", Library(ws.library_root)).draft_status
    executed = execution_docx(
        round_docx(ws),
        document_title="Co-Sell Agreement",
        round_number=1,
        effective_date=dt.date(2026, 12, 1),
        when=dt.date(2026, 12, 1),
        status_line=status_line,
    )
    assert "Effective Date: December 1, 2026" in package_text(executed).splitlines()
    with pytest.raises(Exception, match="lacks the house draft header"):
        execution_docx(
            round_docx(ws),
            document_title="Co-Sell Agreement",
            round_number=2,
            effective_date=None,
            when=dt.date(2026, 12, 1),
            status_line=status_line,
        )


@needs_libreoffice
def test_the_envelope_has_two_signers_in_routing_order_and_anchored_tabs(repo_workspace: Workspace) -> None:
    import docusign_esign

    from assembler.signature.envelope import load_envelope

    ws = repo_workspace
    executed = prepared(ws)
    envelope = load_envelope((ws.root / f"{EXECUTED}.envelope.json").read_bytes())
    assert isinstance(envelope, docusign_esign.EnvelopeDefinition)
    assert envelope.status == "created"
    assert envelope.email_subject == (
        "Please sign: Co-Sell Agreement between Northwind Software, Inc. and Acme Cloud Partners, Inc."
    )
    [document] = envelope.documents
    assert document.file_extension == "pdf"
    assert base64.b64decode(document.document_base64) == (ws.root / f"{EXECUTED}.execution.pdf").read_bytes()
    signers = envelope.recipients.signers
    # clause_library/config.yaml: the partner signs first, then the company countersigns.
    assert [(s.name, s.email, s.routing_order) for s in signers] == [
        ("Dana Whitfield", "dana.whitfield@acme.example", "1"),
        ("Jordan Ellis", "jordan.ellis@northwind.example", "2"),
    ]
    text = package_text(executed)
    pdf_text = (
        subprocess.run(
            ["pdftotext", str(ws.root / f"{EXECUTED}.execution.pdf"), "-"], capture_output=True, text=True
        ).stdout
        if os.path.exists("/usr/bin/pdftotext")
        else None
    )
    for signer, party in zip(signers, ("partner", "company"), strict=True):
        tabs = signer.tabs
        assert len(tabs.sign_here_tabs) == len(tabs.full_name_tabs) == len(tabs.date_signed_tabs) == 1
        used = [tabs.sign_here_tabs[0].anchor_string, tabs.full_name_tabs[0].anchor_string]
        used.append(tabs.date_signed_tabs[0].anchor_string)
        assert used == list(vars(anchors(party)).values())
        for anchor in used:
            assert text.count(anchor) == 1, anchor
            if pdf_text is not None:
                assert pdf_text.count(anchor) == 1, anchor
    # The anchors are 1-point white text on the signature page.
    xml = io.BytesIO(executed)
    paragraphs = docx.Document(xml).tables[-1].rows[0].cells[1].paragraphs
    run = next(r for p in paragraphs for r in p.runs if r.text.strip() == anchors("partner").sign_here)
    assert run.font.size.pt == 1 and str(run.font.color.rgb) == "FFFFFF"


def test_prepare_needs_the_signatories_emails(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    set_deal(ws, "acme", {"partner.signatory.email": REMOVE})
    assert run_cli(ws, "build", "acme").exit_code == 0
    head = git(ws, "rev-parse", "HEAD")
    result = run_cli(ws, "sign", "acme", "--prepare")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: acme: not prepared: 1 problem(s) to resolve first\n"
        f"Error: {DEAL}: partner.signatory.email: required for the DocuSign envelope; add the e-mail address "
        "of Dana Whitfield\n"
    )
    assert git(ws, "rev-parse", "HEAD") == head


def test_send_without_credentials_fails_and_writes_nothing(
    repo_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = repo_workspace
    for name in ("DOCUSIGN_ACCESS_TOKEN", "DOCUSIGN_ACCOUNT_ID", "DOCUSIGN_BASE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCUSIGN_ACCOUNT_ID", "12345")
    before, head = files_under(ws.root), git(ws, "rev-parse", "HEAD")
    result = run_cli(ws, "sign", "acme", "--send")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: sign --send: set DOCUSIGN_ACCESS_TOKEN, DOCUSIGN_BASE_PATH (an OAuth access token, the "
        "DocuSign account id and the eSignature REST base path, e.g. https://demo.docusign.net/restapi); "
        "nothing was sent\n"
        f"Error: {EXECUTED}.envelope.json: no envelope prepared; run `assembler sign acme --prepare` first\n"
    )
    assert files_under(ws.root) == before and git(ws, "rev-parse", "HEAD") == head
    usage = run_cli(ws, "sign", "acme", "--send", "--prepare")
    assert usage.exit_code == 2 and "exactly one of --prepare, --send or --signed-on" in usage.stderr


def test_a_future_or_premature_signing_date_is_refused(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    ready_to_sign(ws)
    head = git(ws, "rev-parse", "HEAD")
    future = run_cli(ws, "sign", "acme", "--signed-on", "2026-11-20", "--today", "2026-11-19")
    assert future.exit_code == 1
    assert future.stderr.splitlines() == [
        "Error: acme: not signed: 1 problem(s) to resolve first",
        "Error: --signed-on 2026-11-20: in the future (today is 2026-11-19); record a signature once both "
        "parties have signed",
    ]
    early = run_cli(ws, "sign", "acme", "--signed-on", "2026-09-30", "--today", "2026-11-19")
    assert early.exit_code == 1
    assert (
        f"Error: --signed-on 2026-09-30: before the mutual interest date 2026-10-01 ({DEAL}: "
        "mutual_interest_date); check the date"
    ) in early.stderr.splitlines()
    assert git(ws, "rev-parse", "HEAD") == head and git(ws, "tag").split() == ["acme/co-sell-agreement/r1"]


def test_a_signed_copy_that_is_not_a_plain_pdf_is_refused(repo_workspace: Workspace) -> None:
    from assembler.signature.signed_copy import MAX_BYTES

    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    ready_to_sign(ws)
    outside = ws.root.parent
    (outside / "fake.pdf").write_bytes(b"PK\x03\x04 a zip named pdf %%EOF")
    (outside / "real.pdf").write_bytes(PDF)
    (outside / "link.pdf").symlink_to(outside / "real.pdf")
    with open(outside / "huge.pdf", "wb") as handle:
        handle.write(PDF)
        handle.truncate(MAX_BYTES + 1)
    expected = {
        "fake.pdf": "not a PDF (it must start with %PDF- and end with %%EOF)",
        "link.pdf": "is a symlink; give the signed PDF itself",
        "huge.pdf": f"{MAX_BYTES + 1} bytes, over the 50 MB limit for a signed copy",
        "missing.pdf": "no such file",
    }
    for name, reason in expected.items():
        result = run_cli(
            ws, "sign", "acme", "--signed-on", "2026-11-20", "--signed-copy", str(outside / name)
        )
        assert result.exit_code == 1
        assert f"Error: --signed-copy {outside / name}: {reason}" in result.stderr, result.stderr
    assert git(ws, "tag").split() == ["acme/co-sell-agreement/r1"]


@needs_libreoffice
def test_signing_a_prepared_version_records_it_with_the_signed_copy(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    executed = prepared(ws)
    prepare_commit = git(ws, "rev-parse", "HEAD").strip()
    ready_to_sign(ws)
    signed_pdf = ws.root.parent / "completed.pdf"
    signed_pdf.write_bytes(PDF)
    result = run_cli(
        ws,
        "sign",
        "acme",
        "--signed-on",
        "2026-11-20",
        "--signed-copy",
        str(signed_pdf),
        "--today",
        "2026-11-21",
    )
    assert result.exit_code == 0, result.stderr
    # The prepared files are not committed again; the deal.yaml confirmations are; the tree is clean.
    assert git(ws, "status", "--porcelain") == ""
    assert git(ws, "show", "--name-only", "--format=", "HEAD").split() == sorted(
        [
            DEAL,
            *(
                f"{EXECUTED}.{suffix}"
                for suffix in (
                    "announcement.eml",
                    "announcement.md",
                    "execution.json",
                    "post-signature.md",
                    "signed.pdf",
                )
            ),
        ]
    )
    assert git(ws, "rev-parse", "HEAD~1").strip() == prepare_commit
    record = json.loads((ws.root / f"{EXECUTED}.execution.json").read_text())
    assert record["sha256"] == hashlib.sha256(executed).hexdigest()
    assert record["round_sha256"] == hashlib.sha256(round_docx(ws)).hexdigest()
    assert record["signed_copy_sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (ws.root / f"{EXECUTED}.signed.pdf").read_bytes() == PDF
    assert f"\nSigned-Copy-SHA256: {record['signed_copy_sha256']}\n" in git(ws, "log", "-1", "--format=%B")

    verified = run_cli(ws, "verify", "acme")
    assert verified.exit_code == 0, verified.stderr
    (ws.root / f"{EXECUTED}.signed.pdf").write_bytes(PDF + b"%%EOF\n")
    altered = run_cli(ws, "verify", "acme")
    assert altered.exit_code == 1
    assert altered.stderr.startswith(f"Error: {EXECUTED}.signed.pdf: sha256 ")
    git(ws, "checkout", TAG, "--", f"{EXECUTED}.signed.pdf")
    assert run_cli(ws, "verify", "acme").exit_code == 0
