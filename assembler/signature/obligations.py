"""Obligations after signature: the dates the executed agreement's terms set running.

The terms are read from the deal file of the round that was signed (the executed agreement's terms, not
whatever deal.yaml says today); which post-signature items are done comes from the current deal file, where
the team records them. Every obligation has an id that stays the same from run to run, so a calendar built
from them updates its events instead of duplicating them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from assembler.assembly.markdown import as_text
from assembler.deals.contract import Deal, parse_deal_text
from assembler.deals.layout import Workspace
from assembler.errors import AssemblerError
from assembler.library.loader import Library
from assembler.rounds.executed import Execution
from assembler.signature.after import AfterSignature, after_signature

if TYPE_CHECKING:
    from assembler.rounds.git import Repository

ObligationKind = Literal[
    "post-signature", "first-qbr", "renewal-notice", "term-end", "minimum-commitment", "exclusivity-end"
]
ObligationState = Literal["done", "overdue", "due", "upcoming"]

DUE_SOON = dt.timedelta(days=30)  # an obligation within a month is "due": time to act on it


@dataclass(frozen=True)
class Obligation:
    """One dated obligation of an executed agreement."""

    id: str  # stable within the deal: the calendar's UID is built from it
    kind: ObligationKind
    title: str
    due: dt.date
    detail: str
    done: bool = False

    def state(self, today: dt.date) -> ObligationState:
        """done, overdue (past its date), due (within 30 days) or upcoming."""
        if self.done:
            return "done"
        if self.due < today:
            return "overdue"
        return "due" if self.due - today <= DUE_SOON else "upcoming"


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole calendar months; the 31st of a shorter month becomes its last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def obligations_for(
    deal: Deal, signed_on: dt.date, after: list[tuple[str, str, dt.date, bool]], first_qbr_days: int
) -> list[Obligation]:
    """The obligations of an agreement with `deal`'s terms signed on `signed_on`, in date order.

    `after` holds the post-signature items as (id, text, due date, done)."""
    terms = deal.terms
    start = deal.effective_date or signed_on
    found = [
        Obligation(f"post-signature.{item_id}", "post-signature", text, due, "Post-signature checklist", done)
        for item_id, text, due, done in after
    ]
    found.append(
        Obligation(
            "first-qbr",
            "first-qbr",
            "First quarterly business review",
            signed_on + dt.timedelta(days=first_qbr_days),
            f"{first_qbr_days} days after signature",
        )
    )
    end = add_months(start, terms.term_months)
    what = "notice of non-renewal" if terms.auto_renewal else "notice to renew"
    found.append(
        Obligation(
            "renewal-notice",
            "renewal-notice",
            "Renewal notice deadline",
            end - dt.timedelta(days=terms.renewal_notice_days),
            f"Last day to give {what}: {terms.renewal_notice_days} days before the initial term ends"
            + (" (the agreement renews automatically)" if terms.auto_renewal else ""),
        )
    )
    found.append(
        Obligation(
            "term-end",
            "term-end",
            "End of the initial term",
            end,
            f"{terms.term_months} months from {start.isoformat()}",
        )
    )
    if terms.reseller is not None:
        amount = f"{terms.currency} {as_text(terms.reseller.minimum_annual_commitment)}"
        years = -(-terms.term_months // 12)  # every commitment year that starts inside the initial term
        for year in range(1, years + 1):
            period_start = add_months(start, 12 * (year - 1))
            period_end = min(add_months(start, 12 * year), end) - dt.timedelta(days=1)
            found.append(
                Obligation(
                    f"minimum-commitment.year-{year}",
                    "minimum-commitment",
                    f"Minimum annual commitment, year {year}",
                    period_end,
                    f"{amount} due for {period_start.isoformat()} to {period_end.isoformat()}",
                )
            )
    if terms.exclusivity != "none" and terms.exclusivity_months:
        scope = f" ({terms.exclusivity_scope})" if terms.exclusivity_scope else ""
        found.append(
            Obligation(
                "exclusivity-end",
                "exclusivity-end",
                "Exclusivity expires",
                add_months(start, terms.exclusivity_months),
                f"{terms.exclusivity} exclusivity{scope} for {terms.exclusivity_months} months",
            )
        )
    return sorted(found, key=lambda o: (o.due, o.id))


def open_obligations(obligations: list[Obligation], today: dt.date) -> list[Obligation]:
    """What is still to do: every obligation not done, overdue ones included, in date order."""
    return [o for o in obligations if o.state(today) != "done"]


def executed_terms(
    workspace: Workspace, execution: Execution, current: Deal, repo: Repository | None = None
) -> Deal:
    """The deal as it stood in the signed round (the executed agreement's terms); the current file when the
    round's copy cannot be read."""
    from assembler.rounds.git import Repository
    from assembler.rounds.round import find_round

    repo = repo or Repository(workspace.root)
    signed = find_round(repo, execution.deal_id, execution.document_id, execution.round_number)
    path = f"agreements/{execution.deal_id}/deal.yaml"
    text = repo.read_blob(signed.commit, path) if signed else None
    if text is None:
        return current
    try:
        return parse_deal_text(text.decode("utf-8"), f"{path} at round {execution.round_number}")
    except (AssemblerError, UnicodeDecodeError):
        return current  # an old round that no longer parses (the schema moved on): today's file still says


def deal_obligations(
    workspace: Workspace,
    deal_id: str,
    deal: Deal,
    signed: AfterSignature | None = None,
    library: Library | None = None,
    repo: Repository | None = None,
) -> list[Obligation] | None:
    """The executed deal's obligations, or None when its stage document is not executed (the library and
    repository are opened here unless the command shares its own)."""
    signed = signed or after_signature(workspace, deal_id, deal, library, repo)
    if signed is None:
        return None
    library = library or Library(workspace.library_root)
    after = [(i.id, i.text, i.due, i.done is not None) for i in signed.items]
    terms = executed_terms(workspace, signed.execution, deal, repo)
    return obligations_for(terms, signed.execution.signed_on, after, library.config.first_qbr_days)
