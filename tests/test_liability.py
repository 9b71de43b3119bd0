"""Tiered liability (issue 13): General Cap from the deal, Super-Cap for confidentiality, data and IP
indemnities (and OEM licence misuse and IP infringement), uncapped only where the governing law requires; and
`check` reports every uncapped exposure the rendered document creates."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from assembler.assembly.assemble import assemble
from assembler.deals.contract import Approval
from assembler.library.jurisdictions import profile_for
from assembler.library.loader import Library
from assembler.playbook import liability_check
from assembler.playbook.findings import evaluate
from tests.legal_helpers import LIBRARY_ROOT, assemble_all, example_deal, library, with_terms

LIB = library()


@pytest.fixture(scope="module")
def docs():
    return {key: pair for key, pair in assemble_all(LIB).items() if pair[1].document.kind == "agreement"}


def section(doc, clause_id: str) -> str:
    placed = next(p for p in doc.clauses if p.clause.id == clause_id)
    return placed.text.replace("\\", "")


def number(doc, clause_id: str) -> int:
    return next(p.number for p in doc.clauses if p.clause.id == clause_id)


def test_every_example_agreement_leaves_uncapped_only_what_the_law_requires(docs):
    rules = {e.id: e for e in liability_check.rules(LIB).exposures}
    for (deal_id, _document_id), (deal, doc) in docs.items():
        required = set(profile_for(deal, LIB).law_required_uncapped)
        exposures = {exposure for _s, _i, exposure in liability_check.uncapped_items(doc, LIB)}
        assert exposures, (deal_id, "the law-required exceptions are stated")
        for exposure in exposures:
            rule = rules.get(exposure)
            assert rule is not None and (rule.always_allowed or rule.law in required), (deal_id, exposure)
        findings = [f for f in evaluate(deal, LIB, doc) if f.rule.startswith("uncapped-exposure.")]
        assert [f.severity for f in findings] == ["info"], (deal_id, findings)


def test_co_sell_confidentiality_and_ip_indemnities_sit_under_the_super_cap(docs):
    _deal, doc = docs[("acme", "co-sell-agreement")]
    text = section(doc, "limitation-of-liability")
    general, rest = text.split('(the **"Super-Cap"**)', 1)
    assert "twelve (12) months" in general and '(the **"General Cap"**)' in general
    super_list, uncapped = rest.split("Nothing in this Agreement limits or excludes", 1)
    assert f"(a) breach of Section {number(doc, 'confidentiality')}" in super_list
    assert f"(b) breach of Section {number(doc, 'data-protection')}" in super_list
    assert f"under Section {number(doc, 'indemnification')} in respect of IP Claims" in super_list
    assert "Confidential" not in uncapped and f"Section {number(doc, 'confidentiality')}" not in uncapped
    assert f"Section {number(doc, 'indemnification')}" not in uncapped
    assert general.rstrip().endswith("will not exceed two (2) times the General Cap")


def test_oem_licence_misuse_and_infringement_are_carved_out_of_the_cap_and_the_exclusion(docs):
    _deal, doc = docs[("emberline", "oem-license-agreement")]
    text = section(doc, "limitation-of-liability")
    exclusion = text.split("\n\n", 1)[0]
    restrictions = f"Section {number(doc, 'oem-restrictions')}"
    assert f"nor to Partner's liability for breach of {restrictions}" in exclusion
    assert "infringing or misappropriating the other Party's Intellectual Property Rights" in exclusion
    super_list = text.split('(the **"Super-Cap"**)', 1)[1].split("Nothing in this Agreement", 1)[0]
    assert f"breach of {restrictions}" in super_list
    assert "infringement or misappropriation" in super_list


def test_an_uncapped_deal_still_blocks():
    deal = with_terms(example_deal("acme"), liability_cap_months="uncapped")
    doc = assemble(deal, "acme", LIB, "co-sell-agreement")
    found = {f.rule: f.severity for f in evaluate(deal, LIB, doc)}
    assert found["red-flag.uncapped-liability"] == "blocking"
    assert found["walk-away.uncapped-liability"] == "blocking"
    # the document states it (all-liability), but it is the deal's choice, reported once by the red flag
    assert "all-liability" in {e for _s, _i, e in liability_check.uncapped_items(doc, LIB)}
    assert "uncapped-exposure.all-liability" not in found


@pytest.fixture
def hidden_exception_library(tmp_path) -> Library:
    """A library whose limitation clause quietly leaves confidentiality breaches uncapped."""
    root = tmp_path / "clause_library"
    shutil.copytree(LIBRARY_ROOT, root)
    clause = root / "clauses/general/limitation-of-liability.md"
    text = clause.read_text()
    old = (
        "(c) wilful misconduct; or\n(d) any other liability that cannot be limited or excluded under the "
        "governing law of this Agreement.{% endif %}"
    )
    assert old in text
    clause.write_text(
        text.replace(
            old,
            "(c) wilful misconduct;\n(d) breach of [[ref:confidentiality]]; or\n(e) any other liability "
            "that cannot be limited or excluded under the governing law of this Agreement.{% endif %}",
        )
    )
    return Library(root)


def test_a_hidden_uncapped_exception_is_a_red_flag_unless_signed_off(hidden_exception_library):
    lib = hidden_exception_library
    deal = example_deal("acme")
    doc = assemble(deal, "acme", lib, "co-sell-agreement")
    found = {f.rule: f for f in evaluate(deal, lib, doc)}
    flag = found["uncapped-exposure.confidentiality"]
    assert flag.severity == "blocking"
    assert (
        f"Section {number(doc, 'limitation-of-liability')}" in flag.message
        and "CPO and Legal" in flag.message
    )
    signed = deal.model_copy(
        update={
            "approvals": [
                Approval(role=r, name=n, date=dt.date(2026, 11, 1), covers=["uncapped-exposure"])
                for r, n in (("CPO", "Jordan Ellis"), ("Legal", "Morgan Reyes"))
            ]
        }
    )
    found = {f.rule: f for f in evaluate(signed, lib, doc)}
    assert found["uncapped-exposure.confidentiality"].severity == "warning"
