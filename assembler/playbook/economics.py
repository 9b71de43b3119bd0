"""Computed economics: the total package value behind our referral rate, and the JV revenue scenarios.

Pure functions over the deal's business_case, its terms and negotiation/economics.yaml. Money is Decimal and
shown with the deal's currency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from assembler.assembly.markdown import money, pct
from assembler.deals.contract import Ask, Deal
from assembler.library.loader import Library
from assembler.playbook.finding import Finding

_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")
_HUNDRED = Decimal(100)
DEFAULT_ASK_PCT = Decimal(20)  # the partner's "our standard is 20%" (playbook 4.2) when the ask names none


@dataclass(frozen=True)
class Package:
    """What we offer at our target rate, against the partner's asked rate, on the first-year ACV."""

    currency: str
    acv: Decimal
    target_fee_pct: Decimal
    fees: Decimal
    mdf: Decimal
    co_marketing: Decimal
    pam: Decimal
    ask_fee_pct: Decimal
    ask_fees: Decimal

    @property
    def total(self) -> Decimal:
        """Fees at our target rate plus MDF, co-marketing and the partner account manager."""
        return self.fees + self.mdf + self.co_marketing + self.pam


def target_fee(deal: Deal) -> Decimal | None:
    """Our target referral rate: positions.target, else the rate in the terms."""
    value = deal.positions.target.get("referral_fee_pct", deal.terms.referral_fee_pct)
    return None if value is None else Decimal(str(value))


def asked_fee(deal: Deal, ask: Ask | None = None) -> Decimal:
    """The rate the partner asks for: the first percentage in the ask's detail, else the playbook's 20%."""
    asks = [ask] if ask is not None else [a for a in deal.asks if a.kind == "higher-referral-fee"]
    for item in asks:
        found = _PERCENT.search(item.detail or "")
        if found:
            return Decimal(found.group(1))
    return DEFAULT_ASK_PCT


def package(deal: Deal, library: Library, ask: Ask | None = None) -> Package | None:
    """The total package value at our target rate; None without a first-year ACV or a target rate."""
    case, rate = deal.business_case, target_fee(deal)
    if case is None or case.first_year_acv is None or rate is None:
        return None
    config = library.economics
    acv = case.first_year_acv
    mdf = case.proposed_mdf if case.proposed_mdf is not None else (deal.terms.mdf_amount or Decimal(0))
    ask_pct = asked_fee(deal, ask)
    return Package(
        deal.terms.currency,
        acv,
        rate,
        acv * rate / _HUNDRED,
        mdf,
        config.co_marketing_value,
        config.pam_value,
        ask_pct,
        acv * ask_pct / _HUNDRED,
    )


def package_text(deal: Deal, library: Library, ask: Ask | None = None) -> str:
    """One sentence with the package figures (or what to set to get them)."""
    messages = library.economics.messages
    found = package(deal, library, ask)
    if found is None:
        return messages["no_business_case"]
    cur = found.currency
    return messages["package"].format(
        target_fee=pct(found.target_fee_pct),
        total=money(found.total, cur),
        fees=money(found.fees, cur),
        acv=money(found.acv, cur),
        mdf=money(found.mdf, cur),
        co_marketing=money(found.co_marketing, cur),
        pam=money(found.pam, cur),
        ask_fee=pct(found.ask_fee_pct),
        ask_total=money(found.ask_fees, cur),
    )


@dataclass(frozen=True)
class Scenario:
    """One JV revenue scenario: all revenue from one source, split by the revenue_split for that source."""

    name: str
    revenue: Decimal
    company: Decimal
    partner: Decimal


def jv_scenarios(deal: Deal) -> list[Scenario]:
    """Company-, Partner- and jointly sourced revenue on the business case's revenue target; each party's
    shares sum to the revenue. Empty for a deal that is not a JV or has no revenue target."""
    jv, case = deal.terms.joint_venture, deal.business_case
    if jv is None or case is None or case.revenue_target is None:
        return []
    revenue, split = case.revenue_target, jv.revenue_split
    scenarios = []
    for name, company_pct in (
        ("Company-sourced", split.company_sourced_pct),
        ("Partner-sourced", split.partner_sourced_pct),
        ("Jointly sourced", split.joint_sourced_pct),
    ):
        company = revenue * company_pct / _HUNDRED
        scenarios.append(Scenario(name, revenue, company, revenue - company))
    return scenarios


def scenario_lines(deal: Deal, library: Library) -> list[str]:
    """The scenarios as sentences (for check), or what to set to get them."""
    messages = library.economics.messages
    if deal.terms.joint_venture is None:
        return []
    found = jv_scenarios(deal)
    if not found:
        return [messages["no_jv_revenue"]]
    cur = deal.terms.currency
    return [
        messages["jv_scenario"].format(
            scenario=s.name,
            revenue=money(s.revenue, cur),
            company=money(s.company, cur),
            partner=money(s.partner, cur),
        )
        for s in found
    ]


def suggested_response(deal: Deal, library: Library, kind: str) -> str:
    """The playbook's response to an objection, with the deal's figures filled in."""
    objection = library.objections.objections.get(kind) or library.objections.objections["other"]
    registration = deal.terms.deal_registration
    rate = target_fee(deal)
    values = {
        "target_fee": "-" if rate is None else pct(rate),
        "protection_days": registration.protection_days if registration else "-",
        "approval_sla": registration.approval_sla_business_hours if registration else "-",
        "package": package_text(deal, library) if kind == "higher-referral-fee" else "",
    }
    return objection.response.format(**values)


def economics_findings(deal: Deal, library: Library) -> list[Finding]:
    """Information for `check`: the package value behind an open fee ask, and a JV's revenue scenarios."""
    findings = []
    if any(ask.kind == "higher-referral-fee" for ask in deal.asks):
        findings.append(Finding("economics.package", "info", package_text(deal, library)))
    for number, line in enumerate(scenario_lines(deal, library), start=1):
        findings.append(Finding(f"economics.jv-scenario.{number}", "info", line))
    return findings
