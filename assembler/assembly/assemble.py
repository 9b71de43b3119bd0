"""Assembly: a deal and a document → the ordered clauses → one Markdown text.

Clause bodies are Jinja templates rendered in an immutable sandbox with only the deal's data. Every value
printed from the deal passes through `finalize`, which formats it and escapes it for Markdown, so deal data is
never read as Markdown, HTML or template code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from assembler.assembly import blanks, localise, markdown
from assembler.assembly.defined_terms import check_terms, require_defined
from assembler.assembly.sandbox import UnsetValue, sandbox
from assembler.assembly.wording import Override, insert_subclause, replace_subclause, stale, subclause_count
from assembler.deals.contract import Deal
from assembler.errors import AssemblyError, LibraryError
from assembler.library.jurisdictions import profile_for
from assembler.library.loader import Clause, Library
from assembler.library.patterns import plain_text
from assembler.library.plan import printed_dates, printed_escalation
from assembler.library.schemas import Document

# [[ref:clause-id]] → "Section 9"; [[ref:clause-id.2]] → "Section 9.2" (the clause's second sub-clause).
_REF = re.compile(r"\[\[ref:([a-z0-9-]+)(?:\.([1-9][0-9]*))?\]\]")


@dataclass(frozen=True)
class PlacedClause:
    """One clause as placed in an assembled document: its section number and rendered text."""

    clause: Clause
    number: int | None  # section number in this document; None for unnumbered clauses
    text: str  # rendered Markdown body, cross-references resolved
    overrides: tuple[Override, ...] = ()  # the deal's wording in this clause, if any
    dropped: tuple[str, ...] = ()  # checklist items the library text covers and the deal wording lost
    library_text: str = ""  # the library's own rendered body, when deal wording replaced it

    @property
    def provenance(self) -> str:
        """Where the text came from: the library clause id@version, or the deal wording that replaced it."""
        library = f"{self.clause.id}@{self.clause.meta.version}"
        if not self.overrides:
            return library
        return f"{library} with " + "; ".join(o.describe() for o in self.overrides)

    @property
    def stale_overrides(self) -> tuple[Override, ...]:
        """The clause's deal wording agreed against an older version of the library clause."""
        return tuple(o for o in self.overrides if stale(o, self.clause))


@dataclass(frozen=True)
class AssembledDocument:
    """A deal document assembled from the clause library: its clauses in order and its Markdown twin."""

    deal_id: str
    document: Document
    clauses: tuple[PlacedClause, ...]
    markdown: str
    warnings: tuple[str, ...] = ()

    def covered_items(self) -> set[str]:
        """The checklist items (clause `covers`) that the document's clauses provide, less any that a
        clause's deal wording dropped."""
        return {
            item
            for placed in self.clauses
            for item in placed.clause.meta.covers
            if item not in placed.dropped
        }

    def overrides(self) -> tuple[Override, ...]:
        """The deal wording in this document, in clause order."""
        return tuple(o for placed in self.clauses for o in placed.overrides)

    def provenance(self) -> list[str]:
        """Per clause, in document order: library id@version or the deal wording it carries."""
        return [placed.provenance for placed in self.clauses]


def clause_context(
    deal: Deal, library: Library, document: Document, today: dt.date | None = None
) -> dict[str, Any]:
    """The values a clause may use: the deal, plus the model, the document and the milestone dates (never
    before `today`, the build date, when given)."""
    context = deal.model_dump(mode="python")
    model = library.model(deal.model)
    context["model"] = {"id": model.id, "title": model.title}
    context["document"] = {"id": document.id, "title": document.title, "kind": document.kind}
    context["milestones"] = printed_dates(deal, library, today)
    context["escalation_date"] = printed_escalation(deal, library, today)
    context["jurisdiction"] = localise.clause_values(deal, profile_for(deal, library))
    return context


class ClauseRenderer:
    """Renders clause bodies for one deal and document (cross-references left as `[[ref:...]]`)."""

    def __init__(
        self,
        deal: Deal,
        library: Library,
        document: Document,
        today: dt.date | None = None,
        overrides: tuple[Override, ...] = (),
    ) -> None:
        profile = profile_for(deal, library)
        # An adopted fallback is library text, spelt like the body it joins; a negotiated wording file is the
        # deal's own text, kept exactly as agreed.
        self._sources = {
            o.template_name: localise.localise(o.body, library, profile.spelling)
            if o.declared.fallback
            else o.body
            for o in overrides
        }

        def load(name: str) -> str | None:
            if name in self._sources:
                return self._sources[name]
            clause = library.clauses.get(name)
            return None if clause is None else localise.localise(clause.body, library, profile.spelling)

        self._env = sandbox(deal.terms.currency, loader=jinja2.FunctionLoader(load))
        self._env.filters["long_date"] = localise.long_date_filter(profile.date_style)
        self._context = localise.localise_dates(
            blanks.fill(clause_context(deal, library, document, today), library), profile.date_style
        )

    def render(self, clause: Clause) -> str:
        """The clause's body rendered in the sandbox with this deal's values, tidied."""
        return _tidy(_render_body(self._env, clause.id, str(clause.path), self._context))

    def render_override(self, override: Override) -> str:
        """An override's text in the same sandbox, with the same deal values, as library clauses."""
        return _tidy(_render_body(self._env, override.template_name, override.source_label, self._context))

    def render_source(self, text: str, label: str) -> str:
        """Any clause text (a candidate wording) rendered like the rest; each call is a new template."""
        name = f"candidate:{len(self._sources)}"
        self._sources[name] = text
        return _tidy(_render_body(self._env, name, label, self._context))

    def render_with(self, clause: Clause, overrides: tuple[Override, ...]) -> str:
        """The clause body with the deal's wording in place: a whole new body, or single sub-clauses."""
        whole = [o for o in overrides if o.whole]
        if whole:
            return self.render_override(whole[0])
        text = self.render(clause)
        # From the last sub-clause back, so each number still names the library's sub-clause.
        for override in sorted(overrides, key=lambda o: -(o.subclause or _position(o.after))):
            wording = self.render_override(override)
            if override.after is not None:
                text = insert_subclause(text, override.after, wording, override.source_label)
            else:
                text = replace_subclause(text, override.subclause or 1, wording, override.source_label)
        return text


def _position(after: int | str | None) -> int:
    """Where an added sub-clause goes, for ordering: after "end" is after every numbered one."""
    return 100 if after == "end" else int(after or 0)


def _render_body(env: ImmutableSandboxedEnvironment, name: str, label: str, context: dict[str, Any]) -> str:
    clause_path = label
    try:
        return env.get_template(name).render(context)
    except UnsetValue:
        raise AssemblyError(
            f"{clause_path}: prints a deal value that this deal does not set; guard it with "
            "{% if ... %} in the clause or set the value in deal.yaml"
        ) from None
    except jinja2.UndefinedError as exc:
        raise AssemblyError(f"{clause_path}: unknown variable ({exc.message})") from None
    except jinja2.TemplateSyntaxError as exc:
        raise AssemblyError(
            f"{clause_path}: template syntax error at body line {exc.lineno}: {exc.message}"
        ) from None
    except jinja2.TemplateError as exc:
        raise AssemblyError(f"{clause_path}: {exc}") from None


def _tidy(text: str) -> str:
    """Collapse blank-line runs left by template tags; paragraphs stay separated by one blank line."""
    lines = [line.rstrip() for line in text.strip("\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def plan(deal: Deal, library: Library, document_id: str) -> list[Clause]:
    """The ordered clauses of the deal's model for one document."""
    clauses: list[Clause] = []
    for clause_id in library.clause_ids(deal.model, document_id):
        clause = library.clauses.get(clause_id)
        if clause is None:
            raise LibraryError(
                f"clause_library/models/{deal.model}.yaml: {document_id} lists clause {clause_id!r}, "
                "which no file in clause_library/clauses defines"
            )
        if document_id not in clause.meta.applies_to:
            raise LibraryError(
                f"{clause.path}: used in {document_id} but applies_to does not list it; add it or "
                "remove the clause from the model"
            )
        clauses.append(clause)
    return clauses


def assemble(
    deal: Deal,
    deal_id: str,
    library: Library,
    document_id: str,
    today: dt.date | None = None,
    overrides: tuple[Override, ...] = (),
) -> AssembledDocument:
    """Render every clause of the document, with the deal's wording in place, and join them into one text;
    `today` (the build date) keeps printed milestone dates from lying in the past."""
    profile = profile_for(deal, library)
    document = localise.localise_document(library.document(document_id), library, profile)
    clauses = [localise.localise_clause(c, library, profile) for c in plan(deal, library, document_id)]
    renderer = ClauseRenderer(deal, library, document, today, overrides)
    wording = {c.id: tuple(o for o in overrides if o.clause_id == c.id) for c in clauses}

    numbers: dict[str, int] = {}
    for clause in clauses:
        if clause.meta.numbered:
            numbers[clause.id] = len(numbers) + 1

    # Every clause is rendered before references are resolved: a reference to a sub-clause needs to know
    # how many sub-clauses its target has in this deal's text.
    library_text = {clause.id: renderer.render(clause) for clause in clauses}
    rendered = {
        clause.id: renderer.render_with(clause, wording[clause.id])
        if wording[clause.id]
        else library_text[clause.id]
        for clause in clauses
    }
    evidence = {item.id: item.evidence for item in library.checklist.items if item.evidence}

    def resolve(clause: Clause, text: str) -> str:
        where = "; ".join(o.source_label for o in wording[clause.id]) or clause.path

        def section(match: re.Match[str]) -> str:
            target, sub = match.group(1), match.group(2)
            if target not in numbers:
                raise AssemblyError(
                    f"{where}: refers to [[ref:{target}]], which is not a numbered clause of the "
                    f"{document.title} for this model"
                )
            if sub is None:
                return f"Section {numbers[target]}"
            available = subclause_count(rendered[target])
            if int(sub) > available:
                raise AssemblyError(
                    f"{where}: refers to [[ref:{target}.{sub}]], but {target} has {available} "
                    f"sub-clause(s) in this {document.title}; refer to an existing one"
                )
            return f"Section {numbers[target]}.{sub}"

        return _REF.sub(section, text)

    placed = tuple(
        PlacedClause(
            clause,
            numbers.get(clause.id),
            resolve(clause, rendered[clause.id]),
            wording[clause.id],
            dropped_items(clause, library_text[clause.id], rendered[clause.id], evidence)
            if wording[clause.id]
            else (),
            library_text[clause.id] if wording[clause.id] else "",
        )
        for clause in clauses
    )
    terms = localise.localised_terms(library, profile)
    report = check_terms([(p.clause, p.text) for p in placed], terms)
    require_defined(report, terms, document.title)
    warnings = tuple(
        f'{document.title}: the defined term "{term}" is defined but never used' for term in report.unused
    )
    return AssembledDocument(deal_id, document, placed, _join(document, placed), warnings)


def dropped_items(clause: Clause, library_text: str, text: str, evidence: dict[str, str]) -> tuple[str, ...]:
    """Checklist items the library text shows (by the item's evidence pattern) and `text` no longer does."""
    before, after = plain_text(library_text), plain_text(text)
    dropped = []
    for item in clause.meta.covers:
        pattern = evidence.get(item)
        if pattern is None:
            continue
        found = re.compile(pattern, re.IGNORECASE)
        if found.search(before) and not found.search(after):
            dropped.append(item)
    return tuple(dropped)


def _join(document: Document, placed: tuple[PlacedClause, ...]) -> str:
    parts = ['::: {custom-style="Title"}', markdown.escape(document.title), ":::"]
    for item in placed:
        if item.number is None:
            parts += ["", f"::: {{.unnumbered #{item.clause.id}}}", item.text, ":::"]
        else:
            parts += ["", f"# {markdown.escape(item.clause.meta.title)} {{#{item.clause.id}}}", "", item.text]
    return "\n".join(parts) + "\n"
