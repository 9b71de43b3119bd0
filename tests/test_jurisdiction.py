"""Jurisdiction profiles (issue 13): spelling variant, how the law and courts are named, which boilerplate
applies, date style, and the build-time check for words of the other variant."""

from __future__ import annotations

import re

import pytest

from assembler.assembly.assemble import assemble
from assembler.assembly.localise import clause_values, localise, other_variant_words
from assembler.library.jurisdictions import all_profiles, profile_for, profile_for_law
from assembler.playbook.findings import evaluate
from tests.legal_helpers import (
    assemble_all,
    documents_of,
    example_deal,
    full_text,
    library,
    with_terms,
)

LIB = library()

# One governing law per profile; "Ontario, Canada" has no profile of its own and gets the default.
LAWS = {
    "delaware": "Delaware, USA",
    "new-york": "New York, USA",
    "california": "California, USA",
    "england-and-wales": "England and Wales",
    "default": "Ontario, Canada",
}


@pytest.fixture(scope="module")
def examples():
    return {key: (deal, doc, full_text(deal, LIB, doc)) for key, (deal, doc) in assemble_all(LIB).items()}


@pytest.fixture(scope="module")
def per_profile():
    """Every model's documents under every profile's law (acme, emberline, fjordlabs, glimmer cover them)."""
    out = {}
    for deal_id in ("acme", "emberline", "fjordlabs", "glimmer"):
        base = example_deal(deal_id)
        for profile_id, law in LAWS.items():
            deal = with_terms(base, governing_law=law, arbitration_seat=None)
            for document_id in documents_of(deal, LIB):
                doc = assemble(deal, deal_id, LIB, document_id)
                out[(profile_id, deal_id, document_id)] = (deal, doc, full_text(deal, LIB, doc))
    return out


def _check_profile(deal, text: str) -> None:
    profile = profile_for(deal, LIB)
    wrong = other_variant_words(text, LIB, profile.spelling)
    assert wrong == {}, f"{profile.id}: words of the other spelling variant: {wrong}"
    law = clause_values(deal, profile)["law_name"]
    assert f"laws of {law}" in text
    lowered = text.lower()
    if profile.law_name and profile.law_name != deal.terms.governing_law:
        assert deal.terms.governing_law not in text, "the law is named as typed, not in the profile's form"
    if not profile.jury_waiver:
        assert not re.search(r"\bjury\b", lowered)
    if profile.third_party_act is None:
        assert "rights of third parties" not in lowered
    if not profile.subject_to_contract:
        assert "subject to contract" not in lowered


def test_profiles_are_chosen_from_the_governing_law():
    assert profile_for_law("Delaware, USA", LIB).id == "delaware"
    assert profile_for_law("the State of New York", LIB).id == "new-york"
    assert profile_for_law("England & Wales", LIB).id == "england-and-wales"
    assert profile_for_law("Ontario, Canada", LIB).id == "default"
    assert {p.spelling for p in all_profiles(LIB).values()} == {"us", "uk"}


def test_every_example_document_follows_its_profile(examples):
    for (deal_id, document_id), (deal, _doc, text) in examples.items():
        try:
            _check_profile(deal, text)
        except AssertionError as exc:
            raise AssertionError(f"{deal_id}/{document_id}: {exc}") from None


@pytest.mark.parametrize("profile_id", sorted(LAWS))
def test_every_model_follows_each_profile(per_profile, profile_id):
    for (pid, deal_id, document_id), (deal, _doc, text) in per_profile.items():
        if pid == profile_id:
            try:
                _check_profile(deal, text)
            except AssertionError as exc:
                raise AssertionError(f"{deal_id}/{document_id}: {exc}") from None


def test_delaware_agreement_is_in_us_english(examples):
    _deal, _doc, text = examples[("acme", "co-sell-agreement")]
    for british in ("licence", "authorised", "programme", "wilful", "Contracts (Rights of Third Parties)"):
        assert british not in text
    assert "the laws of the State of Delaware" in text
    assert "Delaware, USA" not in text
    assert "willful misconduct" in text
    assert "trial by jury" in text
    assert "subject to contract" not in text.lower()


def test_english_law_jv_has_no_jury_waiver_and_names_the_1999_act(examples):
    _deal, _doc, text = examples[("fjordlabs", "jv-agreement")]
    assert not re.search(r"\bjury\b", text.lower())
    assert "Contracts (Rights of Third Parties) Act 1999" in text
    assert "the laws of England and Wales" in text
    assert "the courts of England and Wales" in text


def test_title_and_headings_follow_the_variant(per_profile):
    _deal, doc, text = per_profile[("england-and-wales", "emberline", "oem-license-agreement")]
    assert doc.document.title == "OEM Licence Agreement"
    assert "# Licence Grant" in doc.markdown
    assert "License Agreement" not in text
    _deal, doc, _text = per_profile[("delaware", "emberline", "oem-license-agreement")]
    assert doc.document.title == "OEM License Agreement"
    assert "# License Grant" in doc.markdown


def test_dates_follow_the_profile(per_profile):
    _deal, doc, _ = per_profile[("delaware", "acme", "loi")]
    assert re.search(
        r"\b(January|February|March|April|May|June|July|August|September|October|November|"
        r"December) \d{1,2}, \d{4}\b",
        doc.markdown,
    )
    _deal, doc, _ = per_profile[("england-and-wales", "acme", "loi")]
    assert re.search(
        r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|"
        r"November|December) \d{4}\b",
        doc.markdown,
    )
    assert not re.search(
        r"(January|February|March|April|May|June|July|August|September|October|November|"
        r"December) \d{1,2}, \d{4}",
        doc.markdown,
    )


def test_deal_values_are_never_respelled_but_are_reported():
    deal = example_deal("acme")
    deal = deal.model_copy(
        update={"partner": deal.partner.model_copy(update={"name": "Authorised Cloud Ltd"})}
    )
    doc = assemble(deal, "acme", LIB, "co-sell-agreement")
    assert "Authorised Cloud Ltd" in doc.markdown
    findings = [f for f in evaluate(deal, LIB, doc) if f.rule.startswith("spelling.")]
    assert [f.rule for f in findings] == ["spelling.authorised"]
    assert findings[0].severity == "warning" and "delaware" in findings[0].message


def test_spelling_word_list_round_trips():
    assert localise("The licence is authorised.", LIB, "us") == "The license is authorized."
    assert localise("LICENCE [[ref:oem-licence-grant]] {{ terms.oem.licence_fee }}", LIB, "us") == (
        "LICENSE [[ref:oem-licence-grant]] {{ terms.oem.licence_fee }}"
    )
    assert localise("OEM License Agreement; authorized", LIB, "uk") == ("OEM Licence Agreement; authorised")
    # "license" is the UK verb, "program" UK for software: not reported in UK English.
    assert other_variant_words("Company may license the program", LIB, "uk") == {}
    assert other_variant_words("the Licence; wilful", LIB, "us") == {"licence": 1, "wilful": 1}
