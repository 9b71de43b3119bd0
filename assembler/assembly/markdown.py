"""Deal values as Markdown text: formatted for a contract, then escaped so Markdown reads them literally."""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

# Every ASCII punctuation character that can mean something in pandoc's Markdown (quotes do: smart
# typography would curl them). `, ; ? / %` never do (no title block mid-document), so they stay unescaped
# and the Markdown twin stays readable.
_SIGNIFICANT = "".join(c for c in string.punctuation if c not in ",;?/%")


_PUNCTUATION = re.compile("([" + re.escape(_SIGNIFICANT) + "])")


# What can change how a table cell of a report reads on GitHub or in pandoc: inline markup, raw HTML and
# entities, links and images, math, and the pipe that ends a cell. Hyphens, dots and the like stay as typed,
# so negotiation.md and triage reports remain readable as plain text; so does an underscore between two
# letters or digits (deal keys such as referral_fee_pct), which CommonMark never reads as emphasis.
_INLINE = re.compile(r"([\\`*\[\]<>|&!~$]|(?<![^\W_])_|_(?![^\W_]))")


_ONES = """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
sixteen seventeen eighteen nineteen""".split()


_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def escape(text: str) -> str:
    """Backslash-escape Markdown-significant punctuation (pandoc's all_symbols_escapable)."""
    return _PUNCTUATION.sub(r"\\\1", text)


def plain_number(value: Decimal | int) -> str:
    """10 → "10", Decimal("12.50") → "12.5", never scientific notation."""
    if isinstance(value, int):
        return str(value)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def long_date(value: dt.date) -> str:
    """A date as written in agreements, e.g. "March 4, 2026"."""
    return f"{value:%B} {value.day}, {value.year}"


def join_and(items: list[Any]) -> str:
    """Items as text joined as an English list: "a, b and c"."""
    words = [as_text(i) for i in items]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def as_text(value: Any) -> str:
    """The contract wording of a deal value (before escaping)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal | int):
        return plain_number(value)
    if isinstance(value, dt.date):
        return long_date(value)
    if isinstance(value, list | tuple):
        return join_and(list(value))
    return str(value)


def number_words(n: int) -> str:
    """English words for 0 ≤ n < 1,000,000 (contract style: "one hundred twenty")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("-" + _ONES[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES[hundreds] + " hundred" + (" " + number_words(rest) if rest else "")
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        return number_words(thousands) + " thousand" + (" " + number_words(rest) if rest else "")
    return str(n)


def spelled(value: int | Decimal) -> str:
    """90 → "ninety (90)"."""
    n = int(value)
    if n != value or n < 0:
        return plain_number(value)
    return f"{number_words(n)} ({n})"


def pct(value: Decimal | int) -> str:
    """A percentage as written in agreements, e.g. "12.5%"."""
    return plain_number(value) + "%"


def money(value: Decimal | int, currency: str) -> str:
    """Decimal("250000") → "USD 250,000"; cents are shown only when there are any."""
    amount = Decimal(value)
    text = f"{amount:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"{currency} {text}"


class Inline(str):
    """Markdown we wrote ourselves (a code span, a figure we formatted), placed in a table cell unescaped."""


def code(text: str) -> Inline:
    """`text` as an inline code span: a backtick fence longer than any run inside it, pipes escaped (GFM
    splits cells on a pipe even inside code)."""
    flat = " ".join(text.split())
    fence = "`" * (max((len(run) for run in re.findall("`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    body = flat.replace("|", "\\|")
    return Inline(f"{fence}{pad}{body}{pad}{fence}")


def cell(value: Any) -> str:
    """A value as one table cell: one line, every inline-significant character escaped; None is "-"."""
    if value is None:
        return "-"
    if isinstance(value, Inline):
        return str(value)
    return _INLINE.sub(r"\\\1", " ".join(as_text(value).split()))


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """A Markdown (GFM) table as lines: the one way reports write tables, so each cell is escaped alike."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return lines
