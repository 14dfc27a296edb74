"""Compose: build outgoing MIME from a member's form (reply, forward, drafts) and submit it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from email.errors import HeaderParseError
from email.utils import getaddresses
from enum import StrEnum

from mailcore.branding.signature import append_signature
from mailcore.confidential import sending as confidential_sending
from mailcore.core.blobs import BlobStore
from mailcore.core.mime.build import (
    OutgoingAttachment,
    build_message,
    build_references,
    forward_subject,
    reply_subject,
)
from mailcore.core.mime.types import Address
from mailcore.core.models import FolderRole, MassMailJob, Member
from mailcore.groups.errors import GroupError
from mailcore.groups.personal import personal_addresses
from mailcore.groups.posting import Sender, refused_groups
from mailcore.mail.mailbox import get_entry, read_attachment, read_message
from mailcore.mail.routing import route
from mailcore.mail.submit import submit
from mailcore.org.addresses import normalize_address
from mailcore.policy import massmail
from mailcore.policy.restrict import is_restricted
from mailcore.store.errors import MailError, MailErrorCode
from mailcore.store.folders import folder_by_role
from mailcore.store.ingest import Delivery, Ingestor, IngestRequest, IngestResult, IngestSource

MAX_RECIPIENTS = 1000
MAX_SUBJECT = 1000
UNDISCLOSED = b"To: undisclosed-recipients:;\r\n"
RECEIPT_HEADER = "Disposition-Notification-To"  # RFC 8098 2.1 (mailcore/receipts)


class SendMode(StrEnum):
    NORMAL = "normal"  # one message, every recipient in the headers (hidden ones as Bcc)
    SEPARATE = "separate"  # one copy per recipient, To: only them (smart mass mail, U12)


@dataclass
class ComposeInput:
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    subject: str | None = None
    text: str | None = None
    html: str | None = None
    attachments: list[OutgoingAttachment] = field(default_factory=list)
    reply_to_id: str | None = None
    forward_id: str | None = None
    draft_id: str | None = None
    # indexes of ``draft_id``'s attachments copied into the new version (uploaded once)
    keep_attachments: list[int] = field(default_factory=list)
    forward_attachments: list[int] | None = None  # the forwarded ones that go along (None: all)
    personal_group_ids: list[int] = field(default_factory=list)  # their addresses join To
    append_signature: bool = True  # an enforced company signature is appended regardless
    mode: SendMode = SendMode.NORMAL
    hidden: list[str] = field(default_factory=list)  # To/Cc recipients sent as if Bcc (A14)
    hide_all: bool = False  # every recipient hidden from the others (A14)
    confidential: bool = False  # U17: recipients verify with a one-time code to read it
    request_read_receipt: bool = False  # Disposition-Notification-To: the sender (RFC 8098)
    # From: one of the member's addresses (own, alias, proved send-as); None: their own
    from_address: str | None = None


@dataclass
class SendOutcome:
    result: IngestResult
    job: MassMailJob | None = None  # separate copies: the job making them


def parse_recipients(values: list[str], field_name: str, *, lenient: bool = False) -> list[Address]:
    """Accept ``a@b.c``, ``Name <a@b.c>`` and comma-separated lists.

    ``lenient`` (drafts) keeps half-typed entries such as ``bob@`` as they are.
    """
    addresses = []
    for value in values:
        if not value or not value.strip():
            continue
        pairs = getaddresses([value])
        if any("@" not in addr for _, addr in pairs):
            if not lenient:
                raise MailError(
                    MailErrorCode.INVALID_RECIPIENT, f"not a valid address: {value!r}", field_name
                )
            pairs = [("", value.strip())]
        addresses += [Address(name=name, address=addr.strip()) for name, addr in pairs]
    return addresses


async def _personal_recipients(
    member_id: int, group_ids: list[int], already: list[Address]
) -> list[Address]:
    """The addresses of the member's personal groups not already among ``already``."""
    try:
        addresses = await personal_addresses(member_id, group_ids)
    except GroupError as exc:
        raise MailError(MailErrorCode.INVALID_RECIPIENT, exc.message, exc.field) from exc
    present = {a.address.strip().lower() for a in already}
    return [Address(name="", address=a) for a in addresses if a not in present]


@dataclass
class _Draft:
    """A parsed form: recipients, and what every copy of the message shares."""

    to: list[Address]
    cc: list[Address]
    bcc: list[Address]
    subject: str
    in_reply_to: str | None
    references: list[str]
    attachments: list[OutgoingAttachment]


async def _prepare(
    blobs: BlobStore, member: Member, form: ComposeInput, *, draft: bool = False
) -> _Draft:
    to = parse_recipients(form.to, "to", lenient=draft)
    if form.personal_group_ids:
        to += await _personal_recipients(member.id, form.personal_group_ids, to)
    cc = parse_recipients(form.cc, "cc", lenient=draft)
    bcc = parse_recipients(form.bcc, "bcc", lenient=draft)
    if len(to) + len(cc) + len(bcc) > MAX_RECIPIENTS:
        raise MailError(MailErrorCode.INVALID, f"at most {MAX_RECIPIENTS} recipients", "to")
    subject = (form.subject or "")[:MAX_SUBJECT]
    in_reply_to, references = None, []
    attachments = await _kept_attachments(blobs, member.id, form)
    if form.reply_to_id:
        parent = await get_entry(member.id, form.reply_to_id)
        in_reply_to = parent.message.message_id
        references = build_references(in_reply_to, parent.message.references.split())
        subject = subject or reply_subject(parent.message.subject)
    if form.forward_id:
        entry, parsed, _ = await read_message(blobs, member.id, form.forward_id)
        references = build_references(parsed.message_id, parsed.references)
        subject = subject or forward_subject(parsed.subject)
        wanted = form.forward_attachments
        if wanted is None:
            wanted = [att.index for att in parsed.attachments if not att.inline]
        for index in dict.fromkeys(wanted):  # each once, however often named
            attachments.append(
                await _copy_attachment(blobs, member.id, entry.id, index, "forwardAttachments")
            )
    attachments += form.attachments
    return _Draft(to, cc, bcc, subject, in_reply_to, references, attachments)


async def _copy_attachment(
    blobs: BlobStore, member_id: int, entry_id: int, index: int, field_name: str
) -> OutgoingAttachment:
    try:
        info, data = await read_attachment(blobs, member_id, entry_id, index)
    except MailError as exc:
        raise MailError(exc.code, f"no attachment {index} to carry over", field_name) from exc
    return OutgoingAttachment(info.filename, info.content_type, data)


async def _kept_attachments(
    blobs: BlobStore, member_id: int, form: ComposeInput
) -> list[OutgoingAttachment]:
    """The attachments ``keep_attachments`` names, copied from the draft being replaced.

    The draft must be one of the member's own, still in Drafts: the bytes never leave the
    server and are uploaded once however often the draft is saved (then sent).
    """
    if not form.keep_attachments:
        return []
    if not form.draft_id:
        raise MailError(
            MailErrorCode.INVALID, "attachments can only be kept from a draft", "keepAttachments"
        )
    try:
        entry = await get_entry(member_id, form.draft_id)
    except MailError as exc:
        raise MailError(exc.code, "no such draft", "draftId") from exc
    drafts = await folder_by_role(member_id, FolderRole.DRAFTS)
    if entry.folder_id != drafts.id:
        raise MailError(MailErrorCode.NOT_FOUND, "no such draft", "draftId")
    return [
        await _copy_attachment(blobs, member_id, entry.id, index, "keepAttachments")
        for index in dict.fromkeys(form.keep_attachments)  # each once, however often named
    ]


def _headers(member: Member, form: ComposeInput) -> dict[str, str] | None:
    """Headers the form adds: a read receipt request (RFC 8098 2.1, ``mailcore/receipts``)."""
    return {RECEIPT_HEADER: member.email} if form.request_read_receipt else None


def _sender(member: Member, form: ComposeInput) -> str:
    """The From address: the one chosen (``submit`` checks the member may send as it)."""
    return (form.from_address or "").strip() or member.email


def _render(member: Member, form: ComposeInput, d: _Draft, to: list[Address], cc: list[Address]):
    raw, _ = build_message(
        from_=Address(name=member.name, address=_sender(member, form)),
        to=to,
        cc=cc,
        subject=d.subject,
        text=form.text,
        html=form.html,
        attachments=d.attachments,
        in_reply_to=d.in_reply_to,
        references=d.references,
        extra_headers=_headers(member, form),
        domain=member.email.rpartition("@")[2],
    )
    return raw


async def _build(
    blobs: BlobStore, member: Member, form: ComposeInput, *, draft: bool = False
) -> tuple[bytes, list[Address], list[Address], list[Address]]:
    d = await _prepare(blobs, member, form, draft=draft)
    try:
        raw = _render(member, form, d, d.to, d.cc)
    except HeaderParseError as exc:  # a half-typed draft address no header can hold, e.g. ")"
        raise MailError(
            MailErrorCode.INVALID_RECIPIENT, f"not an address that can be saved: {exc}", "to"
        ) from exc
    return raw, d.to, d.cc, d.bcc


def _hide(form: ComposeInput, d: _Draft) -> tuple[list[Address], list[Address], list[Address]]:
    """To, Cc and Bcc once hidden recipients are moved to Bcc (A14)."""
    if form.hide_all:
        return [], [], [*d.to, *d.cc, *d.bcc]
    hidden = {normalize_address(a.address) for a in parse_recipients(form.hidden, "hidden")}
    listed = {normalize_address(a.address) for a in [*d.to, *d.cc, *d.bcc]}
    unknown = hidden - listed
    if unknown:
        raise MailError(
            MailErrorCode.INVALID, f"{sorted(unknown)[0]} is not among the recipients", "hidden"
        )
    moved = [a for a in [*d.to, *d.cc] if normalize_address(a.address) in hidden]
    keep = [a for a in [*d.to, *d.cc] if a not in moved]
    return (
        [a for a in d.to if a in keep],
        [a for a in d.cc if a in keep],
        [*d.bcc, *moved],
    )


async def check_external(member: Member, fields: dict[str, list[Address]]) -> None:
    """A7: a restricted member's external recipient is refused, naming the field."""
    for name, addresses in fields.items():
        if not addresses:
            continue
        routes = await route([a.address for a in addresses])
        if routes.external and await is_restricted(member.id):
            raise MailError(
                MailErrorCode.EXTERNAL_NOT_ALLOWED,
                f"{member.email} may not send outside the company (to {routes.external[0]})",
                name,
            )


async def send_mail(
    ingestor: Ingestor,
    blobs: BlobStore,
    member: Member,
    form: ComposeInput,
    *,
    max_size: int,
    origin: int | None = None,
    sync_limit: int = 20,
) -> SendOutcome:
    """Send the form; separate-copies sends above ``sync_limit`` recipients return at once
    with their job, the copies being made in the background."""
    from mailcore.store.request import PolicyRefusal

    await confidential_sending.before_send(blobs, member, form)  # U17 (mailcore/confidential)
    text, html = await append_signature(
        member, form.text, form.html, requested=form.append_signature
    )
    form = replace(form, text=text, html=html)
    d = await _prepare(blobs, member, form)
    await check_external(member, {"to": d.to, "cc": d.cc, "bcc": d.bcc})
    if form.mode is SendMode.SEPARATE and _sender(member, form) != member.email:
        raise MailError(
            MailErrorCode.INVALID, "separate copies are sent from your own address", "from"
        )
    if form.mode is SendMode.SEPARATE:
        outcome = await _send_separately(
            ingestor, blobs, member, form, d, max_size, origin, sync_limit
        )
        assert outcome.job is not None
        if outcome.job.total <= sync_limit:
            await massmail.run(ingestor, blobs, outcome.job.id)
        else:
            massmail.wake(outcome.job.id, ingestor, blobs)
    else:
        to, cc, bcc = _hide(form, d)
        raw = _render(member, form, d, to, cc)
        if not to and not cc:
            raw = UNDISCLOSED + raw
        if len(raw) > max_size:
            raise MailError(
                MailErrorCode.MESSAGE_TOO_LARGE,
                f"the message is {len(raw)} bytes; the limit is {max_size}",
                "attachments",
            )
        try:
            result = await submit(
                ingestor,
                member,
                raw,
                envelope_from=_sender(member, form),
                recipients=[a.address for a in [*to, *cc, *bcc]],
                bcc=[a.address for a in bcc],
                source=IngestSource.COMPOSE,
                origin_session=origin,
            )
        except PolicyRefusal as refusal:
            code = (
                MailErrorCode.EXTERNAL_NOT_ALLOWED
                if refusal.code == MailErrorCode.EXTERNAL_NOT_ALLOWED.value
                else MailErrorCode.NOT_ALLOWED
            )
            raise MailError(code, refusal.message, "to") from refusal
        outcome = SendOutcome(result)
    if form.reply_to_id:
        await ingestor.changes.set_flags(member.id, [form.reply_to_id], origin, answered=True)
    if form.draft_id:
        await _drop_draft(ingestor, member.id, form.draft_id, origin)
    return outcome


async def _send_separately(
    ingestor: Ingestor,
    blobs: BlobStore,
    member: Member,
    form: ComposeInput,
    d: _Draft,
    max_size: int,
    origin: int | None,
    sync_limit: int,
) -> SendOutcome:
    everyone = list(dict.fromkeys(a.address for a in [*d.to, *d.cc, *d.bcc]))
    routes = await route(everyone)
    if routes.invalid or routes.unknown:
        bad = (routes.invalid or routes.unknown)[0]
        raise MailError(MailErrorCode.INVALID_RECIPIENT, f"no such mailbox: {bad}", "to")
    if not everyone:
        raise MailError(MailErrorCode.NO_RECIPIENTS, "at least one recipient is needed", "to")
    refused = await refused_groups(routes.groups, Sender(member.email, member.id))
    if refused:
        raise MailError(
            MailErrorCode.NOT_ALLOWED, f"<{refused[0]}>: you may not send to this group", "to"
        )
    sent_raw = _render(member, form, d, d.to, d.cc)
    if len(sent_raw) > max_size:
        raise MailError(
            MailErrorCode.MESSAGE_TOO_LARGE,
            f"the message is {len(sent_raw)} bytes; the limit is {max_size}",
            "attachments",
        )
    if not member.has_room_for(len(sent_raw)):
        raise MailError(
            MailErrorCode.QUOTA_EXCEEDED, "your mailbox is full: delete some mail before sending"
        )
    copy_form = massmail.CopyForm(
        subject=d.subject,
        text=form.text,
        html=form.html,
        in_reply_to=d.in_reply_to,
        references=d.references,
        attachments=await massmail.store_attachments(blobs, d.attachments),
        headers=_headers(member, form) or {},
    )
    job, result = await massmail.start(
        ingestor,
        member,
        sent_raw,
        copy_form,
        everyone,
        origin=origin,
        inline=len(everyone) <= sync_limit,
    )
    return SendOutcome(result, job)


async def save_draft(
    ingestor: Ingestor,
    blobs: BlobStore,
    member: Member,
    form: ComposeInput,
    *,
    max_size: int,
    origin: int | None = None,
) -> int:
    """Store the form as a draft (replacing ``draft_id``); returns the new entry id."""
    raw, _, _, bcc = await _build(blobs, member, form, draft=True)
    if len(raw) > max_size:
        raise MailError(MailErrorCode.MESSAGE_TOO_LARGE, "the draft is too large", "attachments")
    result = await ingestor.ingest(
        IngestRequest(
            raw=raw,
            source=IngestSource.DRAFT,
            envelope_from=member.email,
            deliveries=[
                Delivery(
                    member_id=member.id,
                    role=FolderRole.DRAFTS,
                    seen=True,
                    draft=True,
                    bcc=[a.address for a in bcc],
                )
            ],
            sender_member_id=member.id,
            origin_session=origin,
        )
    )
    if not result.entries:
        raise MailError(MailErrorCode.QUOTA_EXCEEDED, "your mailbox is full", None)
    if form.draft_id:
        await _drop_draft(ingestor, member.id, form.draft_id, origin)
    return result.entries[0].entry_id


async def _drop_draft(
    ingestor: Ingestor, member_id: int, draft_id: str, origin: int | None
) -> None:
    entry = await get_entry(member_id, draft_id)
    drafts = await folder_by_role(member_id, FolderRole.DRAFTS)
    if entry.folder_id == drafts.id:
        await ingestor.changes.expunge(member_id, [entry.id], origin)
