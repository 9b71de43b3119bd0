"""`accept` and `adopt`: received changes and Legal's fallbacks become the deal's wording for the next round.

`accept` re-reads the file of the latest ingest (committed with its report), finds the changes by the numbers
the report gave them, and writes per clause a wording file: the clause text with those tracked changes
applied and no others. A change that only moves a number the deal states (a fee, a number of days) becomes
that term's new value in deal.yaml instead of frozen text. `adopt` declares a library fallback. Nothing is
written unless the deal, with its new wording, still assembles.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from assembler.assembly.assemble import ClauseRenderer, assemble, plan
from assembler.assembly.localise import localise
from assembler.assembly.markdown import as_text, number_words
from assembler.assembly.wording import WORDING_DIR, Override, deal_overrides, fallback_override
from assembler.atomic_write import write_files_atomically
from assembler.deals.contract import Agreed, Deal, Wording, parse_deal_text, term_value
from assembler.deals.layout import Workspace
from assembler.errors import AssemblerError, BadInputError, DealError
from assembler.intake.edits import apply_change, words
from assembler.intake.report import TriageItem
from assembler.intake.safety import open_untrusted
from assembler.intake.triage import triage_items
from assembler.library.jurisdictions import profile_for
from assembler.library.loader import Clause, Library
from assembler.library.validate import choose_document, read_valid_deal
from assembler.playbook.negotiation import today_from
from assembler.yamlfile import edit_yaml

TEXT_KINDS = ("insertion", "deletion", "replacement")


@dataclass(frozen=True)
class TermChange:
    """A received change that moves a number the deal states: it is the term's new value, not new text."""

    path: str  # under terms, e.g. deal_registration.protection_days
    old: Any
    new: Any
    number: int  # the change's number in the triage report


@dataclass(frozen=True)
class AcceptResult:
    """What `accept` wrote: the wording entries, the term changes and the files."""

    deal_id: str
    round_number: int
    wording: list[Wording] = field(default_factory=list)
    terms: list[TermChange] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # workspace-relative paths


@dataclass(frozen=True)
class _Context:
    library: Library
    deal: Deal
    deal_yaml: bytes
    document_id: str
    round_number: int
    items: list[TriageItem]


def _received(workspace: Workspace, deal_id: str, document_id: str | None) -> _Context:
    """The latest round of the document and the counterparty's file ingested against it, triaged again."""
    from assembler.rounds.git import Repository
    from assembler.rounds.round import document_path, latest_round

    library = Library(workspace.library_root)
    deal, deal_yaml = read_valid_deal(workspace, deal_id, library)
    document_id = choose_document(deal, library, document_id)
    repo = Repository(workspace.root, library.config.commit_identity)
    latest = latest_round(repo, deal_id, document_id)
    if latest is None:
        raise AssemblerError(
            f"{deal_id}/{document_id}: no round yet; build and send one, then ingest their file"
        )
    received_path = f"agreements/{deal_id}/triage/{document_id}.r{latest.number}-counterparty.docx"
    received = repo.read_blob("HEAD", received_path)
    if received is None:
        raise AssemblerError(
            f"{deal_id}/{document_id}: no counterparty file was ingested against round {latest.number}; "
            f"run `assembler ingest {deal_id} FILE` first"
        )
    package = open_untrusted(received, received_path)
    our_docx = repo.committed(latest.commit, document_path(deal_id, document_id))
    our_markdown = repo.committed(latest.commit, document_path(deal_id, document_id, "md")).decode()
    items = triage_items(library, deal, package, our_docx, our_markdown)
    return _Context(library, deal, deal_yaml, document_id, latest.number, items)


_NUMBER_WORD = re.compile(r"^[a-z]+(?:-[a-z]+)?$")
_SPELLED = {number_words(n) for n in range(0, 1000)}


def _numeric(text: str) -> bool:
    """Whether a run of words says only a number ("12%", "thirty (30)", "USD 1,000")."""
    for word in text.split():
        bare = word.strip("()%.,;:")
        if not bare or re.fullmatch(r"[\d.,]+", bare) or bare in _SPELLED or bare.isupper():
            continue
        return False
    return True


def term_change(item: TriageItem, clause: Clause, deal: Deal) -> TermChange | None:
    """The deal term a change implies, when it only replaces the number a term of the clause prints."""
    old, new = words(item.before), words(item.after)
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += old[i1:i2]
            added += new[j1:j2]
    if not removed or not added or not _numeric(" ".join(removed + added)):
        return None
    before = re.findall(r"\d[\d,]*(?:\.\d+)?", " ".join(removed))
    after = re.findall(r"\d[\d,]*(?:\.\d+)?", " ".join(added))
    if not before or not after:
        return None
    was, now = before[0].replace(",", ""), after[0].replace(",", "")
    for variable in clause.meta.variables:
        if not variable.startswith("terms."):
            continue
        path = variable.removeprefix("terms.")
        value = term_value(deal.terms, path)
        if isinstance(value, bool) or not isinstance(value, int | Decimal) or as_text(value) != was:
            continue
        try:
            new_value: Any = int(now) if isinstance(value, int) else Decimal(now)
        except (ValueError, InvalidOperation):
            return None
        return TermChange(path, value, new_value, item.number)
    return None


def _pick(context: _Context, numbers: list[int], force: bool) -> list[TriageItem]:
    """The numbered changes, refusing any that cannot be accepted (all problems at once)."""
    by_number = {item.number: item for item in context.items}
    problems, picked = [], []
    for number in numbers:
        item = by_number.get(number)
        if item is None:
            problems.append(
                f"change {number}: the latest ingest of round {context.round_number} has changes "
                f"1 to {len(by_number)}; see the triage report"
            )
        elif item.kind == "untracked":
            problems.append(
                f"change {number}: an untracked edit cannot be accepted; ask for it as a tracked change"
            )
        elif item.kind not in TEXT_KINDS:
            problems.append(
                f"change {number} ({item.place}): a {item.kind} change carries no wording to accept"
            )
        elif item.clause_id not in context.library.clauses:
            problems.append(
                f"change {number}: it is on the {item.place}, not in a clause; the shell is the library's"
            )
        elif item.klass == "critical" and not force:
            problems.append(
                f"change {number} ({item.place}) was classified critical: {item.reason}; accept it only with "
                "--force, which records that in deal.yaml"
            )
        else:
            picked.append(item)
    if problems:
        unknown = any(number not in by_number for number in numbers)
        raise (BadInputError if unknown else AssemblerError)("\n".join(problems))
    return picked


def _agreed(by: str | None, on: dt.date | None, workspace: Workspace) -> Agreed:
    if by is None:
        from assembler.rounds.git import Repository

        try:
            ident = Repository(workspace.root).git.var("GIT_AUTHOR_IDENT")
        except Exception:  # no identity configured: the user must say who agreed
            raise AssemblerError(
                "say who agreed the wording with --by NAME (git has no author identity)"
            ) from None
        by = ident.split(" <")[0]
    return Agreed(by=by, date=today_from(on))


def _entry(item: Wording) -> Any:
    from ruamel.yaml.comments import CommentedMap

    data = item.model_dump(mode="python", exclude_none=True, exclude_defaults=False)
    if not item.forced:
        data.pop("forced")
    agreed = CommentedMap(data.pop("agreed"))
    agreed.fa.set_flow_style()
    entry = CommentedMap(data)
    entry["agreed"] = agreed
    return entry


def _updated_yaml(text: str, wording: list[Wording], terms: list[TermChange]) -> str:
    """deal.yaml with the wording entries replaced or added and the term values set, comments kept."""

    def change(data: Any) -> None:
        entries = data.setdefault("wording", []) if wording else []
        for item in wording:
            same = [
                i
                for i, e in enumerate(entries)
                if e.get("clause") == item.clause and e.get("subclause") is None
            ]
            if same:
                entries[same[0]] = _entry(item)
            else:
                entries.append(_entry(item))
        for term in terms:
            holder = data["terms"]
            parts = term.path.split(".")
            for part in parts[:-1]:
                holder = holder[part]
            holder[parts[-1]] = term.new if isinstance(term.new, int) else as_text(term.new)

    return edit_yaml(text, change)


def _commit_to_disk(
    workspace: Workspace,
    deal_id: str,
    context: _Context,
    new_yaml: str,
    files: dict[str, str],
    overrides: list[Override],
) -> list[str]:
    """Check that the deal with its new wording is valid and assembles, then write everything at once."""
    source = f"agreements/{deal_id}/deal.yaml"
    deal = parse_deal_text(new_yaml, source)
    kept = [o for o in deal_overrides(workspace, deal_id, context.deal, context.library)]
    replaced = {o.clause_id for o in overrides}
    merged = tuple([o for o in kept if o.clause_id not in replaced] + overrides)
    assemble(deal, deal_id, context.library, context.document_id, overrides=merged)
    deal_dir = workspace.deal_dir(deal_id)
    if (deal_dir / WORDING_DIR).is_symlink():
        raise DealError(f"{source}: {WORDING_DIR}/ must be a folder in the deal, not a symbolic link")
    outputs = {deal_dir / "deal.yaml": new_yaml.encode("utf-8")}
    outputs.update({deal_dir / name: text.encode("utf-8") for name, text in files.items()})
    write_files_atomically(outputs)
    return [workspace.relative(path) for path in outputs]


def _numbers(deal: Deal, library: Library, document_id: str) -> dict[str, int]:
    numbered = [c for c in plan(deal, library, document_id) if c.meta.numbered]
    return {clause.id: index for index, clause in enumerate(numbered, start=1)}


def accept(
    workspace: Workspace,
    deal_id: str,
    numbers: list[int],
    *,
    by: str | None = None,
    on: dt.date | None = None,
    force: bool = False,
    document_id: str | None = None,
) -> AcceptResult:
    """Accept received changes by number: wording files for text, deal.yaml values for typed terms."""
    context = _received(workspace, deal_id, document_id)
    picked = _pick(context, sorted(set(numbers)), force)
    agreed = _agreed(by, on, workspace)
    library, deal = context.library, context.deal
    document = library.document(context.document_id)
    current = {o.clause_id: o for o in deal_overrides(workspace, deal_id, deal, library)}
    renderer = ClauseRenderer(deal, library, document, overrides=tuple(current.values()))
    section_numbers = _numbers(deal, library, context.document_id)

    terms: list[TermChange] = []
    text_items: list[TriageItem] = []
    for item in picked:
        change = term_change(item, library.clauses[item.clause_id], deal)
        (terms if change is not None else text_items).append(change or item)  # type: ignore[arg-type]
    wording: list[Wording] = []
    overrides: list[Override] = []
    files: dict[str, str] = {}
    for clause_id, group in itertools.groupby(
        sorted(text_items, key=lambda i: i.number), key=lambda i: i.clause_id
    ):
        items = list(group)
        clause = library.clauses[clause_id]
        existing = current.get(clause_id)
        if existing is not None and existing.declared.subclause is not None:
            raise AssemblerError(
                f"{clause_id}: has sub-clause wording; edit {existing.declared.file} by hand to add "
                "change(s) " + ", ".join(str(i.number) for i in items)
            )
        # The library's text as this deal's document prints it (its jurisdiction's spelling).
        spelling = profile_for(deal, library).spelling
        source = existing.body if existing is not None else localise(clause.body, library, spelling)
        rendered = (
            renderer.render_with(clause, (existing,)) if existing is not None else renderer.render(clause)
        )
        edited_source: str | None = source
        for item in items:
            changed = apply_change(rendered, item.before, item.after, section_numbers)
            if changed is None:
                raise AssemblerError(
                    f"change {item.number} ({item.place}): its paragraph is not in the clause's current "
                    "text; "
                    f"write agreements/{deal_id}/{WORDING_DIR}/{clause_id}.md by hand"
                )
            rendered = changed
            edited_source = (
                apply_change(edited_source, item.before, item.after, section_numbers)
                if edited_source
                else None
            )
        body = _keep_template(renderer, clause_id, edited_source, rendered)
        numbers_text = ", ".join(str(i.number) for i in items)
        plural = "s" if len(items) > 1 else ""
        declared = Wording(
            clause=clause_id,
            file=f"{WORDING_DIR}/{clause_id}.md",
            version=clause.meta.version,
            source=f"counterparty round {context.round_number} change{plural} {numbers_text}",
            agreed=agreed,
            forced=any(i.klass == "critical" for i in items),
        )
        wording.append(declared)
        overrides.append(Override(declared, body, f"agreements/{deal_id}/{declared.file}"))
        files[declared.file or ""] = body
    new_yaml = _updated_yaml(context.deal_yaml.decode("utf-8"), wording, terms)
    written = _commit_to_disk(workspace, deal_id, context, new_yaml, files, overrides)
    return AcceptResult(deal_id, context.round_number, wording, terms, written)


def _keep_template(renderer: ClauseRenderer, clause_id: str, source: str | None, rendered: str) -> str:
    """The edited library text (values still live) when it renders to the accepted text, else that text.

    Frozen text is rendered Markdown: deal values in it are already escaped, and `{%` (which an escaped
    brace does not stop) is escaped once more so it can never act as template code.
    """
    if source is not None:
        try:
            if renderer.render_source(source, f"{clause_id} (accepted wording)") == rendered.strip("\n"):
                return source.strip("\n") + "\n"
        except AssemblerError:
            pass  # the edit cut through template code: keep the accepted text as it reads
    return rendered.replace("{%", "{\\%").strip("\n") + "\n"


def adopt(
    workspace: Workspace,
    deal_id: str,
    clause_id: str,
    fallback_id: str,
    *,
    by: str | None = None,
    on: dt.date | None = None,
) -> Wording:
    """Declare one of the clause's library fallbacks as the deal's wording of that clause."""
    library = Library(workspace.library_root)
    deal, deal_yaml = read_valid_deal(workspace, deal_id, library)
    clause = library.clauses.get(clause_id)
    if clause is None:
        raise BadInputError(f"{clause_id}: no such clause in the clause library; name a clause id")
    offered = [f.id for f in clause.meta.fallbacks]
    if fallback_id not in offered:
        raise BadInputError(
            f"{clause_id}: has no fallback {fallback_id!r}; it offers: {', '.join(offered) or 'none'}"
        )
    declared = Wording(
        clause=clause_id,
        fallback=fallback_id,
        version=clause.meta.version,
        source="fallback",
        agreed=_agreed(by, on, workspace),
    )
    document_id = choose_document(deal, library, None)
    context = _Context(library, deal, deal_yaml, document_id, 0, [])
    fallback = next(f for f in clause.meta.fallbacks if f.id == fallback_id)
    label = f"agreements/{deal_id}/deal.yaml: fallback {fallback_id}"
    override = fallback_override(declared, fallback, label)
    new_yaml = _updated_yaml(deal_yaml.decode("utf-8"), [declared], [])
    _commit_to_disk(workspace, deal_id, context, new_yaml, {}, [override])
    return declared


@dataclass(frozen=True)
class WordingState:
    """One override of a deal as `assembler wording` lists it."""

    clause_id: str
    wording: str  # "fallback X" or the file
    source: str
    agreed: str
    version: int
    state: str  # current / stale (library at vN) / ... and whether a round has it yet


def wording_states(workspace: Workspace, deal_id: str) -> list[WordingState]:
    """The deal's overrides with their state: stale or current, and in a round yet or pending."""
    from assembler.errors import RepositoryError
    from assembler.rounds.git import Repository
    from assembler.rounds.round import latest_round

    library = Library(workspace.library_root)
    deal, _ = read_valid_deal(workspace, deal_id, library)
    overrides = deal_overrides(workspace, deal_id, deal, library)
    document_id = choose_document(deal, library, None)
    in_document = {c.id for c in plan(deal, library, document_id)}
    committed: list[Wording] = []
    files: dict[str, bytes | None] = {}
    latest = None
    try:
        repo = Repository(workspace.root)
        latest = latest_round(repo, deal_id, document_id)
    except RepositoryError:
        repo = None
    if repo is not None and latest is not None:
        old = (repo.read_blob(latest.commit, f"agreements/{deal_id}/deal.yaml") or b"").decode()
        try:
            committed = parse_deal_text(old, "deal.yaml").wording
        except DealError:
            committed = []
        for item in committed:
            if item.file:
                files[item.file] = repo.read_blob(latest.commit, f"agreements/{deal_id}/{item.file}")
    states = []
    for override in overrides:
        item = override.declared
        clause = library.clauses[item.clause]
        parts = []
        if item.version < clause.meta.version:
            parts.append(
                f"stale: written against version {item.version}, the library is at {clause.meta.version}"
            )
        else:
            parts.append("current")
        if item.clause not in in_document:
            parts.append(f"not a clause of the {library.document(document_id).title}")
        elif (
            latest is not None
            and item in committed
            and (
                item.file is None
                or files.get(item.file) == override.body.encode("utf-8")
                or files.get(item.file) == (workspace.deal_dir(deal_id) / item.file).read_bytes()
            )
        ):
            parts.append(f"in round {latest.number}")
        else:
            parts.append("for the next round")
        states.append(
            WordingState(
                item.clause,
                f"fallback {item.fallback}"
                if item.fallback
                else (item.file or "") + (f" (sub-clause {item.subclause})" if item.subclause else ""),
                item.source + (" (accepted with --force)" if item.forced else ""),
                f"{item.agreed.by}, {item.agreed.date}",
                item.version,
                "; ".join(parts),
            )
        )
    return states
