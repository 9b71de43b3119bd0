"""Jurisdiction profiles: which legal English a document uses for the law that governs it.

Everything here is read from `clause_library/jurisdictions/` (profiles.yaml, spelling.yaml); this module only
knows how to validate the files and choose a profile from `terms.governing_law`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assembler.deals.contract import Deal
from assembler.errors import LibraryError
from assembler.library.data_cache import cached
from assembler.library.loader import Library

Variant = Literal["us", "uk"]
LIABILITY_KINDS = Literal["fraud", "wilful-misconduct", "death-personal-injury"]
PROFILES_FILE = "jurisdictions/profiles.yaml"
SPELLING_FILE = "jurisdictions/spelling.yaml"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProfileFields(_Data):
    """The settings a profile (or a base it extends) may set; unset fields come from the base."""

    spelling: Variant | None = None
    date_style: Variant | None = None
    law_name: str | None = None
    courts: str | None = None
    arbitration_seat: str | None = None
    third_party_act: str | None = None
    jury_waiver: bool | None = None
    subject_to_contract: bool | None = None
    draft_status: str | None = None
    law_required_uncapped: list[LIABILITY_KINDS] | None = None


class ProfileEntry(ProfileFields):
    """A profile of profiles.yaml: its id, the base it extends and the governing-law names it serves."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    extends: str | None = None
    names: list[str] = []


class ProfilesFile(_Data):
    """jurisdictions/profiles.yaml: shared bases, the profiles, and the default for any other law."""

    bases: dict[str, ProfileFields] = {}
    profiles: list[ProfileEntry]
    default: ProfileEntry


class Profile(_Data):
    """A resolved profile: every field set (law_name/courts/seat may still be None: then the deal's law)."""

    id: str
    spelling: Variant
    date_style: Variant
    law_name: str | None
    courts: str | None
    arbitration_seat: str | None
    third_party_act: str | None
    jury_waiver: bool
    subject_to_contract: bool
    draft_status: str
    law_required_uncapped: list[LIABILITY_KINDS]


class SpellingPair(_Data):
    """One word or phrase in UK and US spelling; `to_uk: false` when the US form is also good UK English."""

    uk: str
    us: str
    to_uk: bool = True


class SpellingFile(_Data):
    """jurisdictions/spelling.yaml: the UK/US spelling pairs."""

    pairs: list[SpellingPair]


_US_WORDS = {"the", "laws", "law", "of", "state", "commonwealth", "usa", "us", "u", "s", "a"} | {
    "united",
    "states",
}


def normalise_law(text: str) -> str:
    """ "Delaware, USA" → "delaware"; "the laws of the State of New York" → "new york"."""
    words = re.sub(r"[^a-z]+", " ", text.lower().replace("&", " and ")).split()
    if words[-2:] == ["united", "states"] or "usa" in words:
        words = [w for w in words if w not in _US_WORDS]
    else:
        words = [w for w in words if w not in {"the", "laws", "of", "state"}]
    return " ".join(words)


def _resolve(entry: ProfileEntry, bases: dict[str, ProfileFields], source: str) -> Profile:
    merged: dict[str, Any] = {}
    if entry.extends is not None:
        if entry.extends not in bases:
            raise LibraryError(f"{source}: profile {entry.id}: extends unknown base {entry.extends!r}")
        merged.update(bases[entry.extends].model_dump(exclude_none=True))
    merged.update(entry.model_dump(exclude_none=True, exclude={"extends", "names"}))
    required = ("spelling", "date_style", "jury_waiver", "subject_to_contract", "draft_status")
    missing = [name for name in required if name not in merged]
    if missing:
        raise LibraryError(f"{source}: profile {entry.id}: sets no {', '.join(missing)}")
    merged.setdefault("law_required_uncapped", [])
    for name in ("law_name", "courts", "arbitration_seat", "third_party_act"):
        merged.setdefault(name, None)
    return Profile.model_validate(merged)


def _profiles(library: Library) -> tuple[dict[str, Profile], dict[str, str], Profile]:
    data = library.data_file(ProfilesFile, PROFILES_FILE)
    source = f"{library.label}/{PROFILES_FILE}"
    profiles = {entry.id: _resolve(entry, data.bases, source) for entry in data.profiles}
    default = _resolve(data.default, data.bases, source)
    names: dict[str, str] = {}
    for entry in data.profiles:
        for name in entry.names:
            law = normalise_law(name)
            if law in names:
                raise LibraryError(f"{source}: {name!r} names both {names[law]} and {entry.id}")
            names[law] = entry.id
    return profiles, names, default


def all_profiles(library: Library) -> dict[str, Profile]:
    """Every profile of the library by id, the default included."""
    profiles, _, default = cached(library, PROFILES_FILE, _profiles)
    return {**profiles, default.id: default}


def profile_for_law(governing_law: str, library: Library) -> Profile:
    """The profile whose names include `governing_law` (normalised), else the default profile."""
    profiles, names, default = cached(library, PROFILES_FILE, _profiles)
    profile_id = names.get(normalise_law(governing_law))
    return profiles[profile_id] if profile_id else default


def profile_for(deal: Deal, library: Library) -> Profile:
    """The profile of the deal's `terms.governing_law`."""
    return profile_for_law(deal.terms.governing_law, library)


def _spelling(library: Library) -> tuple[SpellingPair, ...]:
    return tuple(library.data_file(SpellingFile, SPELLING_FILE).pairs)


def spelling_pairs(library: Library) -> tuple[SpellingPair, ...]:
    """The library's UK/US spelling pairs."""
    return cached(library, SPELLING_FILE, _spelling)
