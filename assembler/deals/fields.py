"""The field types of deal-file models: checked free text, money, percentages, days, and the strict base.

Money and percentages are `Decimal`; free text is checked for control characters (they turn into page breaks
in Word) and its whitespace normalised.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from assembler.deals.limits import bounded_number, check_email, check_name, check_no_bidi, check_text_length


def _clean_text(value: str) -> str:
    check_text_length(value)
    check_no_bidi(value)
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


# Names, titles, entities and addresses: also short and free of invisible format characters.
Name = Annotated[str, AfterValidator(_clean_text), AfterValidator(check_name)]


def _clean_fact(value: str) -> str:
    """A fact the deal may not know yet: "" is kept (it prints as a blank; see assembly/blanks.py)."""
    return "" if not value.strip() else check_name(_clean_text(value))


# Facts (entities, addresses, signatories, products) are names too, but may be left empty.
Fact = Annotated[str, AfterValidator(_clean_fact)]
NoticeEmail = Annotated[
    str,
    Field(pattern=r"^$|^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[A-Za-z]{2,}$", max_length=254),
    BeforeValidator(check_email),
]


# The budgets (deals/limits.py) wrap pydantic's own constraints, so the JSON schema keeps its bounds.
Percent = Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False), BeforeValidator(bounded_number)]


Money = Annotated[Decimal, Field(ge=0, allow_inf_nan=False), BeforeValidator(bounded_number)]


Days = Annotated[int, Field(ge=0, le=3650)]


class Strict(BaseModel):
    """Base of every deal-file model: unknown keys are errors and validated values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# An address DocuSign can send to: one @, a dotted domain, nothing a mail header could misread.
Email = Annotated[
    str,
    Field(pattern=r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[A-Za-z]{2,}$", max_length=254),
    BeforeValidator(check_email),
]
