"""The field types of deal-file models: checked free text, money, percentages, days, and the strict base.

Money and percentages are `Decimal`; free text is checked for control characters (they turn into page breaks
in Word) and its whitespace normalised.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _clean_text(value: str) -> str:
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp"):
            raise ValueError(
                f"contains the control character U+{ord(char):04X}; write it on one line without "
                "tabs, line breaks or other control characters"
            )
    value = " ".join(value.split())
    if not value:
        raise ValueError("must not be empty")
    return value


Text = Annotated[str, AfterValidator(_clean_text)]


Percent = Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)]


Money = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]


Days = Annotated[int, Field(ge=0, le=3650)]


class Strict(BaseModel):
    """Base of every deal-file model: unknown keys are errors and validated values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)
