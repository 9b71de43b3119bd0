"""Bad deal input: one clear Error line naming file, key and reason; non-zero exit; nothing written."""

from __future__ import annotations

import re

import pytest

from assembler.deals.layout import Workspace

from .conftest import files_under, run_cli

DEAL = "agreements/acme/deal.yaml"


def edit_deal(workspace: Workspace, old: str, new: str, deal: str = "acme") -> None:
    path = workspace.deal_file(deal)
    text = path.read_text()
    assert re.search(old, text, re.M), f"{old!r} not in {deal}'s deal.yaml"
    path.write_text(re.sub(old, lambda _: new, text, count=1, flags=re.M))


BAD_EDITS = [
    pytest.param(
        r"^model: co-sell$",
        "model: franchise",
        f"{DEAL}: model: Input should be 'referral', 'co-sell', 'reseller', 'implementation', 'oem', "
        "'joint-venture' or 'technology-alliance'",
        id="unknown-model",
    ),
    pytest.param(
        r'^  influenced_fee_pct: "5"\n',
        "",
        f"{DEAL}: terms.influenced_fee_pct: required for a Co-Sell deal",
        id="missing-model-term",
    ),
    pytest.param(
        r"^  governing_law: .*\n",
        "",
        f"{DEAL}: terms.governing_law: required",
        id="missing-required-key",
    ),
    pytest.param(
        r"^  term_months: 12$",
        "  term_months: twelve",
        f"{DEAL}: terms.term_months: Input should be a valid integer, unable to parse string as an integer",
        id="wrong-type",
    ),
    pytest.param(
        r"^  currency: USD$",
        "  currency: USD\n  currency: EUR",
        f'{DEAL}: line 23, column 3: found duplicate key "currency"',
        id="duplicate-key",
    ),
    pytest.param(
        r"^mutual_interest_date: 2026-10-01$",
        "mutual_interest_date: 2026-02-30",
        f"{DEAL}: mutual_interest_date: not a valid date; write YYYY-MM-DD "
        "(day value is outside expected range)",
        id="invalid-date",
    ),
    pytest.param(
        r'^  referral_fee_pct: "10"$',
        '  referral_fee_pct: "-1"',
        f"{DEAL}: terms.referral_fee_pct: Input should be greater than or equal to 0",
        id="negative-percentage",
    ),
    pytest.param(
        r'^  influenced_fee_pct: "5"$',
        "  influenced_fee_pct: 100.5",
        f"{DEAL}: terms.influenced_fee_pct: Input should be less than or equal to 100",
        id="percentage-over-100",
    ),
    pytest.param(
        r"^  currency: USD$",
        "  currency: usd",
        f"{DEAL}: terms.currency: 'usd' is not an ISO 4217 currency code (e.g. USD, EUR, GBP)",
        id="bad-currency",
    ),
    pytest.param(
        r"^  name: Acme Cloud Partners, Inc.$",
        r'  name: "Acme\fCloud"',
        f"{DEAL}: partner.name: contains the control character U+000C; write it on one line without tabs, "
        "line breaks or other control characters",
        id="escaped-control-character",
    ),
    pytest.param(
        r"^  name: Acme Cloud Partners, Inc.$",
        "  name: Acme\aCloud",
        f"{DEAL}: line 3, column 13: the control character U+0007 is not allowed; remove it",
        id="raw-control-character",
    ),
    pytest.param(
        r"^stage: co-sell-agreement$",
        "stage: reseller-agreement",
        f"{DEAL}: stage: 'reseller-agreement' is not a Co-Sell document; use one of: loi, co-sell-agreement",
        id="stage-outside-model",
    ),
    pytest.param(
        r"^  exclusivity: none$",
        "  exclusivity: vertical",
        f"{DEAL}: terms: exclusivity is 'vertical': state its precise scope in terms.exclusivity_scope",
        id="exclusivity-without-scope",
    ),
    pytest.param(
        r"^  tier: gold$",
        "  tier: gold\n  colour: red",
        f"{DEAL}: partner.colour: unknown key (check the spelling; see schemas/deal.schema.json)",
        id="unknown-key",
    ),
]


@pytest.mark.parametrize(("old", "new", "error"), BAD_EDITS)
def test_bad_deal_is_refused_with_one_clear_line(
    workspace: Workspace, old: str, new: str, error: str
) -> None:
    edit_deal(workspace, old, new)
    before = files_under(workspace.root)

    for command in ("validate", "build"):
        result = run_cli(workspace, command, "acme")
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [f"Error: {error}"]
    assert files_under(workspace.root) == before  # nothing created, nothing half-written


@pytest.mark.parametrize("deal_id", ["acme/../brightpath", "..", "Acme", "acme corp", "-acme", "a" * 64, ""])
def test_bad_deal_ids_are_refused_before_any_path_is_built(workspace: Workspace, deal_id: str) -> None:
    result = run_cli(workspace, "build", "--", deal_id)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: deal id {deal_id!r} is not allowed: use 1-63 lowercase letters, digits and hyphens, "
        "starting with a letter or digit (e.g. acme or acme-emea)\n"
    )


def test_missing_deal_folder(workspace: Workspace) -> None:
    result = run_cli(workspace, "build", "globex")
    assert result.exit_code == 1
    assert (
        result.stderr == "Error: agreements/globex: no such deal; create it with `assembler new globex ...`\n"
    )


def test_several_problems_are_reported_at_once(workspace: Workspace) -> None:
    edit_deal(workspace, r"^  term_months: 12$", "  term_months: -3")
    edit_deal(workspace, r"^  tier: gold$", "  tier: diamond")
    result = run_cli(workspace, "validate", "acme")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {DEAL}: partner.tier: Input should be 'platinum', 'gold', 'silver' or 'registered'",
        f"Error: {DEAL}: terms.term_months: Input should be greater than or equal to 1",
    ]


def test_yaml_1_2_scalars_stay_what_they_say(workspace: Workspace) -> None:
    # YAML 1.1 would read NO as false and 017 as octal 15.
    edit_deal(workspace, r"^  name: Acme Cloud Partners, Inc.$", "  name: NO")
    edit_deal(workspace, r"^  term_months: 12$", "  term_months: 017")
    result = run_cli(workspace, "validate", "acme")
    assert result.exit_code == 0, result.stderr
    from assembler.deals.contract import load_deal

    deal = load_deal(workspace.deal_file("acme"), DEAL)
    assert deal.partner.name == "NO"
    assert deal.terms.term_months == 17


def test_money_and_percentages_are_decimals(workspace: Workspace) -> None:
    from decimal import Decimal

    from assembler.deals.contract import load_deal

    edit_deal(workspace, r'^  referral_fee_pct: "10"$', "  referral_fee_pct: 10.1")
    deal = load_deal(workspace.deal_file("acme"), DEAL)
    assert deal.terms.referral_fee_pct == Decimal("10.1")
    assert isinstance(deal.terms.mdf_amount, Decimal)


def test_technology_alliance_has_no_fees(workspace: Workspace) -> None:
    edit_deal(
        workspace, r"^  exclusivity: none$", '  exclusivity: none\n  referral_fee_pct: "5"', deal="glimmer"
    )
    result = run_cli(workspace, "validate", "glimmer")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: agreements/glimmer/deal.yaml: terms.referral_fee_pct: "
        "not used in a Technology Alliance deal; remove it\n"
    )


def test_oem_needs_a_royalty_or_licence_fee(workspace: Workspace) -> None:
    edit_deal(workspace, r'^    royalty_pct: "18"\n', "", deal="emberline")
    result = run_cli(workspace, "validate", "emberline")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: agreements/emberline/deal.yaml: terms.oem: set exactly one of royalty_pct or licence_fee\n"
    )


def test_jv_equity_split_must_sum_to_100(workspace: Workspace) -> None:
    edit_deal(workspace, r'partner_pct: "40"', 'partner_pct: "30"', deal="fjordlabs")
    result = run_cli(workspace, "validate", "fjordlabs")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: agreements/fjordlabs/deal.yaml: terms.joint_venture.equity_split: "
        "company_pct + partner_pct must be 100, not 90\n"
    )


def test_every_example_deal_is_valid(workspace: Workspace) -> None:
    for deal_id in workspace.deal_ids():
        result = run_cli(workspace, "validate", deal_id)
        assert result.exit_code == 0, result.stderr
