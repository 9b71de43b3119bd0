"""`new`: a commented deal.yaml with the model's defaults from the clause library.

The playbook's inputs (partner firm name, partnership model, proposed commercial terms, timeline to signature,
known constraints) come as options or, in that order, as answers to questions (`ask_inputs`).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from assembler.assembly.blanks import scaffold_party
from assembler.atomic_write import write_files_atomically
from assembler.deals.contract import MODEL_IDS, parse_deal
from assembler.deals.layout import Workspace
from assembler.errors import DealError, LibraryError
from assembler.library.loader import Library
from assembler.yamlfile import YamlFileError, load_yaml

_SECTION_COMMENTS = {
    "partner": "Who we are signing with. tier: platinum | gold | silver | registered",
    "company": "Us, as named in the agreement (from clause_library/config.yaml)",
    "model": "referral | co-sell | reseller | implementation | oem | joint-venture | technology-alliance",
    "stage": "The document the next build produces; the model's sequence is: {sequence}",
    "mutual_interest_date": "The clock starts here (YYYY-MM-DD)",
    "target_signature_date": "When both sides aim to sign (default: the model's target from the playbook)",
    "target_markets": "Industries and geographies the partnership targets",
    "terms": "Commercial and legal terms; see schemas/deal.schema.json for every key",
    "positions": "Negotiation positions per term (ideal / target / minimum) and the BATNA",
    "approvals": "Sign-offs: {role: CPO|Legal|Finance, name, date, covers: [rule ids]}",
    "asks": "Open counterparty asks: {kind, detail}",
    "constraints": "Known legal or compliance constraints: {party: company|partner, text}",
    "business_case": "From partner recruitment: first_year_acv, revenue_target, proposed_mdf (money)",
    "events": "What happened outside git: {kind: negotiation-call|..., date, outcome, redlines_resolved_pct}",
}


@dataclass(frozen=True)
class NewDealInputs:
    """What `new` is told about a deal; None: not given (a question, or the library default)."""

    partner: str | None = None
    model: str | None = None
    key_value: str | None = None  # the model's key rate or fee, as typed
    target_signature_date: dt.date | None = None
    constraints: tuple[tuple[str, str], ...] = ()
    stage: str | None = None


def parse_constraints(text: str) -> tuple[tuple[str, str], ...]:
    """'partner: no data leaves the EU; company: export review' → ((party, text), ...); default: partner."""
    found = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        party, sep, rest = part.partition(":")
        if sep and party.strip().lower() in ("company", "partner"):
            found.append((party.strip().lower(), rest.strip()))
        else:
            found.append(("partner", part))
    return tuple(found)


Ask = Callable[[str, str | None], str]  # (question, default shown) → the answer ("" keeps the default)


def ask_inputs(library: Library, given: NewDealInputs, ask: Ask, always: bool) -> NewDealInputs:
    """Ask, in the playbook's order, for each input not given (every input when `always`)."""

    def question(text: str, current: str | None) -> str | None:
        answer = ask(text, current).strip()
        return answer or current

    inputs = given
    if always or inputs.partner is None:
        inputs = replace(inputs, partner=question("Partner firm name", inputs.partner))
    if always or inputs.model is None:
        inputs = replace(inputs, model=question(f"Partnership model ({', '.join(MODEL_IDS)})", inputs.model))
    model = library.models.get(inputs.model or "")
    if model is not None and model.key_term and (always or inputs.key_value is None):
        default = inputs.key_value or _default_value(library, model.id, model.key_term)
        inputs = replace(inputs, key_value=question(f"Proposed commercial terms: {model.key_term}", default))
    if always or inputs.target_signature_date is None:
        current = inputs.target_signature_date.isoformat() if inputs.target_signature_date else None
        answer = question("Target signature date (YYYY-MM-DD; empty: the model's target)", current)
        try:
            day = dt.date.fromisoformat(answer) if answer else None
        except ValueError:
            raise DealError(f"target signature date {answer!r}: not a date; write YYYY-MM-DD") from None
        inputs = replace(inputs, target_signature_date=day)
    if always or not inputs.constraints:
        shown = "; ".join(f"{p}: {t}" for p, t in inputs.constraints) or None
        answer = question("Known legal or compliance constraints (party: text; ...)", shown)
        inputs = replace(inputs, constraints=parse_constraints(answer or ""))
    return inputs


def missing_inputs(inputs: NewDealInputs) -> list[str]:
    """The required options not given."""
    return [name for name, value in (("--partner", inputs.partner), ("--model", inputs.model)) if not value]


def _defaults(library: Library) -> dict[str, Any]:
    path = library.root / "negotiation" / "defaults.yaml"
    try:
        return load_yaml(path, "clause_library/negotiation/defaults.yaml") or {}
    except YamlFileError as exc:
        raise LibraryError(str(exc)) from None


def _default_value(library: Library, model_id: str, path: str) -> str | None:
    defaults = _defaults(library)
    terms = _merge(defaults.get("terms", {}), defaults.get("models", {}).get(model_id, {}).get("terms", {}))
    value: Any = terms
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return None if value is None else str(value)


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[leaf] = value


def _key_value(path: str, text: str) -> Any:
    """The typed key rate or fee: a number (kept as text for Decimal fields, int for counts)."""
    try:
        number = Decimal(text.strip().rstrip("%").strip())
    except InvalidOperation:
        raise DealError(f"proposed commercial terms ({path}) {text!r}: not a number, e.g. 10") from None
    if number == number.to_integral_value() and path.endswith(("individuals", "_days", "_months")):
        return int(number)
    return str(number.normalize()) if number != number.to_integral_value() else str(int(number))


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def scaffold_data(
    library: Library,
    partner: str,
    model_id: str,
    mutual_interest: dt.date,
    inputs: NewDealInputs | None = None,
) -> dict[str, Any]:
    """The starting deal for a model: library defaults plus the partner's name and the given inputs."""
    defaults = _defaults(library)
    inputs = inputs or NewDealInputs()
    model = library.model(model_id)
    per_model = defaults.get("models", {}).get(model_id, {})
    company = library.config.company
    data: dict[str, Any] = {
        "partner": {
            "name": partner,
            **scaffold_party(),
        },
        "company": company.model_dump(exclude_none=True),
        "model": model_id,
        "stage": inputs.stage or next(iter(model.documents)),
        "mutual_interest_date": mutual_interest,
        "target_markets": {"industries": [], "geographies": []},
        "terms": _merge(defaults.get("terms", {}), per_model.get("terms", {})),
        "positions": {
            **per_model.get("positions", {}),
            "batna": {"description": "Describe the best alternative to this agreement", "strength": "medium"},
        },
        "approvals": [],
        "asks": [],
        "constraints": [{"party": party, "text": text} for party, text in inputs.constraints],
        "business_case": {},
        "events": [],
    }
    if inputs.target_signature_date is not None:  # placed after mutual_interest_date, as in DESIGN.md
        items = list(data.items())
        items.insert(5, ("target_signature_date", inputs.target_signature_date))
        data = dict(items)
    if model.key_term and inputs.key_value:
        value = _key_value(model.key_term, inputs.key_value)
        _set_path(data["terms"], model.key_term, value)
        if model.key_term == "joint_venture.equity_split.company_pct":  # the split sums to 100
            _set_path(data["terms"], "joint_venture.equity_split.partner_pct", str(100 - Decimal(value)))
    return data


def _as_yaml_text(data: dict[str, Any], sequence: str) -> str:
    doc = CommentedMap(data)
    for key, comment in _SECTION_COMMENTS.items():
        if key in doc:
            doc.yaml_set_comment_before_after_key(key, before=comment.replace("{sequence}", sequence))
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 110
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def new_deal(
    workspace: Workspace,
    deal_id: str,
    partner: str,
    model_id: str,
    mutual_interest: dt.date,
    inputs: NewDealInputs | None = None,
) -> str:
    """Write `agreements/<deal>/deal.yaml`; refuses to overwrite. Returns its workspace-relative path."""
    path = workspace.deal_file(deal_id)
    source = workspace.relative(path)
    if model_id not in MODEL_IDS:
        raise DealError(f"--model {model_id!r}: unknown model; use one of: {', '.join(MODEL_IDS)}")
    if path.exists():
        raise DealError(f"{source}: already exists; edit it, or choose another deal id")
    library = Library(workspace.library_root)
    if inputs is not None and inputs.stage is not None and inputs.stage not in library.sequence(model_id):
        raise DealError(
            f"--stage {inputs.stage!r}: not a document of the {library.model(model_id).title} model; "
            f"use one of: {', '.join(library.sequence(model_id))}"
        )
    data = scaffold_data(library, partner, model_id, mutual_interest, inputs)
    parse_deal(data, source)  # the scaffold must itself be a valid deal (catches a bad partner name)
    header = (
        f"# Deal {deal_id}: {library.model(model_id).title} partnership. Created by `assembler new`.\n"
        "# Replace the signatory placeholders before the first draft goes out.\n"
    )
    sequence = " -> ".join(library.model(model_id).documents)
    write_files_atomically(
        {path: (header + _as_yaml_text(data, sequence)).encode("utf-8")}, root=workspace.root
    )
    return source
