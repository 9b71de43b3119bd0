"""The negotiation playbook as checks: red flags, sign-offs, walk-away positions, coverage, ledger, clock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assembler.deals.layout import Workspace

from .conftest import (
    APPROVERS,
    REMOVE,
    commit_as,
    deal_value,
    git,
    run_cli,
    set_deal,
    sign_examples_as_their_signers,
)

TODAY = "2026-11-26"


def check(ws: Workspace, deal: str = "acme", *extra: str):  # type: ignore[no-untyped-def]
    return run_cli(ws, "check", deal, "--today", TODAY, *extra)


def findings(ws: Workspace, deal: str = "acme") -> dict[str, str]:
    """rule id → severity, from the library API the CLI prints."""
    return {f.rule: f.severity for f in state_of(ws, deal).findings}


def messages(ws: Workspace, deal: str = "acme") -> dict[str, str]:
    return {f.rule: f.message for f in state_of(ws, deal).findings}


def state_of(ws: Workspace, deal: str = "acme", today: str = TODAY):  # type: ignore[no-untyped-def]
    from assembler.check import deal_state

    return deal_state(ws, deal, today=dt.date.fromisoformat(today))


def set_terms(ws: Workspace, terms: dict[str, object], deal: str = "acme") -> None:
    set_deal(ws, deal, {f"terms.{key}": value for key, value in terms.items()})


def approve(ws: Workspace, *grants: tuple[str, str], deal: str = "acme") -> None:
    """Sign-offs as the library requires them: each committed to deal.yaml by the person listed for it."""
    if not (ws.root / ".git").exists():
        git(ws, "init", "-q", "-b", "main")
        git(ws, "add", "-A")
        git(ws, "commit", "-q", "-m", "Clause library and deals")
    for role, rule in grants:
        first = len(deal_value(ws, deal, "approvals", default=[]))
        name = APPROVERS[role][0]
        set_deal(
            ws,
            deal,
            {
                f"approvals.{first}": {
                    "role": role,
                    "name": name,
                    "date": dt.date(2026, 11, 20),
                    "covers": [rule],
                }
            },
        )
        commit_as(ws, role, f"{deal}: {role} sign-off on {rule}", f"agreements/{deal}/deal.yaml")


RED_FLAGS = [
    pytest.param(
        {"exclusivity": "broad", "exclusivity_scope": "any competing firm"},
        ["red-flag.broad-exclusivity", "walk-away.broad-exclusivity", "position.below-minimum.exclusivity"],
        id="broad-exclusivity",
    ),
    pytest.param(
        {"jointly_developed_ip": "partner"},
        ["red-flag.jointly-developed-ip-to-partner", "walk-away.ip-assignment-to-partner"],
        id="ip",
    ),
    pytest.param(
        {"renewal_performance_minimum": REMOVE},
        ["red-flag.auto-renewal-without-performance-minimum"],
        id="auto-renewal",
    ),
    pytest.param(
        {"liability_cap_months": "uncapped"},
        ["red-flag.uncapped-liability", "walk-away.uncapped-liability"],
        id="uncapped",
    ),
    pytest.param({"mfn_pricing": True}, ["red-flag.mfn-pricing"], id="mfn"),
    pytest.param(
        {"partner_audit_of_customer_list": True},
        ["red-flag.partner-audit-of-customer-list"],
        id="audit",
    ),
    pytest.param(
        {"non_compete": {"scope": "analytics software", "covers_core_product": True}},
        ["red-flag.non-compete-core-product"],
        id="non-compete",
    ),
]


@pytest.mark.parametrize(("terms", "rules"), RED_FLAGS)
def test_each_red_flag_blocks_check_and_build(
    workspace: Workspace, terms: dict[str, object], rules: list[str]
) -> None:
    set_terms(workspace, terms)
    found = findings(workspace)
    blocking = sorted(rule for rule, severity in found.items() if severity == "blocking")
    assert blocking == sorted(rules)
    result = check(workspace)
    assert result.exit_code == 1
    for rule in rules:
        assert rule in result.stdout
    assert result.stdout.rstrip().endswith(f"{len(rules)} blocking finding(s).")
    (workspace.root / ".gitignore").write_text("*.pdf\n")
    git(workspace, "init", "-q", "-b", "main")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "deals")
    sign_examples_as_their_signers(workspace)  # acme's own sign-offs, proven by their givers' commits
    built = run_cli(workspace, "build", "acme")
    assert built.exit_code == 1
    lines = built.stderr.splitlines()
    assert lines[0] == (
        f"Error: acme: no round was created: {len(rules)} blocking playbook finding(s) "
        "(see `assembler check acme`)"
    )
    assert sorted(line.split(":")[1].strip() for line in lines[1:]) == sorted(rules)
    assert git(workspace, "tag") == ""


def test_sign_off_turns_red_flags_into_warnings_but_not_the_others(workspace: Workspace) -> None:
    set_terms(
        workspace,
        {
            "mfn_pricing": True,
            "partner_audit_of_customer_list": True,
            "non_compete": {"scope": "analytics software", "covers_core_product": True},
        },
    )
    approve(
        workspace,
        ("CPO", "mfn-pricing"),
        ("Legal", "mfn-pricing"),
        ("CPO", "partner-audit-of-customer-list"),  # Legal has not signed this one
        ("CPO", "non-compete-core-product"),
        ("Legal", "non-compete-core-product"),
    )
    found = findings(workspace)
    assert found["red-flag.mfn-pricing"] == "warning"
    assert found["red-flag.partner-audit-of-customer-list"] == "blocking"
    assert found["red-flag.non-compete-core-product"] == "blocking"  # reject immediately
    assert (
        "accepted with sign-off by Jordan Ellis (CPO, 2026-11-20), Morgan Reyes (Legal, 2026-11-20)"
        in (messages(workspace)["red-flag.mfn-pricing"])
    )
    assert check(workspace).exit_code == 1


def test_signed_off_walk_away_term_stays_blocking(workspace: Workspace) -> None:
    set_terms(workspace, {"liability_cap_months": "uncapped"})
    approve(workspace, ("CPO", "uncapped-liability"), ("Legal", "uncapped-liability"))
    found = findings(workspace)
    assert found["red-flag.uncapped-liability"] == "warning"
    assert found["walk-away.uncapped-liability"] == "blocking"


def test_below_minimum_is_blocking_with_the_batna(workspace: Workspace) -> None:
    set_terms(workspace, {"referral_fee_pct": Decimal("6")})
    result = check(workspace)
    assert result.exit_code == 1
    assert "position.below-minimum.referral_fee_pct" in result.stdout
    message = messages(workspace)["position.below-minimum.referral_fee_pct"]
    assert message.startswith("referral_fee_pct is 6, below our minimum of 7.")
    assert message.endswith(
        "BATNA: Proceed with Birchwood Consulting in the same segment (strength: medium)."
    )


def test_vertical_exclusivity_is_at_the_minimum_not_a_walk_away(workspace: Workspace) -> None:
    set_terms(workspace, {"exclusivity": "vertical", "exclusivity_scope": "banks in Canada"})
    found = findings(workspace)
    assert found["position.between.exclusivity"] == "info"
    assert not [rule for rule, severity in found.items() if severity == "blocking"]


def test_a_deal_at_target_has_no_blocking_finding(workspace: Workspace) -> None:
    found = findings(workspace)
    assert not [rule for rule, severity in found.items() if severity == "blocking"]
    assert found["position.target.referral_fee_pct"] == "info"
    assert found["mandatory.coverage"] == "info"
    result = check(workspace)
    assert result.exit_code == 0
    assert "Mandatory provisions: 28/28 items covered" in result.stdout


def test_a_missing_mandatory_provision_blocks(workspace: Workspace) -> None:
    clause = workspace.library_root / "clauses" / "general" / "non-solicitation.md"
    clause.write_text(clause.read_text().replace("covers: [exclusivity.non-solicitation]", "covers: []"))
    found = findings(workspace)
    assert found["mandatory.exclusivity.non-solicitation"] == "blocking"
    assert messages(workspace)["mandatory.coverage"] == (
        "Mandatory provisions: 27/28 items covered; missing: exclusivity.non-solicitation"
    )
    assert check(workspace).exit_code == 1


def test_thresholds_and_rules_come_from_the_library(workspace: Workspace) -> None:
    # The same deal, two library edits, no code change: the verdicts change.
    set_terms(workspace, {"mfn_pricing": True})
    approve(workspace, ("CPO", "mfn-pricing"))
    assert findings(workspace)["red-flag.mfn-pricing"] == "blocking"
    rules = workspace.library_root / "rules" / "red-flags.yaml"
    text = rules.read_text()
    mfn = text.index("id: mfn-pricing")
    end = text.index("sign_off: [CPO, Legal]", mfn)
    rules.write_text(text[:end] + "sign_off: [CPO]" + text[end + len("sign_off: [CPO, Legal]") :])
    assert findings(workspace)["red-flag.mfn-pricing"] == "warning"

    assert "clock.target-missed" not in findings(workspace)  # day 56 of 60
    timeline = workspace.library_root / "negotiation" / "timeline.yaml"
    timeline.write_text(timeline.read_text().replace("target_days: 60", "target_days: 45"))
    assert findings(workspace)["clock.target-missed"] == "warning"


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2026-11-29", []),
        ("2026-12-01", ["clock.target-missed"]),
        ("2026-12-11", ["clock.escalate", "clock.target-missed"]),
        ("2027-01-01", ["clock.escalate", "clock.stale", "clock.target-missed"]),
    ],
)
def test_the_clock_warns_and_never_blocks(workspace: Workspace, today: str, expected: list[str]) -> None:
    result = run_cli(workspace, "check", "acme", "--today", today)
    assert result.exit_code == 0
    state = state_of(workspace, today=today)
    clock = sorted(f.rule for f in state.findings if f.rule.startswith("clock.") and f.rule != "clock.day")
    assert clock == expected
    assert all(f.severity != "blocking" for f in state.findings if f.rule.startswith("clock."))
    day = (dt.date.fromisoformat(today) - dt.date(2026, 10, 1)).days
    assert {f.rule: f.message for f in state.findings}["clock.day"] == (
        f"Day {day} of 60 since mutual interest on October 1, 2026."
    )


def test_concession_ledger_over_three_rounds(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    set_terms(ws, {"referral_fee_pct": Decimal("12")})
    assert run_cli(ws, "build", "acme").exit_code == 0
    set_terms(ws, {"referral_fee_pct": Decimal("11")})
    assert run_cli(ws, "build", "acme").exit_code == 0
    set_deal(
        ws,
        "acme",
        {"asks": [{"kind": "higher-referral-fee", "detail": "They want 20%"}, {"kind": "go-direct"}]},
    )
    result = check(ws)
    assert result.exit_code == 0, result.stdout
    report = (ws.deal_dir("acme") / "negotiation.md").read_text()
    # Raising a fee we pay favours the partner (negotiation/positions.yaml: favours).
    raised = "| co-sell-agreement r1 | co-sell-agreement r2 | referral_fee_pct | 10 | 12 | +2 | partner |"
    assert raised in report
    assert "| co-sell-agreement r2 | co-sell-agreement r3 | referral_fee_pct | 12 | 11 | -1 | us |" in report
    assert "| referral_fee_pct | 11 | at or above target | 12 | 10 | 7 |" in report
    assert "| higher-referral-fee | They want 20% | Our blended partner rate is 10%." in report
    assert "protected for 90 days, and we approve or reject a registration within 48 business hours" in report
    assert "Concession ledger" in result.stdout and "partner" in result.stdout


def test_status_shows_every_deal_with_its_clock(repo_workspace: Workspace) -> None:
    workspace = repo_workspace  # the example deals' sign-offs are proven by their commits
    result = run_cli(workspace, "status", "--today", TODAY)
    assert result.exit_code == 0
    days = {
        "acme": 56,
        "brightpath": 37,
        "corvid": 72,
        "deltaforge": 47,
        "emberline": 115,
        "fjordlabs": 148,
        "glimmer": 24,
    }
    rows = [[c.strip() for c in line.strip("│").split("│")] for line in result.stdout.splitlines()]
    rows = [cells for cells in rows if cells and cells[0] in days]
    assert sorted(cells[0] for cells in rows) == sorted(days) == workspace.deal_ids()
    targets = {"corvid": 70, "emberline": 112, "fjordlabs": 168}  # the playbook's table, per model
    for cells in rows:
        assert cells[5] == f"day {days[cells[0]]} of {targets.get(cells[0], 60)}"
        assert cells[8] == "0"
    from assembler.status import status_rows

    rows = {r.deal_id: r for r in status_rows(workspace, dt.date.fromisoformat(TODAY))}
    assert rows["glimmer"].next_milestone is not None
    assert rows["glimmer"].next_milestone.id == "draft_sent"  # the CPO waived the preliminary document


def test_finance_validation_warning_on_a_first_round(repo_workspace: Workspace) -> None:
    result = run_cli(repo_workspace, "build", "brightpath")
    assert result.exit_code == 0
    assert "Warning: finance.no-validation: No Finance validation" in result.stderr
    acme = run_cli(repo_workspace, "build", "acme")  # acme records a Finance approval
    assert "finance.no-validation" not in acme.stderr


def test_an_approval_counts_only_when_committed_by_a_person_listed_for_its_role(
    repo_workspace: Workspace,
) -> None:
    ws = repo_workspace
    set_terms(ws, {"mfn_pricing": True})
    git(ws, "commit", "-q", "-am", "acme: MFN pricing asked")
    for role in ("CPO", "Legal"):  # typed into deal.yaml and committed by someone else (the test's identity)
        first = len(deal_value(ws, "acme", "approvals", default=[]))
        name = APPROVERS[role][0]
        grant = {"role": role, "name": name, "date": dt.date(2026, 11, 20), "covers": ["mfn-pricing"]}
        set_deal(ws, "acme", {f"approvals.{first}": grant})
    git(ws, "commit", "-q", "-am", "acme: sign-offs typed in by the alliances team")
    assert findings(ws)["red-flag.mfn-pricing"] == "blocking"
    unproven = [f.message for f in state_of(ws).findings if f.rule == "approval.unproven"]
    assert any(
        "was added in commit" in m
        and "by Dana Legal <legal@northwind.example>, who is not listed for CPO" in m
        for m in unproven
    )
    # The same approvals, removed and recorded again by their givers, lift the flag.
    last = len(deal_value(ws, "acme", "approvals")) - 1
    set_deal(ws, "acme", {f"approvals.{last}": REMOVE})
    set_deal(ws, "acme", {f"approvals.{last - 1}": REMOVE})
    git(ws, "commit", "-q", "-am", "acme: unproven sign-offs removed")
    approve(ws, ("CPO", "mfn-pricing"), ("Legal", "mfn-pricing"))
    assert findings(ws)["red-flag.mfn-pricing"] == "warning"


def test_assembler_approve_commits_the_sign_off_as_its_giver(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    set_terms(ws, {"mfn_pricing": True})
    git(ws, "commit", "-q", "-am", "acme: MFN pricing asked")
    refused = run_cli(ws, "approve", "acme", "--role", "CPO", "--covers", "mfn-pricing")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: Dana Legal <legal@northwind.example> is not listed for CPO")
    for role in ("CPO", "Legal"):
        name, email = APPROVERS[role]
        env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
        with pytest.MonkeyPatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            result = run_cli(
                ws, "approve", "acme", "--role", role, "--covers", "mfn-pricing", "--today", TODAY
            )
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(f"{role} sign-off by {name} on acme (covers: mfn-pricing) committed")
        assert git(ws, "log", "-1", "--format=%an <%ae>").strip() == f"{name} <{email}>"
        # The commit only adds lines to deal.yaml: its comments, quotes and layout are kept.
        diff = git(ws, "show", "--format=", "-U0", "HEAD").splitlines()
        assert [line for line in diff if line.startswith("-") and not line.startswith("---")] == []
    assert git(ws, "status", "--porcelain") == ""
    assert findings(ws)["red-flag.mfn-pricing"] == "warning"
    bad = run_cli(ws, "approve", "acme", "--role", "CPO", "--covers", "no-such-rule")
    assert bad.exit_code == 2 and "not a rule a sign-off covers" in bad.stderr
