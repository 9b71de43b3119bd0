"""The negotiation loop (weeks 3-5): their redline in, changes accepted and fallbacks adopted as the deal's
wording, the next round built with exactly that wording, and the wording checked like library text."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from assembler.assembly.twin import clause_sections
from assembler.deals.layout import Workspace
from assembler.intake.tracked_changes import resolved, text_of
from assembler.word.package import W
from assembler.word.pandoc import docx_to_text, run_pandoc

from .conftest import APPROVERS, commit_as, deal_value, docx_text, git, run_cli, set_deal
from .docx_edits import EditableDocx

TERMINATION = "Either Party may terminate this Agreement for convenience"
CONFIDENTIAL_LIST = "not disclose it to anyone other than its own"
RETURN = "On termination or expiry of this Agreement, or at any time on the Discloser's written request"
CAP = "each Party's total aggregate liability arising out of"
NON_EXCLUSIVE = "This Agreement is non-exclusive."
PAYMENT_SENTENCE = "The Recipient will certify in writing that it has destroyed the copies."


@pytest.fixture
def round1(repo_workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """acme with round 1 of its Co-Sell Agreement committed (the draft we sent)."""
    monkeypatch.setenv("ASSEMBLER_TODAY", "2026-11-24")
    result = run_cli(repo_workspace, "build", "acme")
    assert result.exit_code == 0, result.stderr
    return repo_workspace


def their_file(ws: Workspace, tmp_path: Path) -> Path:
    """Their counsel's return: edits in two clauses, a cap change, red-flag text, bold, two comments."""
    doc = EditableDocx((ws.deal_dir("acme") / "co-sell-agreement.docx").read_bytes())
    doc.tracked_replace(TERMINATION, "without cause", "without cause and without liability to the other")
    doc.tracked_delete(CONFIDENTIAL_LIST, "contractors and ")
    doc.tracked_append(RETURN, " " + PAYMENT_SENTENCE)
    doc.tracked_replace(CAP, "twelve (12) months", "twenty-four (24) months")
    doc.tracked_append(
        "Any target markets, territories or Customer segments",
        " Company shall not partner with any competing firm in the target markets.",
    )
    doc.tracked_bold(NON_EXCLUSIVE, "non-exclusive")
    doc.comment(CAP, "We need a higher cap for a deal of this size.", "Pat Counsel", "2026-11-20T10:00:00Z")
    doc.comment(
        TERMINATION, "Convenience termination must be costless.", "Lee Partner", "2026-11-21T09:30:00Z"
    )
    path = tmp_path / "Acme returned.docx"
    path.write_bytes(doc.save())
    return path


def numbered(ws: Workspace, tmp_path: Path) -> dict[str, int]:
    """Ingest their file and return change numbers by what they are."""
    from assembler.intake.triage import ingest

    result = ingest(ws, "acme", their_file(ws, tmp_path), received_from="Pat Counsel <pat@partner.example>")
    by_key = {}
    for item in result.items:
        if "without liability" in item.after:
            by_key["termination"] = item.number
        elif item.clause_id == "confidentiality" and item.kind == "deletion":
            by_key["confidential-deletion"] = item.number
        elif PAYMENT_SENTENCE in item.after:
            by_key["confidential-insertion"] = item.number
        elif "twenty-four" in item.after:
            by_key["cap"] = item.number
        elif "competing firm" in item.after:
            by_key["exclusivity"] = item.number
        elif item.kind == "formatting":
            by_key["bold"] = item.number
    assert len(by_key) == 6, by_key
    return by_key


def _body(docx: bytes) -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml"))


def _paragraphs(root: etree._Element) -> list[str]:
    return [t for t in (text_of(p) for p in root.iter(f"{{{W}}}p")) if t.strip()]


def test_ingest_numbers_changes_in_document_order_and_lists_comments(
    round1: Workspace, tmp_path: Path
) -> None:
    result = run_cli(round1, "ingest", "acme", str(their_file(round1, tmp_path)))
    assert result.exit_code == 0, result.stderr
    from assembler.intake.triage import ingest

    again = ingest(
        round1,
        "acme",
        round1.deal_dir("acme") / "triage" / "co-sell-agreement.r1-counterparty.docx",
        commit=False,
    )
    order = [item.clause_id for item in sorted(again.items, key=lambda i: i.number)]
    assert [item.number for item in sorted(again.items, key=lambda i: i.number)] == list(
        range(1, len(order) + 1)
    )
    # Document order: exclusivity (Section 9) before confidentiality, liability, termination.
    assert order == [
        "exclusivity",
        "exclusivity",
        "confidentiality",
        "confidentiality",
        "limitation-of-liability",
        "termination",
    ]
    report = (round1.deal_dir("acme") / "triage" / "co-sell-agreement.r1-counterparty.md").read_text()
    for item in again.items:
        assert f"| {item.number} | {item.place} |" in report
    assert (
        "| 1 | Limitation of Liability | Pat Counsel | 2026-11-20T10:00:00Z | We need a higher cap" in report
    )
    assert "| 2 | Termination | Lee Partner | 2026-11-21T09:30:00Z | Convenience termination" in report
    assert "We need a higher cap for a deal of this size." in result.stdout
    assert "Lee Partner" in result.stdout
    cap = next(i for i in again.items if "twenty-four" in i.after)
    # The liability cap change gets the cap fallback, not the clause's first (confidentiality) fallback.
    assert cap.suggestion == "liability-cap-first-year-floor"
    assert "liability-cap-first-year-floor" in cap.response


def test_the_loop_round_two_has_exactly_the_accepted_and_adopted_wording(
    round1: Workspace, tmp_path: Path
) -> None:
    ws = round1
    numbers = numbered(ws, tmp_path)
    accepted = run_cli(
        ws,
        "accept",
        "acme",
        str(numbers["termination"]),
        str(numbers["confidential-deletion"]),
        str(numbers["confidential-insertion"]),
        "--by",
        "Dana Legal",
        "--on",
        "2026-11-24",
    )
    assert accepted.exit_code == 0, accepted.stderr
    assert "termination: wording/termination.md from counterparty round 1 change" in accepted.stdout
    adopted = run_cli(
        ws,
        "adopt",
        "acme",
        "deal-registration",
        "deal-registration-automatic-extension",
        "--by",
        "Jordan Ellis",
        "--on",
        "2026-11-24",
    )
    assert adopted.exit_code == 0, adopted.stderr

    termination = (ws.deal_dir("acme") / "wording" / "termination.md").read_text()
    # Library text with the change applied: its template code and references are still live.
    assert "{{ terms.termination_convenience_days | spelled }}" in termination
    assert "without cause and without liability to the other" in termination
    assert "[[ref:effect-of-termination]]" in termination
    listed = run_cli(ws, "wording", "acme")
    assert listed.exit_code == 0
    assert "for the next round" in listed.stdout and "deal-registration-automatic-extension" in listed.stdout

    built = run_cli(ws, "build", "acme")
    assert built.exit_code == 0, built.stderr
    old = _read(ws, "acme/co-sell-agreement/r1", "agreements/acme/co-sell-agreement.docx")
    new = (ws.deal_dir("acme") / "co-sell-agreement.docx").read_bytes()
    text = docx_text(new)
    assert "twenty-four" not in text and "competing firm" not in text  # not accepted
    # Exactly the accepted changes, clause by clause, in the Markdown twin of each round.
    old_md = _read(ws, "acme/co-sell-agreement/r1", "agreements/acme/co-sell-agreement.md").decode()
    new_md = (ws.deal_dir("acme") / "co-sell-agreement.md").read_text()
    before, after = clause_sections(old_md), clause_sections(new_md)
    assert {cid for cid in after if after[cid] != before[cid]} == {
        "termination",
        "confidentiality",
        "deal-registration",
    }
    assert after["termination"][1] == before["termination"][1].replace(
        "without cause,", "without cause and without liability to the other,"
    )
    returned = next(
        line for line in before["confidentiality"][1].split("\n") if line.startswith("On termination")
    )
    assert after["confidentiality"][1] == before["confidentiality"][1].replace(
        "officers, contractors and professional", "officers, professional"
    ).replace(
        returned, returned + " The Recipient will certify in writing that it has destroyed the copies\\."
    )
    assert (
        "the Protection Period is extended automatically, once, by up to ninety \\(90\\) days"
        in after["deal-registration"][1]
    )

    redline = (ws.deal_dir("acme") / "redlines" / "co-sell-agreement.r1-r2.docx").read_bytes()
    accept_all = run_pandoc(["-f", "docx", "--track-changes=accept", "-t", "plain", "--wrap=none"], redline)
    reject_all = run_pandoc(["-f", "docx", "--track-changes=reject", "-t", "plain", "--wrap=none"], redline)
    assert accept_all.decode() == docx_to_text(new)
    assert reject_all.decode() == docx_to_text(old)
    assert _paragraphs(resolved(_body(redline), accept=True)) == _paragraphs(_body(new))
    assert _paragraphs(resolved(_body(redline), accept=False)) == _paragraphs(_body(old))

    summary = (ws.deal_dir("acme") / "redlines" / "co-sell-agreement.r1-r2.md").read_text()
    rows = {
        line.split("`")[1]: line for line in summary.splitlines() if line.startswith("| ") and "`" in line
    }
    assert set(rows) == {"confidentiality", "deal-registration", "termination"}
    assert "counterparty round 1 change" in rows["termination"] and "Dana Legal" in rows["termination"]
    assert "adopted fallback deal-registration-automatic-extension" in rows["deal-registration"]
    message = git(ws, "log", "-1", "--format=%B")
    assert "- termination: deal wording wording/termination.md, from counterparty round 1" in message
    committed = git(ws, "show", "--name-only", "--format=", "HEAD").split()
    assert "agreements/acme/wording/termination.md" in committed
    assert "in round 2" in run_cli(ws, "wording", "acme").stdout

    # History and the concession ledger show the wording moves next to the term moves.
    from assembler.history import deal_history

    moved = {path: (old, new) for path, old, new in deal_history(ws, "acme")[-1].term_changes}
    assert "wording" not in moved  # not as a raw list: one line per clause
    assert moved["wording.termination"][0] is None
    assert str(moved["wording.termination"][1]).startswith(
        f"deal wording wording/termination.md, from counterparty round 1 change {numbers['termination']},"
    )
    import datetime as dt

    from assembler.check import deal_state

    ledger = deal_state(ws, "acme", today=dt.date(2026, 11, 24)).ledger
    moves = {c.term: (c.from_label, c.to_label, c.old, c.new) for c in ledger}
    assert moves["wording.deal-registration"][:3] == (
        "co-sell-agreement r1",
        "co-sell-agreement r2",
        "library text",
    )
    assert moves["wording.deal-registration"][3].startswith(
        "adopted fallback deal-registration-automatic-extension, from fallback, "
        "agreed by Jordan Ellis on 2026-11-24"
    )


def _read(ws: Workspace, revision: str, path: str) -> bytes:
    import subprocess

    return subprocess.run(
        ["git", "show", f"{revision}:{path}"], cwd=ws.root, check=True, capture_output=True
    ).stdout


def _findings(ws: Workspace) -> dict[str, tuple[str, str]]:
    import datetime as dt

    from assembler.check import deal_state

    state = deal_state(ws, "acme", today=dt.date(2026, 11, 24))
    return {f.rule: (f.severity, f.message) for f in state.findings}


def _append_yaml(ws: Workspace, text: str) -> None:
    path = ws.deal_file("acme")
    path.write_text(path.read_text() + text)


def test_accepted_red_flag_language_needs_force_and_blocks_until_signed_off(
    round1: Workspace, tmp_path: Path
) -> None:
    ws = round1
    numbers = numbered(ws, tmp_path)
    refused = run_cli(ws, "accept", "acme", str(numbers["exclusivity"]), "--by", "Dana Legal")
    assert refused.exit_code == 1
    assert f"Error: change {numbers['exclusivity']} (Exclusivity) was classified critical" in refused.stderr
    assert "--force" in refused.stderr
    assert not (ws.deal_dir("acme") / "wording").exists()  # nothing half-written

    forced = run_cli(ws, "accept", "acme", str(numbers["exclusivity"]), "--by", "Dana Legal", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert "forced: true" in ws.deal_file("acme").read_text()
    rule = "wording.red-flag.broad-exclusivity.exclusivity"
    severity, message = _findings(ws)[rule]
    assert severity == "blocking"
    assert "shall not partner with any competing" in message and "CPO and Legal" in message
    checked = run_cli(ws, "check", "acme", "--today", "2026-11-24")
    assert checked.exit_code == 1 and rule in checked.stdout
    built = run_cli(ws, "build", "acme")
    assert built.exit_code == 1 and rule in built.stderr

    git(ws, "commit", "-q", "-am", "acme: the accepted exclusivity wording")
    for role in ("CPO", "Legal"):  # each sign-off committed by its giver
        first = len(deal_value(ws, "acme", "approvals", default=[]))
        grant = {
            "role": role,
            "name": APPROVERS[role][0],
            "date": dt.date(2026, 11, 24),
            "covers": ["broad-exclusivity"],
        }
        set_deal(ws, "acme", {f"approvals.{first}": grant})
        commit_as(ws, role, f"acme: {role} sign-off", "agreements/acme/deal.yaml")
    assert _findings(ws)[rule][0] == "warning"


def test_wording_that_drops_a_mandatory_provision_names_the_checklist_item(round1: Workspace) -> None:
    ws = round1
    folder = ws.deal_dir("acme") / "wording"
    folder.mkdir()
    # Their counsel's limitation clause: the exclusion of indirect loss only, no cap (the caps the key-terms
    # table names are left to a side letter, so the document still defines them).
    (folder / "limitation-of-liability.md").write_text(
        "Neither Party is liable to the other for any indirect, special or consequential damages arising out "
        'of this Agreement. The Parties will agree the "General Cap" and the "Super-Cap" in a side letter.\n'
    )
    _append_yaml(
        ws,
        "wording:\n"
        "  - {clause: limitation-of-liability, file: wording/limitation-of-liability.md, version: 2,\n"
        "     source: negotiated, agreed: {by: Dana Legal, date: 2026-11-24}}\n",
    )
    found = _findings(ws)
    severity, message = found["wording.dropped.liability.mutual-cap"]
    assert severity == "blocking"
    assert "drops the mandatory provision liability.mutual-cap" in message
    assert "wording.dropped.liability.consequential-damages" not in found  # that one it keeps
    assert found["mandatory.liability.mutual-cap"][0] == "blocking"
    built = run_cli(ws, "build", "acme")
    assert built.exit_code == 1 and "liability.mutual-cap" in built.stderr


def test_a_stale_override_warns_in_check_and_is_listed_by_library_impact(round1: Workspace) -> None:
    ws = round1
    adopted = run_cli(
        ws, "adopt", "acme", "termination", "convenience-after-initial-term", "--by", "Dana Legal"
    )
    assert adopted.exit_code == 0, adopted.stderr
    assert "wording.stale.termination" not in _findings(ws)
    git(ws, "commit", "-qam", "acme adopts a termination fallback")
    clause = ws.library_root / "clauses" / "general" / "termination.md"
    text = clause.read_text()
    version = int(text.split("\nversion: ")[1].split("\n")[0])
    clause.write_text(
        text.replace(f"\nversion: {version}\n", f"\nversion: {version + 1}\n").replace(
            "The rights of termination in this Section", "The termination rights in this Section"
        )
    )
    git(ws, "commit", "-qam", "Legal rewords termination")
    severity, message = _findings(ws)["wording.stale.termination"]
    assert severity == "warning"
    assert f"agreed against version {version}, but the library clause is now version {version + 1}" in message
    impact = run_cli(ws, "library", "impact", "--base", "HEAD~1")
    assert impact.exit_code == 0, impact.stderr
    assert (
        f"  acme termination: fallback convenience-after-initial-term agreed against version {version}, "
        f"the library is at version {version + 1}" in impact.stdout
    )
    report = (ws.root / "library-impact" / "impact.md").read_text()
    assert "| acme | `termination` | fallback convenience-after-initial-term |" in report
    assert "stale" in run_cli(ws, "wording", "acme").stdout


def test_a_changed_number_is_accepted_as_the_term_it_states(round1: Workspace, tmp_path: Path) -> None:
    ws = round1
    numbers = numbered(ws, tmp_path)
    accepted = run_cli(ws, "accept", "acme", str(numbers["cap"]), "--by", "Dana Legal")
    assert accepted.exit_code == 0, accepted.stderr
    assert "is a term change: terms.liability_cap_months: 12 \u2192 24" in accepted.stdout
    assert "liability_cap_months: 24" in ws.deal_file("acme").read_text()
    assert not (ws.deal_dir("acme") / "wording").exists()  # no frozen text
    assert "wording:" not in ws.deal_file("acme").read_text()


def test_bad_wording_entries_are_one_error_line_each(round1: Workspace) -> None:
    ws = round1
    _append_yaml(
        ws,
        "wording:\n"
        "  - {clause: termination, file: wording/termination.md, version: 1, source: negotiated,\n"
        "     agreed: {by: Dana Legal, date: 2026-11-24}}\n"
        "  - {clause: confidentiality, fallback: no-such-fallback, version: 1, source: fallback,\n"
        "     agreed: {by: Dana Legal, date: 2026-11-24}}\n",
    )
    result = run_cli(ws, "build", "acme", "--no-commit")
    assert result.exit_code == 2  # bad input
    assert result.stderr.splitlines() == [
        "Error: agreements/acme/deal.yaml: wording.0.file: wording/termination.md does not exist in the deal "
        "folder; write it or remove the entry",
        "Error: agreements/acme/deal.yaml: wording.1.fallback: confidentiality has no fallback "
        "'no-such-fallback' (it offers: none)",
    ]


def test_a_sub_clause_override_and_template_code_in_deal_wording(round1: Workspace) -> None:
    ws = round1
    folder = ws.deal_dir("acme") / "wording"
    folder.mkdir()
    (folder / "termination.3.md").write_text(
        "Either Party may terminate this Agreement for convenience by giving the other at least "
        "{{ terms.termination_convenience_days | spelled }} days' written notice, but not before "
        "{{ partner.name }} has completed its first joint pipeline review under "
        "[[ref:co-sell-forecasting-and-governance]].\n"
    )
    _append_yaml(
        ws,
        "wording:\n"
        "  - {clause: termination, file: wording/termination.3.md, subclause: 3, version: 1,\n"
        "     source: negotiated on the call, agreed: {by: Dana Legal, date: 2026-11-24}}\n",
    )
    built = run_cli(ws, "build", "acme")
    assert built.exit_code == 0, built.stderr
    twin = clause_sections((ws.deal_dir("acme") / "co-sell-agreement.md").read_text())
    text = twin["termination"][1]
    assert (
        "but not before Acme Cloud Partners, Inc\\. has completed its first joint pipeline review "
        "under Section 7." in text
    )
    assert "Either Party may terminate this Agreement by written notice" in text  # sub-clause 1 kept
    assert "without cause" not in text  # the library's sub-clause 3 replaced
    summary = (ws.deal_dir("acme") / "redlines" / "co-sell-agreement.r1-r2.md").read_text()
    assert "deal wording wording/termination.3.md (sub-clause 3), from negotiated on the call" in summary
