"""The post-signature kit: the internal partner announcement (Markdown and .eml) and the checklist page."""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
from collections.abc import Callable
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

import jinja2

from assembler.assembly import markdown
from assembler.assembly.sandbox import UnsetValue, sandbox
from assembler.deals.contract import Deal
from assembler.deals.layout import Workspace
from assembler.errors import LibraryError
from assembler.library.checklists import post_signature_checklist
from assembler.library.loader import Library, split_front_matter
from assembler.library.schemas import Announcement, Document, Mailbox
from assembler.signature.after import AfterSignatureItem, due_date
from assembler.yamlfile import YamlFileError, parse_yaml


def announcement_config(library: Library) -> Announcement:
    """The announcement settings of config.yaml; LibraryError when they are missing."""
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
    """The internal partner announcement as Markdown: subject, From and To lines, then the body."""
    config = announcement_config(library)
    to = ", ".join(str(_address(r)) for r in config.recipients)
    headers = [f"**From:** {markdown.escape(str(_address(config.sender)))}", f"**To:** {markdown.escape(to)}"]
    return f"# {subject}\n\n" + "  \n".join(headers) + "\n\n" + body


# Folded at RFC 5322's hard limit, not 78: Python's folder can split a subject into encoded words right after
# a space before a combining mark, and readers then drop that space (RFC 2047 ignores whitespace between
# encoded words), so the partner's name reads back changed. Names are length-bounded: lines stay below 998.
_EML_POLICY = email.policy.default.clone(max_line_length=998)


def announcement_eml(
    library: Library, subject: str, body: str, signed_on: dt.date, record_sha256: str
) -> bytes:
    """A ready-to-send message; Date and Message-ID come from the signature, so the bytes are reproducible."""
    config = announcement_config(library)
    message = EmailMessage(policy=_EML_POLICY)
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
    ]
    lines += markdown.table(
        ["Item", "Action", "Due", "Done"],
        (
            [
                item.id,
                item.text,
                item.due.isoformat(),
                f"{item.done.done_by}, {item.done.date.isoformat()}" if item.done is not None else "open",
            ]
            for item in items
        ),
    )
    source = workspace.relative(workspace.deal_file(deal_id))
    lines += [
        "",
        f"Record each item when done in {source} under `signature.post_signature`: "
        "`{item: <id>, done_by: <name>, date: YYYY-MM-DD}`; `assembler status` lists the items still open.",
    ]
    return "\n".join(lines) + "\n"
