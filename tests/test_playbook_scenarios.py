"""The playbook as the Director uses it: asked-for inputs, lightest document first, positions with a
direction, the clock from evidence, computed economics, and a portfolio status that survives one bad deal."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from assembler.deals.layout import Workspace

from .conftest import REMOVE, deal_value, docx_text, git, run_cli, set_deal

TODAY = "2026-11-26"
MODELS = ["referral", "co-sell", "reseller", "implementation", "oem", "joint-venture", "technology-alliance"]


def state_of(ws: Workspace, deal: str = "acme", today: str = TODAY):  # type: ignore[no-untyped-def]
    from assembler.check import deal_state

    return deal_state(ws, deal, today=dt.date.fromisoformat(today))


def findings(ws: Workspace, deal: str = "acme", today: str = TODAY) -> dict[str, tuple[str, str]]:
    return {f.rule: (f.severity, f.message) for f in state_of(ws, deal, today).findings}


def plan_states(ws: Workspace, deal: str = "acme", today: str = TODAY) -> dict[str, str]:
    return {m.id: m.state for m in state_of(ws, deal, today).plan}


def finding_column(stdout: str) -> str:
    """The last column of `check`'s findings table, its wrapped lines joined."""
    cells = [line.split("│")[-2].strip() for line in stdout.splitlines() if line.count("│") == 4]
    return " ".join(cells)


def drop_preliminary_sign_off(ws: Workspace, deal: str = "acme") -> None:
    approvals = deal_value(ws, deal, "approvals", default=[])
    for index in reversed(range(len(approvals))):
        if "preliminary-first" in approvals[index].get("covers", []):
            set_deal(ws, deal, {f"approvals.{index}": REMOVE})


# 7. status never aborts for one bad deal ------------------------------------------------------------------


def test_status_lists_every_other_deal_and_names_the_broken_one(workspace: Workspace) -> None:
    set_deal(workspace, "acme", {"model": "franchise"})
    result = run_cli(workspace, "status", "--today", TODAY)
    assert result.exit_code == 2  # bad input, after every row is shown
    rows = [[c.strip() for c in line.strip("│").split("│")] for line in result.stdout.splitlines()]
    shown = {cells[0]: cells for cells in rows if cells and cells[0] in workspace.deal_ids()}
    assert sorted(shown) == workspace.deal_ids()
    assert shown["acme"][1].startswith("Error:")
    assert shown["brightpath"][1] == "BrightPath Advisory LLP"
    assert result.stderr.startswith("Error: acme: agreements/acme/deal.yaml: model:")
    from assembler.status import status_rows

    rows_by_id = {r.deal_id: r for r in status_rows(workspace, dt.date.fromisoformat(TODAY))}
    assert rows_by_id["acme"].error is not None and "model" in rows_by_id["acme"].error
    assert rows_by_id["corvid"].error is None


# 3. scaffolds that build first time --------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_a_fresh_scaffold_commits_its_preliminary_round(repo_workspace: Workspace, model: str) -> None:
    ws = repo_workspace
    created = run_cli(
        ws, "new", "fresh", "--partner", "Fresh Partner LLC", "--model", model, "--today", TODAY
    )
    assert created.exit_code == 0, created.stderr
    built = run_cli(ws, "build", "fresh")
    assert built.exit_code == 0, built.stderr
    assert "defined term" not in built.stderr
    from assembler.library.loader import Library

    library = Library(ws.library_root)
    stage = state_of(ws, "fresh").deal.stage
    assert library.document(stage).kind == "preliminary"
    assert f"Round 1 of agreements/fresh/{stage}.docx committed" in built.stdout
    # Every other preliminary document builds from the same defaults (no undefined defined terms).
    for other in ("loi", "mou", "term-sheet"):
        result = run_cli(ws, "build", "fresh", "--document", other, "--no-commit")
        assert result.exit_code == 0, (other, result.stderr)
        assert "defined term" not in result.stderr


def test_an_mou_for_a_co_sell_partnership_is_non_binding(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    args = ["--partner", "Deloitte Consulting LLP", "--model", "co-sell", "--stage", "mou"]
    assert run_cli(ws, "new", "deloitte", *args).exit_code == 0
    built = run_cli(ws, "build", "deloitte")
    assert built.exit_code == 0, built.stderr
    # `new` knows the partner only by name: its other facts print as blanks, and only those are warned about
    warned = built.stderr.splitlines()
    assert warned and all(line.startswith("Warning: blank.partner.") for line in warned), built.stderr
    text = docx_text((ws.deal_dir("deloitte") / "mou.docx").read_bytes())
    assert "MEMORANDUM OF UNDERSTANDING" in text.upper()
    assert "Deloitte Consulting LLP" in text
    assert "it is not legally binding" in text
    assert "co-sell incentive of approximately 10%" in text


def test_check_prints_the_sign_off_ids_rich_would_swallow(workspace: Workspace) -> None:
    set_deal(workspace, "acme", {"terms.renewal_performance_minimum": REMOVE})
    result = run_cli(workspace, "check", "acme", "--today", TODAY)
    assert result.exit_code == 1
    text = finding_column(result.stdout)
    assert "approvals (covers: [auto-renewal-without-performance-minimum])." in text
    assert "(covers: )" not in text


# 1. inputs the playbook asks for -----------------------------------------------------------------------


def test_a_scripted_new_ask_stores_all_five_answers(workspace: Workspace) -> None:
    from click.testing import CliRunner

    from assembler.cli import cli

    answers = "Deloitte Consulting LLP\nreferral\n12\n2027-01-15\npartner: no client data leaves the EU\n"
    result = CliRunner().invoke(
        cli, ["-C", str(workspace.root), "new", "deloitte", "--ask", "--today", TODAY], input=answers
    )
    assert result.exit_code == 0, result.output
    deal = state_of(workspace, "deloitte").deal
    assert deal.partner.name == "Deloitte Consulting LLP"
    assert deal.model == "referral"
    assert deal.terms.referral_fee_pct == Decimal("12")
    assert deal.target_signature_date == dt.date(2027, 1, 15)
    assert [(c.party, c.text) for c in deal.constraints] == [("partner", "no client data leaves the EU")]
    assert deal.mutual_interest_date == dt.date.fromisoformat(TODAY)  # the injectable today


def test_empty_answers_keep_the_defaults(workspace: Workspace) -> None:
    from click.testing import CliRunner

    from assembler.cli import cli

    args = ["-C", str(workspace.root), "new", "jv", "--ask", "--partner", "Fjord Two AS", "--model"]
    result = CliRunner().invoke(cli, [*args, "joint-venture"], input="\n\n55\n\n\n")
    assert result.exit_code == 0, result.output
    deal = state_of(workspace, "jv").deal
    assert deal.partner.name == "Fjord Two AS"
    assert deal.terms.joint_venture is not None
    assert deal.terms.joint_venture.equity_split.company_pct == Decimal("55")
    assert deal.terms.joint_venture.equity_split.partner_pct == Decimal("45")
    assert deal.target_signature_date is None and deal.constraints == []


def test_without_a_terminal_missing_options_are_one_error(workspace: Workspace) -> None:
    result = run_cli(workspace, "new", "nobody")
    assert result.exit_code == 2  # bad input
    assert result.stderr.splitlines() == [
        "Error: new nobody: missing --partner, --model; give them as options, or run with --ask to answer "
        "them one a line"
    ]
    assert not workspace.deal_dir("nobody").exists()


def test_new_honours_assembler_today(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSEMBLER_TODAY", "2026-05-04")
    assert run_cli(workspace, "new", "x", "--partner", "X LLC", "--model", "referral").exit_code == 0
    assert state_of(workspace, "x").deal.mutual_interest_date == dt.date(2026, 5, 4)


# 2. lightest document first ----------------------------------------------------------------------------


def test_an_agreement_without_a_preliminary_round_or_sign_off_is_blocked(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    drop_preliminary_sign_off(ws)
    assert findings(ws)["preliminary-first"][0] == "blocking"
    built = run_cli(ws, "build", "acme")
    assert built.exit_code == 1
    assert any(
        line.startswith("Error: preliminary-first: No Letter of Intent round")
        for line in built.stderr.splitlines()
    )
    assert git(ws, "tag") == ""
    # The LOI first; then the agreement builds.
    assert run_cli(ws, "build", "acme", "--document", "loi").exit_code == 0
    assert run_cli(ws, "build", "acme").exit_code == 0
    assert "preliminary-first" not in findings(ws)


def test_the_example_deals_record_why_they_start_at_the_agreement(repo_workspace: Workspace) -> None:
    for deal in repo_workspace.deal_ids():
        severity, message = findings(repo_workspace, deal)["preliminary-first"]
        assert severity == "info", deal
        assert "CPO sign-off by Jordan Ellis" in message


# 4. positions with a declared direction ----------------------------------------------------------------


def test_a_twenty_percent_referral_fee_is_outside_our_range_not_ideal(workspace: Workspace) -> None:
    set_deal(workspace, "acme", {"terms.referral_fee_pct": Decimal("20")})
    ratings = {r.term: r.rating for r in state_of(workspace).ratings}
    assert ratings["referral_fee_pct"] == "outside"
    severity, message = findings(workspace)["position.outside.referral_fee_pct"]
    assert severity == "blocking"
    assert message.startswith("referral_fee_pct is 20: outside our range on the partner's side")
    assert "Our blended partner rate is 10%." in message
    assert "Total package at our 10% rate: USD 120,000" in message
    # Better for us than the partner-side ideal is not past it: 12 is ideal, 6 is below the walk-away.
    set_deal(workspace, "acme", {"terms.referral_fee_pct": Decimal("12")})
    assert {r.term: r.rating for r in state_of(workspace).ratings}["referral_fee_pct"] == "ideal"


def test_past_an_ideal_that_favours_us_is_still_ideal(workspace: Workspace) -> None:
    split = "terms.joint_venture.equity_split"
    set_deal(
        workspace, "fjordlabs", {f"{split}.company_pct": Decimal("70"), f"{split}.partner_pct": Decimal("30")}
    )
    ratings = {r.term: r.rating for r in state_of(workspace, "fjordlabs").ratings}
    assert ratings["joint_venture.equity_split.company_pct"] == "ideal"


# 5. the clock from evidence ----------------------------------------------------------------------------


def test_without_evidence_no_milestone_is_done(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    set_deal(ws, "acme", {"terms.referral_fee_pct": Decimal("11")})
    assert run_cli(ws, "build", "acme").exit_code == 0  # a round 2, but no redline came back
    states = plan_states(ws)
    assert states["preliminary_signed"] == "n/a"  # the CPO waived the preliminary document
    assert states["draft_sent"] == "done"
    assert states["redlines_returned"] != "done"
    assert states["second_draft"] != "done"


def test_an_ingest_then_a_round_are_the_redline_and_second_draft_milestones(
    repo_workspace: Workspace, tmp_path: Path
) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    returned = tmp_path / "returned.docx"
    returned.write_bytes((ws.deal_dir("acme") / "co-sell-agreement.docx").read_bytes())
    assert run_cli(ws, "ingest", "acme", str(returned)).exit_code == 0
    states = plan_states(ws)
    assert states["redlines_returned"] == "done"
    assert states["second_draft"] != "done"
    set_deal(ws, "acme", {"terms.referral_fee_pct": Decimal("11")})
    assert run_cli(ws, "build", "acme").exit_code == 0
    assert plan_states(ws)["second_draft"] == "done"


def test_events_in_the_deal_file_are_the_call_approval_and_kickoff_evidence(workspace: Workspace) -> None:
    assert plan_states(workspace)["negotiation_call"] == "overdue"
    path = workspace.deal_file("acme")
    path.write_text(
        path.read_text()
        + "events:\n"
        + "  - {kind: negotiation-call, date: 2026-11-02, outcome: fees agreed, redlines_resolved_pct: 70}\n"
        + "  - {kind: final-approval, date: 2026-11-20}\n"
    )
    states = plan_states(workspace)
    assert states["negotiation_call"] == "done"
    assert states["final_draft"] == "done"
    assert states["kickoff"] != "done"
    severity, message = findings(workspace)["clock.call-short"]
    assert severity == "warning" and "resolved 70% of the redlines, short of the 80% aim" in message


def test_a_negotiation_call_without_its_outcome_is_refused(workspace: Workspace) -> None:
    path = workspace.deal_file("acme")
    path.write_text(path.read_text() + "events:\n  - {kind: negotiation-call, date: 2026-11-02}\n")
    result = run_cli(workspace, "validate", "acme")
    assert result.exit_code == 2
    assert "outcome and redlines_resolved_pct" in result.stderr


def test_a_joint_venture_has_its_own_target(workspace: Workspace) -> None:
    result = run_cli(workspace, "status", "--today", TODAY)
    assert result.exit_code == 0
    rows = [[c.strip() for c in line.strip("│").split("│")] for line in result.stdout.splitlines()]
    clock = {cells[0]: cells[5] for cells in rows if cells and cells[0] in workspace.deal_ids()}
    assert clock["fjordlabs"] == "day 148 of 168"
    assert clock["emberline"] == "day 115 of 112"
    assert clock["acme"] == "day 56 of 60"
    assert findings(workspace, "fjordlabs")["clock.day"][1].startswith("Day 148 of 168 since")


def test_the_target_signature_date_overrides_the_model(workspace: Workspace) -> None:
    set_deal(workspace, "acme", {"target_signature_date": dt.date(2026, 11, 30)})
    assert findings(workspace)["clock.day"][1].startswith("Day 56 of 60 since")
    set_deal(workspace, "acme", {"target_signature_date": dt.date(2026, 11, 20)})
    assert findings(workspace)["clock.target-missed"][0] == "warning"


def test_a_late_preliminary_document_prints_no_past_date(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_deal(workspace, "acme", {"stage": "loi"})
    monkeypatch.setenv("ASSEMBLER_TODAY", TODAY)  # day 56: every planned next step is past
    result = run_cli(workspace, "build", "acme", "--no-commit")
    assert result.exit_code == 0, result.stderr
    text = (workspace.deal_dir("acme") / "loi.md").read_text()
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    dates = [
        dt.datetime.strptime(found, "%B %d, %Y").date()
        for found in re.findall(rf"(?:{months}) \d{{1,2}}, \d{{4}}", text)
    ]
    printed = [d for d in dates if d != dt.date(2026, 10, 1)]  # the mutual interest date is history
    assert len(printed) >= 5
    assert min(printed) >= dt.date.fromisoformat(TODAY)
    severity, message = findings(workspace)["clock.plan-slipped"]
    assert severity == "warning" and "re-planned from November 26, 2026" in message


# 6. computed economics ---------------------------------------------------------------------------------


def test_a_higher_referral_fee_ask_shows_the_total_package_value(workspace: Workspace) -> None:
    path = workspace.deal_file("acme")
    path.write_text(
        path.read_text() + "asks:\n  - {kind: higher-referral-fee, detail: Our standard is 18%}\n"
    )
    result = run_cli(workspace, "check", "acme", "--today", TODAY)
    assert result.exit_code == 0
    # 10% of USD 400,000 + MDF 25,000 + co-marketing 15,000 + PAM 40,000 (negotiation/economics.yaml).
    expected = (
        "Total package at our 10% rate: USD 120,000 (USD 40,000 in fees on USD 400,000 first-year ACV, "
        "USD 25,000 MDF, USD 15,000 co-marketing, USD 40,000 dedicated partner account manager); the "
        "partner's 18% ask is USD 72,000 in fees alone."
    )
    assert findings(workspace)["economics.package"][1] == expected
    assert "economics.package" in result.stdout and "USD 120,000" in result.stdout
    report = (workspace.deal_dir("acme") / "negotiation.md").read_text()
    assert "## Total package value" in report and expected in report
    assert "show the total value of the package, not the rate alone. Total package at our 10% rate" in report


def test_a_joint_venture_shows_three_revenue_scenarios(workspace: Workspace) -> None:
    from assembler.playbook.economics import jv_scenarios

    state = state_of(workspace, "fjordlabs")
    scenarios = jv_scenarios(state.deal)
    assert [s.name for s in scenarios] == ["Company-sourced", "Partner-sourced", "Jointly sourced"]
    assert [(s.company, s.partner) for s in scenarios] == [
        (Decimal("1400000"), Decimal("600000")),
        (Decimal("1000000"), Decimal("1000000")),
        (Decimal("1200000"), Decimal("800000")),
    ]
    assert all(s.company + s.partner == s.revenue == Decimal("2000000") for s in scenarios)
    result = run_cli(workspace, "check", "fjordlabs", "--today", TODAY)
    text = finding_column(result.stdout)
    assert "Company-sourced revenue of EUR 2,000,000: Company EUR 1,400,000, Partner EUR 600,000." in text
    assert "Jointly sourced revenue of EUR 2,000,000: Company EUR 1,200,000, Partner EUR 800,000." in text
    report = (workspace.deal_dir("fjordlabs") / "negotiation.md").read_text()
    assert "| Company-sourced | EUR 2,000,000 | EUR 1,400,000 | EUR 600,000 |" in report


def test_the_jv_term_sheet_tabulates_each_partys_share(workspace: Workspace) -> None:
    result = run_cli(workspace, "build", "fjordlabs", "--document", "term-sheet", "--no-commit")
    assert result.exit_code == 0, result.stderr
    text = docx_text((workspace.deal_dir("fjordlabs") / "term-sheet.docx").read_bytes())
    assert (
        "Revenue scenario: Company-sourced\nOf EUR 2,000,000: Company EUR 1,400,000, Partner EUR 600,000"
        in text
    )
    assert (
        "Revenue scenario: Partner-sourced\nOf EUR 2,000,000: Company EUR 1,000,000, Partner EUR 1,000,000"
        in text
    )
    assert (
        "Revenue scenario: jointly sourced\nOf EUR 2,000,000: Company EUR 1,200,000, Partner EUR 800,000"
        in text
    )


def test_a_preliminary_round_is_not_a_signature_until_one_is_recorded(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    drop_preliminary_sign_off(ws)
    assert plan_states(ws)["preliminary_signed"] == "overdue"  # not waived any more
    assert run_cli(ws, "build", "acme", "--document", "loi").exit_code == 0
    assert plan_states(ws)["preliminary_signed"] == "overdue"  # an LOI sent is not an LOI signed
    set_deal(ws, "acme", {"events": [{"kind": "preliminary-signed", "date": dt.date(2026, 10, 6)}]})
    states = plan_states(ws)
    assert states["preliminary_signed"] == "done"
    assert states["draft_sent"] == "overdue"  # nothing later is inferred from it


def test_a_re_planned_round_rebuilds_from_its_commit_on_a_later_day(
    repo_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assembler.rounds.git import Repository
    from assembler.rounds.rebuild import rebuild_rounds

    ws = repo_workspace
    set_deal(ws, "acme", {"stage": "loi"})
    monkeypatch.setenv("ASSEMBLER_TODAY", TODAY)  # the plan has slipped: dates re-planned from today
    assert run_cli(ws, "build", "acme").exit_code == 0
    assert "Planned-From: 2026-11-26" in git(ws, "log", "-1", "--format=%B")
    monkeypatch.setenv("ASSEMBLER_TODAY", "2026-12-15")
    (rebuilt,) = rebuild_rounds(ws, Repository.of_workspace(ws.root), "acme")
    assert rebuilt.reproduced
