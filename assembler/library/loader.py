"""The clause library: Legal's data (clauses, partnership models, documents, checklists), loaded and checked.

Everything here is read from `clause_library/`; nothing about the law or the playbook lives in code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from assembler.deals.contract import MODEL_IDS, term_paths
from assembler.errors import LibraryError
from assembler.library.schemas import (
    AMENDMENT_ID,
    Checklist,
    ClauseMeta,
    Config,
    Document,
    Economics,
    Objections,
    PartnershipModel,
    PositionRules,
    RedFlags,
    Timeline,
)
from assembler.safe_files import escape_from
from assembler.yamlfile import YamlFileError, load_yaml, parse_yaml


@dataclass(frozen=True)
class Clause:
    """A clause of the library: its front matter, its Jinja body and the file it came from."""

    meta: ClauseMeta
    body: str
    path: Path  # relative to the workspace, for messages

    @property
    def id(self) -> str:
        """The clause id (from the front matter)."""
        return self.meta.id


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)


ModelT = TypeVar("ModelT", bound=BaseModel)


def _validate(model: type[BaseModel], data: Any, source: str) -> Any:
    """`data` validated by `model`; every problem at once, one `<file>: <key>: <reason>` line each."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            lines.append(f"{source}: {loc}: {err['msg']}")
        raise LibraryError("\n".join(dict.fromkeys(lines))) from None


def check_inside(root: Path, path: Path, source: str) -> Path:
    """A library file must be a real file inside the library's workspace; a symbolic link is refused by its
    name, and its target never read (it could be a secrets file)."""
    problem = escape_from(root.parent, path)
    if problem:
        raise LibraryError(
            f"{source}: {problem}; the library is read only from real files inside the workspace: "
            "replace the link with the file itself"
        )
    return path


def _load(root: Path, path: Path, source: str) -> Any:
    check_inside(root, path, source)
    try:
        return load_yaml(path, source, fast=True)
    except YamlFileError as exc:
        raise LibraryError(str(exc)) from None


def split_front_matter(text: str) -> tuple[str, str] | None:
    """(YAML front matter, body) of a Markdown file that starts with '---', or None."""
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    return (match.group(1), match.group(2)) if match else None


def parse_clause(text: str, source: str, path: Path) -> Clause:
    """Split a clause file into validated front matter and its Markdown body."""
    parts = split_front_matter(text)
    if parts is None:
        raise LibraryError(f"{source}: a clause file starts with '---', YAML front matter, then '---'")
    front, body = parts
    try:
        data = parse_yaml(front, source, fast=True)
    except YamlFileError as exc:
        raise LibraryError(str(exc)) from None
    meta = _validate(ClauseMeta, data, source)
    if path.stem != meta.id:
        raise LibraryError(
            f"{source}: id is {meta.id!r} but the file is named {path.name}; name it {meta.id}.md"
        )
    return Clause(meta=meta, body=body.strip("\n") + "\n", path=path)


class Library:
    """The clause library at `root` (a `clause_library/` folder). Files are read on first use."""

    def __init__(self, root: Path, label: str = "clause_library") -> None:
        self.root = root
        self.label = label
        if not (root / "models").is_dir():
            raise LibraryError(f"{label}: not a clause library (no models/ folder)")

    def _source(self, path: Path) -> str:
        return f"{self.label}/{path.relative_to(self.root).as_posix()}"

    def data_file(self, model: type[ModelT], relative: str) -> ModelT:
        """A YAML data file of the library, validated by `model`; errors name the file and key."""
        path = self.root / relative
        validated: ModelT = _validate(model, _load(self.root, path, self._source(path)), self._source(path))
        return validated

    @cached_property
    def config(self) -> Config:
        """The house settings (config.yaml)."""
        return self.data_file(Config, "config.yaml")

    @cached_property
    def documents(self) -> dict[str, Document]:
        """The documents the library can assemble (documents.yaml), by id."""
        path = self.root / "documents.yaml"
        raw = _load(self.root, path, self._source(path))
        docs = [_validate(Document, d, self._source(path)) for d in (raw or {}).get("documents", [])]
        return {d.id: d for d in docs}

    @cached_property
    def models(self) -> dict[str, PartnershipModel]:
        """The partnership models (models/*.yaml), by id; every known model must have a file."""
        models: dict[str, PartnershipModel] = {}
        known_terms = term_paths()
        for path in sorted((self.root / "models").glob("*.yaml")):
            source = self._source(path)
            model = _validate(PartnershipModel, _load(self.root, path, source), source)
            if path.stem != model.id:
                raise LibraryError(f"{source}: id is {model.id!r}; name the file {model.id}.yaml")
            for term in (*model.required_terms, *model.forbidden_terms, *filter(None, [model.key_term])):
                if term not in known_terms:
                    raise LibraryError(f"{source}: {term!r} is not a deal term (terms.*)")
            models[model.id] = model
        missing = sorted(set(MODEL_IDS) - set(models))
        if missing:
            raise LibraryError(f"{self.label}/models: no model file for {', '.join(missing)}")
        return models

    @cached_property
    def clause_sets(self) -> dict[str, list[str]]:
        """Named clause sets (clause-sets.yaml): set name → clause ids; empty when the file is absent."""
        path = self.root / "clause-sets.yaml"
        if not path.exists():
            return {}
        raw = _load(self.root, path, self._source(path)) or {}
        sets = raw.get("sets", {}) if isinstance(raw, dict) else None
        if not isinstance(sets, dict) or not all(
            isinstance(v, list) and all(isinstance(i, str) for i in v) for v in sets.values()
        ):
            raise LibraryError(f"{self._source(path)}: sets: expected named lists of clause ids")
        return sets

    @cached_property
    def checklist(self) -> Checklist:
        """The mandatory-provisions checklist (checklists/mandatory-provisions.yaml)."""
        return self.data_file(Checklist, "checklists/mandatory-provisions.yaml")

    @cached_property
    def timeline(self) -> Timeline:
        """The negotiation timeline and its messages (negotiation/timeline.yaml)."""
        return self.data_file(Timeline, "negotiation/timeline.yaml")

    @cached_property
    def red_flags(self) -> RedFlags:
        """The red-flag rules and their messages (rules/red-flags.yaml)."""
        return self.data_file(RedFlags, "rules/red-flags.yaml")

    @cached_property
    def position_rules(self) -> PositionRules:
        """Position scales, ratings and walk-away triggers (negotiation/positions.yaml)."""
        return self.data_file(PositionRules, "negotiation/positions.yaml")

    @cached_property
    def objections(self) -> Objections:
        """Standard partner objections and suggested responses (negotiation/objections.yaml)."""
        return self.data_file(Objections, "negotiation/objections.yaml")

    @cached_property
    def economics(self) -> Economics:
        """negotiation/economics.yaml: what the package around a rate is worth."""
        return self.data_file(Economics, "negotiation/economics.yaml")

    def sequence(self, model_id: str) -> list[str]:
        """The documents a deal of the model may be at: the model's own, then any other preliminary one."""
        own: list[str] = list(self.model(model_id).documents)
        extra = [d.id for d in self.documents.values() if d.kind == "preliminary" and d.clauses]
        return own + [d for d in extra if d not in own]

    @cached_property
    def clauses(self) -> dict[str, Clause]:
        """Every clause of the library (clauses/**/*.md), by id; every file that does not load is reported
        at once (the same reader `library lint` uses)."""
        clauses, problems = read_clauses(work_tree_clause_files(self))
        if problems:
            raise LibraryError("\n".join(problems))
        return clauses

    @cached_property
    def defined_terms(self) -> dict[str, str]:
        """Every term a clause defines → the id of the (first) clause defining it."""
        terms: dict[str, str] = {}
        for clause in self.clauses.values():
            for term in clause.meta.defines:
                terms.setdefault(term, clause.id)
        return terms

    def model(self, model_id: str) -> PartnershipModel:
        """The partnership model `model_id`; LibraryError when the library has none."""
        try:
            return self.models[model_id]
        except KeyError:
            raise LibraryError(f"{self.label}: unknown partnership model {model_id!r}") from None

    def document(self, document_id: str) -> Document:
        """The document `document_id`: one of documents.yaml, or an amendment; LibraryError when none."""
        if re.fullmatch(AMENDMENT_ID, document_id):
            # Amendments are numbered per deal, not listed in documents.yaml (signature/amendment.py).
            number = document_id.removeprefix("amendment-")
            return Document(id=document_id, title=f"Amendment No. {number}", kind="amendment")
        try:
            return self.documents[document_id]
        except KeyError:
            raise LibraryError(f"{self.label}/documents.yaml: unknown document {document_id!r}") from None

    def clause_ids(self, model_id: str, document_id: str) -> list[str]:
        """The ordered clause ids of a model's document, with "@set" references expanded."""
        model = self.model(model_id)
        source = f"{self.label}/models/{model_id}.yaml"
        entries = model.documents.get(document_id)  # type: ignore[call-overload]
        if entries is None and document_id in self.documents:
            entries = self.documents[document_id].clauses
        if entries is None:
            raise LibraryError(f"{source}: the {model.title} model has no {document_id} document")
        ids: list[str] = []
        for entry in entries:
            if entry.startswith("@"):
                if entry[1:] not in self.clause_sets:
                    raise LibraryError(f"{source}: {document_id}: unknown clause set {entry!r}")
                ids.extend(self.clause_sets[entry[1:]])
            else:
                ids.append(entry)
        return ids


AUTHORING = "clause_library/AUTHORING.md"


def read_clause_file(source: str, data: bytes) -> Clause | str:
    """One clause file parsed, or the problem line saying why it does not parse."""
    try:
        return parse_clause(data.decode("utf-8"), source, Path(source))
    except UnicodeDecodeError:
        return f"{source}: not UTF-8 text; save it as UTF-8"
    except LibraryError as exc:
        message = str(exc.message)
        return message if ";" in message else f"{message}; see {AUTHORING}"


def collect_clauses(parsed: Iterable[tuple[str, Clause | str]]) -> tuple[dict[str, Clause], list[str]]:
    """The clauses by id from parsed files (path → clause or problem, in path order), and the problems:
    each file that does not parse, and each that reuses an id."""
    clauses: dict[str, Clause] = {}
    problems: list[str] = []
    for source, clause in parsed:
        if isinstance(clause, str):
            problems.append(clause)
        elif clause.id in clauses:
            problems.append(
                f"{source}: clause id {clause.id!r} is also used by {clauses[clause.id].path}; "
                "give one of them a new id (and file name)"
            )
        else:
            clauses[clause.id] = clause
    return clauses, problems


def read_clauses(files: dict[str, bytes]) -> tuple[dict[str, Clause], list[str]]:
    """Parse clause files (`clause_library/clauses/...` path → bytes): the clauses by id, and one problem
    line for each file that does not parse or reuses an id."""
    return collect_clauses((source, read_clause_file(source, data)) for source, data in sorted(files.items()))


def work_tree_clause_files(library: Library) -> dict[str, bytes]:
    """The clause files of the work tree: path as messages name it (<library>/clauses/...) → bytes."""
    folder = library.root / "clauses"
    files = {}
    for path in sorted(folder.rglob("*.md")):
        source = f"{library.label}/clauses/{path.relative_to(folder).as_posix()}"
        check_inside(library.root, path, source)
        try:
            files[source] = path.read_bytes()
        except OSError as exc:
            raise LibraryError(
                f"{source}: cannot read ({exc.strerror}); fix the file's permissions"
            ) from None
    return files
