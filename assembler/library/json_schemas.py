"""JSON Schemas of the data contracts, for editors and CI (`assembler schema` writes them to schemas/)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from assembler.atomic_write import write_files_atomically
from assembler.deals.contract import Deal
from assembler.library.schemas import ClauseMeta, PartnershipModel

SCHEMAS: dict[str, type[BaseModel]] = {
    "deal.schema.json": Deal,
    "clause.schema.json": ClauseMeta,
    "model.schema.json": PartnershipModel,
}


def schema_texts() -> dict[str, str]:
    """File name → schema JSON text (stable key order, trailing newline)."""
    texts = {}
    for name, model in SCHEMAS.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        texts[name] = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return texts


def write_schemas(folder: Path) -> list[Path]:
    """Write the JSON Schemas of the library's files into `folder`; return the paths written."""

    files = {folder / name: text.encode("utf-8") for name, text in schema_texts().items()}
    write_files_atomically(files)
    return sorted(files)
