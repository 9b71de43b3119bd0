"""Checklist values (issue 13): initial term, renewal notice, cure, termination for convenience,
non-solicitation and cap compared with the playbook's values; deviations name the playbook's value."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from assembler.assembly.assemble import assemble
from assembler.deals.contract import Approval
from assembler.playbook.findings import evaluate
from tests.legal_helpers import EXAMPLE_DEALS, example_deal, library, with_terms

LIB = library()


@pytest.fixture(scope="module")
def acme_agreement():
    deal = example_deal("acme")
    return deal, assemble(deal, "acme", LIB, "co-sell-agreement")


def findings(deal, doc):
    return {f.rule: f for f in evaluate(deal, LIB, doc)}


@pytest.mark.parametrize(
    ("updates", "rule", "playbook"),
    [
        ({"term_months": 6}, "checklist-value.term.initial-term", "at least 12 months"),
        ({"cure_period_days": 0}, "checklist-value.term.termination-for-cause", "30 days"),
        ({"non_solicitation_months": 0}, "checklist-value.exclusivity.non-solicitation", "12 months"),
        ({"renewal_notice_days": 30}, "checklist-value.term.renewal", "at least 60 days"),
        ({"termination_convenience_days": 30}, "checklist-value.term.termination-for-convenience", "90 days"),
        ({"liability_cap_months": 6}, "checklist-value.liability.mutual-cap", "12 months"),
    ],
)
def test_a_deviation_is_a_blocking_finding_naming_the_playbook_value(acme_agreement, updates, rule, playbook):
    deal, _ = acme_agreement
    deal = with_terms(deal, **updates)
    doc = assemble(deal, "acme", LIB, "co-sell-agreement")
    found = findings(deal, doc)
    assert found[rule].severity == "blocking"
    assert f"the playbook's value is {playbook}" in found[rule].message
    assert str(next(iter(updates.values()))) in found[rule].message
    coverage = found["checklist-value.coverage"].message
    assert "5 at value" in coverage and rule.removeprefix("checklist-value.") in coverage


def test_cpo_and_legal_sign_off_turns_a_deviation_into_a_warning(acme_agreement):
    deal, _ = acme_agreement
    rule = "checklist-value.term.initial-term"
    deal = with_terms(deal, term_months=6).model_copy(
        update={
            "approvals": [
                Approval(role=role, name=name, date=dt.date(2026, 11, 2), covers=[rule])
                for role, name in (("CPO", "Jordan Ellis"), ("Legal", "Morgan Reyes"))
            ]
        }
    )
    doc = assemble(deal, "acme", LIB, "co-sell-agreement")
    assert findings(deal, doc)[rule].severity == "warning"


def test_a_preliminary_document_only_warns():
    deal = with_terms(example_deal("acme"), term_months=6)
    doc = assemble(deal, "acme", LIB, "loi")
    assert findings(deal, doc)["checklist-value.term.initial-term"].severity == "warning"


@pytest.mark.parametrize("deal_id", EXAMPLE_DEALS)
def test_every_example_agreement_is_at_value_and_reports_coverage(deal_id):
    deal = example_deal(deal_id)
    doc = assemble(deal, deal_id, LIB, deal.stage)
    found = findings(deal, doc)
    assert not [r for r, f in found.items() if r.startswith("checklist-value.") and f.severity != "info"]
    coverage = found["checklist-value.coverage"].message
    total = len(LIB.checklist.items)
    assert f"{total}/{total} present" in coverage and "6 with a playbook value, 6 at value" in coverage


def test_an_amendment_is_binding_too():
    """An amendment of an executed agreement binds the parties: a value off the playbook in it blocks, and
    an empty fact is a blocking blank, as in the agreement itself."""
    deal = with_terms(example_deal("acme"), cure_period_days=0)
    assembled = assemble(deal, "acme", LIB, "co-sell-agreement")
    amendment = dataclasses.replace(
        assembled, document=assembled.document.model_copy(update={"kind": "amendment", "id": "amendment-1"})
    )
    found = findings(deal, amendment)
    assert found["checklist-value.term.termination-for-cause"].severity == "blocking"
    assert "checklist-value.coverage" not in found  # an amendment carries only the clauses it changes
    blank = deal.model_copy(update={"partner": deal.partner.model_copy(update={"entity": None})})
    blanks = [f for f in evaluate(blank, LIB, amendment) if "partner.entity" in f.message]
    assert blanks and {f.severity for f in blanks} == {"blocking"}
