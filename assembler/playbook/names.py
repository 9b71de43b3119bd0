"""Names that are what they look like: blocking findings for party and signatory names that display as
something other than their bytes (Unicode TS #39 confusable detection).

A Cyrillic "А" (U+0410) in "Acme" displays exactly like the Latin letter, so a contract can name a company
that is not the one both sides read — a known contract-fraud vector. Three findings, all on TS #39 skeletons
from Unicode's confusables table (playbook/confusables.py):

- mixed script: a name whose letters come from more than one script (apart from the combinations TS #39
  treats as one writing system, such as Han with Hiragana and Katakana), naming the minority code points;
- whole-script look-alike: a name in another script (or in compatibility letters such as mathematical bold
  or fullwidth) whose every such character displays as an ASCII letter, as written or in capitals (headings,
  signature pages and envelopes print names in capitals): "МТС", or "Асме", which prints as "ACME". A
  genuine name in its own script keeps letters with no ASCII look-alike ("Газпром", "Σοφία", "株式会社")
  and is not flagged;
- cross-party look-alike: one party's name whose skeleton equals the other party's while the bytes differ.

Invisible and bidi characters are refused outright when the deal is loaded (deals/limits.py); this check is
about visible look-alikes.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator

from assembler.deals.contract import Deal, Party
from assembler.playbook.confusables import SHARED_SCRIPTS, script, shown, skeleton

RULE = "names.mixed-script"
LOOKALIKE_RULE = "names.confusable"

# TS #39 "highly restrictive" combinations: writing systems that legitimately mix these scripts.
_TOGETHER = (
    frozenset({"Latin", "Han", "Hiragana", "Katakana"}),
    frozenset({"Latin", "Han", "Bopomofo"}),
    frozenset({"Latin", "Han", "Hangul"}),
)


def script_of(char: str) -> str | None:
    """The script of a letter (Unicode's Script property: Latin, Cyrillic, Greek, Han, ...); None for
    digits, punctuation, spaces, marks and the letters every script shares (Common, Inherited)."""
    if not unicodedata.category(char).startswith("L"):
        return None
    found = script(char)
    return None if found in SHARED_SCRIPTS else found


def mixed_script(value: str) -> list[str]:
    """The code points of `value` from scripts other than its main one, when it mixes scripts; else []."""
    scripts = Counter(s for s in map(script_of, value) if s is not None)
    if len(scripts) < 2 or any(set(scripts) <= together for together in _TOGETHER):
        return []
    main = max(sorted(scripts), key=lambda s: scripts[s])
    seen: list[str] = []
    for char in value:
        found = script_of(char)
        if found is not None and found != main and shown(char) not in seen:
            seen.append(shown(char))
    return seen


def _foreign(char: str) -> bool:
    """A character a reader of a Latin-script name would not expect: another script's, or a compatibility
    letter (mathematical, fullwidth, ligature) that is not the letter it shows."""
    if script(char) not in {"Latin", *SHARED_SCRIPTS}:
        return True
    return unicodedata.category(char).startswith("L") and unicodedata.normalize("NFKC", char) != char


def _ascii_letters(text: str) -> bool:
    return text.isascii() and text.isalpha()


def latin_lookalike(value: str) -> tuple[str, list[str]] | None:
    """When `value` is a whole-script confusable of an ASCII name: (the ASCII string it displays as, written
    or else in capitals, and the foreign code points); else None."""
    for form in (value, value.upper()):
        decomposed = unicodedata.normalize("NFD", form)
        foreign = [char for char in decomposed if _foreign(char)]
        if not foreign or not all(_ascii_letters(skeleton(char)) for char in foreign):
            continue
        looks = skeleton(form)
        if looks.isascii():
            codes: list[str] = []
            for char in unicodedata.normalize("NFD", value):
                if _foreign(char) and shown(char) not in codes:
                    codes.append(shown(char))
            return looks, codes
    return None


def _fields(party: Party) -> Iterator[tuple[str, str]]:
    for field in ("name", "entity", "address"):
        value = getattr(party, field)
        if value:
            yield field, value
    yield "signatory.name", party.signatory.name
    yield "signatory.title", party.signatory.title


def _names(deal: Deal) -> Iterator[tuple[str, str]]:
    for key, party in (("partner", deal.partner), ("company", deal.company)):
        for field, value in _fields(party):
            yield f"{key}.{field}", value
    for index, approval in enumerate(deal.approvals):
        yield f"approvals[{index}].name", approval.name
    if deal.signature is not None and deal.signature.pam:
        yield "signature.pam", deal.signature.pam


def _key(value: str) -> str:
    return " ".join(skeleton(value).split())


def _differences(value: str, other: str) -> list[str]:
    mine, theirs = unicodedata.normalize("NFD", value), unicodedata.normalize("NFD", other)
    odd = [c for c in mine if c not in theirs] + [c for c in theirs if c not in mine]
    return list(dict.fromkeys(shown(c) for c in odd if not c.isspace()))


def _cross_party(deal: Deal) -> Iterator[tuple[str, str]]:
    """Partner and company names (and signatory names) that look the same but are different bytes."""
    pairs = [
        ("name", deal.partner.name, "name", deal.company.name),
        ("signatory.name", deal.partner.signatory.name, "signatory.name", deal.company.signatory.name),
    ]
    if deal.partner.entity is None or deal.partner.entity != deal.company.entity:
        pairs += [
            ("name", deal.partner.name, "entity", deal.company.entity or ""),
            ("entity", deal.partner.entity or "", "name", deal.company.name),
        ]
    for field, value, other_field, other in pairs:
        if value and other and value != other and _key(value) == _key(other):
            yield (
                LOOKALIKE_RULE,
                f"partner.{field} {value!r} looks the same as company.{other_field} {other!r} (their Unicode "
                f"TS #39 skeletons are equal) but differs in {', '.join(_differences(value, other))}: "
                "the agreement would name two parties a reader cannot tell apart; confirm each party's "
                "registered name and write it exactly",
            )


def name_findings(deal: Deal) -> list[tuple[str, str]]:
    """(rule, message) per name that displays as something other than its bytes, naming the code points;
    every one is blocking."""
    messages: list[tuple[str, str]] = []
    for key, value in _names(deal):
        odd = mixed_script(value)
        looks = latin_lookalike(value)
        if odd:
            messages.append(
                (
                    RULE,
                    f"{key} {value!r} mixes scripts ({', '.join(odd)}): it may display as another name; "
                    "retype it in one script, or confirm the spelling with the party and write it as "
                    "registered",
                )
            )
        elif looks is not None:
            shows, codes = looks
            how = "" if shows == skeleton(value) else " in capitals"
            messages.append(
                (
                    LOOKALIKE_RULE,
                    f"{key} {value!r} displays as the Latin {shows!r}{how} but is written in other "
                    f"characters ({', '.join(codes)}): a reader sees a name these bytes are not; write it in "
                    "Latin letters as the party is registered (the registered transliteration, if the "
                    "registered name is in another script)",
                )
            )
    messages += _cross_party(deal)
    return messages
