"""Checks of the drafted text itself: what a law firm would catch before sending a document.

Each check returns (rule, severity, message) triples; `playbook.findings.evaluate` turns them into findings.
Rules, values and word lists are library data (clause_library/jurisdictions/, rules/, checklists/).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from assembler.assembly.assemble import AssembledDocument
from assembler.assembly.blanks import empty_facts, facts
from assembler.assembly.localise import other_variant_words, visible_text
from assembler.deals.contract import Deal
from assembler.library.jurisdictions import SPELLING_FILE, profile_for
from assembler.library.loader import Library
from assembler.playbook.checklist_values import value_findings
from assembler.playbook.liability_check import uncapped_findings
from assembler.word.shell import shell_texts

Severity = Literal["blocking", "warning", "info"]
Raw = tuple[str, Severity, str]


def rendered_texts(deal: Deal, library: Library, assembled: AssembledDocument) -> list[str]:
    """Every piece of text the document prints: the body and the shell's own wording."""
    return [
        visible_text(assembled.markdown),
        *shell_texts(deal, library, assembled.document),
    ]


def spelling_findings(deal: Deal, library: Library, texts: Iterable[str]) -> list[tuple[str, str]]:
    """(rule, message) for each word of the other variant found in the rendered texts."""
    profile = profile_for(deal, library)
    found = other_variant_words("\n".join(texts), library, profile.spelling)
    variant = "US" if profile.spelling == "us" else "UK"
    return [
        (
            f"spelling.{word}",
            f'"{word}" ({count}x) is not {variant} English, which the {profile.id} jurisdiction profile '
            f"uses throughout; fix the clause or the value that prints it "
            f"({library.label}/{SPELLING_FILE})",
        )
        for word, count in found.items()
    ]


def spelling_checks(deal: Deal, library: Library, assembled: AssembledDocument) -> list[Raw]:
    """A warning per word of the other spelling variant the document prints."""
    return [
        (rule, "warning", message)
        for rule, message in spelling_findings(deal, library, rendered_texts(deal, library, assembled))
    ]


def blank_findings(deal: Deal, library: Library, assembled: AssembledDocument) -> list[Raw]:
    """A finding per blank fact: a warning in a preliminary document, blocking in an agreement."""
    table = facts(library)
    binding = assembled.document.binding
    out: list[Raw] = []
    for fact in empty_facts(deal, library):
        values = {
            "key": fact.key,
            "label": fact.label,
            "document": assembled.document.title,
            "blank": table.blank,
        }
        if binding:
            out.append((f"blank.{fact.key}", "blocking", table.messages["agreement"].format(**values)))
        else:
            out.append((f"blank.{fact.key}", "warning", table.messages["preliminary"].format(**values)))
    return out


def drafting_findings(deal: Deal, library: Library, assembled: AssembledDocument) -> list[Raw]:
    """Every drafting check's findings: spelling, uncapped exposure, checklist values and blanks."""
    return [
        *spelling_checks(deal, library, assembled),
        *uncapped_findings(deal, library, assembled),
        *value_findings(deal, library, assembled),
        *blank_findings(deal, library, assembled),
    ]
