"""The playbook applied to a deal's own wording: an override is checked like library text, every build.

Red-flag language the override brings in (and the library text of the clause does not have) blocks until the
red flag's sign-offs are recorded; a mandatory provision the library text shows and the override lost is
blocking and names the checklist item; an override agreed against an older clause version is a warning.
(Defined terms and cross-references of overrides are checked by assembly itself, like any clause.)
"""

from __future__ import annotations

from assembler.assembly.assemble import AssembledDocument
from assembler.assembly.wording import Override
from assembler.deals.contract import Deal
from assembler.library.loader import Library
from assembler.library.patterns import load_red_flag_patterns, plain_text
from assembler.playbook.findings import Finding, sign_offs


def _source(overrides: tuple[Override, ...]) -> str:
    return "; ".join(o.describe() for o in overrides)


def wording_findings(deal: Deal, library: Library, assembled: AssembledDocument) -> list[Finding]:
    """Findings on every clause of the document that carries deal wording."""
    if not assembled.overrides():
        return []
    patterns = load_red_flag_patterns(library).patterns
    flags = {flag.id: flag for flag in library.red_flags.red_flags}
    items = {item.id: item for item in library.checklist.items}
    findings: list[Finding] = []
    for placed in assembled.clauses:
        if not placed.overrides:
            continue
        title, clause_id = placed.clause.meta.title, placed.clause.id
        source = _source(placed.overrides)
        text, library_text = plain_text(placed.text), plain_text(placed.library_text)
        for pattern in patterns:
            match = pattern.search(text)
            if match is None or pattern.search(library_text):
                continue
            flag = flags[pattern.rule]
            signed = sign_offs(deal.approvals, flag.id)
            rule = f"wording.red-flag.{flag.id}.{clause_id}"
            quoted = f"\u201c{match.group(0)}\u201d"
            said = f"{title}: the deal wording ({source}) says {quoted}: {pattern.description}"
            if flag.sign_off and all(role in signed for role in flag.sign_off):
                signers = ", ".join(f"{signed[r].name} ({r}, {signed[r].date})" for r in flag.sign_off)
                findings.append(Finding(rule, "warning", f"{said}; accepted with sign-off by {signers}."))
            elif flag.sign_off:
                roles = " and ".join(flag.sign_off)
                findings.append(
                    Finding(
                        rule,
                        "blocking",
                        f"{said} ({flag.title}: {flag.why}). Remove it from the wording, or record a "
                        f"sign-off by {roles} in approvals (covers: [{flag.id}]).",
                    )
                )
            else:
                findings.append(
                    Finding(
                        rule, "blocking", f"{said} ({flag.title}: {flag.why}). Remove it from the wording."
                    )
                )
        for item_id in placed.dropped:
            item = items[item_id]
            findings.append(
                Finding(
                    f"wording.dropped.{item_id}",
                    "blocking",
                    f"{title}: the deal wording ({source}) drops the mandatory provision {item_id} "
                    f"({item.text}); restore it in the wording, or remove the override.",
                )
            )
        for override in placed.stale_overrides:
            declared = override.declared
            findings.append(
                Finding(
                    f"wording.stale.{clause_id}",
                    "warning",
                    f"{title}: the deal wording ({override.source_label}) was agreed against version "
                    f"{declared.version}, but the library clause is now version "
                    f"{placed.clause.meta.version}; "
                    "review the library change (`assembler library impact`), then update the wording and its "
                    "version in deal.yaml.",
                )
            )
    return findings
