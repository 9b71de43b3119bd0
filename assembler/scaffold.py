"""`new`: a commented deal.yaml with the model's defaults from the clause library."""

from __future__ import annotations

import copy
import datetime as dt
import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

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
    "mutual_interest_date": "The 60-day clock starts here (YYYY-MM-DD)",
    "target_markets": "Industries and geographies the partnership targets",
    "terms": "Commercial and legal terms; see schemas/deal.schema.json for every key",
    "positions": "Negotiation positions per term (ideal / target / minimum) and the BATNA",
    "approvals": "Sign-offs: {role: CPO|Legal|Finance, name, date, covers: [rule ids]}",
    "asks": "Open counterparty asks: {kind, detail}",
}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def scaffold_data(library: Library, partner: str, model_id: str, mutual_interest: dt.date) -> dict[str, Any]:
    """The starting deal for a model: library defaults plus the partner's name."""
    path = library.root / "negotiation" / "defaults.yaml"
    try:
        defaults = load_yaml(path, "clause_library/negotiation/defaults.yaml") or {}
    except YamlFileError as exc:
        raise LibraryError(str(exc)) from None
    model = library.model(model_id)
    per_model = defaults.get("models", {}).get(model_id, {})
    company = library.config.company
    return {
        "partner": {
            "name": partner,
            "tier": "registered",
            "signatory": {"name": "To be confirmed", "title": "Authorised Signatory"},
        },
        "company": company.model_dump(exclude_none=True),
        "model": model_id,
        "stage": next(iter(model.documents)),
        "mutual_interest_date": mutual_interest,
        "target_markets": {"industries": [], "geographies": []},
        "terms": _merge(defaults.get("terms", {}), per_model.get("terms", {})),
        "positions": {
            **per_model.get("positions", {}),
            "batna": {"description": "Describe the best alternative to this agreement", "strength": "medium"},
        },
        "approvals": [],
        "asks": [],
    }


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
    workspace: Workspace, deal_id: str, partner: str, model_id: str, mutual_interest: dt.date
) -> str:
    """Write `agreements/<deal>/deal.yaml`; refuses to overwrite. Returns its workspace-relative path."""
    path = workspace.deal_file(deal_id)
    source = workspace.relative(path)
    if model_id not in MODEL_IDS:
        raise DealError(f"--model {model_id!r}: unknown model; use one of: {', '.join(MODEL_IDS)}")
    if path.exists():
        raise DealError(f"{source}: already exists; edit it, or choose another deal id")
    library = Library(workspace.library_root)
    data = scaffold_data(library, partner, model_id, mutual_interest)
    parse_deal(data, source)  # the scaffold must itself be a valid deal (catches a bad partner name)
    header = (
        f"# Deal {deal_id}: {library.model(model_id).title} partnership. Created by `assembler new`.\n"
        "# Replace the signatory placeholders before the first draft goes out.\n"
    )
    sequence = " -> ".join(library.model(model_id).documents)
    write_files_atomically({path: (header + _as_yaml_text(data, sequence)).encode("utf-8")})
    return source
