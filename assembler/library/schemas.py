"""The schemas of Legal's data files: clause front matter, documents, models, checklists, rules and config."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from assembler.deals.contract import DocumentId, ModelId, Signatory, Strict

CLAUSE_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ClauseId = Annotated[str, Field(pattern=CLAUSE_ID)]


class Fallback(Strict):
    """A fallback wording of a clause (front matter `fallbacks`) and when to offer it."""

    id: ClauseId
    use_when: str
    text: str
    # The deal terms (`terms.<path>`) and topics (lowercase words) this wording answers: triage suggests the
    # fallback whose declaration matches a received change.
    addresses: list[str] = []
    # Where the text goes when adopted: in place of one numbered sub-clause (`replaces: 2`), as a new
    # sub-clause after one (`after: 4`, or `after: end`), or, with neither, in place of the whole body.
    # Numbers count the clause's sub-clauses as the document prints them.
    replaces: Annotated[int, Field(ge=1, le=99)] | None = None
    after: Annotated[int, Field(ge=1, le=99)] | Literal["end"] | None = None

    @model_validator(mode="after")
    def _one_place(self) -> Fallback:
        if self.replaces is not None and self.after is not None:
            raise ValueError("give at most one of replaces and after")
        return self


class ClauseMeta(Strict):
    """A clause file's front matter."""

    id: ClauseId
    title: str
    version: Annotated[int, Field(ge=1)]
    applies_to: list[DocumentId]
    covers: list[str] = []
    variables: list[str] = []
    defines: list[str] = []
    numbered: bool = True
    fallbacks: list[Fallback] = []


# An amendment of an executed agreement (`build --document amendment`): amendment-1, amendment-2, ...
AMENDMENT_ID = r"^amendment-[1-9][0-9]{0,2}$"
AmendmentId = Annotated[str, Field(pattern=AMENDMENT_ID)]


class Document(Strict):
    """A document the library can assemble (documents.yaml), or an amendment of an executed agreement."""

    id: DocumentId | AmendmentId
    title: str
    kind: Literal["preliminary", "agreement", "amendment"]
    # A preliminary document's clause list for a model that does not list the document itself, so any
    # deal may use any preliminary document (playbook: start with the lightest document).
    clauses: list[str] | None = None

    @property
    def binding(self) -> bool:
        """Whether signing the document binds the parties: an agreement or an amendment of one (a letter of
        intent, MOU or term sheet is preliminary and, apart from its stated clauses, non-binding)."""
        return self.kind != "preliminary"


class PartnershipModel(Strict):
    """A partnership model (models/<id>.yaml): its terms and the clauses of each document."""

    id: ModelId
    title: str
    description: str
    typical_weeks_to_sign: tuple[int, int]
    required_terms: list[str] = []
    forbidden_terms: list[str] = []
    # False for a model without fees (the Finance validation rule does not apply).
    commercial_terms: bool = True
    # The term `assembler new` asks for as the proposed commercial terms (the model's key rate or fee).
    key_term: str | None = None
    documents: dict[DocumentId, list[str]]


class ChecklistItem(Strict):
    """A provision every agreement must cover (checklists/mandatory-provisions.yaml)."""

    id: Annotated[str, Field(pattern=r"^[a-z]+\.[a-z0-9-]+$")]
    group: str
    text: str
    # A case-insensitive regex that the wording of a clause covering the item contains: a per-deal wording
    # that no longer matches it has dropped the provision.
    evidence: str | None = None


class Checklist(Strict):
    """The mandatory-provisions checklist (checklists/mandatory-provisions.yaml)."""

    title: str
    items: list[ChecklistItem]


class Milestone(Strict):
    """A milestone of the negotiation timeline and what in git shows it reached."""

    id: Annotated[str, Field(pattern=r"^[a-z_]+$")]
    week: int
    day: int
    title: str
    # What in git or deal.yaml shows the milestone reached (see assembler/playbook/clock.py).
    evidence: (
        Literal[
            "preliminary-signed",
            "agreement-round",
            "agreement-ingest",
            "negotiation-call",
            "round-after-ingest",
            "final-approval",
            "executed",
            "kickoff",
        ]
        | None
    ) = None


class Timeline(Strict):
    """The negotiation timeline (negotiation/timeline.yaml): target days, milestones, messages."""

    target_days: int
    # Days from mutual interest to signature per model (the playbook's table); default target_days.
    targets: dict[ModelId, Annotated[int, Field(ge=7, le=3650)]] = {}
    # The negotiation call is a success when it resolves at least this share of the redlines.
    call_resolved_pct: Annotated[int, Field(ge=0, le=100)] = 80
    escalation_days: int
    stale_days: int
    milestones: list[Milestone]
    messages: dict[str, str]


class Condition(Strict):
    """A test on the deal's terms: one of term/equals, term/is_set, all, any."""

    term: str | None = None
    equals: str | int | bool | None = None
    is_set: bool | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None


class RedFlag(Strict):
    """A red-flag rule (rules/red-flags.yaml): when it applies and who must sign it off."""

    id: ClauseId
    title: str
    when: Condition
    why: str
    sign_off: list[Literal["CPO", "Legal", "Finance"]]


class RedFlags(Strict):
    """The red-flag rules and their messages (rules/red-flags.yaml)."""

    red_flags: list[RedFlag]
    messages: dict[str, str]


class WalkAway(Strict):
    """A walk-away trigger (negotiation/positions.yaml): a condition on the deal's terms."""

    id: ClauseId
    title: str
    when: Condition


class PositionRules(Strict):
    """Position rules (negotiation/positions.yaml): scales, rating labels, walk-away triggers, messages."""

    scales: dict[str, list[str]]
    # Which party a higher value (or a later word on the term's scale) favours.
    favours: dict[str, Literal["us", "partner"]] = {}
    # The objection (negotiation/objections.yaml) whose response answers a value outside our range.
    objections: dict[str, str] = {}
    ratings: dict[Literal["ideal", "target", "between", "below", "outside"], str]
    walk_away: list[WalkAway]
    messages: dict[str, str]


class Objection(Strict):
    """A standard partner objection and the suggested response (a template of deal values)."""

    objection: str
    response: str


class Objections(Strict):
    """Standard partner objections by ask kind (negotiation/objections.yaml)."""

    objections: dict[str, Objection]


class Economics(Strict):
    """What the package around a rate is worth (negotiation/economics.yaml), in the deal's currency."""

    co_marketing_value: Annotated[Decimal, Field(ge=0)]
    pam_value: Annotated[Decimal, Field(ge=0)]
    messages: dict[str, str]


class HouseCompany(Strict):
    """Our own company as a party (config.yaml `company`): names, address, signatory."""

    name: str
    entity: str | None = None
    address: str | None = None
    notice_email: str | None = None
    signatory: Signatory


class Mailbox(Strict):
    """A name and e-mail address (config.yaml committer, announcement sender and recipients)."""

    name: str
    email: Annotated[str, Field(pattern=r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[A-Za-z]{2,}$")]


class Announcement(Strict):
    """The internal partner announcement (playbook 5.2): sender (the CPO), team lists, links."""

    sender: Mailbox
    recipients: Annotated[list[Mailbox], Field(min_length=1)]
    deal_registration_url: str | None = None
    partner_portal_url: str | None = None


class DocuSign(Strict):
    """The DocuSign envelope `sign --prepare` writes: who signs in which order (1 = first), the subject."""

    routing_order: Annotated[list[Literal["company", "partner"]], Field(min_length=2, max_length=2)]
    email_subject: str = "Please sign: {document} between {company} and {partner}"


class Config(Strict):
    """House settings (clause_library/config.yaml)."""

    company: HouseCompany
    legal_team: str
    committer: Mailbox | None = None
    announcement: Announcement | None = None
    first_qbr_days: Annotated[int, Field(ge=1, le=366)] = 90
    # Who may sign off for each role: an approval counts only if the commit adding it was authored by one of
    # them, under their own name (and, with signed_approvals, carries a signature git verifies).
    approvers: dict[Literal["CPO", "Legal", "Finance"], list[Mailbox]] = {}
    signed_approvals: bool = False
    # Rounds, receipts and executions are committed only on this branch (elsewhere: --no-commit).
    branch: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")] = "main"
    docusign: DocuSign | None = None

    @property
    def commit_identity(self) -> tuple[str, str] | None:
        """The (name, email) to commit rounds as when git has no identity, or None."""
        return (self.committer.name, self.committer.email) if self.committer else None
