"""Bad deal input: one clear Error line naming file, key and reason; non-zero exit; nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assembler.deals.contract import load_deal
from assembler.deals.layout import Workspace

from .conftest import REMOVE, files_under, run_cli, set_deal

DEAL = "agreements/acme/deal.yaml"


BAD_VALUES = [
    pytest.param(
        {"model": "franchise"},
        f"{DEAL}: model: Input should be 'referral', 'co-sell', 'reseller', 'implementation', 'oem', "
        "'joint-venture' or 'technology-alliance'",
        id="unknown-model",
    ),
    pytest.param(
        {"terms.influenced_fee_pct": REMOVE},
        f"{DEAL}: terms.influenced_fee_pct: required for a Co-Sell deal",
        id="missing-model-term",
    ),
    pytest.param(
        {"terms.governing_law": REMOVE},
        f"{DEAL}: terms.governing_law: required",
        id="missing-required-key",
    ),
    pytest.param(
        {"terms.term_months": "twelve"},
        f"{DEAL}: terms.term_months: Input should be a valid integer, unable to parse string as an integer",
        id="wrong-type",
    ),
    pytest.param(
        {"mutual_interest_date": "2026-02-30"},
        f"{DEAL}: mutual_interest_date: not a valid date; write YYYY-MM-DD "
        "(day value is outside expected range)",
        id="invalid-date",
    ),
    pytest.param(
        {"terms.referral_fee_pct": Decimal("-1")},
        f"{DEAL}: terms.referral_fee_pct: Input should be greater than or equal to 0",
        id="negative-percentage",
    ),
    pytest.param(
        {"terms.influenced_fee_pct": Decimal("100.5")},
        f"{DEAL}: terms.influenced_fee_pct: Input should be less than or equal to 100",
        id="percentage-over-100",
    ),
    pytest.param(
        {"terms.currency": "usd"},
        f"{DEAL}: terms.currency: 'usd' is not an ISO 4217 currency code (e.g. USD, EUR, GBP)",
        id="bad-currency",
    ),
    pytest.param(
        {"partner.name": "Acme\fCloud"},
        f"{DEAL}: partner.name: contains the control character U+000C; write it on one line without tabs, "
        "line breaks or other control characters",
        id="escaped-control-character",
    ),
    pytest.param(
        {"stage": "reseller-agreement"},
        f"{DEAL}: stage: 'reseller-agreement' is not a Co-Sell document; "
        "use one of: loi, co-sell-agreement, mou, term-sheet",
        id="stage-outside-model",
    ),
    pytest.param(
        {"terms.exclusivity": "vertical"},
        f"{DEAL}: terms: exclusivity is 'vertical': state its precise scope in terms.exclusivity_scope",
        id="exclusivity-without-scope",
    ),
    pytest.param(
        {"partner.colour": "red"},
        f"{DEAL}: partner.colour: unknown key (check the spelling; see schemas/deal.schema.json)",
        id="unknown-key",
    ),
]

# Files that are not valid YAML (or not valid text) cannot be written by dumping data: these edit the text,
# and the error names the line and column of the edit.
MALFORMED = [
    pytest.param(
        "  currency: USD\n",
        "  currency: USD\n  currency: EUR\n",
        f'{DEAL}: line 23, column 3: found duplicate key "currency"',
        id="duplicate-key",
    ),
    pytest.param(
        "  name: Acme Cloud Partners, Inc.\n",
        "  name: Acme\aCloud\n",
        f"{DEAL}: line 3, column 13: the control character U+0007 is not allowed; remove it",
        id="raw-control-character",
    ),
]


def edit_text(workspace: Workspace, old: str, new: str, deal: str = "acme") -> None:
    """Replace the one occurrence of `old` in a deal file's text (for files that must be malformed)."""
    path = workspace.deal_file(deal)
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not once in {deal}'s deal.yaml"
    path.write_text(text.replace(old, new))


def assert_refused(workspace: Workspace, error: str) -> None:
    before = files_under(workspace.root)
    for command in ("validate", "build"):
        result = run_cli(workspace, command, "acme")
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [f"Error: {error}"]
    assert files_under(workspace.root) == before  # nothing created, nothing half-written


@pytest.mark.parametrize(("changes", "error"), BAD_VALUES)
def test_bad_deal_is_refused_with_one_clear_line(
    workspace: Workspace, changes: dict[str, object], error: str
) -> None:
    set_deal(workspace, "acme", changes)
    assert_refused(workspace, error)


@pytest.mark.parametrize(("old", "new", "error"), MALFORMED)
def test_malformed_deal_file_is_refused_with_its_line(
    workspace: Workspace, old: str, new: str, error: str
) -> None:
    edit_text(workspace, old, new)
    assert_refused(workspace, error)


@pytest.mark.parametrize("deal_id", ["acme/../brightpath", "..", "Acme", "acme corp", "-acme", "a" * 64, ""])
def test_bad_deal_ids_are_refused_before_any_path_is_built(workspace: Workspace, deal_id: str) -> None:
    result = run_cli(workspace, "build", "--", deal_id)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: deal id {deal_id!r} is not allowed: use 1-63 lowercase letters, digits and hyphens, "
        "starting with a letter or digit (e.g. acme or acme-emea)\n"
    )


def test_missing_deal_folder(workspace: Workspace) -> None:
    result = run_cli(workspace, "build", "globex")
    assert result.exit_code == 2
    assert (
        result.stderr == "Error: agreements/globex: no such deal; create it with `assembler new globex ...`\n"
    )


def test_several_problems_are_reported_at_once(workspace: Workspace) -> None:
    set_deal(workspace, "acme", {"terms.term_months": -3, "partner.tier": "diamond"})
    result = run_cli(workspace, "validate", "acme")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: {DEAL}: partner.tier: Input should be 'platinum', 'gold', 'silver' or 'registered'",
        f"Error: {DEAL}: terms.term_months: Input should be greater than or equal to 1",
    ]


def test_yaml_1_2_scalars_stay_what_they_say(workspace: Workspace) -> None:
    # YAML 1.1 would read NO as false and 017 as octal 15. The point is how plain scalars are read, so the
    # text is written by hand: a YAML dumper would quote them.
    edit_text(workspace, "  name: Acme Cloud Partners, Inc.\n", "  name: NO\n")
    edit_text(workspace, "  term_months: 12\n", "  term_months: 017\n")
    result = run_cli(workspace, "validate", "acme")
    assert result.exit_code == 0, result.stderr
    deal = load_deal(workspace.deal_file("acme"), DEAL)
    assert deal.partner.name == "NO"
    assert deal.terms.term_months == 17


def test_money_and_percentages_are_decimals(workspace: Workspace) -> None:
    # An unquoted 10.1 is a YAML float; it must still become the exact Decimal, so the text is hand-written.
    edit_text(workspace, '  referral_fee_pct: "10"\n', "  referral_fee_pct: 10.1\n")
    deal = load_deal(workspace.deal_file("acme"), DEAL)
    assert deal.terms.referral_fee_pct == Decimal("10.1")
    assert isinstance(deal.terms.mdf_amount, Decimal)


def test_technology_alliance_has_no_fees(workspace: Workspace) -> None:
    set_deal(workspace, "glimmer", {"terms.referral_fee_pct": Decimal("5")})
    result = run_cli(workspace, "validate", "glimmer")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: agreements/glimmer/deal.yaml: terms.referral_fee_pct: "
        "not used in a Technology Alliance deal; remove it\n"
    )


def test_oem_needs_a_royalty_or_licence_fee(workspace: Workspace) -> None:
    set_deal(workspace, "emberline", {"terms.oem.royalty_pct": REMOVE})
    result = run_cli(workspace, "validate", "emberline")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: agreements/emberline/deal.yaml: terms.oem: set exactly one of royalty_pct or licence_fee\n"
    )


def test_jv_equity_split_must_sum_to_100(workspace: Workspace) -> None:
    set_deal(workspace, "fjordlabs", {"terms.joint_venture.equity_split.partner_pct": Decimal("30")})
    result = run_cli(workspace, "validate", "fjordlabs")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: agreements/fjordlabs/deal.yaml: terms.joint_venture.equity_split: "
        "company_pct + partner_pct must be 100, not 90\n"
    )


def test_every_example_deal_is_valid(workspace: Workspace) -> None:
    for deal_id in workspace.deal_ids():
        result = run_cli(workspace, "validate", deal_id)
        assert result.exit_code == 0, result.stderr
