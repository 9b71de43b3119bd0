"""Budgets and character rules for deal values: every limit is a named constant, every refusal one line.

Deal files are untrusted input. A short file must not cost unbounded time or memory (a decimal such as
`"1e99999999"` printed as a contract amount is a hundred million digits), and a name must read as what its
bytes are: bidi overrides, zero-width characters and soft hyphens make "Acme" display one way and compare
or sign another.
"""

from __future__ import annotations

import re
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


MAX_EMAIL_CHARS = 254  # RFC 5321: the longest address a mail server must accept (local part at most 64)
MAX_EMAIL_LOCAL_CHARS = 64


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


# RFC 5322 dot-atom local part; a domain of LDH labels (RFC 1035), the last one alphabetic or an xn-- label.
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TOP_LABEL = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")


def check_email(value: Any) -> Any:
    """An e-mail address the tool prints or sends to: at most 254 characters, no invisible or bidi
    characters, plain ASCII (a look-alike letter in a domain sends the notice elsewhere; an internationalised
    domain is written in its xn-- form), and a plausible addr-spec: local@domain.tld. "" passes (not known
    yet, where the field allows it); other types are left to the field's own check."""
    if not isinstance(value, str) or value == "":
        return value
    check_text_length(value, MAX_EMAIL_CHARS)
    check_no_bidi(value)
    for char in value:
        if unicodedata.category(char) in ("Cf", "Cc", "Zs", "Zl", "Zp") or char.isspace():
            raise ValueError(
                f"contains the invisible or space character {_code_point(char)}; an e-mail address is one "
                "word: retype it without it"
            )
        if not char.isascii():
            raise ValueError(
                f"contains {_code_point(char)}, which is not ASCII; an address must be what it looks like: "
                "write it in ASCII (an internationalised domain in its xn-- form)"
            )
    local, at, domain = value.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or len(local) > MAX_EMAIL_LOCAL_CHARS
        or not _EMAIL_LOCAL.fullmatch(local)
        or len(labels) < 2
        or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
        or not _TOP_LABEL.fullmatch(labels[-1])
    ):
        raise ValueError(
            f"{value!r} is not an e-mail address such as name@example.com (one @; before it at most "
            f"{MAX_EMAIL_LOCAL_CHARS} letters, digits, dots or signs such as + - _; after it a dotted domain "
            "of letters, digits and hyphens); correct it"
        )
    return value
