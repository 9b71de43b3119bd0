"""Names that are what they look like: a blocking finding for a party or signatory name that mixes scripts.

A Cyrillic "А" (U+0410) in "Acme" displays exactly like the Latin letter, so a contract can name a company
that is not the one both sides read — a known contract-fraud vector. Following Unicode TS #39 mixed-script
detection, each name's letters are assigned a script; a name whose letters come from more than one script
(apart from the combinations TS #39 treats as one writing system, such as Han with Hiragana and Katakana)
is a finding that names the code points from the minority scripts. Invisible and bidi characters are
refused outright when the deal is loaded (deals/limits.py); this check is about visible look-alikes.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator

from assembler.deals.contract import Deal, Party

RULE = "names.mixed-script"


# TS #39 "highly restrictive" combinations: writing systems that legitimately mix these scripts.
_TOGETHER = (
    frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "CJK", "BOPOMOFO"}),
    frozenset({"LATIN", "CJK", "HANGUL"}),
)


def script_of(char: str) -> str | None:
    """The script of a letter as the first word of its Unicode name (LATIN, CYRILLIC, GREEK, CJK, ...);
    None for digits, punctuation, spaces and combining marks, which belong to every script."""
    if not unicodedata.category(char).startswith("L"):
        return None
    name = unicodedata.name(char, "")
    if name.startswith("KATAKANA-HIRAGANA"):
        return None  # the prolonged sound mark and iteration marks are shared by both kana
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def mixed_script(value: str) -> list[str]:
    """The code points of `value` from scripts other than its main one, when it mixes scripts; else []."""
    scripts = Counter(s for s in map(script_of, value) if s is not None)
    if len(scripts) < 2 or any(set(scripts) <= together for together in _TOGETHER):
        return []
    main = max(sorted(scripts), key=lambda s: scripts[s])
    seen: list[str] = []
    for char in value:
        script = script_of(char)
        if script is not None and script != main:
            shown = f"U+{ord(char):04X} {unicodedata.name(char, '?')}"
            if shown not in seen:
                seen.append(shown)
    return seen


def _names(deal: Deal) -> Iterator[tuple[str, str]]:
    parties: list[tuple[str, Party]] = [("partner", deal.partner), ("company", deal.company)]
    for key, party in parties:
        for field in ("name", "entity", "address"):
            value = getattr(party, field)
            if value:
                yield f"{key}.{field}", value
        yield f"{key}.signatory.name", party.signatory.name
        yield f"{key}.signatory.title", party.signatory.title
    for index, approval in enumerate(deal.approvals):
        yield f"approvals[{index}].name", approval.name
    if deal.signature is not None and deal.signature.pam:
        yield "signature.pam", deal.signature.pam


def name_findings(deal: Deal) -> list[str]:
    """One blocking message per name that mixes scripts, naming the look-alike code points."""
    messages = []
    for key, value in _names(deal):
        odd = mixed_script(value)
        if odd:
            messages.append(
                f"{key} {value!r} mixes scripts ({', '.join(odd)}): it may display as another name; retype "
                "it in one script, or confirm the spelling with the party and write it as registered"
            )
    return messages
