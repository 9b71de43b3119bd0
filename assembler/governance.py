"""Clause-library governance: `library lint` (is the library consistent and safe to merge?) and
`library impact` (which clauses changed since a base revision, which deals they reach, and a redline of each
for Legal).

Both read the library from the work tree and, for a base revision or a round, from git trees, so a pull
request is checked against exactly what its base branch holds. Nothing here knows the law: the red-flag
language is data (`clause_library/rules/red-flag-patterns.yaml`), shared with the ingestion of returned
drafts.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import jinja2
from jinja2 import nodes
from jinja2.defaults import DEFAULT_NAMESPACE
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .deal import Deal, term_paths
from .errors import AssemblerError, DealError, LibraryError
from .library import CLAUSE_ID, Clause, Library, PartnershipModel, parse_clause

if TYPE_CHECKING:
    from .repository import Repository
    from .workspace import Workspace

PATTERNS_FILE = "rules/red-flag-patterns.yaml"
AUTHORING = "clause_library/AUTHORING.md"
# Deal data a clause must never print: the negotiation team's own positions, sign-offs and open asks.
INTERNAL_VALUES = ("positions", "approvals", "asks")
_REF = re.compile(r"\[\[ref:([^\]]*)\]\]")
_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_JINJA_RUN = re.compile(rf"(?:{_JINJA_TAG.pattern})+", re.S)  # adjacent tags: one code span, not ``


# --- red-flag patterns (data shared with the ingestion of counterparty drafts) ----------------------------

PatternId = Annotated[str, Field(pattern=CLAUSE_ID)]


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RedFlagPattern(_Data):
    """Language that signals a red flag (a rule of rules/red-flags.yaml), as a case-insensitive regex."""

    id: PatternId
    rule: PatternId
    pattern: str
    description: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            _compiled(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression ({exc})") from None
        return value

    def search(self, text: str) -> re.Match[str] | None:
        return _compiled(self.pattern).search(text)


class PatternExemption(_Data):
    """A reviewed, legitimate occurrence of a pattern in one clause of the library."""

    clause: PatternId
    pattern: PatternId
    reason: Annotated[str, Field(min_length=1)]


class RedFlagPatterns(_Data):
    patterns: list[RedFlagPattern]
    allow: list[PatternExemption] = []

    def matches(self, text: str) -> list[tuple[RedFlagPattern, str]]:
        """Every pattern found in `text` (read as `plain_text`), with the first passage it matched."""
        plain = plain_text(text)
        found = []
        for item in self.patterns:
            match = item.search(plain)
            if match:
                found.append((item, match.group(0)))
        return found


def load_red_flag_patterns(library: Library) -> RedFlagPatterns:
    """rules/red-flag-patterns.yaml, validated: unique ids, regexes that compile, known red-flag rules."""
    path = library.root / PATTERNS_FILE
    source = f"{library.label}/{PATTERNS_FILE}"
    if not path.exists():
        raise LibraryError(f"{source}: missing; it lists the red-flag language the library is checked for")
    patterns = library.data_file(RedFlagPatterns, PATTERNS_FILE)
    rules = {flag.id for flag in library.red_flags.red_flags}
    seen: set[str] = set()
    for item in patterns.patterns:
        if item.id in seen:
            raise LibraryError(
                f"{source}: pattern id {item.id!r} is used twice; give each pattern its own id"
            )
        seen.add(item.id)
        if item.rule not in rules:
            raise LibraryError(
                f"{source}: pattern {item.id}: rule {item.rule!r} is not a red flag of "
                f"{library.label}/rules/red-flags.yaml; use one of {', '.join(sorted(rules))}"
            )
    return patterns


def plain_text(text: str) -> str:
    """Text as a reader sees it, for pattern matching: no Jinja tags, Markdown emphasis or escapes, and
    whitespace collapsed (a phrase may be wrapped over lines)."""
    text = _JINJA_TAG.sub(" ", text)
    text = re.sub(r"\*+|\\(?=[^\s\w])", "", text)
    return " ".join(text.split())


# --- reading clauses (work tree or git) -------------------------------------------------------------------


def read_clauses(files: dict[str, bytes]) -> tuple[dict[str, Clause], list[str]]:
    """Parse clause files (`clause_library/clauses/...` path → bytes): the clauses by id, and one problem
    line for each file that does not parse or reuses an id."""
    clauses: dict[str, Clause] = {}
    problems: list[str] = []
    for source, data in sorted(files.items()):
        try:
            clause = parse_clause(data.decode("utf-8"), source, Path(source))
        except UnicodeDecodeError:
            problems.append(f"{source}: not UTF-8 text; save it as UTF-8")
            continue
        except LibraryError as exc:
            message = str(exc.message)
            problems.append(message if ";" in message else f"{message}; see {AUTHORING}")
            continue
        if clause.id in clauses:
            problems.append(
                f"{source}: clause id {clause.id!r} is also used by {clauses[clause.id].path}; "
                "give one of them a new id (and file name)"
            )
            continue
        clauses[clause.id] = clause
    return clauses, problems


def work_tree_clause_files(library: Library) -> dict[str, bytes]:
    folder = library.root / "clauses"
    return {
        f"{library.label}/clauses/{path.relative_to(folder).as_posix()}": path.read_bytes()
        for path in sorted(folder.rglob("*.md"))
    }


def clauses_in_tree(repo: Repository, treeish: str, path: str = "clause_library") -> dict[str, Clause]:
    """The clauses of the library at a commit (`path` = clause_library) or in a library tree (`path` = "");
    files that do not parse there are left out (lint reports the work tree, not history)."""
    prefix = f"{path}/clauses" if path else "clauses"
    files = repo.files_in_tree(treeish, prefix)
    clauses, _ = read_clauses({f"clause_library/clauses/{name}": data for name, data in files.items()})
    return clauses


def clause_text(clause: Clause) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """What a clause puts into documents: heading, body and fallback wordings (a change needs a version)."""
    return clause.meta.title, clause.body, tuple((f.id, f.text) for f in clause.meta.fallbacks)


def resolve_base(repo: Repository, base: str) -> str:
    commit = repo.resolve_commit(base)
    if commit is None:
        if base.startswith("-"):
            raise AssemblerError(
                f"--base {base}: a revision cannot start with '-'; name a branch, tag or commit"
            )
        raise AssemblerError(
            f"--base {base}: not a commit in this repository; name a branch, tag or commit (in CI, fetch the "
            "base branch: actions/checkout with fetch-depth: 0)"
        )
    return commit


# --- the values a clause may use --------------------------------------------------------------------------


def context_paths(library: Library) -> set[str]:
    """Every dotted name a clause body may read (see "Values available to a clause" in AUTHORING.md)."""
    paths = {p for p in term_paths(Deal) if p.split(".")[0] not in (*INTERNAL_VALUES, "model")}
    paths |= {
        "model",
        "model.id",
        "model.title",
        "document",
        "document.id",
        "document.title",
        "document.kind",
    }
    paths |= {"milestones", *(f"milestones.{m.id}" for m in library.timeline.milestones)}
    return paths


def _chain(node: nodes.Node) -> list[str] | None:
    """`terms.reseller.discount_pct` (or `terms["reseller"]...`) as its parts; None for anything else."""
    parts: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
        ):
            parts.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            parts.append(node.name)
            return parts[::-1]
        else:
            return None


def template_names(ast: nodes.Template) -> set[str]:
    """The dotted context names a template reads (loop variables, `set` names and Jinja globals excluded)."""
    local = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    local |= {"loop", *DEFAULT_NAMESPACE}
    found: set[str] = set()

    def walk(node: nodes.Node) -> None:
        chain = _chain(node)
        if chain is not None:
            if chain[0] not in local:
                found.add(".".join(chain))
            return
        for child in node.iter_child_nodes():
            walk(child)

    walk(ast)
    return found


def _resolve(name: str, known: set[str], parents: set[str]) -> tuple[str, bool]:
    """(the context value `name` reads, whether it exists). An attribute of a leaf value (a date's `.year`)
    reads that value; an unknown field of a group (`terms.referal_fee_pct`) does not exist."""
    parts = name.split(".")
    for size in range(len(parts), 0, -1):
        prefix = ".".join(parts[:size])
        if prefix in known:
            if size == len(parts) or prefix not in parents:
                return prefix, True
            return ".".join(parts[: size + 1]), False
    return parts[0], False


# --- branches that depend only on the model and document ----------------------------------------------------

_UNKNOWN: Any = object()


def _value(node: nodes.Node, facts: dict[str, str]) -> Any:
    """The value of a test expression given the model/document facts, or _UNKNOWN when it depends on the
    deal (then both branches may be taken)."""
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, nodes.List | nodes.Tuple):
        items = [_value(item, facts) for item in node.items]
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else items
    chain = _chain(node)
    if chain is not None:
        return facts.get(".".join(chain), _UNKNOWN)
    if isinstance(node, nodes.Not):
        inner = _value(node.node, facts)
        return _UNKNOWN if inner is _UNKNOWN else not inner
    if isinstance(node, nodes.And | nodes.Or):
        left, right = _value(node.left, facts), _value(node.right, facts)
        deciding = not isinstance(node, nodes.And)  # a False decides an `and`, a True decides an `or`
        for side in (left, right):
            if side is not _UNKNOWN and bool(side) is deciding:
                return deciding
        return _UNKNOWN if _UNKNOWN in (left, right) else right
    if isinstance(node, nodes.Compare):
        left = _value(node.expr, facts)
        for operand in node.ops:
            right = _value(operand.expr, facts)
            if left is _UNKNOWN or right is _UNKNOWN:
                return _UNKNOWN
            compare = {
                "eq": lambda a, b: a == b,
                "ne": lambda a, b: a != b,
                "in": lambda a, b: a in b,
                "notin": lambda a, b: a not in b,
            }.get(operand.op)
            if compare is None:
                return _UNKNOWN
            if not compare(left, right):
                return False
            left = right
        return True
    return _UNKNOWN


def _reachable_text(node: nodes.Node, facts: dict[str, str]) -> Iterator[str]:
    """The literal text of a template that can appear in a document with these facts."""
    if isinstance(node, nodes.TemplateData):
        yield node.data
        return
    if isinstance(node, nodes.If):
        decided = False
        for branch in (node, *node.elif_):
            value = _value(branch.test, facts)
            if value is not _UNKNOWN and not value:
                continue
            for child in branch.body:
                yield from _reachable_text(child, facts)
            if value is not _UNKNOWN:
                decided = True
                break
        if not decided:
            for child in node.else_:
                yield from _reachable_text(child, facts)
        return
    for child in node.iter_child_nodes():
        yield from _reachable_text(child, facts)


# --- lint -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LintReport:
    clauses: int
    problems: list[str]
    versioned: list[str] = field(default_factory=list)  # clause ids changed since the base, version raised


class LibraryLintError(LibraryError):
    """`library lint` found problems (one line each)."""


@dataclass(frozen=True)
class _Template:
    where: str  # "the body" or "fallback <id>"
    ast: nodes.Template


class _Linter:
    """One pass over the library; each check appends `<file>: <what is wrong>; <what to do>` lines."""

    def __init__(self, library: Library, files: dict[str, bytes]) -> None:
        self.library = library
        self.problems: list[str] = []
        self.clauses, found = read_clauses(files)
        self.problems += found
        self.broken = {Path(source).stem for source in files} - set(self.clauses)
        self.env = jinja2.Environment()
        self.templates: dict[str, list[_Template]] = {}
        self.contents: dict[tuple[str, str], list[str]] = {}  # (model, document) → its clause ids

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

    # Templates: each clause's body and fallbacks, parsed once.
    def parse_templates(self) -> None:
        from .assemble import sandbox  # the real filters, to catch a misspelt one

        real = sandbox("USD")
        for clause in self.clauses.values():
            parsed = []
            sources = [
                ("the body", clause.body),
                *((f"fallback {f.id}", f.text) for f in clause.meta.fallbacks),
            ]
            for where, text in sources:
                try:
                    ast = self.env.parse(text)
                except jinja2.TemplateSyntaxError as exc:
                    self.problems.append(
                        f"{clause.path}: template syntax error in {where}, line {exc.lineno}: {exc.message}; "
                        "fix the Jinja tag"
                    )
                    continue
                for node in ast.find_all((nodes.Filter, nodes.Test)):
                    table = real.filters if isinstance(node, nodes.Filter) else real.tests
                    if node.name not in table:
                        kind = "filter" if isinstance(node, nodes.Filter) else "test"
                        self.problems.append(
                            f"{clause.path}: {where} uses the {kind} {node.name!r}, which does not exist; "
                            f"use one listed in {AUTHORING} (Filters) or a Jinja built-in"
                        )
                parsed.append(_Template(where, ast))
            self.templates[clause.id] = parsed

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
                for name in sorted(template_names(template.ast)):
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
        return [target for text in texts for target in _REF.findall(text)]

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
            for document_id in model.documents:
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
                    text = "".join(_reachable_text(template.ast, facts))
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
        for clause in self.clauses.values():
            texts = [clause.meta.title, clause.body, *(f.text for f in clause.meta.fallbacks)]
            hits: dict[str, tuple[RedFlagPattern, str]] = {}
            for text in texts:
                for item, passage in patterns.matches(text):
                    hits.setdefault(item.id, (item, passage))
            for item, passage in hits.values():
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


def lint_library(library: Library, base: dict[str, Clause] | None = None, base_label: str = "") -> LintReport:
    """Check every clause file and the models, checklist and red-flag patterns that use them; with `base`
    (the clauses at a base revision), also that every clause whose text changed has a higher version."""
    files = work_tree_clause_files(library)
    linter = _Linter(library, files)
    linter.run()
    versioned = linter.check_versions(base, base_label) if base is not None else []
    return LintReport(len(files), linter.problems, versioned)


def lint_workspace(workspace: Workspace, base: str | None = None) -> LintReport:
    from .repository import Repository

    library = Library(workspace.library_root)
    if base is None:
        return lint_library(library)
    repo = Repository(workspace.root)
    commit = resolve_base(repo, base)
    return lint_library(library, clauses_in_tree(repo, commit), base)


# --- impact -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryChange:
    """A clause whose text differs between the base revision and the work tree."""

    clause_id: str
    title: str
    old_version: int | None  # None: added since the base
    new_version: int | None  # None: removed since the base

    @property
    def label(self) -> str:
        if self.old_version is None:
            return f"new, version {self.new_version}"
        if self.new_version is None:
            return f"removed (was version {self.old_version})"
        return f"version {self.old_version} \u2192 {self.new_version}"

    @property
    def redline_name(self) -> str:
        old = f"v{self.old_version}" if self.old_version is not None else "new"
        new = f"v{self.new_version}" if self.new_version is not None else "removed"
        return f"{self.clause_id}.{old}-{new}.docx"


@dataclass(frozen=True)
class DealImpact:
    """A deal document that includes a changed clause and does not yet have a round with its new text."""

    deal_id: str
    document_id: str
    clause_id: str
    round: int | None  # the document's latest round, None when it has none yet
    round_version: int | None  # the clause version that round used; None when it predates the clause

    @property
    def status(self) -> str:
        if self.round is None:
            return "no round yet"
        if self.round_version is None:
            return f"round {self.round} predates the clause"
        return f"round {self.round} used version {self.round_version}"


@dataclass(frozen=True)
class ImpactReport:
    base: str
    base_commit: str
    changes: list[LibraryChange]
    deals: list[DealImpact]
    redlines: dict[str, Path]  # clause id → its redline
    summary: Path
    warnings: list[str]


def library_changes(base: dict[str, Clause], current: dict[str, Clause]) -> list[LibraryChange]:
    changes = []
    for clause_id in sorted(base.keys() | current.keys()):
        old, new = base.get(clause_id), current.get(clause_id)
        if old is not None and new is not None and clause_text(old) == clause_text(new):
            continue
        title = (new or old).meta.title  # type: ignore[union-attr]
        changes.append(
            LibraryChange(
                clause_id,
                title,
                old.meta.version if old else None,
                new.meta.version if new else None,
            )
        )
    return changes


def affected_deals(
    workspace: Workspace,
    repo: Repository,
    library: Library,
    current: dict[str, Clause],
    changes: list[LibraryChange],
) -> tuple[list[DealImpact], list[str]]:
    """Deal documents that include a changed clause: the latest committed round of each document (from its
    Markdown twin) and the document the deal's stage builds next (from the model). A round whose library
    already held the new text is up to date and left out. Returns the impacts and warnings."""
    from .deal import load_deal
    from .redline import clause_sections
    from .rounds import Round, document_path, rounds

    order = [c.clause_id for c in changes]
    changed = set(order)
    new_text = {cid: clause_text(current[cid]) for cid in changed if cid in current}
    at_tree = functools.cache(lambda tree: clauses_in_tree(repo, tree, ""))
    impacts: list[DealImpact] = []
    warnings: list[str] = []
    for deal_id in workspace.deal_ids():
        source = f"agreements/{deal_id}/deal.yaml"
        try:
            deal = load_deal(workspace.deal_file(deal_id), source)
        except DealError:
            warnings.append(
                f"{source} is not valid, so its impact is unknown; run `assembler validate {deal_id}`"
            )
            continue
        latest: dict[str, Round] = {}
        for found in rounds(repo, deal_id):
            if found.document_id not in latest or found.number > latest[found.document_id].number:
                latest[found.document_id] = found
        sequence = list(library.model(deal.model).documents)
        documents = sorted(
            {deal.stage, *latest}, key=lambda d: (sequence.index(d) if d in sequence else 99, d)
        )
        for document_id in documents:
            included: set[str] = set()
            last = latest.get(document_id)
            if last is not None:
                twin = repo.read_blob(last.commit, document_path(deal_id, document_id, "md")) or b""
                included |= clause_sections(twin.decode("utf-8")).keys() & changed
            if document_id == deal.stage and document_id in sequence:
                included |= set(library.clause_ids(deal.model, document_id)) & changed
            for clause_id in sorted(included, key=order.index):
                if last is None:
                    impacts.append(DealImpact(deal_id, document_id, clause_id, None, None))
                    continue
                used = at_tree(last.library_tree).get(clause_id)
                if used is not None and clause_text(used) == new_text.get(clause_id):
                    continue
                version = used.meta.version if used is not None else None
                impacts.append(DealImpact(deal_id, document_id, clause_id, last.number, version))
    return impacts, warnings


def _literal_jinja(match: re.Match[str]) -> str:
    tags = " ".join(match.group(0).split())
    return f"`` {tags} ``" if "`" in tags else f"`{tags}`"


def clause_review_markdown(clause: Clause | None) -> str:
    """A clause as Legal reviews it: its heading with the version, the body and each fallback wording, with
    Jinja tags shown literally (as code) so every branch of the template is visible."""
    if clause is None:
        return "(no clause)\n"
    meta = clause.meta

    def show(text: str) -> str:
        return _JINJA_RUN.sub(_literal_jinja, text.strip("\n"))

    parts = [f"# {meta.title} (version {meta.version}) {{#{meta.id}}}", "", show(clause.body)]
    for fallback in meta.fallbacks:
        parts += [
            "",
            "::: {.fallback}",
            f"**Fallback {fallback.id}.** {fallback.use_when}",
            "",
            show(fallback.text),
        ]
        parts += [":::"]
    return "\n".join(parts) + "\n"


def clause_redline(old: Clause | None, new: Clause | None, library: Library, when: dt.datetime) -> bytes:
    """Tracked changes from the old clause to the new one, in the house style, authored by the legal team."""
    from importlib import resources

    from .pandoc import markdown_to_docx
    from .redline import redline_docx
    from .render import epoch_of
    from .word import DRAFT_MARKING, PARTIES_MARKING, read_parts, replace_text, write_package

    reference = library.root / "templates" / "reference.docx"
    if not reference.exists():
        raise LibraryError("clause_library/templates/reference.docx is missing; run `make house-style`")
    shown = new or old
    assert shown is not None
    # Both sides carry the same header and footer, so the only tracked changes are the clause's own.
    markings = {
        DRAFT_MARKING: f"Clause library review \u2014 {shown.meta.title} ({shown.id}) \u2014 Confidential",
        PARTIES_MARKING: library.config.company.name,
    }

    def render(clause: Clause | None, lua_filter: Path) -> bytes:
        body = markdown_to_docx(clause_review_markdown(clause), reference, epoch_of(when.date()), lua_filter)
        parts = read_parts(body)
        for name in [n for n in parts if re.fullmatch(r"word/(header|footer)\d*\.xml", n)]:
            for marker, text in markings.items():
                parts[name] = replace_text(parts[name], marker, text)
        return write_package(parts, when.date())

    with resources.as_file(resources.files("assembler") / "clause_styles.lua") as lua_filter:
        old_docx, new_docx = render(old, lua_filter), render(new, lua_filter)
    return redline_docx(old_docx, new_docx, library.config.legal_team, when)


def impact_markdown(report: ImpactReport) -> str:
    lines = [f"# Clause library changes since {report.base} ({report.base_commit[:12]})", ""]
    if not report.changes:
        return "\n".join([*lines, "No clause text changed."]) + "\n"
    lines += ["| Clause | Version | Redline |", "|---|---|---|"]
    lines += [f"| {c.title} (`{c.clause_id}`) | {c.label} | {c.redline_name} |" for c in report.changes]
    lines += ["", "## Deals", ""]
    if not report.deals:
        lines.append("No deal document includes a changed clause.")
    else:
        lines += ["| Deal | Document | Clause | Latest round |", "|---|---|---|---|"]
        lines += [f"| {d.deal_id} | {d.document_id} | `{d.clause_id}` | {d.status} |" for d in report.deals]
    return "\n".join(lines) + "\n"


def library_impact(workspace: Workspace, base: str, out_dir: Path) -> ImpactReport:
    """Clauses changed since `base`, the deals they reach, and per clause a redline (written to `out_dir`,
    with an impact.md summary)."""
    from .atomic_write import write_files_atomically
    from .repository import Repository

    library = Library(workspace.library_root)
    repo = Repository(workspace.root)
    base_commit = resolve_base(repo, base)
    current, problems = read_clauses(work_tree_clause_files(library))
    if problems:
        raise LibraryError(f"{problems[0]} (run `assembler library lint`)")
    previous = clauses_in_tree(repo, base_commit)
    changes = library_changes(previous, current)
    deals, warnings = affected_deals(workspace, repo, library, current, changes)
    when = dt.datetime.fromisoformat(repo.commit_info("HEAD").date)
    outputs = {
        out_dir / change.redline_name: clause_redline(
            previous.get(change.clause_id), current.get(change.clause_id), library, when
        )
        for change in changes
    }
    report = ImpactReport(
        base,
        base_commit,
        changes,
        deals,
        {c.clause_id: out_dir / c.redline_name for c in changes},
        out_dir / "impact.md",
        warnings,
    )
    outputs[report.summary] = impact_markdown(report).encode("utf-8")
    write_files_atomically(outputs)
    return report
