"""Clause-library governance: `library lint` (with --base) and `library impact`, in real git workspaces."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from assembler.cli import cli
from assembler.cli_library import library
from assembler.deals.layout import Workspace
from assembler.library.loader import Library
from assembler.library.patterns import load_red_flag_patterns

from .conftest import REPO, git, run_cli
from .tracked_changes import changes

# Until cli.py registers the group itself; adding it again is harmless.
cli.add_command(library)

FEES = "clause_library/clauses/referral/referral-fees.md"
FEES_VERSION = Library(REPO / "clause_library").clauses["referral-fees"].meta.version
LAW = "clause_library/clauses/general/governing-law.md"
PATTERNS = "clause_library/rules/red-flag-patterns.yaml"
AUTHORING = "clause_library/AUTHORING.md"
CLAUSES = len(list((REPO / "clause_library" / "clauses").rglob("*.md")))


def law_at_version_one(workspace: Workspace) -> None:
    """Commit governing-law at version 1 (whatever the checkout's version) so the tests below can raise it."""
    file = workspace.root / LAW
    file.write_text(re.sub(r"^version: \d+$", "version: 1", file.read_text(), count=1, flags=re.M))
    git(workspace, "commit", "-q", "-am", "governing-law at version 1")


def edit(workspace: Workspace, path: str, old: str, new: str, *, last: bool = False) -> None:
    """Replace the first occurrence of `old`, or with `last` the last one (in a clause, the body comes after
    the front matter, where a fallback may use the same words)."""
    file = workspace.root / path
    text = file.read_text()
    assert old in text, f"{old!r} not in {path}"
    head, _, tail = text.rpartition(old) if last else text.partition(old)
    file.write_text(head + new + tail)


def error_lines(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    assert all(line.startswith("Error: ") for line in lines), stderr
    return [line.removeprefix("Error: ") for line in lines]


def lint(workspace: Workspace, *args: str) -> tuple[int, list[str]]:
    result = run_cli(workspace, "library", "lint", *args)
    return result.exit_code, error_lines(result.stderr)


def summary(count: int) -> str:
    return f"{count} problem{'s' if count > 1 else ''} in the clause library; fix them and lint again"


# --- lint ------------------------------------------------------------------------------------------------


def test_lint_passes_on_the_shipped_library(workspace: Workspace) -> None:
    result = run_cli(workspace, "library", "lint")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"clause library OK ({CLAUSES} clauses)\n"


def _duplicate(workspace: Workspace) -> None:
    source = workspace.root / LAW
    (workspace.root / "clause_library/clauses/co-sell/governing-law.md").write_text(source.read_text())


def _checklist_item(workspace: Workspace) -> None:
    path = workspace.library_root / "checklists" / "mandatory-provisions.yaml"
    path.write_text(
        path.read_text() + '  - {id: compliance.export-control, group: Compliance, text: "Export control"}\n'
    )


AGREEMENTS = [  # (model, title, document), in the order lint reports them: by model id
    ("co-sell", "Co-Sell Agreement", "co-sell-agreement"),
    ("implementation", "Implementation Partner Agreement", "implementation-partner-agreement"),
    ("joint-venture", "Joint Venture Agreement", "jv-agreement"),
    ("oem", "OEM License Agreement", "oem-license-agreement"),
    ("referral", "Referral Agreement", "referral-agreement"),
    ("reseller", "Reseller Agreement", "reseller-agreement"),
    ("technology-alliance", "Partner Alliance Agreement", "partner-alliance-agreement"),
]

LINT_FAILURES = [
    pytest.param(
        lambda ws: edit(ws, FEES, f"version: {FEES_VERSION}", "version: 0"),
        [f"{FEES}: version: Input should be greater than or equal to 1; see {AUTHORING}"],
        id="bad-front-matter",
    ),
    pytest.param(
        lambda ws: edit(ws, FEES, "title: Referral Fees\n", "title: Referral Fees\nowner: legal\n"),
        [f"{FEES}: owner: Extra inputs are not permitted; see {AUTHORING}"],
        id="unknown-front-matter-key",
    ),
    pytest.param(
        _duplicate,
        [
            f"{LAW}: clause id 'governing-law' is also used by "
            "clause_library/clauses/co-sell/governing-law.md; give one of them a new id (and file name)"
        ],
        id="duplicate-id",
    ),
    pytest.param(
        lambda ws: edit(ws, FEES, ", terms.clawback_days]", "]"),
        [f"{FEES}: uses terms.clawback_days but variables does not list it; add it to variables"],
        id="undeclared-variable",
    ),
    pytest.param(
        lambda ws: edit(
            ws, FEES, "{{ terms.referral_fee_pct | pct }}", "{{ terms.referal_fee_pct | pct }}", last=True
        ),
        [
            f"{FEES}: the body uses terms.referal_fee_pct, which is not a value available to a clause; fix "
            f'the name (see "Values available to a clause" in {AUTHORING})'
        ],
        id="unknown-variable",
    ),
    pytest.param(
        lambda ws: edit(ws, FEES, "variables: [", "variables: [terms.referral_fee, "),
        [
            f"{FEES}: variables lists terms.referral_fee, which is not a value available to a clause; fix "
            f'or remove it (see "Values available to a clause" in {AUTHORING})'
        ],
        id="unknown-declared-variable",
    ),
    pytest.param(
        lambda ws: edit(
            ws, FEES, "Partner will repay only", "{{ positions.minimum }} Partner will repay only"
        ),
        [
            f"{FEES}: fallback clawback-pro-rata uses positions.minimum, which is internal negotiation data "
            "and must never be printed in a document; remove it"
        ],
        id="internal-data",
    ),
    pytest.param(
        lambda ws: edit(
            ws, FEES, "{{ terms.clawback_days | spelled }}", "{{ terms.clawback_days | spelt }}", last=True
        ),
        [
            f"{FEES}: the body uses the filter 'spelt', which does not exist; use one listed in {AUTHORING} "
            "(Filters) or a Jinja built-in"
        ],
        id="unknown-filter",
    ),
    pytest.param(
        lambda ws: edit(ws, FEES, "{%- else -%}", "{%- els -%}"),
        [
            f"{FEES}: template syntax error in the body, line 3: Encountered unknown tag 'els'. Jinja was "
            "looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to "
            "be closed is 'if'.; fix the Jinja tag"
        ],
        id="template-syntax",
    ),
    pytest.param(
        lambda ws: edit(ws, FEES, "[[ref:payment-terms]]", "[[ref:payment-term]]"),
        [f"{FEES}: refers to [[ref:payment-term]], but no clause has the id payment-term; fix the id"],
        id="dangling-reference",
    ),
    pytest.param(
        lambda ws: edit(ws, FEES, "[[ref:payment-terms]]", "[[ref:co-sell-incentives]]"),
        [
            f"{FEES}: refers to [[ref:co-sell-incentives]], which is not in referral/referral-agreement "
            "(model/document); add co-sell-incentives to that document in clause_library/models/, or put the "
            "reference in an {% if model.id == ... %} branch"
        ],
        id="reference-outside-document",
    ),
    pytest.param(
        lambda ws: edit(
            ws, FEES, "applies_to: [referral-agreement]", "applies_to: [referral-agreement, loi]"
        ),
        [
            f"{FEES}: applies_to lists loi, but no model uses the clause there; remove loi from "
            "applies_to or add the clause to that document of a model"
        ],
        id="applies-to-unused",
    ),
    pytest.param(
        lambda ws: edit(ws, FEES, "applies_to: [referral-agreement]", "applies_to: [co-sell-agreement]"),
        [
            f"{FEES}: used in referral-agreement by the referral model, but applies_to does not list it; add "
            "referral-agreement to applies_to or remove the clause from clause_library/models/referral.yaml",
            f"{FEES}: applies_to lists co-sell-agreement, but no model uses the clause there; remove "
            "co-sell-agreement from applies_to or add the clause to that document of a model",
        ],
        id="applies-to-missing",
    ),
    pytest.param(
        _checklist_item,
        [
            f"clause_library/models/{model}.yaml: no clause of the {title} covers checklist item "
            f"compliance.export-control (Export control); add a clause that covers it to the {document} "
            "clause list"
            for model, title, document in AGREEMENTS
        ],
        id="checklist-item-uncovered",
    ),
    pytest.param(
        lambda ws: edit(
            ws,
            FEES,
            "Referral Fee is not subject to any cap.\n{%- endif %}",
            "Referral Fee is not subject "
            "to any cap.\n{%- endif %} Partner's fees will be no less favourable than those\nof any other "
            "partner.",
        ),
        [
            f'{FEES}: "fees will be no less favourable than those of any other partner" matches red-flag '
            "pattern price-parity (mfn-pricing: prices or terms at least as good as those given to any other "
            "partner or customer); reword it, or if Legal has reviewed it, add {clause: referral-fees, "
            f"pattern: price-parity, reason: ...}} to allow in {PATTERNS}"
        ],
        id="red-flag-language",
    ),
    pytest.param(
        lambda ws: edit(
            ws,
            PATTERNS,
            "allow:\n",
            "allow:\n  - {clause: referral-fees, pattern: most-favoured-nation, reason: reviewed}\n",
        ),
        [
            f"{PATTERNS}: allow entry for clause referral-fees and pattern most-favoured-nation no longer "
            "matches the clause's text; remove it"
        ],
        id="stale-allow-entry",
    ),
    pytest.param(
        lambda ws: edit(ws, PATTERNS, "    rule: mfn-pricing\n", "    rule: mfn\n"),
        [
            f"{PATTERNS}: pattern most-favoured-nation: rule 'mfn' is not a red flag of "
            "clause_library/rules/red-flags.yaml; use one of auto-renewal-without-performance-minimum, "
            "broad-exclusivity, jointly-developed-ip-to-partner, mfn-pricing, non-compete-core-product, "
            "partner-audit-of-customer-list, uncapped-liability"
        ],
        id="pattern-unknown-rule",
    ),
]


@pytest.mark.parametrize(("change", "expected"), LINT_FAILURES)
def test_lint_reports_each_problem_on_one_line(workspace: Workspace, change, expected: list[str]) -> None:
    change(workspace)
    code, lines = lint(workspace)
    assert code == 1
    assert lines == [*expected, summary(len(expected))]


def test_a_reference_inside_a_model_branch_is_checked_only_for_that_model(workspace: Workspace) -> None:
    # exclusivity is in every agreement; a reference to a referral-only clause is fine in a referral branch.
    path = "clause_library/clauses/general/exclusivity.md"
    text = (workspace.root / path).read_text()
    guarded = "\n\n{% if model.id == 'referral' %}See [[ref:referral-fees]].{% endif %}\n"
    (workspace.root / path).write_text(text + guarded)
    assert lint(workspace) == (0, [])
    (workspace.root / path).write_text(text + "\n\nSee [[ref:referral-fees]].\n")
    code, lines = lint(workspace)
    assert code == 1
    places = ", ".join(f"{m}/{d}" for m, _, d in AGREEMENTS if m != "referral")
    assert lines[0] == (
        f"{path}: refers to [[ref:referral-fees]], which is not in {places} (model/document); add "
        "referral-fees to that document in clause_library/models/, or put the reference in an "
        "{% if model.id == ... %} branch"
    )


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("Company shall not partner with any competing vendor during the Term.", "broad-exclusivity"),
        ("Partner is granted exclusivity in all markets.", "broad-exclusivity"),
        ("Company will extend most-favored-nation pricing to Partner.", "mfn-pricing"),
        ("Each Party has unlimited liability under this Agreement.", "uncapped-liability"),
        ("Liability is without limitation as to amount.", "uncapped-liability"),
        (
            "Company assigns all right, title and interest in jointly developed IP.",
            "jointly-developed-ip-to-partner",
        ),
        ("Partner may audit the Company's customer list each quarter.", "partner-audit-of-customer-list"),
        ("The non-compete extends to Company's core product category.", "non-compete-core-product"),
    ],
)
def test_red_flag_patterns_recognise_the_playbook_red_flags(sentence: str, rule: str) -> None:
    patterns = load_red_flag_patterns(Library(REPO / "clause_library"))
    assert {item.rule for item, _ in patterns.matches(sentence)} == {rule}


def test_red_flag_patterns_leave_standard_wording_alone() -> None:
    patterns = load_red_flag_patterns(Library(REPO / "clause_library"))
    for sentence in (
        "Company grants Partner a non-exclusive, worldwide, royalty-free licence.",
        "This Agreement is non-exclusive.",
        "Each Party's total aggregate liability will not exceed the Fees paid in the twelve (12) months.",
        "Partner assigns to Company all of its rights in Jointly Developed IP.",
    ):
        assert patterns.matches(sentence) == [], sentence


# --- lint --base and impact: the clause review workflow --------------------------------------------------


def _deals_including(workspace: Workspace, clause_id: str) -> list[str]:
    """The example deals whose stage document includes the clause, worked out from the model files."""
    from assembler.deals.contract import load_deal

    lib = Library(workspace.library_root)
    found = []
    for deal_id in workspace.deal_ids():
        deal = load_deal(workspace.deal_file(deal_id), deal_id)
        if clause_id in lib.clause_ids(deal.model, deal.stage):
            found.append(f"{deal_id} {deal.stage}")
    return found


def test_changed_clause_needs_a_version_bump_and_impact_lists_its_deals(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    law_at_version_one(ws)
    base = git(ws, "rev-parse", "HEAD").strip()
    edit(ws, FEES, "Company will pay Partner a fee", "Company will pay Partner a referral fee")
    edit(ws, LAW, "irrevocably submits", "irrevocably and unconditionally submits")

    code, lines = lint(ws, "--base", "HEAD")
    assert code == 1
    assert lines == [
        f"{LAW}: clause governing-law changed since HEAD but its version is 1 (it was 1 at HEAD); raise "
        "version to 2",
        f"{FEES}: clause referral-fees changed since HEAD but its version is {FEES_VERSION} (it was "
        f"{FEES_VERSION} at HEAD); raise version to {FEES_VERSION + 1}",
        summary(2),
    ]

    edit(ws, FEES, f"version: {FEES_VERSION}", f"version: {FEES_VERSION + 1}")
    edit(ws, LAW, "version: 1", "version: 2")
    passed = run_cli(ws, "library", "lint", "--base", "HEAD")
    assert passed.exit_code == 0, passed.stderr
    assert passed.stdout == (
        f"clause library OK ({CLAUSES} clauses)\n2 clause(s) changed since HEAD, each with a higher version\n"
    )
    git(ws, "commit", "-q", "-am", "Referral fee and jurisdiction wording")

    result = run_cli(ws, "library", "impact", "--base", base)
    assert result.exit_code == 0, result.stderr
    assert _deals_including(ws, "referral-fees") == ["brightpath referral-agreement"]
    law_deals = _deals_including(ws, "governing-law")
    assert len(law_deals) == 7  # every example deal is at its substantive agreement
    expected = sorted(
        [f"  {d}: governing-law (no round yet)" for d in law_deals]
        + ["  brightpath referral-agreement: referral-fees (no round yet)"]
    )
    assert result.stdout == "\n".join(
        [
            f"Clauses changed since {base} ({base[:12]}):",
            "  governing-law: Governing Law and Jurisdiction, version 1 \u2192 2; redline "
            "library-impact/governing-law.v1-v2.docx",
            f"  referral-fees: Referral Fees, version {FEES_VERSION} \u2192 {FEES_VERSION + 1}; redline "
            f"library-impact/referral-fees.v{FEES_VERSION}-v{FEES_VERSION + 1}.docx",
            "Deal documents that include them (8):",
            *expected,
            "Wrote library-impact/impact.md",
            "",
        ]
    )
    fees_redline = f"referral-fees.v{FEES_VERSION}-v{FEES_VERSION + 1}.docx"
    redline = (ws.root / "library-impact" / fees_redline).read_bytes()
    assert changes(redline) == {"ins": [str(FEES_VERSION + 1), "referral "], "del": [str(FEES_VERSION)]}
    xml = zipfile.ZipFile(ws.root / "library-impact" / fees_redline).read("word/document.xml")
    assert b'w:author="Northwind Legal"' in xml
    law = (ws.root / "library-impact" / "governing-law.v1-v2.docx").read_bytes()
    assert changes(law) == {"ins": ["2", "and unconditionally "], "del": ["1"]}
    report = (ws.root / "library-impact" / "impact.md").read_text()
    assert (
        f"| Referral Fees (`referral-fees`) | version {FEES_VERSION} \u2192 {FEES_VERSION + 1} "
        f"| {fees_redline} |" in report
    )
    assert "| brightpath | referral-agreement | `referral-fees` | no round yet |" in report
    assert git(ws, "status", "--porcelain") == ""  # the output folder is ignored


def test_impact_tells_rounds_on_the_old_text_from_rounds_already_up_to_date(
    repo_workspace: Workspace, tmp_path: Path
) -> None:
    ws = repo_workspace
    law_at_version_one(ws)
    base = git(ws, "rev-parse", "HEAD").strip()
    assert run_cli(ws, "build", "acme").exit_code == 0  # round 1 on version 1 of governing-law
    edit(ws, LAW, "irrevocably submits", "irrevocably and unconditionally submits")
    edit(ws, LAW, "version: 1", "version: 2")
    git(ws, "commit", "-q", "-am", "Jurisdiction wording")
    assert run_cli(ws, "build", "corvid").exit_code == 0  # round 1 already on version 2

    out = tmp_path / "review"
    result = run_cli(ws, "library", "impact", "--base", base, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    deals = result.stdout.split("Deal documents that include them (6):\n")[1].splitlines()[:-1]
    assert deals == [
        "  acme co-sell-agreement: governing-law (round 1 used version 1)",
        "  brightpath referral-agreement: governing-law (no round yet)",
        "  deltaforge implementation-partner-agreement: governing-law (no round yet)",
        "  emberline oem-license-agreement: governing-law (no round yet)",
        "  fjordlabs jv-agreement: governing-law (no round yet)",
        "  glimmer partner-alliance-agreement: governing-law (no round yet)",
    ]
    assert sorted(p.name for p in out.iterdir()) == ["governing-law.v1-v2.docx", "impact.md"]


def test_impact_with_nothing_changed_writes_only_the_summary(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    head = git(ws, "rev-parse", "HEAD").strip()
    result = run_cli(ws, "library", "impact", "--base", "HEAD")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"No clause text changed since HEAD ({head[:12]}).\nWrote library-impact/impact.md\n"
    )
    assert sorted(p.name for p in (ws.root / "library-impact").iterdir()) == ["impact.md"]


@pytest.mark.parametrize("command", ["lint", "impact"])
def test_base_must_name_a_commit_and_is_never_an_option(repo_workspace: Workspace, command: str) -> None:
    ws = repo_workspace
    before = sorted(p.name for p in ws.root.iterdir())
    result = run_cli(ws, "library", command, "--base=--output=stolen")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --base --output=stolen: a revision cannot start with '-'; name a branch, tag or commit\n"
    )
    result = run_cli(ws, "library", command, "--base", "no-such-branch")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --base no-such-branch: not a commit in this repository; name a branch, tag or commit (in CI, "
        "fetch the base branch: actions/checkout with fetch-depth: 0)\n"
    )
    assert sorted(p.name for p in ws.root.iterdir()) == before
