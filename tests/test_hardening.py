"""Hostile input, built in a throw-away workspace: every case is refused with one clear `Error:` line, within
CPU and memory limits set on the process (resource limits, not wall clock), leaving the repository and the
world outside it unchanged."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assembler.atomic_write import write_files_atomically
from assembler.deals.layout import Workspace
from assembler.errors import WorkspaceError

from .conftest import Bounded, files_under, git, one_error, run_bounded, run_cli, set_deal
from .docx_edits import EditableDocx, w


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the workspace standing for the rest of the machine."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secrets.env").write_text("API_TOKEN=SECRET-TOKEN-123\n")
    return folder


def write_deal_text(workspace: Workspace, text: str, deal: str = "acme") -> None:
    """Hostile text cannot be written through set_deal's YAML round trip: the file is written as given."""
    workspace.deal_file(deal).write_text(text)


def deal_text(workspace: Workspace, deal: str = "acme") -> str:
    return workspace.deal_file(deal).read_text()


# --- 1. budgets on deal.yaml --------------------------------------------------------------------------------


def alias_bomb() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


DEAL_BOMBS = {
    "alias bomb": (lambda text: alias_bomb() + text, r"more than 50000 values \(aliases expanded\)"),
    "deep nesting": (
        lambda text: text + "extra: " + "[" * 50_000 + "]" * 50_000 + "\n",
        r"nesting deeper than 32",
    ),
    "huge file": (
        lambda text: text.replace("name: Acme", "name: Acme" + "x" * (5 * 1024 * 1024), 1),
        r"the file is \d+ bytes \(limit 262144\)",
    ),
    "huge integer": (
        lambda text: re.sub(r"term_months: \d+", "term_months: " + "9" * 5000, text),
        r"a number has too many digits to be read",
    ),
    "huge exponent": (
        lambda text: text.replace('referral_fee_pct: "10"', 'referral_fee_pct: "1e99999999"'),
        r"terms\.referral_fee_pct: is out of range \(magnitude 10\^99999999",
    ),
    "huge money": (
        lambda text: text.replace('mdf_amount: "25000"', 'mdf_amount: "1e99999999"'),
        r"terms\.mdf_amount: is out of range",
    ),
    "many digits": (
        lambda text: text.replace('mdf_amount: "25000"', 'mdf_amount: "1.' + "1" * 35 + '"'),
        r"terms\.mdf_amount: has 36 significant digits \(limit 28\)",
    ),
    "long number text": (
        lambda text: text.replace('mdf_amount: "25000"', 'mdf_amount: "' + "1" * 100 + '"'),
        r"terms\.mdf_amount: is a number of 100 characters \(limit 40\)",
    ),
    "long partner name": (
        lambda text: text.replace("name: Acme", "name: Acme" + "x" * 300, 1),
        r"partner\.name: is 325 characters long \(limit 200\)",
    ),
    "long free text": (
        lambda text: re.sub(
            r"terms:\n", "terms:\n  exclusivity_scope: " + "word " * 1000 + "\n", text, count=1
        ),
        r"terms\.exclusivity_scope: is \d+ characters long \(limit 2000\)",
    ),
}


@pytest.mark.parametrize("name", list(DEAL_BOMBS))
def test_deal_file_budgets(workspace: Workspace, outside: Path, name: str) -> None:
    make, expected = DEAL_BOMBS[name]
    write_deal_text(workspace, make(deal_text(workspace)))
    before, world = files_under(workspace.root), files_under(outside)
    for command in ("validate", "build"):
        args = [command, "acme"] + (["--no-commit"] if command == "build" else [])
        result = run_bounded(workspace, *args)
        one_error(result, r"^Error: agreements/acme/deal\.yaml: ")
        one_error(result, expected)
    assert files_under(workspace.root) == before and files_under(outside) == world


def test_the_budgets_leave_the_example_deals_valid(workspace: Workspace) -> None:
    for deal in workspace.deal_ids():
        assert run_cli(workspace, "validate", deal).exit_code == 0, deal


# --- 1. budgets on rendering Legal's templates --------------------------------------------------------------


CLAUSE = "clause_library/clauses/general/confidentiality.md"


TEMPLATE_BOMBS = {
    "repeated string": (
        "{{ 'x' * 10**9 }}",
        r"repeating 1 items 1000000000 times is over the rendering budget",
    ),
    "repeated list": ("{{ [1, 2] * 10**9 }}", r"repeating 2 items 1000000000 times"),
    "huge range": ("{{ range(100000)|length }}", r"range of 100000 items is over the budget of 10000"),
    "huge power": ("{{ 7 ** 100000000 }}", r"an integer power over 4096 bits"),
    "wide filter": ("{{ 'x'|center(10**9) }}", r"the argument 1000000000 is over the rendering budget"),
    "wide method": ("{{ 'x'.ljust(10**9) }}", r"the argument 1000000000 is over the rendering budget"),
    "wide format": ("{{ '%999999999d' % 1 }}", r"the format '%999999999' has a width over 1000"),
    "wide str.format": ("{{ '{:>999999999}'.format(1) }}", r"has a width over 1000"),
    "doubling namespace": (
        "{% set ns = namespace(x='x') %}{% for i in range(60) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}",
        r"namespace value 'x' of \d+ items is over the rendering budget",
    ),
    "doubling recursion": (
        "{% macro f(s, n) %}{{ f(s ~ s, n - 1) if n else s|length }}{% endmacro %}{{ f('x', 60) }}",
        r"an argument of \d+ items is over the rendering budget",
    ),
    "huge output": (
        "{% for a in range(10000) %}{% for b in range(1000) %}xxxxxxxxxxxxxxxxxxxx{% endfor %}{% endfor %}",
        r"the output is over the rendering budget of 2000000 characters",
    ),
    "runaway loop": (
        "{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}"
        "{% endfor %}{% endfor %}{% endfor %}",
        r"rendering took longer than the time budget \(2 s\)",
    ),
}


@pytest.mark.parametrize("name", list(TEMPLATE_BOMBS))
def test_clause_rendering_budgets(workspace: Workspace, outside: Path, name: str) -> None:
    body, expected = TEMPLATE_BOMBS[name]
    clause = workspace.root / CLAUSE
    clause.write_text(clause.read_text() + "\n" + body + "\n")
    before, world = files_under(workspace.root), files_under(outside)
    result = run_bounded(workspace, "build", "acme", "--no-commit")
    one_error(result, rf"^Error: {re.escape(CLAUSE)}: ")
    one_error(result, expected)
    assert files_under(workspace.root) == before and files_under(outside) == world


def test_ordinary_template_arithmetic_still_renders() -> None:
    from assembler.assembly.sandbox import sandbox

    env = sandbox("USD", escape=None)
    text = "{{ 3 * 4 }} {{ 'ab' * 3 }} {{ '%5.2f' % 3.14159 }} {{ 2 ** 10 }} "
    text += "{{ range(3)|list }} {{ 'a'|center(5) }}"
    assert env.from_string(text).render() == "12 ababab  3.14 1024 0, 1 and 2   a  "


# --- 1. intake reads only regular files, and only after checking their size --------------------------------


@pytest.fixture
def sent(repo_workspace: Workspace) -> Workspace:
    """acme with round 1 of its Co-Sell Agreement committed (the draft we sent)."""
    assert run_cli(repo_workspace, "build", "acme").exit_code == 0
    return repo_workspace


def test_intake_refuses_a_device_without_reading_it(sent: Workspace, outside: Path) -> None:
    head, before = git(sent, "rev-parse", "HEAD"), files_under(sent.root)
    result = run_bounded(sent, "ingest", "acme", "/dev/zero", cpu=20)
    one_error(result, r"^Error: zero: rejected: not a regular file .*; nothing was stored$")
    assert git(sent, "rev-parse", "HEAD") == head and files_under(sent.root) == before


def test_intake_refuses_a_fifo_without_waiting_for_a_writer(sent: Workspace, tmp_path: Path) -> None:
    fifo = tmp_path / "returned.docx"
    os.mkfifo(fifo)
    result = run_bounded(sent, "ingest", "acme", str(fifo), cpu=20)
    one_error(result, r"^Error: returned\.docx: rejected: not a regular file")


def test_intake_refuses_a_1_gb_file_by_its_size(sent: Workspace, tmp_path: Path) -> None:
    big = tmp_path / "big.docx"
    with open(
        big, "wb"
    ) as handle:  # sparse: 1 GB long, no disk used; reading it would exceed the memory limit
        handle.truncate(1024 * 1024 * 1024)
    head, before = git(sent, "rev-parse", "HEAD"), files_under(sent.root)
    result = run_bounded(sent, "ingest", "acme", str(big), cpu=20)
    one_error(result, r"^Error: big\.docx: rejected: the file is 1073741824 bytes \(limit 52428800\)")
    assert git(sent, "rev-parse", "HEAD") == head and files_under(sent.root) == before


def test_triage_of_20k_tracked_rows_is_near_linear(sent: Workspace, tmp_path: Path) -> None:
    ours = (sent.deal_dir("acme") / "co-sell-agreement.docx").read_bytes()
    doc = EditableDocx(ours)
    anchor = doc.paragraph("The appointment is non-exclusive.")
    from lxml import etree

    table = etree.Element(w("tbl"))
    for i in range(20_000):
        row = etree.SubElement(table, w("tr"))
        marks = etree.SubElement(etree.SubElement(row, w("trPr")), w("ins"))
        marks.set(w("id"), str(100_000 + i))
        marks.set(w("author"), "Pat Counsel")
        marks.set(w("date"), "2026-11-20T10:00:00Z")
        cell = etree.SubElement(etree.SubElement(row, w("tc")), w("p"))
        run = etree.SubElement(
            etree.SubElement(cell, w("ins"), {w("id"): str(200_000 + i), w("author"): "P"}), w("r")
        )
        etree.SubElement(run, w("t")).text = f"Extra fee line {i * 7919 % 100_003}"
    anchor.addnext(table)
    path = tmp_path / "rows.docx"
    path.write_bytes(doc.save())
    # CPU seconds, not wall clock: the quadratic version needed minutes for 16k rows.
    result = run_bounded(sent, "ingest", "acme", str(path), cpu=90)
    assert result.returncode == 0, result.stderr
    report = (sent.deal_dir("acme") / "triage" / "co-sell-agreement.r1-counterparty.md").read_text()
    assert report.count("| row: ") == 20_000


# --- 2. the repository boundary -----------------------------------------------------------------------------


def test_a_deal_file_linked_to_a_secret_is_refused_without_printing_it(
    workspace: Workspace, outside: Path
) -> None:
    deal = workspace.deal_file("acme")
    deal.unlink()
    deal.symlink_to(outside / "secrets.env")
    before, world = files_under(workspace.root), files_under(outside)
    for args in (["validate", "acme"], ["build", "acme", "--no-commit"], ["check", "acme"]):
        result = run_bounded(workspace, *args)
        one_error(result, r"^Error: agreements/acme/deal\.yaml: is a symbolic link; ")
        assert "SECRET" not in result.stderr + result.stdout
        assert str(outside) not in result.stderr + result.stdout
    assert files_under(workspace.root) == before and files_under(outside) == world


def test_a_deal_folder_linked_outward_is_refused_before_anything_is_written(
    repo_workspace: Workspace, outside: Path
) -> None:
    ws = repo_workspace
    shutil.copytree(ws.deal_dir("acme"), outside / "evil")
    (ws.agreements / "evil").symlink_to(outside / "evil", target_is_directory=True)
    head, world = git(ws, "rev-parse", "HEAD"), files_under(outside)
    for args in (["build", "evil"], ["build", "evil", "--no-commit"], ["validate", "evil"]):
        result = run_bounded(ws, *args)
        one_error(result, r"^Error: agreements/evil: is a symbolic link; ")
    assert git(ws, "rev-parse", "HEAD") == head and files_under(outside) == world


def test_a_redlines_folder_linked_outward_is_refused_before_the_round_is_committed(
    sent: Workspace, outside: Path
) -> None:
    ws = sent
    text = deal_text(ws)
    write_deal_text(ws, text.replace('referral_fee_pct: "10"', 'referral_fee_pct: "11"'))
    (ws.deal_dir("acme") / "redlines").symlink_to(outside, target_is_directory=True)
    head, tags, world = git(ws, "rev-parse", "HEAD"), git(ws, "tag"), files_under(outside)
    # In-process: the redline engine (.NET) reserves more address space than the limit allows.
    cli = run_cli(ws, "build", "acme")
    result = Bounded(cli.exit_code, cli.stdout, cli.stderr)
    one_error(
        result,
        r"^Error: agreements/acme/redlines/\S+: passes through the symbolic link agreements/acme/redlines",
    )
    assert git(ws, "rev-parse", "HEAD") == head and git(ws, "tag") == tags
    assert files_under(outside) == world


def test_an_executed_folder_linked_to_another_deal_is_refused(workspace: Workspace) -> None:
    ws = workspace
    (ws.deal_dir("acme") / "executed").mkdir()
    target = ws.deal_dir("acme") / "executed" / "co-sell-agreement.docx"
    target.write_bytes(b"the executed agreement")
    other = ws.deal_dir("emberline") / "executed"
    other.symlink_to(ws.deal_dir("acme") / "executed", target_is_directory=True)
    path = other / "co-sell-agreement.docx"
    with pytest.raises(
        WorkspaceError, match="passes through the symbolic link agreements/emberline/executed"
    ):
        ws.guard(path)
    with pytest.raises(WorkspaceError, match="nothing was written"):
        write_files_atomically({ws.deal_dir("acme") / "ok.md": b"x", path: b"overwritten"}, root=ws.root)
    assert target.read_bytes() == b"the executed agreement"
    assert not (ws.deal_dir("acme") / "ok.md").exists()  # all checked before the first write


def test_a_path_outside_the_workspace_is_refused(workspace: Workspace, outside: Path) -> None:
    with pytest.raises(WorkspaceError, match="is outside the workspace"):
        workspace.guard(workspace.agreements / ".." / ".." / "outside" / "x")
    with pytest.raises(WorkspaceError, match="is outside the workspace"):
        write_files_atomically({outside / "x": b"x"}, root=workspace.root)
    assert not (outside / "x").exists()


def test_a_clause_file_linked_to_a_secret_is_refused_without_printing_it(
    workspace: Workspace, outside: Path
) -> None:
    clause = workspace.root / CLAUSE
    clause.unlink()
    clause.symlink_to(outside / "secrets.env")
    result = run_bounded(workspace, "build", "acme", "--no-commit")
    one_error(result, rf"^Error: {re.escape(CLAUSE)}: is a symbolic link; ")
    assert "SECRET" not in result.stderr + result.stdout


def test_a_library_data_file_linked_outward_is_refused(workspace: Workspace, outside: Path) -> None:
    config = workspace.library_root / "documents.yaml"
    shutil.copy(config, outside / "documents.yaml")
    config.unlink()
    config.symlink_to(outside / "documents.yaml")
    result = run_bounded(workspace, "build", "acme", "--no-commit")
    one_error(result, r"^Error: clause_library/documents\.yaml: is a symbolic link; ")


# --- 4. names that are what they look like -----------------------------------------------------------------


INVISIBLE = {
    "right-to-left override": (
        "\u202e",
        "partner.name",
        "bidirectional control U+202E RIGHT-TO-LEFT OVERRIDE",
    ),
    "isolate": ("\u2067", "partner.name", "bidirectional control U+2067 RIGHT-TO-LEFT ISOLATE"),
    "zero-width space": ("\u200b", "partner.name", "invisible format character U+200B ZERO WIDTH SPACE"),
    "zero-width joiner": ("\u200d", "partner.name", "invisible format character U+200D ZERO WIDTH JOINER"),
    "soft hyphen": ("\u00ad", "partner.name", "invisible format character U+00AD SOFT HYPHEN"),
    "word joiner": ("\u2060", "partner.name", "invisible format character U+2060 WORD JOINER"),
}


@pytest.mark.parametrize("name", list(INVISIBLE))
def test_invisible_and_bidi_characters_in_names_are_refused(workspace: Workspace, name: str) -> None:
    char, key, reason = INVISIBLE[name]
    write_deal_text(workspace, deal_text(workspace).replace("name: Acme Cloud", f"name: Ac{char}me Cloud", 1))
    before = files_under(workspace.root)
    result = run_bounded(workspace, "validate", "acme")
    one_error(
        result, rf"^Error: agreements/acme/deal\.yaml: {re.escape(key)}: contains the {re.escape(reason)}"
    )
    assert files_under(workspace.root) == before


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("title: VP of Alliances", "title: VP of\u00adAlliances", "partner.signatory.title"),
        ("name: Dana Whitfield", "name: Dana\u200b Whitfield", "partner.signatory.name"),
        ("address: 200 Congress", "address: 200\u2060 Congress", "partner.address"),
        ("name: Priya Natarajan", "name: Priya\u202e Natarajan", "approvals.0.name"),
    ],
)
def test_titles_addresses_and_approvers_are_checked_too(
    workspace: Workspace, old: str, new: str, key: str
) -> None:
    write_deal_text(workspace, deal_text(workspace).replace(old, new, 1))
    result = run_bounded(workspace, "validate", "acme")
    one_error(result, rf"^Error: agreements/acme/deal\.yaml: {re.escape(key)}: contains the ")


EMAILS = {
    "zero-width space": (
        "legal@acme\u200bcloud.example",
        "contains the invisible or space character U+200B ZERO WIDTH SPACE",
    ),
    "bidi override": (
        "legal@elpmaxe\u202e.acmecloud.example",
        "contains the bidirectional control U+202E RIGHT-TO-LEFT OVERRIDE",
    ),
    "look-alike domain": (
        "legal@\u0430cmecloud.example",
        "contains U+0430 CYRILLIC SMALL LETTER A, which is not ASCII; an address must be what it looks like",
    ),
    "two at signs": ("legal@acme@cloud.example", "'legal@acme@cloud.example' is not an e-mail address"),
    "no domain": ("legal@acmecloud", "'legal@acmecloud' is not an e-mail address"),
    "empty label": ("legal@acmecloud..example", "'legal@acmecloud..example' is not an e-mail address"),
    "too long": ("x" * 250 + "@acmecloud.example", "is 268 characters long (limit 254)"),
}


@pytest.mark.parametrize("case", list(EMAILS))
@pytest.mark.parametrize(
    ("old", "key"),
    [
        ("notice_email: legal@acmecloud.example", "partner.notice_email"),
        ("email: dana.whitfield@acme.example", "partner.signatory.email"),
    ],
)
def test_hostile_email_addresses_are_refused(workspace: Workspace, case: str, old: str, key: str) -> None:
    value, reason = EMAILS[case]
    write_deal_text(workspace, deal_text(workspace).replace(old, f"{old.split(':')[0]}: {value}", 1))
    before = files_under(workspace.root)
    result = run_bounded(workspace, "validate", "acme")
    one_error(result, rf"^Error: agreements/acme/deal\.yaml: {re.escape(key)}: {re.escape(reason)}")
    assert files_under(workspace.root) == before


def test_plain_and_internationalised_email_addresses_pass() -> None:
    from assembler.deals.limits import check_email

    for value in ("o'neil+deals@sub.example.co.uk", "legal@xn--bcher-kva.example", ""):
        assert check_email(value) == value


def test_bidi_controls_are_refused_in_any_free_text(workspace: Workspace) -> None:
    text = deal_text(workspace).replace("governing_law: Delaware, USA", "governing_law: Delaware\u202e, USA")
    write_deal_text(workspace, text)
    result = run_bounded(workspace, "validate", "acme")
    one_error(result, r"terms\.governing_law: contains the bidirectional control U\+202E")


def test_a_mixed_script_look_alike_name_is_a_blocking_finding(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    write_deal_text(ws, deal_text(ws).replace("name: Acme Cloud", "name: \u0410cme Cloud", 1))  # Cyrillic А
    git(ws, "commit", "-qam", "A look-alike partner name")
    head, tags = git(ws, "rev-parse", "HEAD"), git(ws, "tag")
    assert run_bounded(ws, "validate", "acme").returncode == 0  # it is valid text; the playbook blocks it
    checked = run_bounded(ws, "check", "acme", "--today", "2026-10-02")
    assert checked.returncode == 1
    assert "names.mixed-script" in checked.stdout and "U+0410" in checked.stdout, checked.stdout
    built = run_cli(ws, "build", "acme")
    assert built.exit_code == 1
    assert (
        "names.mixed-script: partner.name 'Аcme Cloud Partners, Inc.' mixes scripts (U+0410 CYRILLIC CAPITAL "
        in (built.stderr)
    )
    assert git(ws, "rev-parse", "HEAD") == head and git(ws, "tag") == tags


def test_names_in_one_script_are_not_flagged() -> None:
    from assembler.playbook.names import mixed_script

    for name in (
        "Acme Cloud Partners, Inc.",
        "Müller & Søn GmbH",
        "Ελληνική Εταιρεία",
        "株式会社ソニー",
        "Sony 株式会社",
    ):
        assert mixed_script(name) == [], name
    assert mixed_script("Асме Cloud")[:2] == [
        "U+0410 CYRILLIC CAPITAL LETTER A",
        "U+0441 CYRILLIC SMALL LETTER ES",
    ]
    assert (
        mixed_script("佐々木 Holdings") == []
    )  # U+3005 is Han by Unicode's Script property, not "IDEOGRAPHIC"


def _deal_with(ws: Workspace, changes: dict[str, str]) -> None:
    """Write deal.yaml with `changes` (dotted keys) applied structurally and commit it."""
    set_deal(ws, "acme", changes)
    git(ws, "commit", "-qam", "Names as received")


def _blocked_with(ws: Workspace, expected: str) -> None:
    """build blocks with `expected` in its message and commits nothing; check reports the same rule and the
    same code points (its table wraps the message)."""
    head, tags = git(ws, "rev-parse", "HEAD"), git(ws, "tag")
    assert run_bounded(ws, "validate", "acme").returncode == 0  # valid text; the playbook blocks it
    built = run_bounded(ws, "build", "acme")
    assert built.returncode == 1
    assert expected in " ".join(built.stderr.split()), built.stderr
    assert git(ws, "rev-parse", "HEAD") == head and git(ws, "tag") == tags
    assert git(ws, "status", "--porcelain") == ""
    checked = run_bounded(ws, "check", "acme", "--today", "2026-10-02")
    assert checked.returncode == 1, checked.stdout
    for code in [expected.split(":", 1)[0], *re.findall(r"U\+[0-9A-F]{4,5}", expected)]:
        assert code in checked.stdout, (code, checked.stdout)


def test_an_all_cyrillic_look_alike_of_a_latin_name_is_a_blocking_finding(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    _deal_with(ws, {"partner.name": "\u0410\u0441\u043c\u0435"})  # "Асме": Cyrillic A, es, em, ie
    _blocked_with(
        ws,
        "names.confusable: partner.name 'Асме' displays as the Latin 'ACME' in capitals but is written in "
        "other characters (U+0410 CYRILLIC CAPITAL LETTER A, U+0441 CYRILLIC SMALL LETTER ES, "
        "U+043C CYRILLIC SMALL LETTER EM, U+0435 CYRILLIC SMALL LETTER IE): a reader sees a name these bytes "
        "are not; write it in Latin letters as the party is registered",
    )


def test_a_signatory_in_mathematical_letters_is_a_blocking_finding(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    _deal_with(
        ws, {"company.signatory.name": "\U0001d409\U0001d428\U0001d42b\U0001d41d\U0001d41a\U0001d427 Ellis"}
    )
    _blocked_with(
        ws,
        "names.confusable: company.signatory.name '𝐉𝐨𝐫𝐝𝐚𝐧 Ellis' displays as the Latin 'Jordan Ellis' but is "
        "written in other characters (U+1D409 MATHEMATICAL BOLD CAPITAL J, U+1D428 MATHEMATICAL BOLD SMALL O",
    )


def test_a_party_named_like_the_other_party_is_a_blocking_finding(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    # Only Latin letters, so no script check sees it: a lower-case L for the capital I of "Inc."
    _deal_with(ws, {"partner.name": "Northwind Software, lnc."})
    _blocked_with(
        ws,
        "names.confusable: partner.name 'Northwind Software, lnc.' looks the same as company.name 'Northwind "
        "Software, Inc.' (their Unicode TS #39 skeletons are equal) but differs in U+006C LATIN SMALL LETTER "
        "L, U+0049 LATIN CAPITAL LETTER I: the agreement would name two parties a reader cannot tell apart",
    )


GENUINE_NAMES = [
    "Газпром",
    "Яндекс",
    "Сбер",
    "ООО Ромашка",
    "Норильский никель",
    "Ελληνική Εταιρεία",
    "ΚΟΣΜΟΤΕ",
    "Σοφία",
    "Αθήνα",
    "Γιώργος Παπαδόπουλος",
    "株式会社",
    "株式会社ソニー",
    "佐々木",
    "삼성전자",
    "Müller & Søn GmbH",
    "Ñandú S.A.",
    "Hawaiʻi Ventures",
]
LOOK_ALIKES = {
    "АСМЕ": "ACME",  # Cyrillic capitals
    "Асме": "ACME",  # Cyrillic, lower case: prints as ACME in capitals
    "ХЕРОХ": "XEPOX",
    "ΟΤΕ": "OTE",  # Greek capitals with no letter that Latin lacks
    "Ａｃｍｅ": "Acrne",  # fullwidth: the skeleton of Latin "Acme" is "Acrne" too
    "ﬁnance": "finance",
}


@pytest.mark.parametrize("name", GENUINE_NAMES)
def test_genuine_names_in_their_own_script_are_not_flagged(name: str) -> None:
    from assembler.playbook.names import latin_lookalike, mixed_script

    assert latin_lookalike(name) is None and mixed_script(name) == []


@pytest.mark.parametrize(("name", "shows"), LOOK_ALIKES.items())
def test_whole_script_look_alikes_of_latin_names_are_found(name: str, shows: str) -> None:
    from assembler.playbook.names import latin_lookalike

    found = latin_lookalike(name)
    assert found is not None and found[0] == shows, found


def test_a_deal_with_genuine_non_latin_names_passes_the_name_checks(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    _deal_with(
        ws,
        {
            "partner.name": "Газпром нефть",
            "partner.signatory.name": "Γιώργος Παπαδόπουλος",
            "company.signatory.name": "佐々木 健",
        },
    )
    checked = run_bounded(ws, "check", "acme", "--today", "2026-10-02")
    assert "names." not in checked.stdout, checked.stdout


def test_the_confusables_table_is_unicodes_own_with_its_licence() -> None:
    from assembler.playbook import confusables

    folder = Path(confusables.__file__).parent / "unicode"
    assert confusables.data_version("confusables.txt") == confusables.data_version("Scripts.txt") == "18.0.0"
    header = (folder / "confusables.txt").read_text(encoding="utf-8")[:600]
    assert "Unicode Security Mechanisms for UTS #39" in header and "© 2026 Unicode®, Inc." in header
    assert (folder / "LICENSE").read_text(encoding="utf-8").startswith("UNICODE LICENSE V3")
    assert len(confusables.prototypes()) > 6000
    # TS #39's own example: Cyrillic er and a in "paypal" share Latin "paypal"'s skeleton.
    assert confusables.skeleton("\u0440\u0430ypal") == confusables.skeleton("paypal")
    assert confusables.skeleton("Acme") == "Acrne"  # "m" and "rn" are one prototype
    assert confusables.script("\u0410") == "Cyrillic" and confusables.script("\u3005") == "Han"


def test_a_5_mb_partner_name_is_refused(workspace: Workspace) -> None:
    write_deal_text(
        workspace, deal_text(workspace).replace("name: Acme", "name: Acme" + "x" * (5 * 1024 * 1024), 1)
    )
    result = run_bounded(workspace, "validate", "acme")
    one_error(result, r"^Error: agreements/acme/deal\.yaml: the file is \d+ bytes \(limit 262144\)")


# --- 8. make variables reach the shell as typed -------------------------------------------------------------


MAKE_VALUES = [
    "$(shell touch {mark})",
    "`touch {mark}`",
    "$$(touch {mark})",
    "x; touch {mark}",
    "$(touch {mark})",
]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("variable", ["DEAL", "DOC", "FROM", "TO"])
def test_make_variables_are_never_expanded_or_run(
    workspace: Workspace, tmp_path: Path, variable: str
) -> None:
    from .conftest import REPO

    shutil.copy(REPO / "Makefile", workspace.root / "Makefile")
    venv = Path(sys.prefix)
    marks = [tmp_path / f"ran-{i}" for i in range(len(MAKE_VALUES))]
    for value, mark in zip(MAKE_VALUES, marks, strict=True):
        typed = value.format(mark=mark)
        base = ["make", "-C", str(workspace.root), f"VENV={venv}", "-o", str(venv / ".installed")]
        others = {"DEAL": "acme", variable: typed}
        dry = subprocess.run(
            [*base, "-n", "redline", *(f"{k}={v}" for k, v in others.items())],
            capture_output=True,
            text=True,
            check=False,
        )
        assert dry.returncode == 0, dry.stderr
        assert typed not in dry.stdout  # the recipe names "$DEAL", never the value
        for how in ("command line", "environment"):
            args = [*base, "validate"] + (
                [f"{k}={v}" for k, v in others.items()] if how == "command line" else []
            )
            env = {**os.environ, **(others if how == "environment" else {"DEAL": ""})}
            env.pop("MAKEFLAGS", None)
            run = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
            if variable == "DEAL":
                # The literal text reaches the tool, which refuses it as a deal id.
                assert f"Error: deal id {typed!r} is not allowed" in run.stderr, run.stderr
            else:
                assert run.returncode == 0, run.stderr
    assert not any(mark.exists() for mark in marks)


def test_verify_refuses_an_executed_folder_linked_to_another_deal(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    executed = ws.deal_dir("acme") / "executed"
    executed.mkdir()
    (executed / "co-sell-agreement.execution.json").write_text('{"round": 1, "commit": "0", "sha256": "0"}')
    (ws.deal_dir("emberline") / "executed").symlink_to(executed, target_is_directory=True)
    result = run_cli(ws, "verify", "emberline")
    one_error(
        Bounded(result.exit_code, result.stdout, result.stderr),
        r"^Error: agreements/emberline/executed/co-sell-agreement\.execution\.json: passes through the "
        r"symbolic link agreements/emberline/executed",
    )
