"""`ingest`: a counterparty's returned draft, triaged clause by clause against the round we sent.

Stages: safe intake (intake.py) → the round we sent, from git → tracked changes of every part, with their
claimed authors and dates → untracked ("stealth") edits: their file with every change rejected, compared
with what we sent → each change mapped to its clause and classified critical / negotiable / acceptable from
library data → the report and the received file, committed together with trailers.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import string
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from assembler.assembly.markdown import as_text, spelled
from assembler.assembly.twin import clause_sections
from assembler.atomic_write import write_files_atomically
from assembler.deals.contract import Deal, Strict, term_value
from assembler.deals.layout import Workspace
from assembler.errors import AssemblerError
from assembler.intake.comments import ReceivedComment, received_comments
from assembler.intake.report import CLASS_ORDER, Class, TriageItem, summary, triage_markdown
from assembler.intake.safety import Package, open_untrusted, read_untrusted
from assembler.intake.suggest import suggest_fallback
from assembler.intake.tracked_changes import Change, changes, paragraphs, resolved
from assembler.intake.visible import UNSEEN_REASONS, styles_part, unseen_changes
from assembler.library.loader import Clause, Library
from assembler.library.patterns import RedFlagPattern, load_red_flag_patterns
from assembler.library.validate import choose_document, load_valid_deal
from assembler.playbook.findings import PositionRating, rate_positions
from assembler.rounds.sequence import record, writing
from assembler.rounds.trailers import commit_message
from assembler.word.house_style import COVER_BOOKMARK, SIGNATURE_BOOKMARK
from assembler.word.package import hardened_parser

PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")


class TriageRules(Strict):
    """The triage rules of the library (rules/triage.yaml): removal patterns, thresholds, responses."""

    removal_patterns: list[RedFlagPattern]
    mandatory_deletion_min_words: int
    typo_max_changed_characters: int
    commercial_checklist_prefixes: list[str]
    responses: dict[str, str]


@dataclass(frozen=True)
class IngestResult:
    """The outcome of `ingest`: the triaged changes and the report and received files written."""

    deal_id: str
    document_id: str
    round_number: int
    items: list[TriageItem]
    report_path: Path
    received_path: Path
    commit: str | None
    identical: bool
    comments: list[ReceivedComment] = field(default_factory=list)
    places: dict[str, str] = field(default_factory=dict)  # clause id → title, for printing


_TYPOGRAPHIC = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u00a0": " "}
)


def plain_quotes(text: str) -> str:
    """Curly quotes, dashes and no-break spaces as ASCII: Word and our renderer curl them, patterns do not."""
    return text.translate(_TYPOGRAPHIC)


def _words(text: str) -> list[str]:
    return text.split()


def _removed_and_added(before: str, after: str) -> tuple[str, str]:
    old, new = _words(before), _words(after)
    removed, added = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed += old[i1:i2]
        if tag in ("replace", "insert"):
            added += new[j1:j2]
    return " ".join(removed), " ".join(added)


def _is_typo(before: str, after: str, limit: int) -> bool:
    def bare(text: str) -> str:
        return "".join(c for c in text.lower() if c not in string.punctuation and not c.isspace())

    a, b = bare(before), bare(after)
    if a == b:
        return True  # punctuation, spacing or case only
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    has_digits = any(
        c.isdigit() for c in _removed_and_added(before, after)[0] + _removed_and_added(before, after)[1]
    )
    return changed <= limit and not has_digits  # a changed number is never a typo


class Triage:
    """Classifies changes with the library's rules and the deal's positions."""

    def __init__(self, library: Library, deal: Deal, clauses: dict[str, Clause]) -> None:
        self.library, self.deal, self.clauses = library, deal, clauses
        self.rules = library.data_file(TriageRules, "rules/triage.yaml")
        self.red_flags = load_red_flag_patterns(library).patterns
        self.removals = self.rules.removal_patterns
        self.ratings = {r.term: r for r in rate_positions(deal, library)}
        model_dir = f"clause_library/clauses/{deal.model}/"
        self.commercial = {
            cid
            for cid, c in clauses.items()
            if str(c.path).startswith(model_dir)
            or any(item.startswith(tuple(self.rules.commercial_checklist_prefixes)) for item in c.meta.covers)
            or cid == "deal-registration"
        }

    def respond(self, key: str, **values: str) -> str:
        """The suggested response `key` of rules/triage.yaml, filled with `values`."""
        return self.rules.responses[key].format(**values)

    def classify(self, change: Change) -> tuple[Class, str, str, str | None]:
        """The change's class, the reason, the suggested response and the fallback that answers it."""
        klass, reason, response = self._classify(change)
        clause = self.clauses.get(change.place)
        fallback = None
        if clause is not None and change.kind not in ("formatting", "paragraph-mark", "untracked"):
            fallback = suggest_fallback(
                clause, plain_quotes(change.before), plain_quotes(change.after), self._term_forms(clause)
            )
        generic = ("change to commercial terms", "substantive wording change")
        if fallback is not None and klass == "negotiable" and reason in generic:
            reason = "change to a clause with approved fallback wording"
            response = self.respond("fallback", fallback=fallback.id, use_when=fallback.use_when)
        return klass, reason, response, fallback.id if fallback else None

    def _term_forms(self, clause: Clause) -> dict[str, list[str]]:
        """How each deal term a fallback of the clause declares prints in the text ("12", "twelve (12)")."""
        forms: dict[str, list[str]] = {}
        for fallback in clause.meta.fallbacks:
            for entry in fallback.addresses:
                if entry.startswith("terms.") and entry not in forms:
                    value = term_value(self.deal.terms, entry.removeprefix("terms."))
                    if isinstance(value, int | Decimal) and not isinstance(value, bool):
                        forms[entry] = [as_text(value), f"{as_text(value)}%", spelled(value)]
                    elif isinstance(value, str):
                        forms[entry] = [value]
        return forms

    def _classify(self, change: Change) -> tuple[Class, str, str]:
        change = replace(change, before=plain_quotes(change.before), after=plain_quotes(change.after))
        removed, added = _removed_and_added(change.before, change.after)
        clause = self.clauses.get(change.place)
        for pattern in self.red_flags:
            if pattern.search(added) and not pattern.search(change.before):
                reason = f"red-flag language introduced ({pattern.rule}: {pattern.description or pattern.id})"
                return "critical", reason, self.respond("red_flag", reason=reason)
        for pattern in self.removals:
            if pattern.search(removed) and not pattern.search(change.after):
                reason = f"{pattern.description} ({pattern.rule})"
                return "critical", reason, self.respond("red_flag", reason=reason)
        below = self._below_minimum(removed, added)
        if below is not None:
            reason = f"{below.term} moved below our minimum ({as_text(below.minimum)})"
            return (
                "critical",
                reason,
                self.respond("below_minimum", reason=reason, target=as_text(below.target)),
            )
        # A moved paragraph is still in the document: it is not a deletion.
        removes_text = change.kind != "move" and len(_words(added)) < len(_words(removed)) // 2
        if (
            clause is not None
            and clause.meta.covers
            and removes_text
            and len(_words(removed)) >= self.rules.mandatory_deletion_min_words
        ):
            items = ", ".join(clause.meta.covers)
            return (
                "critical",
                f"mandatory provision deleted ({items})",
                self.respond("mandatory_deleted", items=items),
            )
        if change.kind in ("formatting", "paragraph-mark"):
            return "acceptable", "formatting only", self.respond("acceptable")
        if change.kind != "move" and _is_typo(
            change.before, change.after, self.rules.typo_max_changed_characters
        ):
            return "acceptable", "typo, punctuation or spacing", self.respond("acceptable")
        if change.kind == "move":
            direction = "out of" if change.before else "into"
            return "negotiable", f"paragraph moved {direction} this clause", self.respond("negotiable")
        if change.place in self.commercial:
            return "negotiable", "change to commercial terms", self.respond("negotiable")
        return "negotiable", "substantive wording change", self.respond("negotiable")

    def _below_minimum(self, removed: str, added: str) -> PositionRating | None:
        """A number of ours replaced by one that rates below the minimum of the term it states."""
        numbers = re.findall(r"\d[\d,]*(?:\.\d+)?", added)
        for rating in self.ratings.values():
            if not isinstance(rating.value, int | Decimal) or isinstance(rating.value, bool):
                continue  # only numbers can be "below" by a changed figure
            ours = as_text(rating.value)
            if not re.search(rf"(?<![\d.]){re.escape(ours)}(?![\d])", removed):
                continue
            for number in numbers:
                try:
                    candidate = type(rating.value)(number.replace(",", ""))
                except (ValueError, ArithmeticError):
                    continue
                moved = self.deal.model_copy(deep=True)
                _set_term(moved, rating.term, candidate)
                new_rating = {r.term: r for r in rate_positions(moved, self.library)}[rating.term]
                if new_rating.rating == "below":
                    return new_rating
        return None


def _set_term(deal: Deal, path: str, value: object) -> None:
    parts = path.split(".")
    holder: object = deal.terms
    for part in parts[:-1]:
        holder = getattr(holder, part)
    object.__setattr__(holder, parts[-1], value)  # a private copy; models are frozen


def _place_titles(markdown: str) -> dict[str, str]:
    titles = {cid: title for cid, (title, _) in clause_sections(markdown).items()}
    titles[COVER_BOOKMARK] = "Cover page"
    titles[SIGNATURE_BOOKMARK] = "Signature page"
    titles[""] = "Start of document"
    return titles


def _stealth_edits(ours: dict[str, object], theirs: dict[str, object], anchors: set[str]) -> list[Change]:
    """Differences between what we sent and their file with every tracked change rejected."""
    found = []
    for part in sorted(set(ours) | set(theirs)):
        our_root, their_root = ours.get(part), theirs.get(part)
        mine = list(paragraphs(our_root, anchors)) if our_root is not None else []
        rejected = resolved(their_root, accept=False) if their_root is not None else None
        yours = list(paragraphs(rejected, anchors)) if rejected is not None else []
        matcher = difflib.SequenceMatcher(
            None, [p.text for p in mine], [p.text for p in yours], autojunk=False
        )
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            place = mine[i1].place if i1 < i2 else (yours[j1].place if j1 < j2 else "")
            before = "\n".join(p.text for p in mine[i1:i2])
            after = "\n".join(p.text for p in yours[j1:j2])
            found.append(Change("untracked", place, before, after, ("(not tracked)",), ("-",), part))
    return found


def _document_order(markdown: str) -> dict[str, int]:
    order = {cid: index for index, cid in enumerate(clause_sections(markdown))}
    return {"": -2, COVER_BOOKMARK: -1, **order, SIGNATURE_BOOKMARK: len(order)}


def triage_items(
    library: Library, deal: Deal, package: Package, our_docx: bytes, our_markdown: str
) -> list[TriageItem]:
    """Every change in their file, classified and numbered 1, 2, 3 ... in document order.

    The numbers depend only on the two files, so `accept` finds the same change under the same number.
    """
    import lxml.etree as etree

    from assembler.word.package import read_parts

    titles = _place_titles(our_markdown)
    anchors = set(titles) - {""}
    our_parts = {
        name: etree.fromstring(content, hardened_parser())
        for name, content in read_parts(our_docx).items()
        if PARTS.fullmatch(name)
    }
    triage = Triage(library, deal, {cid: library.clauses[cid] for cid in titles if cid in library.clauses})
    found: list[Change] = []
    for part, root in sorted(package.xml.items()):
        found += changes(root, part, anchors)
    found += _stealth_edits(our_parts, package.xml, anchors)
    found += unseen_changes(our_parts, package.xml, anchors, styles_part(our_docx), package.styles)
    order = _document_order(our_markdown)
    found.sort(key=lambda c: (c.part != "word/document.xml", c.part, order.get(c.place, len(order))))
    items: list[TriageItem] = []
    for number, change in enumerate(found, start=1):
        suggestion = None
        if change.kind == "untracked":
            klass: Class = "critical"
            reason = "untracked edit (the text differs from what we sent with no tracked change)"
            response = triage.respond("stealth")
        elif change.kind in UNSEEN_REASONS:  # hidden text, field results: the reader does not see them
            klass, reason, response = "critical", UNSEEN_REASONS[change.kind], triage.respond("stealth")
        else:
            klass, reason, response, suggestion = triage.classify(change)
        claimed = ", ".join(change.authors) + (
            " on " + ", ".join(change.dates) if change.dates != ("-",) else ""
        )
        where = titles.get(change.place, change.place)
        if change.part != "word/document.xml":
            where += f" ({change.part.removeprefix('word/').removesuffix('.xml')})"
        items.append(
            TriageItem(
                where,
                change.place,
                change.kind,
                change.before,
                change.after,
                klass,
                reason,
                response,
                claimed,
                number,
                suggestion,
            )
        )
    return items


def ingest(
    workspace: Workspace,
    deal_id: str,
    file: Path,
    *,
    round_number: int | None = None,
    document_id: str | None = None,
    received_from: str | None = None,
    commit: bool = True,
) -> IngestResult:
    """Triage a returned .docx against the round we sent; store the file and the report as one commit."""
    from assembler.rounds.git import Repository
    from assembler.rounds.round import document_path, find_round, latest_round

    library = Library(workspace.library_root)
    deal = load_valid_deal(workspace, deal_id, library)
    document_id = choose_document(deal, library, document_id)
    label = file.name
    data = read_untrusted(file, label)  # a regular file, refused by its size before it is read
    package = open_untrusted(data, label)  # rejects before anything is written or parsed further

    repo = Repository(workspace.root, library.config.commit_identity)
    sent = (
        find_round(repo, deal_id, document_id, round_number)
        if round_number
        else latest_round(repo, deal_id, document_id)
    )
    if sent is None:
        which = f"round {round_number}" if round_number else "any round"
        raise AssemblerError(
            f"{deal_id}/{document_id}: there is no {which} to compare with; build and send one first"
        )
    our_docx = repo.read_blob(sent.commit, document_path(deal_id, document_id)) or b""
    our_markdown = (repo.read_blob(sent.commit, document_path(deal_id, document_id, "md")) or b"").decode(
        "utf-8"
    )
    identical = data == our_docx

    items = [] if identical else triage_items(library, deal, package, our_docx, our_markdown)
    places = _place_titles(our_markdown)
    comments = received_comments(package, set(places) - {""})
    items.sort(key=lambda i: CLASS_ORDER[i.klass])

    triage_dir = workspace.deal_dir(deal_id) / "triage"
    stem = f"{document_id}.r{sent.number}-counterparty"
    report_path, received_path = triage_dir / f"{stem}.md", triage_dir / f"{stem}.docx"
    sender = received_from or _claimed_authors(items) or "unknown"
    sha = hashlib.sha256(data).hexdigest()
    report = triage_markdown(
        library.document(document_id).title,
        deal_id,
        sent.number,
        label,
        sender,
        sha,
        items,
        identical,
        comments,
        places,
    )
    files = {
        workspace.relative(received_path): data,
        workspace.relative(report_path): report.encode("utf-8"),
    }
    commit_sha = None
    if commit:
        from assembler.rounds.round import commit_time

        message = commit_message(
            f"{deal_id}: counterparty redline of {library.document(document_id).title} round {sent.number} "
            "triaged",
            [summary(items, identical)],
            {
                "Deal": deal_id,
                "Document": document_id,
                "Round": sent.number,
                "Received-From": sender,
                "Received-SHA256": sha,
            },
        )
        workspace.guard_all([workspace.root / path for path in files])  # before HEAD moves
        with writing(repo, 300, library.config.branch):
            commit_sha = record(repo, files, message, commit_time().isoformat())
    else:
        write_files_atomically(
            {workspace.root / path: content for path, content in files.items()}, root=workspace.root
        )
    return IngestResult(
        deal_id,
        document_id,
        sent.number,
        items,
        report_path,
        received_path,
        commit_sha,
        identical,
        comments,
        places,
    )


def _claimed_authors(items: list[TriageItem]) -> str:
    names = sorted(
        {
            name
            for item in items
            for name in item.claimed.split(" on ")[0].split(", ")
            if not name.startswith("(")
        }
    )
    return ", ".join(names)


def summary_lines(result: IngestResult) -> list[str]:
    """The lines the CLI prints for an ingest: the summary, then every critical change."""
    lines = [summary(result.items, result.identical)]
    for item in result.items:
        if item.klass == "critical":
            lines.append(f"  critical: {item.place}: {item.reason}")
    return lines
