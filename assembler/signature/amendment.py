"""Amendments of an executed agreement: `build DEAL --document amendment` drafts amendment-1, amendment-2, ...

An executed agreement never changes; a change agreed afterwards is an amendment, a document of its own with
rounds, redlines, an execution version and a signature like any other. Its text is computed: the agreement
assembled from today's deal and library is compared, clause by clause and sub-clause by sub-clause, with the
text last signed (the agreement's executed round, or the agreement as amended by the previous executed
amendment), and each difference becomes one numbered amendment ("Section 6.1 is deleted and replaced with
the following: ..."), with the deal's term changes stated old → new. Each amendment round also commits the
agreement as amended (`amendment-N.agreement.md`): the text the next amendment starts from, and the text the
playbook checks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from assembler.assembly import markdown
from assembler.assembly.assemble import AssembledDocument, assemble
from assembler.assembly.twin import clause_sections
from assembler.assembly.wording import subclause_count, subclauses
from assembler.deals.contract import Deal, deal_changes
from assembler.deals.layout import DealLayout, Workspace
from assembler.errors import SignatureError
from assembler.library.loader import Library
from assembler.library.schemas import AMENDMENT_ID, Document
from assembler.library.validate import choose_document, read_valid_deal
from assembler.rounds.executed import Execution, find_execution
from assembler.rounds.round import document_path, find_round, rounds
from assembler.word.render import RenderedDocument

if TYPE_CHECKING:
    from assembler.rounds.git import Repository

AMENDMENT = "amendment"  # `--document amendment`: the amendment being drafted, or the next one


_NUMBERED = re.compile(r"^# .+ \{#(?P<id>[a-z0-9-]+)\}$", re.M)


def is_amendment(document_id: str | None) -> bool:
    """`--document amendment` or `--document amendment-N`."""
    return document_id is not None and (
        document_id == AMENDMENT or bool(re.fullmatch(AMENDMENT_ID, document_id))
    )


def amendment_file(deal_id: str, document_id: str) -> str:
    """The agreement as amended by an amendment (Markdown), committed with each of its rounds."""
    return DealLayout(deal_id).document(document_id, "agreement.md")


@dataclass(frozen=True)
class AmendmentPlan:
    """Which amendment, of which executed agreement, starting from which signed text."""

    number: int
    agreement: Document
    dated: dt.date  # the agreement's signing date
    amended_by: list[tuple[int, dt.date]]  # earlier executed amendments
    base_markdown: str  # the agreement's text as last signed
    base_yaml: str  # the deal.yaml of that signature

    @property
    def document(self) -> Document:
        """The amendment as a document: its id and title ("Amendment No. N to the ... dated ...")."""
        return Document(
            id=f"{AMENDMENT}-{self.number}",
            title=(
                f"Amendment No. {self.number} to the {self.agreement.title} dated "
                f"{markdown.long_date(self.dated)}"
            ),
            kind="amendment",
        )


def _signed_blob(repo: Repository, execution: Execution, path: str) -> str:
    signed = find_round(repo, execution.deal_id, execution.document_id, execution.round_number)
    data = repo.read_blob(signed.commit, path) if signed else None
    if data is None:
        raise SignatureError(
            f"{path}: not found in round {execution.round_number} of {execution.document_id}, the round "
            "signed; the history was altered, amend from a verified copy"
        )
    return data.decode("utf-8")


def amendment_plan(
    repo: Repository, deal_id: str, deal: Deal, library: Library, requested: str
) -> AmendmentPlan:
    """The amendment `requested` names: `amendment` is the one in rounds and unsigned, else the next one."""
    model = library.model(deal.model)
    agreements = [d for d in model.documents if library.document(d).kind == "agreement"]
    executions = [e for e in (find_execution(repo, deal_id, d) for d in agreements) if e is not None]
    if not executions:
        raise SignatureError(
            f"--document {requested}: nothing to amend; an amendment changes an executed agreement, and "
            f"{deal_id}'s {', '.join(agreements)} is not signed (`assembler sign {deal_id} --signed-on DATE`)"
        )
    executed = executions[0]
    amendments: list[Execution | None] = []
    while rounds(repo, deal_id, f"{AMENDMENT}-{len(amendments) + 1}"):
        amendments.append(find_execution(repo, deal_id, f"{AMENDMENT}-{len(amendments) + 1}"))
    drafting = len(amendments) if amendments and amendments[-1] is None else len(amendments) + 1
    number = drafting if requested == AMENDMENT else int(requested.removeprefix(f"{AMENDMENT}-"))
    if number > drafting:
        raise SignatureError(
            f"--document {requested}: amendment-{drafting} is the next amendment of {deal_id}; build "
            f"`--document {AMENDMENT}`"
        )
    signed = [(k, e.signed_on) for k, e in enumerate(amendments[: number - 1], start=1) if e is not None]
    base = amendments[number - 2] if number > 1 else executed
    if base is None:  # an earlier amendment still unsigned (only reachable by naming a later one)
        raise SignatureError(f"--document {requested}: amendment-{number - 1} is not signed yet")
    path = (
        document_path(deal_id, executed.document_id, "md")
        if number == 1
        else amendment_file(deal_id, f"{AMENDMENT}-{number - 1}")
    )
    return AmendmentPlan(
        number,
        library.document(executed.document_id),
        executed.signed_on,
        signed,
        _signed_blob(repo, base, path),
        _signed_blob(repo, base, f"agreements/{deal_id}/deal.yaml"),
    )


def _numbers(text: str) -> dict[str, int]:
    return {match.group("id"): index for index, match in enumerate(_NUMBERED.finditer(text), start=1)}


def _show(key: str, value: Any) -> str:
    if value is None:
        return "not set"
    text = str(value)
    if key.endswith("_pct"):
        try:
            return f"{Decimal(text).normalize():f}%"
        except InvalidOperation:
            pass
    return text


def _label(key: str) -> str:
    """terms.referral_fee_pct → "referral fee"."""
    return key.split(".")[-1].removesuffix("_pct").replace("_", " ")


def _term_note(changes: list[tuple[str, Any, Any]], variables: list[str]) -> str:
    """ "(referral fee: 10% → 12%)" for the deal terms a clause uses that changed."""
    used = [c for c in changes if any(c[0] == v or c[0].startswith(v + ".") for v in variables)]
    if not used:
        return ""
    shown = [f"{_label(key)}: {_show(key, old)} \u2192 {_show(key, new)}" for key, old, new in used]
    return " (" + "; ".join(markdown.escape(s) for s in shown) + ")"


def _replacement(intro: str, text: str) -> list[str]:
    # The replacement sits in a Body Text div: not numbered as sub-clauses of the amendment itself.
    return [intro, "", '::: {custom-style="Body Text"}', text, ":::", ""]


def amendments(
    plan: AmendmentPlan, amended: AssembledDocument, changes: list[tuple[str, Any, Any]]
) -> list[str]:
    """One numbered amendment (a Markdown paragraph and its replacement text) per changed clause."""
    old, new = clause_sections(plan.base_markdown), clause_sections(amended.markdown)
    old_numbers, new_numbers = _numbers(plan.base_markdown), _numbers(amended.markdown)
    variables = {p.clause.id: p.clause.meta.variables for p in amended.clauses}
    lines: list[str] = []
    for clause_id, (title, text) in new.items():
        note = _term_note(changes, variables.get(clause_id, []))
        where = f"Section {old_numbers[clause_id]}" if clause_id in old_numbers else None
        if clause_id not in old:
            lines += _replacement(
                f"The following is inserted into the Agreement as a new Section "
                f"{new_numbers.get(clause_id, '')} ({markdown.escape(title)}), and the later Sections are "
                f"renumbered accordingly{note}:",
                text,
            )
            continue
        if old[clause_id][1] == text:
            continue
        before, after = subclauses(old[clause_id][1]), subclauses(text)
        if where is None:
            lines += _replacement(
                f"The opening paragraphs of the Agreement, before Section 1, are deleted and replaced with "
                f"the following{note}:",
                text,
            )
        elif len(before) == len(after) and subclause_count(text) == len(after):
            for index, (was, now) in enumerate(zip(before, after, strict=True), start=1):
                if was != now:
                    lines += _replacement(
                        f"{where}.{index} of the Agreement is deleted and replaced with the following{note}:",
                        now,
                    )
        else:
            lines += _replacement(
                f"{where} of the Agreement ({markdown.escape(title)}) is deleted and replaced with the "
                f"following{note}:",
                text,
            )
    for clause_id, (title, _) in old.items():
        if clause_id not in new:
            where = f"Section {old_numbers[clause_id]}" if clause_id in old_numbers else "The paragraph"
            lines += [f"{where} of the Agreement ({markdown.escape(title)}) is deleted.", ""]
    return lines


def amendment_markdown(
    deal: Deal, plan: AmendmentPlan, amended: AssembledDocument, changes: list[tuple[str, Any, Any]]
) -> str:
    """The amendment's full Markdown: title, parties and recitals, the amendments, the general provisions."""
    numbered = amendments(plan, amended, changes)
    if not numbered:
        raise SignatureError(
            f"{plan.document.id}: nothing to amend; the deal and the clause library give the "
            f"{plan.agreement.title} as signed. Change the terms agreed in deal.yaml first"
        )
    agreement, dated = plan.agreement.title, markdown.long_date(plan.dated)
    as_amended = "".join(
        f", as amended by Amendment No. {k} dated {markdown.long_date(d)}" for k, d in plan.amended_by
    )
    company, partner = markdown.escape(deal.company.name), markdown.escape(deal.partner.name)
    lines = [
        '::: {custom-style="Title"}',
        markdown.escape(plan.document.title),
        ":::",
        "",
        f"::: {{.unnumbered #{plan.document.id}-preamble}}",
        f"This Amendment No. {plan.number} (this **“Amendment”**) is made between {company} (**“Company”**) "
        f"and {partner} (**“Partner”**), the parties to the {markdown.escape(agreement)} dated {dated}"
        f"{as_amended} (the **“Agreement”**).",
        "",
        f"**Background.** (A) Company and Partner entered into the Agreement on {dated}. (B) They have "
        "agreed to amend the Agreement as set out below, with effect from the date on which this Amendment "
        "has been signed by both of them, being the later of the two dates of signature (the "
        "**“Amendment Effective Date”**).",
        "",
        "The Parties therefore agree as follows:",
        ":::",
        "",
        f"# Amendments {{#{plan.document.id}-amendments}}",
        "",
        "With effect from the Amendment Effective Date, the Agreement is amended as follows.",
        "",
        *numbered,
        f"# General {{#{plan.document.id}-general}}",
        "",
        "Except as amended by this Amendment, the Agreement continues in full force and effect. From the "
        "Amendment Effective Date, every reference in the Agreement to “this Agreement” is to the Agreement "
        "as amended by this Amendment.",
        "",
        "Capitalised terms used but not defined in this Amendment have the meanings given to them in the "
        "Agreement, and Section references are to Sections of the Agreement.",
        "",
        "This Amendment is governed by the law that governs the Agreement, and any dispute under it is "
        "resolved as the Agreement provides. It may be signed in counterparts, including by electronic "
        "signature.",
    ]
    return "\n".join(lines) + "\n"


def amendment_document(
    repo: Repository, deal_id: str, deal: Deal, library: Library, document_id: str | None
) -> Document:
    """The document `sign` works on: the deal's agreement by default, or an amendment of it."""
    if is_amendment(document_id):
        assert document_id is not None
        return amendment_plan(repo, deal_id, deal, library, document_id).document
    return library.document(choose_document(deal, library, document_id))


def render_amendment(workspace: Workspace, deal_id: str, document_id: str | None) -> RenderedDocument:
    """The amendment rendered like any document; the playbook checks the agreement as amended."""
    from assembler.rounds.git import Repository

    library = Library(workspace.library_root)
    deal, deal_yaml = read_valid_deal(workspace, deal_id, library)
    plan = amendment_plan(Repository(workspace.root), deal_id, deal, library, document_id or AMENDMENT)
    amended = assemble(deal, deal_id, library, plan.agreement.id)
    changes = [
        c for c in deal_changes(plan.base_yaml, deal_yaml.decode("utf-8")) if c[0].startswith("terms.")
    ]
    text = amendment_markdown(deal, plan, amended, changes)
    assembled = AssembledDocument(deal_id, plan.document, (), text)
    companion = {amendment_file(deal_id, plan.document.id): amended.markdown.encode("utf-8")}
    return RenderedDocument(deal, deal_yaml, library, assembled, checked=amended, companions=companion)
