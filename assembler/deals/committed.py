"""Deal files as committed in past rounds, read back as data for comparing one round with the next."""

from __future__ import annotations

import functools
from typing import Any

from assembler.yamlfile import YamlFileError, parse_yaml


@functools.lru_cache(maxsize=4096)
def committed_deal_data(text: str) -> Any:
    """A deal.yaml text (a round's, compared with the next) as data, parsed once per text with the fast safe
    loader: history, the concession ledger and approvals all read the same texts. Shared, so never changed
    by a caller; None when the text is not valid YAML."""
    try:
        return parse_yaml(text, "deal.yaml", fast=True)
    except YamlFileError:
        return None
