"""Amendments: after execution, `build --document amendment` drafts the next amendment of the agreement."""

from __future__ import annotations

import json
from decimal import Decimal

from assembler.deals.layout import Workspace
from assembler.word.execution import package_text

from .conftest import docx_text, git, ready_to_sign, run_cli, set_deal

AMENDMENT = "agreements/acme/amendment-1"


def test_an_amendment_restates_the_changed_section_and_is_signed_like_any_document(
    repo_workspace: Workspace,
) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    ready_to_sign(ws)
    assert run_cli(ws, "sign", "acme", "--signed-on", "2026-11-20").exit_code == 0
    set_deal(ws, "acme", {"terms.referral_fee_pct": Decimal("12")})

    # The executed agreement is still never built again.
    refused = run_cli(ws, "build", "acme")
    assert refused.exit_code == 1 and "is executed (signed on 2026-11-20)" in refused.stderr

    result = run_cli(ws, "build", "acme", "--document", "amendment")
    assert result.exit_code == 0, result.stderr
    assert git(ws, "status", "--porcelain") == ""
    assert "acme/amendment-1/r1" in git(ws, "tag").split()
    assert f"{AMENDMENT}.agreement.md" in git(ws, "show", "--name-only", "--format=", "HEAD").split()
    text = docx_text((ws.root / f"{AMENDMENT}.docx").read_bytes())
    lines = text.splitlines()
    assert "Amendment No. 1 to the Co-Sell Agreement dated November 20, 2026" in lines
    assert any(
        line.startswith(
            "This Amendment No.\u00a01 (this \u201cAmendment\u201d) is made between Northwind Software, Inc. "
            "(\u201cCompany\u201d) and Acme Cloud Partners, Inc. (\u201cPartner\u201d), the parties to "
            "the Co-Sell Agreement dated November 20, 2026"
        )
        for line in lines
    )
    # Section 6 is the incentives clause; its first sub-clause states the fee, now 12% (was 10%).
    replaced = lines.index(
        "Section 6.1 of the Agreement is deleted and replaced with the following "
        "(referral fee: 10% \u2192 12%):"
    )
    assert lines[replaced + 2] == "for a Sourced Opportunity, 12% of the First-Year ACV of that contract; and"
    assert sum("is deleted and replaced" in line for line in lines) == 1
    assert any(
        line.startswith("Except as amended by this Amendment, the Agreement continues") for line in lines
    )
    assert "Acme Cloud Partners, Inc." in lines and "Name: Dana Whitfield" in lines  # the signature page

    # Nothing changed since: the same amendment is up to date; the history shows it under its agreement.
    again = run_cli(ws, "build", "acme", "--document", "amendment")
    assert again.exit_code == 0 and "round 1" in again.stdout
    assert "acme/amendment-1/r2" not in git(ws, "tag").split()
    history = run_cli(ws, "history", "acme").stdout
    assert "co-sell-agreement \u203a amendment-1" in history

    # Signed like any document, then verified; a later build of the agreement is still refused.
    prepared = run_cli(ws, "sign", "acme", "--document", "amendment", "--prepare")
    assert prepared.exit_code == 0, prepared.stderr
    executed = (ws.root / "agreements/acme/executed/amendment-1.execution.docx").read_bytes()
    execution_text = package_text(executed)
    assert "Effective Date: the date of the last signature below" in execution_text.splitlines()
    assert "DRAFT" not in execution_text and "Round" not in execution_text
    sign = run_cli(ws, "sign", "acme", "--document", "amendment-1", "--signed-on", "2026-11-28")
    assert sign.exit_code == 0, sign.stderr
    assert git(ws, "status", "--porcelain") == ""
    record = json.loads((ws.root / "agreements/acme/executed/amendment-1.execution.json").read_text())
    assert record["document"] == "amendment-1" and record["signed_on"] == "2026-11-28"
    verified = run_cli(ws, "verify", "acme")
    assert verified.exit_code == 0, verified.stderr
    assert verified.stdout.splitlines()[0].startswith(
        "verified agreements/acme/executed/amendment-1.execution.docx: round 1"
    )
    assert run_cli(ws, "build", "acme").exit_code == 1

    # The next amendment starts from the agreement as amended: nothing changed, nothing to amend.
    nothing = run_cli(ws, "build", "acme", "--document", "amendment")
    assert nothing.exit_code == 1
    assert nothing.stderr == (
        "Error: amendment-2: nothing to amend; the deal and the clause library give the Co-Sell Agreement as "
        "signed. Change the terms agreed in deal.yaml first\n"
    )
    set_deal(ws, "acme", {"terms.referral_fee_pct": Decimal("11")})
    second = run_cli(ws, "build", "acme", "--document", "amendment")
    assert second.exit_code == 0, second.stderr
    text = docx_text((ws.root / "agreements/acme/amendment-2.docx").read_bytes())
    assert "Amendment No. 2 to the Co-Sell Agreement dated November 20, 2026" in text.splitlines()  # cover
    assert "as amended by Amendment No.\u00a01 dated November 28, 2026" in text
    assert "(referral fee: 12% \u2192 11%)" in text


def test_an_amendment_needs_an_executed_agreement(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    assert run_cli(ws, "build", "acme").exit_code == 0
    result = run_cli(ws, "build", "acme", "--document", "amendment")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --document amendment: nothing to amend; an amendment changes an executed agreement, and "
        "acme's co-sell-agreement is not signed (`assembler sign acme --signed-on DATE`)\n"
    )
    assert git(ws, "tag").split() == ["acme/co-sell-agreement/r1"]
