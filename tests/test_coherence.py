"""Coherence of the assembled agreements (issue 13): each commercial rule stated once, no clause contradicting
another, no channel-partner mechanics applied to a co-venturer, complete survival lists."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from assembler.assembly.assemble import AssembledDocument, assemble
from tests.legal_helpers import assemble_all, library

LIB = library()


@pytest.fixture(scope="module")
def docs() -> dict[tuple[str, str], AssembledDocument]:
    return {key: doc for key, (_deal, doc) in assemble_all(LIB).items()}


def section(doc: AssembledDocument, clause_id: str) -> str:
    for placed in doc.clauses:
        if placed.clause.id == clause_id:
            return " ".join(placed.text.replace("\\", "").split())
    raise AssertionError(f"{clause_id} is not in the {doc.document.title}")


def number(doc: AssembledDocument, clause_id: str) -> int:
    found = [p.number for p in doc.clauses if p.clause.id == clause_id]
    assert found and found[0] is not None, clause_id
    return found[0]


def plain(doc: AssembledDocument) -> str:
    return " ".join(doc.markdown.replace("\\", "").split())


def test_jv_exclusivity_does_not_contradict_the_non_compete(docs):
    jv = docs[("fjordlabs", "jv-agreement")]
    text = section(jv, "exclusivity")
    assert "restricts either Party" in text
    # The freedom it states is expressly subject to the non-compete, which prevails.
    non_compete = f"Section {number(jv, 'jv-non-compete')}"
    assert f"Except as set out in this Section and in {non_compete}, this Agreement is non-exclusive" in text
    assert "subject only to the protection of Registered Opportunities under Section" in text
    assert text.rstrip().count(non_compete) >= 2


def test_jv_exclusivity_none_is_subject_to_the_non_compete(docs):
    from assembler.assembly.assemble import assemble
    from tests.legal_helpers import example_deal, with_terms

    deal = with_terms(
        example_deal("fjordlabs"), exclusivity="none", exclusivity_scope=None, exclusivity_months=None
    )
    jv = assemble(deal, "fjordlabs", LIB, "jv-agreement")
    text = section(jv, "exclusivity")
    assert f"Except for the restrictions in Section {number(jv, 'jv-non-compete')}, which prevail" in text


def test_jv_assignment_follows_the_transfer_first_refusal_and_change_of_control_terms(docs):
    jv = docs[("fjordlabs", "jv-agreement")]
    text = section(jv, "general-provisions").replace("**", "")
    assignment = text.split("Assignment. ", 1)[1].split("Independent contractors.", 1)[0]
    assert "successor to all or substantially all" not in assignment
    exit_section = f"Section {number(jv, 'jv-exit')}"
    assert f"a Transfer made in accordance with {exit_section}" in assignment
    assert "right of first refusal" in assignment
    assert "Change of Control" in assignment


def test_jv_revenue_is_paid_on_one_cadence(docs):
    jv = docs[("fjordlabs", "jv-agreement")]
    text = plain(jv)
    assert "after the end of the calendar month in which the paying Party received" not in text
    assert text.count("after the end of each calendar quarter") == 1
    assert f"that Section {number(jv, 'jv-revenue-split')} provides" in section(jv, "payment-terms")


def test_jv_has_one_ip_regime(docs):
    jv = docs[("fjordlabs", "jv-agreement")]
    text = plain(jv)
    assert "Jointly Developed IP" not in text  # the general regime's own term for joint developments
    assert "grant non-exclusive licences of it, without the consent of the other Party" not in text
    general = section(jv, "intellectual-property")
    assert f"governed exclusively by Section {number(jv, 'jv-intellectual-property')}" in general


def test_jv_has_no_channel_partner_mechanics(docs):
    jv = docs[("fjordlabs", "jv-agreement")]
    registration = section(jv, "deal-registration")
    assert not registration.startswith("Partner will register with Company")
    assert "Each Party will record" in registration
    assert "Company may reject" not in registration
    audit = section(jv, "audit-rights")
    assert "Company may audit the Records once in each calendar quarter" not in audit
    assert "Either Party may" in audit
    assert "Partner's performance" not in plain(jv)
    assert "conditional on the performance of the Joint Venture" in section(jv, "term-and-renewal")
    # one audit regime, not a second one inside the revenue split
    assert "In addition to any right under" not in section(jv, "jv-revenue-split")


def _survival(doc: AssembledDocument) -> str:
    text = section(doc, "effect-of-termination")
    return text.split("The following provisions survive", 1)[1]


@pytest.mark.parametrize(
    ("key", "must_survive"),
    [
        (
            ("fjordlabs", "jv-agreement"),
            ["jv-revenue-split", "jv-intellectual-property", "jv-exit", "jv-non-compete"],
        ),
        (
            ("emberline", "oem-license-agreement"),
            ["oem-restrictions", "oem-royalties-and-reporting", "oem-end-user-terms"],
        ),
        (("acme", "co-sell-agreement"), ["deal-registration", "co-sell-incentives"]),
        (("brightpath", "referral-agreement"), ["deal-registration", "referral-fees"]),
        (
            ("deltaforge", "implementation-partner-agreement"),
            ["implementation-deliverables", "implementation-revenue-model"],
        ),
        (("corvid", "reseller-agreement"), ["deal-registration", "reseller-end-customer-terms"]),
    ],
)
def test_survival_lists_name_every_clause_that_must_survive(docs, key, must_survive):
    doc = docs[key]
    survival = _survival(doc)
    for clause_id in [*must_survive, "confidentiality", "limitation-of-liability", "governing-law"]:
        assert re.search(rf"Section {number(doc, clause_id)}\b", survival), (key, clause_id)


def test_oem_has_one_currency_conversion_rule(docs):
    oem = docs[("emberline", "oem-license-agreement")]
    text = plain(oem)
    assert len(re.findall(r"mid-market (?:exchange )?rate", text)) == 1
    assert "last Business Day of the relevant quarter" not in text
    royalties = section(oem, "oem-royalties-and-reporting")
    assert f"are governed by Section {number(oem, 'payment-terms')}" in royalties


def test_every_agreement_states_currency_conversion_once(docs):
    for (deal_id, document_id), doc in docs.items():
        if doc.document.kind == "agreement":
            assert len(re.findall(r"mid-market (?:exchange )?rate", plain(doc))) <= 1, (deal_id, document_id)


def _date(text: str) -> dt.date:
    for style in ("%d %B %Y", "%B %d, %Y"):
        try:
            return dt.datetime.strptime(text, style).date()
        except ValueError:
            continue
    raise AssertionError(f"not a printed date: {text!r}")


@pytest.mark.parametrize("today", [None, dt.date(2026, 12, 2), dt.date(2027, 6, 1)])
def test_the_sponsors_decide_after_the_plan_the_document_prints(today: dt.date | None) -> None:
    """A letter printed late moves its plan forward; the date for the executive sponsors' decision moves
    with it, so it never falls before the dates the same paragraph sets for drafting and signature."""
    from tests.legal_helpers import documents_of, example_deal

    checked = 0
    for deal_id in ("corvid", "fjordlabs", "acme"):
        deal = example_deal(deal_id)
        for document_id in documents_of(deal, LIB):
            doc = assemble(deal, deal_id, LIB, document_id, today)
            if doc.document.kind != "preliminary":
                continue
            text = section(doc, "preliminary-next-steps")
            target = re.search(r"signed by a target date of ([^.,]+ \d{4}|[A-Z][a-z]+ \d+, \d{4})", text)
            sponsors = re.search(r"not signed by ([^.,]+ \d{4}|[A-Z][a-z]+ \d+, \d{4}), the Parties", text)
            assert target and sponsors, text
            assert _date(sponsors.group(1)) > _date(target.group(1)), text
            if today is not None:
                assert _date(sponsors.group(1)) > today
            checked += 1
    assert checked >= 3
