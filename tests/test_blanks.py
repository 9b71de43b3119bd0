"""Blanks instead of placeholders (issue 13): `assembler new` leaves unknown facts empty; a preliminary
document prints them as [●] and build warns naming the deal key; a binding agreement is blocked naming each
empty key; every party has notice details that the notices clause uses."""

from __future__ import annotations

import re

import pytest

from assembler.assembly.blanks import facts
from assembler.deals.layout import Workspace
from tests.conftest import copy_workspace, run_cli
from tests.legal_helpers import assemble_all, library

LIB = library()


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> Workspace:
    workspace = copy_workspace(tmp_path_factory.mktemp("blanks") / "ws")
    created = run_cli(
        workspace, "new", "nova", "--partner", "Nova Systems Ltd", "--model", "oem",
        "--mutual-interest-date", "2026-11-02",
    )  # fmt: skip
    assert created.exit_code == 0, created.stderr
    return workspace


def test_the_scaffold_invents_no_facts(scaffolded):
    text = scaffolded.deal_file("nova").read_text()
    for placeholder in ("To be confirmed", "the Partner's product", "the Company's licensed software"):
        assert placeholder not in text
    assert 'notice_email: ""' in text or "notice_email: ''" in text


def test_preliminary_document_prints_blanks_and_warns_naming_each_key(scaffolded):
    result = run_cli(scaffolded, "build", "nova", "--no-commit")  # the OEM term sheet
    assert result.exit_code == 0, result.stderr
    markdown = (scaffolded.deal_dir("nova") / "term-sheet.md").read_text()
    assert "\\[●\\]" in markdown
    for key in ("partner.entity", "terms.oem.partner_product", "terms.oem.licensed_product"):
        assert re.search(
            rf"^Warning: blank\.{re.escape(key)}: {re.escape(key)} is empty", result.stderr, re.M
        )
    assert not re.search(r"blocking.*blank\.", result.stderr)


def test_binding_agreement_with_empty_facts_is_blocked_naming_each_key(scaffolded):
    result = run_cli(scaffolded, "check", "nova", "--document", "oem-license-agreement")
    assert result.exit_code == 1
    expected = {
        "partner.entity", "partner.address", "partner.notice_email", "partner.signatory.name",
        "partner.signatory.title", "terms.oem.licensed_product", "terms.oem.partner_product",
    }  # fmt: skip
    for key in expected:
        assert f"blank.{key}" in result.stdout, key
    # our own facts come from the library's config
    assert "blank.company." not in result.stdout


def test_every_fact_key_is_a_deal_value():
    from assembler.deals.contract import Deal, term_paths

    paths = term_paths(Deal)
    for fact in facts(LIB).facts:
        assert fact.key in paths, fact.key


def test_notices_go_to_each_partys_address_and_notice_email():
    for (deal_id, document_id), (deal, doc) in assemble_all(LIB).items():
        if doc.document.kind != "agreement":
            continue
        text = doc.markdown.replace("\\", "")
        assert "stated at the beginning of this Agreement" not in text, deal_id
        for party in (deal.company, deal.partner):
            assert f"{party.address}, email {party.notice_email}" in text, (deal_id, document_id)
