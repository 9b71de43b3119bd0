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

from assembler.assembly import markdown
from assembler.assembly.defined_terms import check_terms, require_defined
from assembler.assembly.sandbox import UnsetValue, sandbox
from assembler.deals.contract import Deal
from assembler.errors import AssemblyError, LibraryError
from assembler.library.loader import Clause, Library
from assembler.library.plan import printed_dates
from assembler.library.schemas import Document

# [[ref:clause-id]] → "Section 9"; [[ref:clause-id.2]] → "Section 9.2" (the clause's second sub-clause).
_REF = re.compile(r"\[\[ref:([a-z0-9-]+)(?:\.([1-9][0-9]*))?\]\]")


_NOT_A_SUBCLAUSE = re.compile(r"^(\(([a-z]{1,3}|[ivxl]+)\)\s|\||:::|\s)")


def subclause_count(text: str) -> int:
    """How many numbered sub-clauses (1.1, 1.2, ...) a rendered clause body has: its top-level paragraphs.

    Mirrors clause_styles.lua: a paragraph is a sub-clause; list items, tables and divs are not.
    """
    blocks = [block for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    return sum(1 for block in blocks if not _NOT_A_SUBCLAUSE.match(block))


@dataclass(frozen=True)
class PlacedClause:
    """One clause as placed in an assembled document: its section number and rendered text."""

    clause: Clause
    number: int | None  # section number in this document; None for unnumbered clauses
    text: str  # rendered Markdown body, cross-references resolved


@dataclass(frozen=True)
class AssembledDocument:
    """A deal document assembled from the clause library: its clauses in order and its Markdown twin."""

    deal_id: str
    document: Document
    clauses: tuple[PlacedClause, ...]
    markdown: str
    warnings: tuple[str, ...] = ()

    def covered_items(self) -> set[str]:
        """The checklist items (clause `covers`) that the document's clauses provide."""
        return {item for placed in self.clauses for item in placed.clause.meta.covers}


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
    return context


class ClauseRenderer:
    """Renders clause bodies for one deal and document (cross-references left as `[[ref:...]]`)."""

    def __init__(
        self, deal: Deal, library: Library, document: Document, today: dt.date | None = None
    ) -> None:
        def load(clause_id: str) -> str | None:
            clause = library.clauses.get(clause_id)
            return None if clause is None else clause.body

        self._env = sandbox(deal.terms.currency, loader=jinja2.FunctionLoader(load))
        self._context = clause_context(deal, library, document, today)

    def render(self, clause: Clause) -> str:
        """The clause's body rendered in the sandbox with this deal's values, tidied."""
        return _tidy(_render_body(self._env, clause, self._context))


def _render_body(env: ImmutableSandboxedEnvironment, clause: Clause, context: dict[str, Any]) -> str:
    try:
        return env.get_template(clause.id).render(context)
    except UnsetValue:
        raise AssemblyError(
            f"{clause.path}: prints a deal value that this deal does not set; guard it with "
            "{% if ... %} in the clause or set the value in deal.yaml"
        ) from None
    except jinja2.UndefinedError as exc:
        raise AssemblyError(f"{clause.path}: unknown variable ({exc.message})") from None
    except jinja2.TemplateSyntaxError as exc:
        raise AssemblyError(
            f"{clause.path}: template syntax error at body line {exc.lineno}: {exc.message}"
        ) from None
    except jinja2.TemplateError as exc:
        raise AssemblyError(f"{clause.path}: {exc}") from None


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
    deal: Deal, deal_id: str, library: Library, document_id: str, today: dt.date | None = None
) -> AssembledDocument:
    """Render every clause of the document and join them into one Markdown text; `today` (the build date)
    keeps printed milestone dates from lying in the past."""
    document = library.document(document_id)
    clauses = plan(deal, library, document_id)
    renderer = ClauseRenderer(deal, library, document, today)

    numbers: dict[str, int] = {}
    for clause in clauses:
        if clause.meta.numbered:
            numbers[clause.id] = len(numbers) + 1

    # Every clause is rendered before references are resolved: a reference to a sub-clause needs to know
    # how many sub-clauses its target has in this deal's text.
    rendered = {clause.id: renderer.render(clause) for clause in clauses}

    def resolve(clause: Clause, text: str) -> str:
        def section(match: re.Match[str]) -> str:
            target, sub = match.group(1), match.group(2)
            if target not in numbers:
                raise AssemblyError(
                    f"{clause.path}: refers to [[ref:{target}]], which is not a numbered clause of the "
                    f"{document.title} for this model"
                )
            if sub is None:
                return f"Section {numbers[target]}"
            available = subclause_count(rendered[target])
            if int(sub) > available:
                raise AssemblyError(
                    f"{clause.path}: refers to [[ref:{target}.{sub}]], but {target} has {available} "
                    f"sub-clause(s) in this {document.title}; refer to an existing one"
                )
            return f"Section {numbers[target]}.{sub}"

        return _REF.sub(section, text)

    placed = tuple(
        PlacedClause(clause, numbers.get(clause.id), resolve(clause, rendered[clause.id]))
        for clause in clauses
    )
    report = check_terms([(p.clause, p.text) for p in placed], library.defined_terms)
    require_defined(report, library.defined_terms, document.title)
    warnings = tuple(
        f'{document.title}: the defined term "{term}" is defined but never used' for term in report.unused
    )
    return AssembledDocument(deal_id, document, placed, _join(document, placed), warnings)


def _join(document: Document, placed: tuple[PlacedClause, ...]) -> str:
    parts = ['::: {custom-style="Title"}', markdown.escape(document.title), ":::"]
    for item in placed:
        if item.number is None:
            parts += ["", f"::: {{.unnumbered #{item.clause.id}}}", item.text, ":::"]
        else:
            parts += ["", f"# {markdown.escape(item.clause.meta.title)} {{#{item.clause.id}}}", "", item.text]
    return "\n".join(parts) + "\n"
