"""The deal file contract: `agreements/<deal>/deal.yaml` loaded into strict pydantic models.

Keys listed in DESIGN.md are stable. Money and percentages are `Decimal`; free text is checked for control
characters (they turn into page breaks in Word) and its whitespace normalised.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from assembler.deals.committed import committed_deal_data
from assembler.deals.currencies import ISO_4217
from assembler.deals.fields import Days as Days
from assembler.deals.fields import Email as Email
from assembler.deals.fields import Fact, NoticeEmail
from assembler.deals.fields import Money as Money
from assembler.deals.fields import Name as Name
from assembler.deals.fields import Percent as Percent
from assembler.deals.fields import Strict as Strict
from assembler.deals.fields import Text as Text
from assembler.deals.fields import _clean_text as _clean_text  # tests check text as validation cleans it
from assembler.deals.layout import DEAL_ID as DEAL_ID  # the deal id's rule lives with the paths built from it
from assembler.deals.layout import check_deal_id as check_deal_id
from assembler.deals.limits import MAX_DEAL_BYTES, bounded_number
from assembler.deals.playbook_inputs import BusinessCase as BusinessCase
from assembler.deals.playbook_inputs import Constraint as Constraint
from assembler.deals.playbook_inputs import Event as Event
from assembler.errors import DealError
from assembler.safe_files import FileRefused, read_regular_file
from assembler.yamlfile import YamlFileError, parse_yaml

ModelId = Literal[
    "referral", "co-sell", "reseller", "implementation", "oem", "joint-venture", "technology-alliance"
]


DocumentId = Literal[
    "loi",
    "mou",
    "term-sheet",
    "referral-agreement",
    "co-sell-agreement",
    "reseller-agreement",
    "implementation-partner-agreement",
    "oem-license-agreement",
    "jv-agreement",
    "partner-alliance-agreement",
]


MODEL_IDS: tuple[str, ...] = get_args(ModelId)


DOCUMENT_IDS: tuple[str, ...] = get_args(DocumentId)


class Signatory(Strict):
    """The person who signs for a party (`signatory` in deal.yaml)."""

    name: Fact
    title: Fact
    # Where DocuSign sends the envelope (`sign --prepare`); optional until then.
    email: Email | None = None


class Party(Strict):
    """A party to the agreement (`company` in deal.yaml): names, address and signatory."""

    name: Name
    entity: Fact | None = None
    address: Fact | None = None
    notice_email: NoticeEmail | None = None
    signatory: Signatory


class Partner(Party):
    """The partner party (`partner` in deal.yaml), with its partner-programme tier."""

    tier: Literal["platinum", "gold", "silver", "registered"]


class TargetMarkets(Strict):
    """The industries and geographies the partnership targets (`target_markets` in deal.yaml)."""

    industries: list[Text] = []
    geographies: list[Text] = []


class DealRegistration(Strict):
    """Deal-registration terms (`terms.deal_registration`): window, protection period, approval SLA."""

    registration_window_business_days: Annotated[int, Field(ge=1, le=60)] = 5
    protection_days: Annotated[int, Field(ge=1, le=730)] = 90
    approval_sla_business_hours: Annotated[int, Field(ge=1, le=720)] = 48


class NonCompete(Strict):
    """A non-compete commitment (`terms.non_compete`): its scope and whether it covers the core product."""

    scope: Text
    covers_core_product: bool = False


class ResellerTerms(Strict):
    """Reseller-model terms (`terms.reseller`): discount, minimum commitment, territory, payment."""

    discount_pct: Percent
    minimum_annual_commitment: Money
    territory: Text
    payment_net_days: Days = 30


class ImplementationTerms(Strict):
    """Implementation-partner terms (`terms.implementation`): certification, CSAT, methodology, rates."""

    min_certified_individuals: Annotated[int, Field(ge=1, le=10000)]
    csat_minimum: Annotated[Decimal, Field(ge=0, le=10, allow_inf_nan=False), BeforeValidator(bounded_number)]
    methodology: Text
    services_rate_range: Text | None = None


class OemTerms(Strict):
    """OEM-model terms (`terms.oem`): a royalty or a licence fee, the products, royalty reporting."""

    royalty_pct: Percent | None = None
    licence_fee: Money | None = None
    minimum_annual_royalty: Money | None = None
    licensed_product: Fact
    partner_product: Fact
    reporting_days: Days = 30

    @model_validator(mode="after")
    def _one_fee_basis(self) -> OemTerms:
        if (self.royalty_pct is None) == (self.licence_fee is None):
            raise ValueError("set exactly one of royalty_pct or licence_fee")
        return self


class EquitySplit(Strict):
    """Equity split of a joint venture (`terms.joint_venture.equity_split`); the two shares total 100."""

    company_pct: Percent
    partner_pct: Percent

    @model_validator(mode="after")
    def _sums_to_100(self) -> EquitySplit:
        if self.company_pct + self.partner_pct != 100:
            raise ValueError(
                f"company_pct + partner_pct must be 100, not {self.company_pct + self.partner_pct}"
            )
        return self


class RevenueSplit(Strict):
    """Revenue split of a joint venture by who sourced the deal (`terms.joint_venture.revenue_split`)."""

    company_sourced_pct: Percent
    partner_sourced_pct: Percent
    joint_sourced_pct: Percent


class JointVentureTerms(Strict):
    """Joint-venture terms (`terms.joint_venture`): structure, equity, board, revenue, exit, non-compete."""

    structure: Literal["newco-llc", "contractual", "dedicated-practice"]
    equity_split: EquitySplit
    board_seats_company: Annotated[int, Field(ge=1, le=20)]
    board_seats_partner: Annotated[int, Field(ge=1, le=20)]
    deadlock_resolution: Text = "referral to an independent arbitrator"
    revenue_split: RevenueSplit
    exit_notice_months: Annotated[int, Field(ge=1, le=60)] = 12
    right_of_first_refusal: bool = True
    non_compete_scope: Text


class Terms(Strict):
    """The commercial and legal terms of the deal (`terms` in deal.yaml), the values clauses print."""

    governing_law: Text
    arbitration_seat: Text | None = None
    currency: str
    term_months: Annotated[int, Field(ge=1, le=240)]
    auto_renewal: bool = True
    renewal_notice_days: Days = 60
    renewal_performance_minimum: Money | None = None
    liability_cap_months: Annotated[int, Field(ge=1, le=120)] | Literal["uncapped"]
    exclusivity: Literal["none", "vertical", "broad"]
    exclusivity_scope: Text | None = None
    exclusivity_months: Annotated[int, Field(ge=1, le=120)] | None = None
    payment_net_days: Days = 30
    payment_trigger: Text = "the Customer's payment of the first invoice"
    referral_fee_pct: Percent | None = None
    influenced_fee_pct: Percent | None = None
    referral_fee_cap: Money | None = None
    clawback_days: Days | None = None
    qualifying_close_days: Days | None = None
    deal_registration: DealRegistration | None = None
    cure_period_days: Days = 30
    termination_convenience_days: Days = 90
    non_solicitation_months: Annotated[int, Field(ge=0, le=60)] = 12
    escalation_business_days: Days = 10
    jointly_developed_ip: Literal["joint", "company", "partner", "each-own-contribution"] = "joint"
    mfn_pricing: bool = False
    partner_audit_of_customer_list: bool = False
    non_compete: NonCompete | None = None
    mdf_amount: Money | None = None
    reseller: ResellerTerms | None = None
    implementation: ImplementationTerms | None = None
    oem: OemTerms | None = None
    joint_venture: JointVentureTerms | None = None

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, value: str) -> str:
        if value not in ISO_4217:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. USD, EUR, GBP)")
        return value

    @model_validator(mode="after")
    def _exclusivity_needs_scope(self) -> Terms:
        if self.exclusivity != "none" and self.exclusivity_scope is None:
            raise ValueError(
                f"exclusivity is {self.exclusivity!r}: state its precise scope in terms.exclusivity_scope"
            )
        return self


PositionValue = Annotated[Decimal | int | Text, BeforeValidator(bounded_number)]


class Positions(Strict):
    """The negotiation team's positions (`positions` in deal.yaml): ideal, target, minimum per term; BATNA."""

    ideal: dict[str, PositionValue] = {}
    target: dict[str, PositionValue] = {}
    minimum: dict[str, PositionValue] = {}
    batna: Batna | None = None

    @field_validator("ideal", "target", "minimum")
    @classmethod
    def _known_terms(cls, value: dict[str, Any]) -> dict[str, Any]:
        known = term_paths()
        for key in value:
            if key not in known:
                raise ValueError(f"{key!r} is not a term under `terms` (e.g. referral_fee_pct)")
        return value


class Batna(Strict):
    """Best alternative to a negotiated agreement (`positions.batna`): what it is and how strong."""

    description: Text
    strength: Literal["high", "medium", "low"]


class Approval(Strict):
    """A sign-off by the CPO, Legal or Finance (`approvals` in deal.yaml), naming the rules it covers."""

    role: Literal["CPO", "Legal", "Finance"]
    name: Name
    date: dt.date
    covers: list[Text] = []
    reason: Text | None = None  # why the sign-off was given (required for preliminary-first)


class Ask(Strict):
    """Something the partner has asked for in negotiation (`asks` in deal.yaml), by kind."""

    kind: Literal[
        "higher-referral-fee",
        "exclusivity",
        "no-client-names",
        "own-template",
        "long-approval",
        "go-direct",
        "other",
    ]
    detail: Text | None = None


ChecklistItemId = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class Confirmation(Strict):
    """A pre-signature checklist item confirmed (ids: clause_library/checklists/pre-signature.yaml)."""

    item: ChecklistItemId
    confirmed_by: Name
    date: dt.date


class Completion(Strict):
    """A post-signature checklist item done (ids: clause_library/checklists/post-signature.yaml)."""

    item: ChecklistItemId
    done_by: Name
    date: dt.date


class SignatureRecord(Strict):
    """The signature checklists as worked through (playbook 5.1), and the partner account manager."""

    pre_signature: list[Confirmation] = []
    post_signature: list[Completion] = []
    pam: Name | None = None


class Agreed(Strict):
    """Who agreed a negotiated wording, and when."""

    by: Text
    date: dt.date


class Wording(Strict):
    """A deal's override of one clause: a library fallback, or a file under `agreements/<deal>/wording/`."""

    clause: ChecklistItemId  # a clause id (same shape as checklist item ids)
    fallback: ChecklistItemId | None = None
    file: Annotated[str, Field(pattern=r"^wording/[a-z0-9]+(-[a-z0-9]+)*(\.[1-9][0-9]*)?\.md$")] | None = None
    subclause: Annotated[int, Field(ge=1, le=99)] | None = None  # only this numbered sub-clause
    version: Annotated[int, Field(ge=1)]  # the library clause version it was agreed against
    source: Text
    agreed: Agreed
    forced: bool = False  # accepted although triage classified the change critical

    @model_validator(mode="after")
    def _one_wording(self) -> Wording:
        if (self.fallback is None) == (self.file is None) or (self.subclause and self.fallback):
            raise ValueError("give one of fallback or file (wording/<clause>.md); subclause needs a file")
        return self


class Deal(Strict):
    """One deal: who, which partnership model, which document next, and the commercial terms."""

    partner: Partner
    company: Party
    model: ModelId
    stage: DocumentId
    mutual_interest_date: dt.date
    target_signature_date: dt.date | None = None
    effective_date: dt.date | None = None
    target_markets: TargetMarkets = TargetMarkets()
    terms: Terms
    positions: Positions = Positions()
    approvals: list[Approval] = []
    asks: list[Ask] = []
    signature: SignatureRecord | None = None
    constraints: list[Constraint] = []
    business_case: BusinessCase | None = None
    events: list[Event] = []
    wording: list[Wording] = []  # checked against the library by assembly/wording.py

    @model_validator(mode="after")
    def _signature_after_interest(self) -> Deal:
        if self.target_signature_date is not None and self.target_signature_date <= self.mutual_interest_date:
            raise ValueError("target_signature_date must be after mutual_interest_date")
        return self


Positions.model_rebuild()


def term_paths(model: type[BaseModel] = Terms, prefix: str = "") -> set[str]:
    """Every dotted path under `terms` (for positions and per-model rules)."""
    paths: set[str] = set()
    for name, field in model.model_fields.items():
        path = prefix + name
        paths.add(path)
        for arg in (field.annotation, *get_args(field.annotation)):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                paths |= term_paths(arg, path + ".")
    return paths


def term_value(terms: Terms, path: str) -> Any:
    """The value at a dotted path under `terms`, or None when a part of it is not set."""
    value: Any = terms
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


_MESSAGES = {
    "missing": "required",
    "extra_forbidden": "unknown key (check the spelling; see schemas/deal.schema.json)",
}


def _format_error(err: Any) -> tuple[str, str]:
    loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith(("function-", "constrained-")))
    loc = re.sub(r"\.(int|decimal|str|literal\[[^\]]*\]|[A-Z][A-Za-z]+)\b", "", loc)
    msg = _MESSAGES.get(err["type"]) or err["msg"].removeprefix("Value error, ")
    if err["type"].startswith("date_"):
        reason = err.get("ctx", {}).get("error", "")
        msg = "not a valid date; write YYYY-MM-DD" + (f" ({reason})" if reason else "")
    return loc or "(top level)", msg


def parse_deal(data: Any, source: str) -> Deal:
    """Validate parsed YAML data; all problems are reported at once, one line each."""
    if not isinstance(data, dict):
        raise DealError(f"{source}: expected a mapping of keys (partner, company, model, ...), got {data!r}")
    try:
        return Deal.model_validate(data)
    except ValidationError as exc:
        lines: list[str] = []
        for err in exc.errors():
            loc, msg = _format_error(err)
            line = f"{source}: {loc}: {msg}"
            if line not in lines:
                lines.append(line)
        raise DealError("\n".join(lines)) from None


def read_deal_file(path: Path, source: str) -> bytes:
    """The raw bytes of a deal file, checked to be readable UTF-8; `source` names it in errors."""
    try:
        data = read_regular_file(path, MAX_DEAL_BYTES)
        data.decode("utf-8")
    except FileNotFoundError:
        raise DealError(f"{source}: no such deal file; create it with `assembler new`") from None
    except FileRefused as exc:
        raise DealError(f"{source}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DealError(f"{source}: cannot read ({exc})") from None
    return data


def load_deal(path: Path, source: str) -> Deal:
    """Read and validate a deal file; `source` is how errors name it (a workspace-relative path)."""
    return parse_deal_text(read_deal_file(path, source).decode("utf-8"), source)


def parse_deal_text(text: str, source: str) -> Deal:
    """Parse and validate deal.yaml text; `source` is how errors name the file."""
    try:
        data = parse_yaml(text, source)
    except YamlFileError as exc:
        raise DealError(str(exc)) from None
    return parse_deal(data, source)


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """{"terms": {"a": 1}} → {"terms.a": 1}; lists are compared whole."""
    if isinstance(data, dict):
        flat: dict[str, Any] = {}
        for key, value in data.items():
            flat.update(flatten(value, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): data}


def deal_changes(old_text: str | None, new_text: str) -> list[tuple[str, Any, Any]]:
    """(key path, old value, new value) for every value that differs; None stands for "not set"."""

    def load(text: str | None) -> dict[str, Any]:
        return flatten(committed_deal_data(text) or {}) if text else {}

    old, new = load(old_text), load(new_text)
    return [
        (key, old.get(key), new.get(key))
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]
