"""Signature: the pre-signature gate, the executed record in git, verify, and the post-signature kit."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import itertools
import json
import subprocess
from decimal import Decimal

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from assembler.deals.layout import Workspace

from .conftest import REMOVE, git, round_docx, run_cli, set_deal

SIGNED_ON = "2026-11-20"
DEAL = "agreements/acme/deal.yaml"
EXECUTED = "agreements/acme/executed/co-sell-agreement"
TAG = "acme/co-sell-agreement/executed"
PRE_SIGNATURE = [
    ("legal-review", "Dana Legal"),
    ("finance-validation", "Priya Natarajan"),
    ("cpo-approval", "Jordan Ellis"),
    ("redlines-resolved", "Dana Legal"),
    ("governing-law", "Dana Legal"),
    ("signatory-authority", "Dana Legal"),
    ("docusign-routing", "Alex Ops"),
]


def record_signature(
    ws: Workspace, *, skip: str | None = None, extra: str = "", post: str = "", pam: str = "Sam Rivera"
) -> None:
    """Fill in the deal's signature block: the pre-signature items (all but `skip`) and the PAM."""
    lines = [f"  pam: {pam}", "  pre_signature:"]
    lines += [
        f"    - {{item: {item}, confirmed_by: {who}, date: 2026-11-19}}"
        for item, who in PRE_SIGNATURE
        if item != skip
    ]
    lines += [extra] if extra else []
    lines += ["  post_signature:", post] if post else []
    path = ws.deal_file("acme")
    path.write_text(path.read_text() + "signature:\n" + "\n".join(lines) + "\n")


def sign(ws: Workspace, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli(ws, "sign", "acme", "--signed-on", SIGNED_ON, *extra)


def signed(ws: Workspace, **signature: str) -> None:
    """Round 1 of acme's co-sell agreement, signed."""
    assert run_cli(ws, "build", "acme").exit_code == 0
    record_signature(ws, **signature)
    result = sign(ws)
    assert result.exit_code == 0, result.stderr


def test_signing_with_one_checklist_item_missing_fails_and_names_it(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    record_signature(ws, skip="docusign-routing")
    before = git(ws, "rev-parse", "HEAD")
    result = sign(ws)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: acme: not signed: 1 problem(s) to resolve first\n"
        f"Error: {DEAL}: signature.pre_signature: docusign-routing is not confirmed: DocuSign routing set up "
        "with correct signatories and order; add {item: docusign-routing, confirmed_by: <name>, "
        "date: YYYY-MM-DD}\n"
    )
    assert git(ws, "rev-parse", "HEAD") == before
    assert git(ws, "tag").split() == ["acme/co-sell-agreement/r1"]
    assert not (ws.deal_dir("acme") / "executed").exists()


def test_the_gate_lists_every_problem_at_once(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    set_deal(ws, "acme", {"partner.signatory.name": "To be confirmed", "terms.mfn_pricing": True})
    record_signature(ws, extra="    - {item: docusign, confirmed_by: Alex Ops, date: 2026-11-19}")
    assert PRE_SIGNATURE[2][0] == "cpo-approval"
    set_deal(ws, "acme", {"signature.pre_signature.2.date": dt.date(2026, 11, 21)})
    result = sign(ws)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: acme: not signed: 5 problem(s) to resolve first"
    assert lines[1].startswith(
        f"Error: {DEAL}: signature.pre_signature.7.item: unknown pre-signature checklist item 'docusign'; "
        "use one of: legal-review, finance-validation, cpo-approval, "
    )
    assert lines[2:4] == [
        f"Error: {DEAL}: signature.pre_signature: cpo-approval is confirmed on 2026-11-21, after the signing "
        "date 2026-11-20; confirm it before signature",
        f"Error: {DEAL}: partner.signatory.name: 'To be confirmed' is a placeholder; name the person who "
        "signs for Acme Cloud Partners, Inc.",
    ]
    assert lines[4] == (
        "Error: agreements/acme/co-sell-agreement.docx: no committed round; `assembler build acme` commits "
        "round 1, and the round the parties agree is the one signed"
    )
    assert lines[5].startswith("Error: red-flag.mfn-pricing: ")
    assert git(ws, "tag") == ""


def test_signing_a_deal_changed_since_its_latest_round_is_refused(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    set_deal(ws, "acme", {"terms.referral_fee_pct": Decimal("12")})
    record_signature(ws)
    result = sign(ws)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: acme: not signed: 1 problem(s) to resolve first\n"
        "Error: agreements/acme/co-sell-agreement.docx: the deal or the clause library changed since round "
        "1, the latest round; commit round 2 with `assembler build acme`, agree it, sign that\n"
    )


def test_a_complete_sign_commits_the_executed_round_tag_and_record(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    round_commit = git(ws, "rev-parse", "acme/co-sell-agreement/r1^{commit}").strip()
    record_signature(ws)
    result = sign(ws)
    assert result.exit_code == 0, result.stderr
    commit = git(ws, "rev-parse", "HEAD").strip()
    companions = ("execution.json", "post-signature.md", "announcement.md", "announcement.eml")
    assert result.stdout == (
        f"Executed {EXECUTED}.execution.docx: round 1, signed on 2026-11-20, committed ({commit[:12]}), "
        f"tagged {TAG}\n"
        "Post-signature: 7 item(s) due by 2026-11-22; first QBR 2027-02-18\n"
        f"Wrote {EXECUTED}.execution.pdf\n"
        + "".join(f"Wrote {EXECUTED}.{suffix}\n" for suffix in companions)
        + f"Wrote {DEAL}\n"
    )
    assert git(ws, "tag").split() == ["acme/co-sell-agreement/executed", "acme/co-sell-agreement/r1"]
    assert git(ws, "cat-file", "-t", TAG) == "tag\n"  # annotated
    assert git(ws, "rev-parse", f"{TAG}^{{commit}}").strip() == commit
    # Without `sign --prepare` first, the execution version is made and committed with the signature.
    assert git(ws, "show", "--name-only", "--format=", "HEAD").split() == sorted(
        [DEAL, *(f"{EXECUTED}.{suffix}" for suffix in ("execution.docx", "execution.pdf", *companions))]
    )
    message = git(ws, "log", "-1", "--format=%B")
    docx_sha = hashlib.sha256(round_docx(ws)).hexdigest()
    executed = (ws.root / f"{EXECUTED}.execution.docx").read_bytes()
    executed_sha = hashlib.sha256(executed).hexdigest()
    pdf_sha = hashlib.sha256((ws.root / f"{EXECUTED}.execution.pdf").read_bytes()).hexdigest()
    assert message.startswith("acme: Co-Sell Agreement executed, round 1, signed on 2026-11-20\n")
    for trailer in (
        "Deal: acme",
        "Document: co-sell-agreement",
        "Round: 1",
        "Executed-On: 2026-11-20",
        f"Docx-SHA256: {executed_sha}",
        f"Round-Commit: {round_commit}",
        f"Round-Docx-SHA256: {docx_sha}",
        f"Execution-PDF-SHA256: {pdf_sha}",
    ):
        assert f"\n{trailer}\n" in message

    # The executed file is the execution version of the round, on disk and in the commit.
    committed = subprocess.run(
        ["git", "show", f"{TAG}:{EXECUTED}.execution.docx"], cwd=ws.root, check=True, capture_output=True
    ).stdout
    assert committed == executed

    text = (ws.root / f"{EXECUTED}.execution.json").read_text()
    assert text.endswith("}\n")
    record = json.loads(text)
    assert list(record) == sorted(record)
    assert record["deal"] == "acme" and record["document"] == "co-sell-agreement"
    assert record["round"] == 1
    assert record["commit"] == round_commit
    assert record["round_sha256"] == docx_sha
    assert record["sha256"] == executed_sha and record["pdf_sha256"] == pdf_sha
    assert record["signed_on"] == "2026-11-20"
    assert record["signatories"] == {
        "company": {
            "party": "Northwind Software, Inc.",
            "name": "Jordan Ellis",
            "title": "Chief Partner Officer",
            "email": "jordan.ellis@northwind.example",
        },
        "partner": {
            "party": "Acme Cloud Partners, Inc.",
            "name": "Dana Whitfield",
            "title": "VP of Alliances",
            "email": "dana.whitfield@acme.example",
        },
    }
    assert record["approvals"][0] == {
        "role": "Finance",
        "name": "Priya Natarajan",
        "date": "2026-10-05",
        "covers": ["commercial-terms"],
    }
    assert record["approvals"][1]["covers"] == ["preliminary-first"]  # the CPO's reason to skip the LOI
    assert [c["item"] for c in record["pre_signature"]] == [
        *(item for item, _ in PRE_SIGNATURE),
        "executed-agreement-stored",
    ]
    assert record["pre_signature"][-1] == {
        "item": "executed-agreement-stored",
        "confirmed_by": "assembler sign",
        "date": "2026-11-20",
    }
    # The deal.yaml edit (the checklist) is part of the signing commit; signing again is refused.
    assert git(ws, "status", "--porcelain") == ""
    again = sign(ws)
    assert again.exit_code == 1
    assert again.stderr == (
        f"Error: {EXECUTED}.execution.docx is executed (signed on 2026-11-20); an executed agreement never "
        "changes \u2014 draft an amendment: `assembler build acme --document amendment`\n"
    )


def test_a_later_build_of_the_executed_document_fails(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    signed(ws)
    set_deal(ws, "acme", {"terms.referral_fee_pct": Decimal("12")})
    head = git(ws, "rev-parse", "HEAD")
    result = run_cli(ws, "build", "acme")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {EXECUTED}.execution.docx is executed (signed on 2026-11-20); an executed agreement never "
        "changes \u2014 draft an amendment: `assembler build acme --document amendment`\n"
    )
    assert git(ws, "rev-parse", "HEAD") == head
    assert "acme/co-sell-agreement/r2" not in git(ws, "tag")
    # The refusal holds even when the tag is lost: the execution commit's trailers still say so.
    git(ws, "tag", "-d", TAG)
    assert run_cli(ws, "build", "acme").exit_code == 1


def test_verify_passes_then_fails_after_the_executed_file_is_altered(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    signed(ws)
    round_sha = hashlib.sha256(round_docx(ws)).hexdigest()
    path = ws.root / f"{EXECUTED}.execution.docx"
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    result = run_cli(ws, "verify", "acme")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"verified {EXECUTED}.execution.docx: round 1, sha256 {sha}, tag {TAG}\n"

    path.write_bytes(path.read_bytes() + b"\0")
    altered = hashlib.sha256(path.read_bytes()).hexdigest()
    result = run_cli(ws, "verify", "acme")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {EXECUTED}.execution.docx: sha256 {altered} does not match the execution record ({sha}); "
        f"the executed file was altered: restore it with `git checkout {TAG} -- {EXECUTED}.execution.docx`\n"
    )
    git(ws, "checkout", TAG, "--", f"{EXECUTED}.execution.docx")
    assert run_cli(ws, "verify", "acme").exit_code == 0

    # A record edited to match an altered file is caught against git; so is a missing tag.
    record_path = ws.root / f"{EXECUTED}.execution.json"
    record = json.loads(record_path.read_text())
    path.write_bytes(path.read_bytes() + b"\0")
    record["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    record["round_sha256"] = record["sha256"]
    record_path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    git(ws, "tag", "-d", TAG)
    lines = run_cli(ws, "verify", "acme").stderr.splitlines()
    assert lines == [
        f"Error: tag {TAG} is missing; the execution is not recorded in git",
        f"Error: {EXECUTED}.execution.json: round_sha256 {record['sha256']} differs from round 1's "
        f"Docx-SHA256 trailer ({round_sha})",
    ]


def test_verify_without_an_execution_says_what_to_do(repo_workspace: Workspace) -> None:
    result = run_cli(repo_workspace, "verify", "acme")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: agreements/acme: nothing executed to verify; `assembler sign acme --signed-on DATE` records "
        "a signature\n"
    )


def test_announcement_and_post_signature_checklist_name_the_deal_and_due_dates(
    repo_workspace: Workspace,
) -> None:
    ws = repo_workspace
    signed(ws, post="    - {item: pam-assigned, done_by: Jordan Ellis, date: 2026-11-19}")

    raw = (ws.root / f"{EXECUTED}.announcement.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(message["From"]) == "Jordan Ellis <jordan.ellis@northwind.example>"
    assert [a.addr_spec for a in message["To"].addresses] == [
        "sales@northwind.example",
        "sales-engineering@northwind.example",
        "marketing@northwind.example",
        "finance@northwind.example",
    ]
    assert str(message["Subject"]) == "New Partner Signed \u2014 Acme Cloud Partners, Inc. (Gold)"
    assert message["Date"].datetime == dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    record_sha = hashlib.sha256((ws.root / f"{EXECUTED}.execution.json").read_bytes()).hexdigest()
    assert message["Message-ID"] == f"<{record_sha[:32]}.announcement@northwind.example>"
    body = message.get_content()
    for expected in (
        "We've executed a Co-Sell partnership agreement with Acme Cloud Partners, Inc., a Gold-tier partner.",
        "signed for Acme Cloud Partners, Inc. by Dana Whitfield (VP of Alliances) and for Northwind "
        "Software, Inc. by Jordan Ellis (Chief Partner Officer) on November 20, 2026.",
        "- Acme Cloud Partners, Inc. will co-sell our product to their financial services and healthcare "
        "clients in United States and Canada.",
        "- Our PAM for this partner is: Sam Rivera",
        "First joint opportunity review: at the first QBR on February 18, 2027.",
        "The post-signature checklist is due by November 22, 2026 (48 hours after signature).",
    ):
        assert expected in body
    assert body.rstrip().endswith("\nJordan Ellis")

    announcement = (ws.root / f"{EXECUTED}.announcement.md").read_text()
    assert announcement.startswith("# New Partner Signed \u2014 Acme Cloud Partners, Inc\\. (Gold)\n")
    assert "**From:** Jordan Ellis \\<jordan\\.ellis\\@northwind\\.example\\>" in announcement
    assert "a Co\\-Sell partnership agreement with Acme Cloud Partners, Inc\\., a Gold-tier partner" in (
        announcement
    )
    assert "by Dana Whitfield (VP of Alliances)" in announcement
    assert "due by November 22, 2026" in announcement and "February 18, 2027" in announcement

    checklist = (ws.root / f"{EXECUTED}.post-signature.md").read_text()
    for expected in (
        "# Post\\-signature checklist: Acme Cloud Partners, Inc\\. (acme)\n",
        "- Partner: Acme Cloud Partners, Inc\\., Gold tier\n",
        "- Model: Co\\-Sell\n",
        "- Signatories: Dana Whitfield (VP of Alliances) for Acme Cloud Partners, Inc\\.; Jordan Ellis "
        "(Chief Partner Officer) for Northwind Software, Inc\\.\n",
        "- Due: within 48 hours of signature, by 2026-11-22\n",
        "- First QBR: 2027-02-18 (90 days after signature)\n",
        "| crm-active-partner | Partner added to CRM as active partner at correct tier | 2026-11-22 | open |",
        "| mdf-account | MDF account opened (if applicable) | 2026-11-22 | open |",
        "| pam-assigned | PAM assigned (for Platinum/Gold partners) | 2026-11-22 "
        "| Jordan Ellis, 2026-11-19 |",
        "| first-qbr | First QBR date set in calendar | 2026-11-22 | open |",
    ):
        assert expected in checklist


def test_post_signature_items_follow_tier_and_terms(workspace: Workspace) -> None:
    from assembler.library.loader import Library
    from assembler.library.validate import load_valid_deal
    from assembler.signature.after import after_signature_items

    library = Library(workspace.library_root)
    signed_on = dt.date(2026, 11, 20)
    gold = [
        i.id for i in after_signature_items(load_valid_deal(workspace, "acme", library), library, signed_on)
    ]
    assert "pam-assigned" in gold and "mdf-account" in gold
    set_deal(workspace, "acme", {"partner.tier": "silver", "terms.mdf_amount": REMOVE})
    silver = after_signature_items(load_valid_deal(workspace, "acme", library), library, signed_on)
    assert [i.id for i in silver] == [
        "crm-active-partner",
        "enablement-kickoff",
        "internal-announcement",
        "deal-registration-access",
        "first-qbr",
    ]
    assert {i.due for i in silver} == {dt.date(2026, 11, 22)}


def test_status_shows_executed_deals_with_open_post_signature_items(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    signed(ws, post="    - {item: pam-assigned, done_by: Jordan Ellis, date: 2026-11-19}")
    done = {"done_by": "Sam Rivera", "date": dt.date(2026, 11, 21)}
    set_deal(ws, "acme", {"signature.post_signature.1": {"item": "crm-active-partner", **done}})

    from assembler.signature.after import open_items_text
    from assembler.status import status_rows

    rows = {r.deal_id: r for r in status_rows(ws, dt.date(2026, 11, 22))}
    assert rows["acme"].stage == "executed"
    assert rows["brightpath"].stage != "executed" and rows["brightpath"].after_signature is None
    items = rows["acme"].after_signature
    assert items is not None
    assert open_items_text(items, dt.date(2026, 11, 22)) == (
        "5: enablement-kickoff, internal-announcement, deal-registration-access, mdf-account, first-qbr"
    )
    assert open_items_text(items, dt.date(2026, 11, 23)) == (
        "5: enablement-kickoff (overdue), internal-announcement (overdue), "
        "deal-registration-access (overdue), mdf-account (overdue), first-qbr (overdue)"
    )

    result = run_cli(ws, "status", "--today", "2026-11-23")
    assert result.exit_code == 0, result.stderr
    table = result.stdout
    assert "Open after signature" in table
    rows = [[c.strip() for c in line.strip("│").split("│")] for line in table.splitlines() if "│" in line]
    start = next(i for i, cells in enumerate(rows) if cells[0] == "acme")
    lines = [rows[start], *itertools.takewhile(lambda cells: cells[0] == "", rows[start + 1 :])]
    assert rows[start][3] == "executed"
    assert " ".join(cells[9] for cells in lines) == open_items_text(items, dt.date(2026, 11, 23))

    # A typo in an item id is an error, not an item left open forever.
    set_deal(ws, "acme", {"signature.post_signature.2": {"item": "crm", **done}})
    result = run_cli(ws, "status", "--today", "2026-11-23")
    assert result.exit_code == 2
    # status still lists the deal, with its error, and names it (one bad deal never hides the others)
    assert result.stderr.startswith(
        f"Error: acme: {DEAL}: signature.post_signature.2.item: unknown post-signature checklist item 'crm'; "
    )


NASTY = "*Acme* & <Co> \"Q\" 'S' _x_ #1 {{ 7*7 }} {% if x %} \\ [l](u) Ærøskøbing 東京"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# A space before a combining mark where the mail header was once folded into encoded words: it was lost.
@example(name="\u00e9" * 34 + "\u035e \u0322 \u035f")
@example(name="\u00e9" * 35 + " \u0322 \u035f")
@given(
    name=st.one_of(
        st.just(NASTY), st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")))
    )
)
def test_the_announcement_prints_deal_values_as_data(workspace: Workspace, name: str) -> None:
    from assembler.assembly.markdown import escape
    from assembler.deals.contract import _clean_text
    from assembler.library.loader import Library
    from assembler.library.validate import load_valid_deal
    from assembler.signature.after import after_signature_items
    from assembler.signature.announcement import announcement_context, announcement_eml, render_announcement

    assume(name.strip())
    name = _clean_text(name)
    library = Library(workspace.library_root)
    deal = load_valid_deal(workspace, "acme", library)
    deal = deal.model_copy(update={"partner": deal.partner.model_copy(update={"name": name})})
    signed_on = dt.date(2026, 11, 20)
    items = after_signature_items(deal, library, signed_on)
    context = announcement_context(
        deal, library, library.document("co-sell-agreement"), signed_on, 1, items, 48, dt.date(2027, 2, 18)
    )
    subject, body = render_announcement(library, context, None)
    assert subject == f"New Partner Signed \u2014 {name} (Gold)"
    assert f"partnership agreement with {name}, a Gold-tier partner" in body
    _, body_md = render_announcement(library, context, escape)
    assert f"partnership agreement with {escape(name)}, a Gold-tier partner" in body_md
    raw = announcement_eml(library, subject, body, signed_on, "0" * 64)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(message["Subject"]) == subject
    assert message.get_content() == body
