"""Clause-library governance: `library lint` (is the library consistent and safe to merge?) and
`library impact` (which clauses changed since a base revision, which deals they reach, and a redline of each
for Legal).

Both read the library from the work tree and, for a base revision or a round, from git trees, so a pull
request is checked against exactly what its base branch holds. Nothing here knows the law: the red-flag
language is data (`clause_library/rules/red-flag-patterns.yaml`), shared with the ingestion of returned
drafts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2 import nodes

from assembler.errors import LibraryError
from assembler.governance.lint_clauses import ClauseTemplate, clauses_work
from assembler.governance.revisions import clause_text, clauses_in_tree, resolve_base
from assembler.governance.templates import (
    INTERNAL_VALUES,
    _reachable_text,
    _resolve,
    context_paths,
)
from assembler.library.loader import (
    AUTHORING,
    Clause,
    Library,
    collect_clauses,
    work_tree_clause_files,
)
from assembler.library.patterns import PATTERNS_FILE, RedFlagPatterns, load_red_flag_patterns
from assembler.library.schemas import CLAUSE_ID, PartnershipModel

if TYPE_CHECKING:
    from assembler.deals.layout import Workspace


_REF = re.compile(r"\[\[ref:([^\]]*)\]\]")


@dataclass(frozen=True)
class LintReport:
    """The result of `library lint`: how many clauses were checked and the problems found."""

    clauses: int
    problems: list[str]
    versioned: list[str] = field(default_factory=list)  # clause ids changed since the base, version raised


class _Linter:
    """One pass over the library; each check appends `<file>: <what is wrong>; <what to do>` lines. What
    each clause file shows on its own is worked out first (lint_clauses, in parallel for a large library)."""

    def __init__(self, library: Library, files: dict[str, bytes], workers: int | None = None) -> None:
        self.library = library
        self.problems: list[str] = []
        works = clauses_work(files, self._patterns(), workers)
        self.clauses, found = collect_clauses((w.source, w.clause) for w in works)
        self.work = {id(w.clause): w for w in works}  # a clause's own results, by the clause kept
        self.problems += found
        self.broken = {Path(source).stem for source in files} - set(self.clauses)
        self.env = jinja2.Environment()
        self.templates: dict[str, list[ClauseTemplate]] = {}
        self.asts: dict[tuple[str, str], nodes.Template] = {}
        self.contents: dict[tuple[str, str], list[str]] = {}  # (model, document) → its clause ids

    def _patterns(self) -> RedFlagPatterns | None:
        """The red-flag patterns when they load (if not, `run` reports why, in its place among the checks)."""
        try:
            self.library.red_flags  # noqa: B018 - the patterns name its rules
            return load_red_flag_patterns(self.library)
        except LibraryError:
            return None

    def _ast(self, clause_id: str, template: ClauseTemplate) -> nodes.Template:
        """A template's syntax tree, parsed again when a check needs it (it parsed once already)."""
        key = (clause_id, template.where)
        if key not in self.asts:
            self.asts[key] = self.env.parse(template.text)
        return self.asts[key]

    def load(self, name: str) -> Any:
        try:
            return getattr(self.library, name)
        except LibraryError as exc:
            self.problems.append(str(exc.message))
            return None

    def run(self) -> None:
        self.parse_templates()
        timeline = self.load("timeline")
        if timeline is not None:
            self.check_variables()
        checklist = self.load("checklist")
        if checklist is not None:
            self.check_covers({item.id for item in checklist.items})
        documents, models, sets = self.load("documents"), self.load("models"), self.load("clause_sets")
        self.check_references_exist()
        if documents is not None and models is not None and sets is not None:
            usage = self.check_models(models, documents)
            self.check_applies_to(usage)
            self.check_references_in_documents(models, documents, usage)
            if checklist is not None:
                self.check_checklist(models, documents, checklist)
        red_flags = self.load("red_flags")
        if red_flags is not None:
            try:
                patterns = load_red_flag_patterns(self.library)
            except LibraryError as exc:
                self.problems.append(str(exc.message))
            else:
                self.check_red_flags(patterns)

    # Templates: each clause's body and fallbacks, parsed once (by lint_clauses).
    def parse_templates(self) -> None:
        for clause in self.clauses.values():
            work = self.work[id(clause)]
            self.problems += work.problems
            self.templates[clause.id] = work.templates

    def check_variables(self) -> None:
        known = context_paths(self.library)
        parents = {p.rsplit(".", 1)[0] for p in known if "." in p}
        values = f'see "Values available to a clause" in {AUTHORING}'
        for clause in self.clauses.values():
            declared = clause.meta.variables
            for name in declared:
                if name not in known:
                    self.problems.append(
                        f"{clause.path}: variables lists {name}, which is not a value available to a clause; "
                        f"fix or remove it ({values})"
                    )
            used: set[str] = set()
            for template in self.templates[clause.id]:
                for name in template.names:
                    value, exists = _resolve(name, known, parents)
                    if name.split(".")[0] in INTERNAL_VALUES:
                        self.problems.append(
                            f"{clause.path}: {template.where} uses {name}, which is internal negotiation "
                            "data and must never be printed in a document; remove it"
                        )
                    elif not exists:
                        self.problems.append(
                            f"{clause.path}: {template.where} uses {value}, which is not a value available "
                            f"to a clause; fix the name ({values})"
                        )
                    else:
                        used.add(value)
            for value in sorted(used):
                covered = any(
                    value == d or value.startswith(f"{d}.") or d.startswith(f"{value}.") for d in declared
                )
                if not covered:
                    self.problems.append(
                        f"{clause.path}: uses {value} but variables does not list it; add it to variables"
                    )

    def check_covers(self, items: set[str]) -> None:
        for clause in self.clauses.values():
            for item in clause.meta.covers:
                if item not in items:
                    self.problems.append(
                        f"{clause.path}: covers lists {item}, which is not an item of "
                        "clause_library/checklists/mandatory-provisions.yaml; fix the id"
                    )

    def _refs(self, clause: Clause) -> list[str]:
        texts = [clause.body, *(f.text for f in clause.meta.fallbacks)]
        # [[ref:clause-id.2]] names sub-clause 2 of clause-id; the clause id is what must exist.
        return [re.sub(r"\.[1-9][0-9]*$", "", target) for text in texts for target in _REF.findall(text)]

    def check_references_exist(self) -> None:
        for clause in self.clauses.values():
            for target in dict.fromkeys(self._refs(clause)):
                if not re.fullmatch(CLAUSE_ID, target):
                    self.problems.append(
                        f"{clause.path}: [[ref:{target}]] is not a reference to a clause id; write "
                        "[[ref:clause-id]] with the id in lower case"
                    )
                elif target not in self.clauses and target not in self.broken:
                    self.problems.append(
                        f"{clause.path}: refers to [[ref:{target}]], but no clause has the id {target}; "
                        "fix the id"
                    )
                elif target in self.clauses and not self.clauses[target].meta.numbered:
                    self.problems.append(
                        f"{clause.path}: refers to [[ref:{target}]], which is unnumbered (numbered: false) "
                        "and has no section number; refer to a numbered clause"
                    )

    def check_models(
        self, models: dict[str, PartnershipModel], documents: dict[str, Any]
    ) -> dict[str, set[tuple[str, str]]]:
        """Every model document lists existing clauses once; returns clause id → {(model, document)}."""
        usage: dict[str, set[tuple[str, str]]] = {}
        for model in models.values():
            source = f"clause_library/models/{model.id}.yaml"
            generic = [d for d, doc in documents.items() if getattr(doc, "clauses", None)]
            for document_id in [*model.documents, *(d for d in generic if d not in model.documents)]:
                if document_id not in documents:
                    self.problems.append(
                        f"{source}: {document_id} is not a document of clause_library/documents.yaml; add it "
                        "there or fix the id"
                    )
                    continue
                try:
                    ids = self.library.clause_ids(model.id, document_id)
                except LibraryError as exc:
                    self.problems.append(f"{exc.message}; define the set in clause_library/clause-sets.yaml")
                    continue
                self.contents[(model.id, document_id)] = ids
                for clause_id in dict.fromkeys(ids):
                    if ids.count(clause_id) > 1:
                        self.problems.append(
                            f"{source}: {document_id} lists clause {clause_id} {ids.count(clause_id)} times "
                            "(directly or through a clause set); keep one"
                        )
                    if clause_id in self.clauses:
                        usage.setdefault(clause_id, set()).add((model.id, document_id))
                    elif clause_id not in self.broken:
                        self.problems.append(
                            f"{source}: {document_id} lists clause {clause_id}, which no file in "
                            "clause_library/clauses defines; fix the id or add the clause"
                        )
        return usage

    def check_applies_to(self, usage: dict[str, set[tuple[str, str]]]) -> None:
        for clause in self.clauses.values():
            used_in = usage.get(clause.id, set())
            for model_id, document_id in sorted(used_in):
                if document_id not in clause.meta.applies_to:
                    self.problems.append(
                        f"{clause.path}: used in {document_id} by the {model_id} model, but applies_to does "
                        f"not list it; add {document_id} to applies_to or remove the clause from "
                        f"clause_library/models/{model_id}.yaml"
                    )
            documents = {document_id for _, document_id in used_in}
            for document_id in clause.meta.applies_to:
                if document_id not in documents:
                    self.problems.append(
                        f"{clause.path}: applies_to lists {document_id}, but no model uses the clause there; "
                        f"remove {document_id} from applies_to or add the clause to that document of a model"
                    )

    def check_references_in_documents(
        self,
        models: dict[str, PartnershipModel],
        documents: dict[str, Any],
        usage: dict[str, set[tuple[str, str]]],
    ) -> None:
        """A reference must resolve in every document the clause is used in, for the branches that the model
        and document select ({% if model.id == ... %})."""
        for clause in self.clauses.values():
            missing: dict[str, list[str]] = {}
            for model_id, document_id in sorted(usage.get(clause.id, set())):
                model, document = models[model_id], documents[document_id]
                facts = {
                    "model.id": model.id,
                    "model.title": model.title,
                    "document.id": document.id,
                    "document.title": document.title,
                    "document.kind": document.kind,
                }
                for template in self.templates.get(clause.id, []):
                    text = "".join(_reachable_text(self._ast(clause.id, template), facts))
                    for target in _REF.findall(text):
                        if target in self.clauses and target not in self.contents[(model_id, document_id)]:
                            places = missing.setdefault(target, [])
                            if f"{model_id}/{document_id}" not in places:
                                places.append(f"{model_id}/{document_id}")
            for target, places in missing.items():
                self.problems.append(
                    f"{clause.path}: refers to [[ref:{target}]], which is not in {', '.join(places)} "
                    f"(model/document); add {target} to that document in clause_library/models/, or put the "
                    "reference in an {% if model.id == ... %} branch"
                )

    def check_checklist(
        self, models: dict[str, PartnershipModel], documents: dict[str, Any], checklist: Any
    ) -> None:
        for model in models.values():
            for document_id in model.documents:
                document = documents.get(document_id)
                if document is None or document.kind != "agreement":
                    continue
                if (model.id, document_id) not in self.contents:
                    continue  # its clause list is broken, reported above
                ids = self.contents[(model.id, document_id)]
                if any(cid in self.broken for cid in ids):
                    continue  # a clause that does not parse covers unknown items
                covered = {
                    item for cid in ids if cid in self.clauses for item in self.clauses[cid].meta.covers
                }
                for item in checklist.items:
                    if item.id not in covered:
                        self.problems.append(
                            f"clause_library/models/{model.id}.yaml: no clause of the {document.title} "
                            f"covers checklist item {item.id} ({item.text}); add a clause that covers it to "
                            f"the {document_id} clause list"
                        )

    def check_red_flags(self, patterns: RedFlagPatterns) -> None:
        source = f"clause_library/{PATTERNS_FILE}"
        allowed = {(a.clause, a.pattern) for a in patterns.allow}
        pattern_ids = {p.id for p in patterns.patterns}
        used: set[tuple[str, str]] = set()
        by_id = {p.id: p for p in patterns.patterns}
        for clause in self.clauses.values():
            hits = [(by_id[pattern_id], passage) for pattern_id, passage in self.work[id(clause)].hits]
            for item, passage in hits:
                if (clause.id, item.id) in allowed:
                    used.add((clause.id, item.id))
                    continue
                shown = passage if len(passage) <= 80 else passage[:77] + "..."
                self.problems.append(
                    f'{clause.path}: "{shown}" matches red-flag pattern {item.id} ({item.rule}: '
                    f"{item.description}); reword it, or if Legal has reviewed it, add "
                    f"{{clause: {clause.id}, pattern: {item.id}, reason: ...}} to allow in {source}"
                )
        for entry in patterns.allow:
            key = (entry.clause, entry.pattern)
            if entry.pattern not in pattern_ids:
                self.problems.append(
                    f"{source}: allow names pattern {entry.pattern}, which is not defined; fix or remove it"
                )
            elif entry.clause not in self.clauses and entry.clause not in self.broken:
                self.problems.append(
                    f"{source}: allow names clause {entry.clause}, which does not exist; fix or remove it"
                )
            elif entry.clause in self.clauses and key not in used:
                self.problems.append(
                    f"{source}: allow entry for clause {entry.clause} and pattern {entry.pattern} no longer "
                    "matches the clause's text; remove it"
                )

    def check_versions(self, base: dict[str, Clause], label: str) -> list[str]:
        """Every clause whose text changed since the base has a higher version; returns those clause ids."""
        versioned = []
        for clause in self.clauses.values():
            old = base.get(clause.id)
            if old is None:
                continue
            new_version, old_version = clause.meta.version, old.meta.version
            if clause_text(clause) != clause_text(old):
                if new_version <= old_version:
                    self.problems.append(
                        f"{clause.path}: clause {clause.id} changed since {label} but its version is "
                        f"{new_version} (it was {old_version} at {label}); raise version to {old_version + 1}"
                    )
                else:
                    versioned.append(clause.id)
            elif new_version < old_version:
                self.problems.append(
                    f"{clause.path}: the version of clause {clause.id} went down from {old_version} at "
                    f"{label} to {new_version}; versions never go down, set it back to {old_version}"
                )
        return versioned


def lint_library(
    library: Library,
    base: dict[str, Clause] | None = None,
    base_label: str = "",
    workers: int | None = None,
) -> LintReport:
    """Check every clause file and the models, checklist and red-flag patterns that use them; with `base`
    (the clauses at a base revision), also that every clause whose text changed has a higher version
    (`workers`: processes for the per-file checks, by default one per CPU for a large library)."""
    files = work_tree_clause_files(library)
    linter = _Linter(library, files, workers)
    linter.run()
    versioned = linter.check_versions(base, base_label) if base is not None else []
    return LintReport(len(files), linter.problems, versioned)


def lint_workspace(workspace: Workspace, base: str | None = None) -> LintReport:
    """Lint the workspace's clause library; with `base` (a revision), changed clauses must raise versions."""
    # GitPython loads only for commands that read git
    from assembler.rounds.git import Repository

    library = Library(workspace.library_root)
    if base is None:
        return lint_library(library)
    repo = Repository(workspace.root)
    commit = resolve_base(repo, base)
    return lint_library(library, clauses_in_tree(repo, commit), base)
