"""Budgets and character rules for deal values: every limit is a named constant, every refusal one line.

Deal files are untrusted input. A short file must not cost unbounded time or memory (a decimal such as
`"1e99999999"` printed as a contract amount is a hundred million digits), and a name must read as what its
bytes are: bidi overrides, zero-width characters and soft hyphens make "Acme" display one way and compare
or sign another.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_DEAL_BYTES = 256 * 1024  # the example deals are about 2 KB


MAX_TEXT_CHARS = 2_000  # one free-text value, e.g. an exclusivity scope


MAX_NAME_CHARS = 200  # a name, title, entity, address or person


MAX_NUMBER_CHARS = 40  # a number written as text, before it is converted


MAX_DECIMAL_DIGITS = 28  # significant digits of a money amount or percentage


MAX_DECIMAL_EXPONENT = 15  # up to 10**15 (a quadrillion) in the deal's currency


MIN_DECIMAL_EXPONENT = -10  # down to 10**-10


MAX_INT_DIGITS = 18  # an integer position value


# Controls that reorder displayed text (embeddings, overrides, isolates, marks): never wanted in a contract.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _code_point(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def check_text_length(value: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Refuse a value longer than `limit` characters (checked before any per-character work)."""
    if len(value) > limit:
        raise ValueError(f"is {len(value)} characters long (limit {limit}); shorten it")
    return value


def check_no_bidi(value: str) -> str:
    """Refuse bidirectional controls: they make text display in an order other than it is stored."""
    for char in value:
        if char in BIDI_CONTROLS:
            raise ValueError(
                f"contains the bidirectional control {_code_point(char)}, which changes how the text is "
                "displayed; retype it without it"
            )
    return value


def check_name(value: str) -> str:
    """A name, title or address: short, and free of invisible format characters (Unicode Cf, e.g. soft
    hyphen, zero-width space and joiners, bidi controls), so that what is displayed is what is stored."""
    check_text_length(value, MAX_NAME_CHARS)
    for char in value:
        if unicodedata.category(char) == "Cf":
            raise ValueError(
                f"contains the invisible format character {_code_point(char)}; a name must display as it "
                "is stored: retype it without it"
            )
    return value


def _decimal_problem(value: Decimal) -> str | None:
    if not value.is_finite():
        return None  # pydantic's allow_inf_nan=False names these
    digits = len(value.as_tuple().digits)
    if digits > MAX_DECIMAL_DIGITS:
        return f"has {digits} significant digits (limit {MAX_DECIMAL_DIGITS})"
    if value and not MIN_DECIMAL_EXPONENT <= value.adjusted() <= MAX_DECIMAL_EXPONENT:
        return (
            f"is out of range (magnitude 10^{value.adjusted()}; allowed 10^{MIN_DECIMAL_EXPONENT} to "
            f"10^{MAX_DECIMAL_EXPONENT})"
        )
    return None


def bounded_number(value: Any) -> Any:
    """Refuse, before conversion, a number too long, too precise or too large to be a deal term.

    Runs before pydantic's own validation, so strings, ints and floats are all checked; anything else is
    passed on unchanged for the field's own type to accept or refuse.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) >= 10**MAX_INT_DIGITS:
            raise ValueError(f"is too large (more than {MAX_INT_DIGITS} digits)")
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_NUMBER_CHARS and text[:1] in "+-.0123456789":
            raise ValueError(f"is a number of {len(text)} characters (limit {MAX_NUMBER_CHARS})")
        try:
            number = Decimal(text) if len(text) <= MAX_NUMBER_CHARS else None
        except InvalidOperation:
            return value  # not a number: the field's own type decides
    elif isinstance(value, float | Decimal):
        number = Decimal(value) if isinstance(value, Decimal) else Decimal(repr(value))
    else:
        return value
    problem = _decimal_problem(number) if number is not None else None
    if problem:
        raise ValueError(f"{problem}; write the amount plainly, e.g. 250000 or 12.5")
    return value
