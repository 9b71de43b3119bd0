"""Signature: the pre-signature gate, the execution record in git, and what follows a signature.

`sign` refuses until the playbook's pre-signature checklist (clause_library/checklists/pre-signature.yaml) is
confirmed in deal.yaml, no blocking finding remains, both signatories are named and the deal still renders to
its latest round. It then commits that round's exact bytes as `agreements/<deal>/executed/<document>.docx`
with an execution record, the post-signature checklist and the internal announcement (Markdown and `.eml`),
and tags the commit `<deal>/<document>/executed`. From then on the document is never built again; `verify`
proves the executed file is still the signed round.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import jinja2
from pydantic import BaseModel, ConfigDict, Field

from . import markdown
from .assemble import UnsetValue, sandbox
from .atomic_write import write_files_atomically
from .deal import DOCUMENT_IDS, Completion, Deal
from .errors import AssemblerError, DealError, LibraryError
from .library import CLAUSE_ID, Announcement, Condition, Document, Library, Mailbox, split_front_matter
from .playbook import blocking, holds
from .rounds import Round, commit_time, document_path, latest_round, parse_round, round_tag, trailers
from .validate import choose_document, load_valid_deal
from .workspace import Workspace
from .yamlfile import YamlFileError, parse_yaml

if TYPE_CHECKING:
    from .repository import Repository

LOCK_TIMEOUT_SECONDS = 300.0
_SHA1 = re.compile(r"^[0-9a-f]{40}$")


class SignatureError(AssemblerError):
    """A signature refused, an executed document touched, or an execution that does not verify."""


# --- the checklists (Legal's data) --------------------------------------------------------------------------


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PreSignatureItem(_Data):
    id: Annotated[str, Field(pattern=CLAUSE_ID)]
    text: str
    satisfied_by: Literal["sign"] | None = None  # performed by `sign` itself: nothing to confirm by hand


class PreSignatureChecklist(_Data):
    title: str
    items: list[PreSignatureItem]
    placeholder_names: list[str] = []


class PostSignatureItem(_Data):
    id: Annotated[str, Field(pattern=CLAUSE_ID)]
    text: str
    tiers: list[Literal["platinum", "gold", "silver", "registered"]] | None = None
    when: Condition | None = None

    def applies(self, deal: Deal) -> bool:
        return (self.tiers is None or deal.partner.tier in self.tiers) and (
            self.when is None or holds(self.when, deal)
        )


class PostSignatureChecklist(_Data):
    title: str
    due_hours: Annotated[int, Field(ge=1, le=8760)]
    items: list[PostSignatureItem]


ChecklistT = TypeVar("ChecklistT", PreSignatureChecklist, PostSignatureChecklist)


def _checklist(library: Library, model: type[ChecklistT], name: str) -> ChecklistT:
    checklist = library.data_file(model, f"checklists/{name}.yaml")
    ids = [item.id for item in checklist.items]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise LibraryError(f"{library.label}/checklists/{name}.yaml: item id used twice: {', '.join(twice)}")
    return checklist


def pre_signature_checklist(library: Library) -> PreSignatureChecklist:
    return _checklist(library, PreSignatureChecklist, "pre-signature")


def post_signature_checklist(library: Library) -> PostSignatureChecklist:
    return _checklist(library, PostSignatureChecklist, "post-signature")


# --- paths, tags and the execution found in git -------------------------------------------------------------


def executed_path(deal_id: str, document_id: str, suffix: str = "docx") -> str:
    """Repository-relative path of an executed document (suffix "docx") or of one of its companions."""
    return f"agreements/{deal_id}/executed/{document_id}.{suffix}"


def executed_tag(deal_id: str, document_id: str) -> str:
    return f"{deal_id}/{document_id}/executed"


@dataclass(frozen=True)
class Execution:
    """An execution commit, read from its trailers."""

    deal_id: str
    document_id: str
    round_number: int
    signed_on: dt.date
    docx_sha256: str
    commit: str


def parse_execution(commit: str, message: str) -> Execution | None:
    found = trailers(message)
    try:
        return Execution(
            found["Deal"],
            found["Document"],
            int(found["Round"]),
            dt.date.fromisoformat(found["Executed-On"]),
            found["Docx-SHA256"],
            commit,
        )
    except (KeyError, ValueError):
        return None


def find_execution(repo: Repository, deal_id: str, document_id: str) -> Execution | None:
    """The document's execution: from its tag, else (a crash before tagging) from the commit trailers."""
    tag = executed_tag(deal_id, document_id)
    tagged = repo.tags(tag).get(tag)
    candidates = [(tagged, repo.commit_info(tagged).message)] if tagged else []
    for commit, message in [*candidates, *repo.log_messages(executed_path(deal_id, document_id))]:
        found = parse_execution(commit, message)
        if found and (found.deal_id, found.document_id) == (deal_id, document_id):
            return found
    return None


def refuse_if_executed(repo: Repository, deal_id: str, document_id: str) -> None:
    """Called by `build` before a round: an executed document never gets another one."""
    execution = find_execution(repo, deal_id, document_id)
    tag = executed_tag(deal_id, document_id)
    if execution is None and not repo.tags(tag):
        return
    signed = f"signed on {execution.signed_on.isoformat()}" if execution else f"tagged {tag}"
    raise SignatureError(
        f"{executed_path(deal_id, document_id)} is executed ({signed}); an executed agreement never changes "
        "\u2014 draft an amendment as a new document"
    )


# --- after signature: the post-signature checklist and its due dates ----------------------------------------


@dataclass(frozen=True)
class AfterSignatureItem:
    id: str
    text: str
    due: dt.date
    done: Completion | None

    def state(self, today: dt.date) -> Literal["done", "overdue", "open"]:
        if self.done is not None:
            return "done"
        return "overdue" if today > self.due else "open"


def due_date(signed_on: dt.date, hours: int) -> dt.date:
    """Signature + `hours`, as the last day the item may be done (a date carries no time of day)."""
    return signed_on + dt.timedelta(days=math.ceil(hours / 24))


def after_signature_items(deal: Deal, library: Library, signed_on: dt.date) -> list[AfterSignatureItem]:
    """The post-signature items that apply to the deal (tier, terms), with due dates and what is done."""
    checklist = post_signature_checklist(library)
    done = {c.item: c for c in reversed(deal.signature.post_signature)} if deal.signature else {}
    due = due_date(signed_on, checklist.due_hours)
    return [
        AfterSignatureItem(item.id, item.text, due, done.get(item.id))
        for item in checklist.items
        if item.applies(deal)
    ]


def open_items_text(items: list[AfterSignatureItem], today: dt.date) -> str:
    """`status`'s cell: the count and ids of open items, overdue ones marked."""
    open_items = [(item, item.state(today)) for item in items if item.state(today) != "done"]
    if not open_items:
        return "none"
    listed = ", ".join(
        f"{item.id} (overdue)" if state == "overdue" else item.id for item, state in open_items
    )
    return f"{len(open_items)}: {listed}"


@dataclass(frozen=True)
class AfterSignature:
    execution: Execution
    items: list[AfterSignatureItem]


def after_signature(workspace: Workspace, deal_id: str, deal: Deal) -> AfterSignature | None:
    """The deal's stage document's execution and its post-signature items, or None when not executed."""
    from .repository import Repository, RepositoryError

    try:
        repo = Repository(workspace.root)
    except RepositoryError:
        return None
    execution = find_execution(repo, deal_id, deal.stage)
    if execution is None:
        return None
    library = Library(workspace.library_root)
    _check_item_ids(workspace, deal_id, deal, library)
    return AfterSignature(execution, after_signature_items(deal, library, execution.signed_on))


def _check_item_ids(workspace: Workspace, deal_id: str, deal: Deal, library: Library) -> None:
    """Unknown checklist ids in deal.yaml are typos that would leave an item open forever: refuse them."""
    problems = _unknown_ids(workspace, deal_id, deal, library)
    if problems:
        raise DealError("\n".join(problems))


def _unknown_ids(workspace: Workspace, deal_id: str, deal: Deal, library: Library) -> list[str]:
    if deal.signature is None:
        return []
    source = workspace.relative(workspace.deal_file(deal_id))
    problems = []
    recorded: list[tuple[str, list[str], list[str]]] = [
        (
            "pre_signature",
            [c.item for c in deal.signature.pre_signature],
            [item.id for item in pre_signature_checklist(library).items],
        ),
        (
            "post_signature",
            [c.item for c in deal.signature.post_signature],
            [item.id for item in post_signature_checklist(library).items],
        ),
    ]
    for key, entries, known in recorded:
        for index, entry in enumerate(entries):
            if entry not in known:
                problems.append(
                    f"{source}: signature.{key}.{index}.item: unknown {key.replace('_', '-')} checklist item "
                    f"{entry!r}; use one of: {', '.join(known)}"
                )
    return problems


# --- the gate -----------------------------------------------------------------------------------------------


def _gate_problems(
    workspace: Workspace, deal_id: str, deal: Deal, library: Library, signed_on: dt.date
) -> list[str]:
    """Checklist and signatory problems (those that need no rendering), one line each."""
    source = workspace.relative(workspace.deal_file(deal_id))
    checklist = pre_signature_checklist(library)
    problems = _unknown_ids(workspace, deal_id, deal, library)
    confirmed = {c.item: c for c in deal.signature.pre_signature} if deal.signature else {}
    for item in checklist.items:
        if item.satisfied_by == "sign":
            continue
        confirmation = confirmed.get(item.id)
        if confirmation is None:
            problems.append(
                f"{source}: signature.pre_signature: {item.id} is not confirmed: {item.text}; add "
                f"{{item: {item.id}, confirmed_by: <name>, date: YYYY-MM-DD}}"
            )
        elif confirmation.date > signed_on:
            problems.append(
                f"{source}: signature.pre_signature: {item.id} is confirmed on {confirmation.date}, after "
                f"the signing date {signed_on}; confirm it before signature"
            )
    placeholders = {name.casefold() for name in checklist.placeholder_names}
    for key, party in (("partner", deal.partner), ("company", deal.company)):
        if party.signatory.name.casefold() in placeholders:
            problems.append(
                f"{source}: {key}.signatory.name: {party.signatory.name!r} is a placeholder; name the person "
                f"who signs for {party.name}"
            )
    return problems


@dataclass(frozen=True)
class SignResult:
    deal_id: str
    document_id: str
    round_number: int
    signed_on: dt.date
    commit: str
    tag: str
    docx_sha256: str
    files: list[str]  # repository-relative, as committed
    items: list[AfterSignatureItem]
    first_qbr: dt.date


def sign(
    workspace: Workspace,
    deal_id: str,
    signed_on: dt.date,
    document_id: str | None = None,
    *,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> SignResult:
    """Record the signature of a deal's document; every reason to refuse is reported at once."""
    from .build import rendered_sha256
    from .repository import Repository, RepositoryError

    library = Library(workspace.library_root)
    deal = load_valid_deal(workspace, deal_id, library)
    document_id = choose_document(deal, library, document_id)
    model = library.model(deal.model)
    document = library.document(document_id)
    if document.kind != "agreement":
        agreements = [d for d in model.documents if library.document(d).kind == "agreement"]
        raise SignatureError(
            f"--document {document_id}: the {document.title} is a preliminary document; `sign` records the "
            f"execution of an agreement (here: {', '.join(agreements)})"
        )
    announcement_config(library)  # a library without it cannot write the announcement: say so first
    repo = Repository(workspace.root, library.config.commit_identity)
    if repo.root.resolve() != workspace.root.resolve():
        raise RepositoryError(
            f"the workspace {workspace.root} must be the top folder of its git repository ({repo.root})"
        )
    refuse_if_executed(repo, deal_id, document_id)

    problems = _gate_problems(workspace, deal_id, deal, library, signed_on)
    latest = latest_round(repo, deal_id, document_id)
    docx_name = document_path(deal_id, document_id)
    if latest is None:
        problems.append(
            f"{docx_name}: no committed round; `assembler build {deal_id}` commits round 1, and the round "
            "the parties agree is the one signed"
        )
    # The same render and comparison as `build`: the deal must still produce the latest round byte for byte.
    sha256, findings = rendered_sha256(workspace, deal_id, document_id, latest.number if latest else 1)
    problems += [f"{f.rule}: {f.message}" for f in blocking(findings)]
    if latest is not None and sha256 != latest.docx_sha256:
        problems.append(
            f"{docx_name}: the deal or the clause library changed since round {latest.number}, the latest "
            f"round; commit round {latest.number + 1} with `assembler build {deal_id}`, agree it, sign that"
        )
    if problems or latest is None:
        raise SignatureError(
            "\n".join([f"{deal_id}: not signed: {len(problems)} problem(s) to resolve first", *problems])
        )

    with repo.writer_lock(lock_timeout):
        repo.check_index_unlocked()
        refuse_if_executed(repo, deal_id, document_id)  # another `sign` may have finished meanwhile
        if latest_round(repo, deal_id, document_id) != latest:
            raise SignatureError(f"{docx_name}: a new round was committed meanwhile; check it and sign again")
        docx = repo.read_blob(latest.commit, docx_name)
        if docx is None or hashlib.sha256(docx).hexdigest() != latest.docx_sha256:
            raise SignatureError(
                f"{docx_name}: the file committed in round {latest.number} ({latest.commit[:12]}) does not "
                "match its Docx-SHA256 trailer; the history was altered, do not sign from it"
            )
        files, items, first_qbr = _execution_files(
            workspace, deal_id, deal, library, document, latest, docx, signed_on
        )
        message = "\n".join(
            [
                f"{deal_id}: {document.title} executed, round {latest.number}, signed on {signed_on}",
                "",
                f"Deal: {deal_id}",
                f"Document: {document_id}",
                f"Round: {latest.number}",
                f"Executed-On: {signed_on.isoformat()}",
                f"Docx-SHA256: {latest.docx_sha256}",
            ]
        )
        commit = repo.commit_files(files, message + "\n", commit_time().isoformat())
        repo.sync_index(list(files))
        tag = executed_tag(deal_id, document_id)
        repo.tag(
            tag,
            commit,
            f"{deal_id}: {document.title} executed on {signed_on.isoformat()} (round {latest.number})",
        )
        write_files_atomically({workspace.root / path: data for path, data in files.items()})
    return SignResult(
        deal_id,
        document_id,
        latest.number,
        signed_on,
        commit,
        tag,
        latest.docx_sha256,
        list(files),
        items,
        first_qbr,
    )


def _execution_files(
    workspace: Workspace,
    deal_id: str,
    deal: Deal,
    library: Library,
    document: Document,
    signed: Round,
    docx: bytes,
    signed_on: dt.date,
) -> tuple[dict[str, bytes], list[AfterSignatureItem], dt.date]:
    """The executed docx and its companions (path → bytes), the post-signature items and the first QBR."""
    due_hours = post_signature_checklist(library).due_hours
    items = after_signature_items(deal, library, signed_on)
    first_qbr = signed_on + dt.timedelta(days=library.config.first_qbr_days)
    record = execution_record(deal_id, deal, library, document, signed, signed_on, items, first_qbr)
    record_bytes = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n"
    context = announcement_context(
        deal, library, document, signed_on, signed.number, items, due_hours, first_qbr
    )
    subject_md, body_md = render_announcement(library, context, markdown.escape)
    subject, body = render_announcement(library, context, None)
    post_signature = post_signature_markdown(workspace, deal_id, deal, library, document, context)
    eml = announcement_eml(library, subject, body, signed_on, hashlib.sha256(record_bytes).hexdigest())
    files = {
        executed_path(deal_id, document.id): docx,
        executed_path(deal_id, document.id, "execution.json"): record_bytes,
        executed_path(deal_id, document.id, "post-signature.md"): post_signature.encode("utf-8"),
        executed_path(deal_id, document.id, "announcement.md"): announcement_markdown(
            library, subject_md, body_md
        ).encode("utf-8"),
        executed_path(deal_id, document.id, "announcement.eml"): eml,
    }
    return files, items, first_qbr


def execution_record(
    deal_id: str,
    deal: Deal,
    library: Library,
    document: Document,
    signed: Round,
    signed_on: dt.date,
    items: list[AfterSignatureItem],
    first_qbr: dt.date,
) -> dict[str, Any]:
    """execution.json: what was signed (round, commit, hash), by whom, when, and with which approvals."""
    confirmed = {c.item: c for c in deal.signature.pre_signature} if deal.signature else {}
    checklist = []
    for item in pre_signature_checklist(library).items:
        if item.satisfied_by == "sign":
            checklist.append(
                {"item": item.id, "confirmed_by": "assembler sign", "date": signed_on.isoformat()}
            )
        else:
            confirmation = confirmed[item.id]
            checklist.append(
                {
                    "item": item.id,
                    "confirmed_by": confirmation.confirmed_by,
                    "date": confirmation.date.isoformat(),
                }
            )
    return {
        "deal": deal_id,
        "document": document.id,
        "partner": deal.partner.name,
        "tier": deal.partner.tier,
        "model": deal.model,
        "round": signed.number,
        "round_tag": round_tag(deal_id, document.id, signed.number),
        "commit": signed.commit,
        "clause_library": signed.library_tree,
        "sha256": signed.docx_sha256,
        "signed_on": signed_on.isoformat(),
        "signatories": {
            "company": {"party": deal.company.name, **deal.company.signatory.model_dump(mode="json")},
            "partner": {"party": deal.partner.name, **deal.partner.signatory.model_dump(mode="json")},
        },
        "approvals": [a.model_dump(mode="json") for a in deal.approvals],
        "pre_signature": checklist,
        "post_signature_due": items[0].due.isoformat() if items else None,
        "first_qbr": first_qbr.isoformat(),
    }


# --- the post-signature kit ---------------------------------------------------------------------------------


def announcement_config(library: Library) -> Announcement:
    config = library.config.announcement
    if config is None:
        raise LibraryError(
            f"{library.label}/config.yaml: announcement: required for the internal partner announcement; "
            "add announcement: {sender: {name, email}, recipients: [{name, email}, ...]}"
        )
    return config


def announcement_context(
    deal: Deal,
    library: Library,
    document: Document,
    signed_on: dt.date,
    round_number: int,
    items: list[AfterSignatureItem],
    due_hours: int,
    first_qbr: dt.date,
) -> dict[str, Any]:
    """The values the announcement template (and the checklist page) may print."""
    config = announcement_config(library)
    model = library.model(deal.model)
    terms = deal.terms
    return {
        "partner": deal.partner.model_dump(),
        "company": deal.company.model_dump(),
        "model": {"id": model.id, "title": model.title},
        "document": {"id": document.id, "title": document.title},
        "tier": deal.partner.tier.capitalize(),
        "signed_on": signed_on,
        "round": round_number,
        "pam": deal.signature.pam if deal.signature else None,
        "icp": deal.target_markets.industries,
        "geographies": deal.target_markets.geographies,
        "certified_individuals": terms.implementation.min_certified_individuals
        if terms.implementation
        else None,
        "deal_registration": terms.deal_registration.model_dump() if terms.deal_registration else None,
        "deal_registration_url": config.deal_registration_url,
        "partner_portal_url": config.partner_portal_url,
        "cpo": config.sender.model_dump(),
        "due": items[0].due if items else due_date(signed_on, due_hours),
        "due_hours": due_hours,
        "first_qbr": first_qbr,
        "first_qbr_days": library.config.first_qbr_days,
        "terms": terms.model_dump(),
        "items": items,
    }


def render_announcement(
    library: Library, context: dict[str, Any], escape: Callable[[str], str] | None
) -> tuple[str, str]:
    """(subject, body) of templates/announcement.md; `escape` makes each printed value Markdown-literal."""
    source = f"{library.label}/templates/announcement.md"
    try:
        text = (library.root / "templates" / "announcement.md").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryError(f"{source}: cannot read ({exc})") from None
    parts = split_front_matter(text)
    try:
        front = parse_yaml(parts[0], source) if parts else None
    except YamlFileError as exc:
        raise LibraryError(str(exc)) from None
    if not parts or not isinstance(front, dict) or not isinstance(front.get("subject"), str):
        raise LibraryError(f"{source}: starts with '---', YAML front matter with `subject:`, then '---'")

    # The same sandbox as clauses: the template is Legal's code; deal values are only ever printed data.
    env = sandbox(context["terms"]["currency"], escape=escape)
    try:
        subject = env.from_string(front["subject"]).render(context)
        body = env.from_string(parts[1]).render(context)
    except UnsetValue:
        raise LibraryError(
            f"{source}: prints a value that this deal does not set; guard it with {{% if ... %}}"
        ) from None
    except jinja2.TemplateError as exc:
        raise LibraryError(f"{source}: {exc}") from None
    return " ".join(subject.split()), body.strip("\n") + "\n"


def _address(mailbox: Mailbox) -> Address:
    return Address(display_name=mailbox.name, addr_spec=mailbox.email)


def announcement_markdown(library: Library, subject: str, body: str) -> str:
    config = announcement_config(library)
    to = ", ".join(str(_address(r)) for r in config.recipients)
    headers = [f"**From:** {markdown.escape(str(_address(config.sender)))}", f"**To:** {markdown.escape(to)}"]
    return f"# {subject}\n\n" + "  \n".join(headers) + "\n\n" + body


def announcement_eml(
    library: Library, subject: str, body: str, signed_on: dt.date, record_sha256: str
) -> bytes:
    """A ready-to-send message; Date and Message-ID come from the signature, so the bytes are reproducible."""
    config = announcement_config(library)
    message = EmailMessage(policy=email.policy.default)
    message["From"] = _address(config.sender)
    message["To"] = tuple(_address(r) for r in config.recipients)
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(dt.datetime.combine(signed_on, dt.time(), tzinfo=dt.UTC))
    domain = config.sender.email.rsplit("@", 1)[1]
    message["Message-ID"] = f"<{record_sha256[:32]}.announcement@{domain}>"
    message["X-Unsent"] = "1"  # mail clients open it as a draft to send
    message.set_content(body)
    return message.as_bytes()


def post_signature_markdown(
    workspace: Workspace,
    deal_id: str,
    deal: Deal,
    library: Library,
    document: Document,
    context: dict[str, Any],
) -> str:
    """The post-signature checklist page: who signed what, and each item with its due date."""
    esc = markdown.escape
    items: list[AfterSignatureItem] = context["items"]
    partner, company = deal.partner, deal.company
    lines = [
        f"# {esc(post_signature_checklist(library).title)}: {esc(partner.name)} ({deal_id})",
        "",
        f"- Agreement: {esc(document.title)}, round {context['round']}, signed on {context['signed_on']}",
        f"- Partner: {esc(partner.name)}, {esc(context['tier'])} tier",
        f"- Model: {esc(context['model']['title'])}",
        f"- Signatories: {esc(partner.signatory.name)} ({esc(partner.signatory.title)}) for "
        f"{esc(partner.name)}; {esc(company.signatory.name)} ({esc(company.signatory.title)}) for "
        f"{esc(company.name)}",
        f"- Due: within {context['due_hours']} hours of signature, by {context['due'].isoformat()}",
        f"- First QBR: {context['first_qbr'].isoformat()} ({context['first_qbr_days']} days after signature)",
        "",
        "| Item | Action | Due | Done |",
        "|---|---|---|---|",
    ]
    for item in items:
        done = f"{esc(item.done.done_by)}, {item.done.date.isoformat()}" if item.done is not None else "open"
        lines.append(f"| {item.id} | {esc(item.text)} | {item.due.isoformat()} | {done} |")
    source = workspace.relative(workspace.deal_file(deal_id))
    lines += [
        "",
        f"Record each item when done in {source} under `signature.post_signature`: "
        "`{item: <id>, done_by: <name>, date: YYYY-MM-DD}`; `assembler status` lists the items still open.",
    ]
    return "\n".join(lines) + "\n"


# --- verify -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    document_id: str
    path: str
    round_number: int | None
    sha256: str | None
    tag: str
    problems: list[str]


def verify(workspace: Workspace, deal_id: str) -> list[Verification]:
    """Every executed document of the deal, checked against its record, its round and its tag."""
    from .repository import Repository

    deal_dir = workspace.deal_dir(deal_id)
    if not deal_dir.is_dir():
        raise DealError(f"agreements/{deal_id}: no such deal")
    repo = Repository(workspace.root)
    documents = {tag.split("/")[1] for tag in repo.tags(f"{deal_id}/") if tag.endswith("/executed")}
    documents |= {
        path.name.removesuffix(".execution.json") for path in (deal_dir / "executed").glob("*.execution.json")
    }
    documents = {d for d in documents if d in DOCUMENT_IDS}
    if not documents:
        raise SignatureError(
            f"agreements/{deal_id}: nothing executed to verify; `assembler sign {deal_id} --signed-on DATE` "
            "records a signature"
        )
    return [_verify_document(workspace, repo, deal_id, document_id) for document_id in sorted(documents)]


def _verify_document(workspace: Workspace, repo: Repository, deal_id: str, document_id: str) -> Verification:
    path = executed_path(deal_id, document_id)
    record_path = executed_path(deal_id, document_id, "execution.json")
    tag = executed_tag(deal_id, document_id)
    problems: list[str] = []
    tagged = repo.tags(tag).get(tag)
    if tagged is None:
        problems.append(f"tag {tag} is missing; the execution is not recorded in git")

    def result(number: int | None = None, sha256: str | None = None) -> Verification:
        return Verification(document_id, path, number, sha256, tag, problems)

    try:
        record_bytes = (workspace.root / record_path).read_bytes()
        record = json.loads(record_bytes)
        number, round_commit, sha256 = int(record["round"]), str(record["commit"]), str(record["sha256"])
    except FileNotFoundError:
        problems.append(f"{record_path} is missing; restore it with `git checkout {tag} -- {record_path}`")
        return result()
    except (OSError, ValueError, TypeError, KeyError) as exc:
        problems.append(f"{record_path}: not a valid execution record ({type(exc).__name__}: {exc})")
        return result()
    if tagged is not None and repo.read_blob(tagged, record_path) != record_bytes:
        problems.append(f"{record_path} differs from the one committed at {tag}; it was altered")

    disk = workspace.root / path
    if not disk.is_file():
        problems.append(f"{path} is missing; restore it with `git checkout {tag} -- {path}`")
    else:
        actual = hashlib.sha256(disk.read_bytes()).hexdigest()
        if actual != sha256:
            problems.append(
                f"{path}: sha256 {actual} does not match the execution record ({sha256}); the executed file "
                f"was altered: restore it with `git checkout {tag} -- {path}`"
            )

    # The record's commit is file content: only a full hex id is ever handed to git.
    if not _SHA1.fullmatch(round_commit):
        problems.append(f"{record_path}: commit {round_commit!r} is not a commit id")
        return result(number, sha256)
    from git.exc import ODBError

    try:
        signed_round = parse_round(round_commit, repo.commit_info(round_commit).message)
    except (ValueError, ODBError):  # no such commit in this repository
        signed_round = None
    if signed_round is None or (signed_round.deal_id, signed_round.document_id, signed_round.number) != (
        deal_id,
        document_id,
        number,
    ):
        problems.append(
            f"{record_path}: commit {round_commit[:12]} is not round {number} of {deal_id}/{document_id}"
        )
        return result(number, sha256)
    if signed_round.docx_sha256 != sha256:
        problems.append(
            f"{record_path}: sha256 {sha256} differs from round {number}'s Docx-SHA256 trailer "
            f"({signed_round.docx_sha256})"
        )
    name = round_tag(deal_id, document_id, number)
    if repo.tags(name).get(name) != round_commit:
        problems.append(f"tag {name} does not point to {round_commit[:12]}, the round the record names")
    if tagged is not None:
        if not repo.is_ancestor(round_commit, tagged):
            problems.append(
                f"tag {tag} ({tagged[:12]}) does not descend from round {number} ({round_commit[:12]})"
            )
        round_docx = repo.read_blob(round_commit, document_path(deal_id, document_id))
        if round_docx is None or repo.read_blob(tagged, path) != round_docx:
            problems.append(f"{path} committed at {tag} is not the docx of round {number}")
    return result(number, sha256)
