"""Deal values are data: they reach body, header/footer, cover and signature page exactly as typed."""

from __future__ import annotations

import io

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assembler.build import build
from assembler.deals.contract import _clean_text
from assembler.deals.layout import Workspace

from .conftest import copy_workspace, docx_paragraphs, run_cli, set_deal

NASTY = "*Acme* & <Co> \"Q\" 'S' _x_ #1 {{ 7*7 }} {% if x %} \\ [l](u) Ærøskøbing 東京 Москва"


def set_partner(workspace: Workspace, name: str, signatory: str, deal: str = "acme") -> None:
    set_deal(workspace, deal, {"partner.name": name, "partner.signatory.name": signatory})


def places(data: bytes) -> dict[str, str]:
    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in docx_paragraphs(data)]
    return {
        "cover": "\n".join(paragraphs[:12]),
        "body": "\n".join(paragraphs[12:]),
        "footer": document.sections[0].footer.paragraphs[0].text,
        "signature": "\n".join(c.text for c in document.tables[-1].rows[0].cells),
    }


def test_markdown_and_template_syntax_in_deal_values_is_printed_verbatim(workspace: Workspace) -> None:
    set_partner(workspace, NASTY, "Zoë O'Brien & <Sons> {{ x }}")
    law = "Delaware & <New York> *USA* {% raw %} \u00e9t\u00e9 #1"
    set_deal(workspace, "acme", {"terms.governing_law": law})
    result = build(workspace, "acme", commit=False)
    found = places(result.docx_path.read_bytes())
    for place in ("cover", "body", "footer", "signature"):
        assert NASTY in found[place], place
    assert "Name: Zoë O'Brien & <Sons> {{ x }}" in found["signature"]
    assert "{{ 7*7 }}" in found["body"]
    assert law in found["body"]
    assert "<Co>" in result.markdown_path.read_text().replace("\\", "")


def test_template_expression_in_the_document_name_is_not_evaluated(workspace: Workspace) -> None:
    set_partner(workspace, "X {% if y %}", "A {{ b }}")
    result = run_cli(workspace, "build", "acme", "--no-commit")
    assert result.exit_code == 0, result.stderr


printable_name = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn")), min_size=1, max_size=40
).filter(lambda s: s.strip() != "")


@pytest.fixture(scope="module")
def hypothesis_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return copy_workspace(tmp_path_factory.mktemp("names"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=printable_name)
def test_any_printable_party_name_survives_into_the_docx(hypothesis_workspace: Workspace, name: str) -> None:
    workspace = hypothesis_workspace
    original = workspace.deal_file("brightpath").read_text()
    try:
        set_partner(workspace, name, "Signer", deal="brightpath")
        result = build(workspace, "brightpath", "loi", commit=False)
        expected = _clean_text(name)  # whitespace runs are normalised at validation
        found = places(result.docx_path.read_bytes())
        for place in ("cover", "body", "footer", "signature"):
            assert expected in found[place], (place, expected)
    finally:
        workspace.deal_file("brightpath").write_text(original)


HOSTILE_CELL = (
    "a | b <script>x</script> [click](https://evil.example) ![i](x.png) *em* _u_ `c` $m$ "
    "snake_case_key ~~s~~ &amp; \\ q"
)


def _gfm_to_html(markdown_text: str) -> str:
    import subprocess

    from assembler.word.pandoc import pandoc_path

    return subprocess.run(
        [pandoc_path(), "--sandbox", "-f", "gfm", "-t", "html", "--wrap=none"],
        input=markdown_text,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_report_tables_read_every_cell_literally() -> None:
    from lxml import html as lxml_html

    from assembler.assembly.markdown import code, table

    lines = table(["Clause", "Comment"], [[code("id|`x`"), HOSTILE_CELL], ["two\nlines", None]])
    tree = lxml_html.fromstring(_gfm_to_html("\n".join(lines) + "\n"))
    rows = [[c.text_content() for c in row.xpath("./td")] for row in tree.xpath("//tbody/tr")]
    assert rows == [["id|`x`", HOSTILE_CELL], ["two lines", "-"]]
    assert tree.xpath("//img | //script | //em | //del | //span[@class='math inline']") == []
    # A bare URL may be autolinked by GFM, but only ever shows its own address: no link text differs.
    assert [(a.get("href"), a.text_content()) for a in tree.xpath("//a")] == [("https://evil.example",) * 2]
    assert [e.tag for e in tree.xpath("//td/*")] == ["code", "a"]


def test_a_counterparty_ask_reaches_negotiation_md_as_text(workspace: Workspace) -> None:
    set_deal(workspace, "acme", {"asks": [{"kind": "higher-referral-fee", "detail": HOSTILE_CELL}]})
    assert run_cli(workspace, "check", "acme").exit_code in (0, 1)
    text = (workspace.root / "agreements/acme/negotiation.md").read_text()
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(_gfm_to_html(text))
    details = [
        row.xpath("./td")[1].text_content() for row in tree.xpath("//table[thead//th='Ask']//tbody/tr")
    ]
    assert details == [HOSTILE_CELL]
    assert [a.text_content() for a in tree.xpath("//a")] == ["https://evil.example"]
    assert tree.xpath("//script | //img") == []
