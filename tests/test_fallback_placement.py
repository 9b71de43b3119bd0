"""An adopted fallback lands where the clause library says: in place of one sub-clause, as a new sub-clause
after one, or as the whole body, and every other sub-clause of the clause stays as the library prints it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assembler.assembly.assemble import assemble, plan
from assembler.assembly.localise import other_variant_words
from assembler.assembly.wording import fallback_override, subclauses
from assembler.deals.contract import Agreed, Deal, Wording
from assembler.deals.layout import Workspace
from assembler.library.jurisdictions import profile_for
from assembler.library.loader import Clause, Library
from assembler.library.schemas import Fallback
from assembler.library.validate import read_valid_deal

from .conftest import EXAMPLES, git, run_cli

REPO = Path(__file__).resolve().parent.parent
LIBRARY = Library(REPO / "clause_library")
WORKSPACE = Workspace(REPO)
# A fallback that only makes sense for a deal with a value the examples do not set gets it here.
DEAL_FOR = {
    "oem-licence-fee-quarterly": {
        "oem": {"royalty_pct": None, "minimum_annual_royalty": None, "licence_fee": "250000"}
    }
}


def _deal_with(clause: Clause) -> tuple[str, Deal, str]:
    """An example deal, and one of its model's documents, that includes the clause."""
    for deal_id in EXAMPLES.values():
        deal, _ = read_valid_deal(WORKSPACE, deal_id, LIBRARY)
        for document_id in clause.meta.applies_to:
            try:
                if any(c.id == clause.id for c in plan(deal, LIBRARY, document_id)):
                    return deal_id, deal, document_id
            except Exception:
                continue
    raise AssertionError(f"no example deal includes {clause.id}")


CASES = [
    pytest.param(clause, fallback, id=f"{clause.id}/{fallback.id}")
    for clause in LIBRARY.clauses.values()
    for fallback in clause.meta.fallbacks
]


@pytest.mark.parametrize(("clause", "fallback"), CASES)
def test_an_adopted_fallback_replaces_only_what_it_says(clause: Clause, fallback: Fallback) -> None:
    deal_id, deal, document_id = _deal_with(clause)
    if fallback.id in DEAL_FOR:
        data = deal.model_dump(mode="json", exclude_none=True)
        for key, value in DEAL_FOR[fallback.id].items():
            merged = {**data["terms"].get(key, {}), **value}
            data["terms"][key] = {k: v for k, v in merged.items() if v is not None}
        deal = Deal.model_validate(data)
    declared = Wording(
        clause=clause.id,
        fallback=fallback.id,
        version=clause.meta.version,
        source="fallback",
        agreed=Agreed(by="Dana Legal", date=dt.date(2026, 12, 1)),
    )
    override = fallback_override(declared, fallback, f"{deal_id}: fallback {fallback.id}")

    def text_of(overrides: tuple[object, ...]) -> list[str]:
        document = assemble(deal, deal_id, LIBRARY, document_id, dt.date(2026, 12, 1), overrides)  # type: ignore[arg-type]
        return subclauses(next(p.text for p in document.clauses if p.clause.id == clause.id))

    before, after = text_of(()), text_of((override,))
    # Adopted library text is spelt for the deal's governing law, like the rest of the document.
    variant = profile_for(deal, LIBRARY).spelling
    assert other_variant_words("\n".join(after), LIBRARY, variant) == {}
    if fallback.replaces is not None:
        n = fallback.replaces - 1
        assert len(after) == len(before)
        assert after[:n] + after[n + 1 :] == before[:n] + before[n + 1 :]
        assert after[n] != before[n]
    elif fallback.after is not None:
        n = len(before) if fallback.after == "end" else fallback.after
        assert after[:n] + after[n + 1 :] == before
        assert after[n] not in before
    else:  # the whole body: nothing of the library's wording is left by accident
        assert after != before
        assert len(after) >= 2, "a one-paragraph fallback would leave the clause with that paragraph alone"


def test_adopt_keeps_the_rest_of_the_clause_in_the_built_document(repo_workspace: Workspace) -> None:
    ws = repo_workspace
    adopted = run_cli(
        ws, "adopt", "acme", "co-sell-attribution", "sourced-lookback-shorter", "--by", "Dana Legal"
    )
    assert adopted.exit_code == 0, adopted.stderr
    git(ws, "commit", "-qam", "acme adopts a shorter look-back")
    built = run_cli(ws, "build", "acme", "--no-commit")
    assert built.exit_code in (0, 1), built.stderr
    text = (ws.root / "agreements/acme/co-sell-agreement.md").read_text()
    assert "during the preceding six \\(6\\) months" in text or "during the preceding six (6) months" in text
    assert "For the purposes of the definition of Influenced Opportunity" in text  # sub-clause 3 kept
    assert "When Company approves the registration of an Opportunity" in text  # sub-clause 1 kept
