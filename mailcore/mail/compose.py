"""Compose: build outgoing MIME from a member's form (reply, forward, drafts) and submit it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from email.utils import getaddresses

from mailcore.blobs import BlobStore
from mailcore.branding.signature import append_signature
from mailcore.groups.errors import GroupError
from mailcore.groups.personal import personal_addresses
from mailcore.mail.changes import expunge, set_flags
from mailcore.mail.errors import MailError, MailErrorCode
from mailcore.mail.folders import folder_by_role
from mailcore.mail.ingest import Delivery, Ingestor, IngestRequest, IngestResult, IngestSource
from mailcore.mail.mailbox import get_entry, read_attachment, read_message
from mailcore.mail.submit import submit
from mailcore.mime.build import (
    OutgoingAttachment,
    build_message,
    build_references,
    forward_subject,
    reply_subject,
)
from mailcore.mime.types import Address
from mailcore.models import FolderRole, Member

MAX_RECIPIENTS = 1000
MAX_SUBJECT = 1000


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
    personal_group_ids: list[int] = field(default_factory=list)  # their addresses join To
    append_signature: bool = True  # an enforced company signature is appended regardless


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


async def _build(
    blobs: BlobStore, member: Member, form: ComposeInput, *, draft: bool = False
) -> tuple[bytes, list[Address], list[Address], list[Address]]:
    to = parse_recipients(form.to, "to", lenient=draft)
    if form.personal_group_ids:
        to += await _personal_recipients(member.id, form.personal_group_ids, to)
    cc = parse_recipients(form.cc, "cc", lenient=draft)
    bcc = parse_recipients(form.bcc, "bcc", lenient=draft)
    if len(to) + len(cc) + len(bcc) > MAX_RECIPIENTS:
        raise MailError(MailErrorCode.INVALID, f"at most {MAX_RECIPIENTS} recipients", "to")
    subject = (form.subject or "")[:MAX_SUBJECT]
    in_reply_to, references = None, []
    attachments = list(form.attachments)
    if form.reply_to_id:
        parent = await get_entry(member.id, form.reply_to_id)
        in_reply_to = parent.message.message_id
        references = build_references(in_reply_to, parent.message.references.split())
        subject = subject or reply_subject(parent.message.subject)
    if form.forward_id:
        entry, parsed, _ = await read_message(blobs, member.id, form.forward_id)
        references = build_references(parsed.message_id, parsed.references)
        subject = subject or forward_subject(parsed.subject)
        for att in parsed.attachments:
            if not att.inline:
                info, data = await read_attachment(blobs, member.id, entry.id, att.index)
                attachments.append(OutgoingAttachment(info.filename, info.content_type, data))
    raw, _ = build_message(
        from_=Address(name=member.name, address=member.email),
        to=to,
        cc=cc,
        subject=subject,
        text=form.text,
        html=form.html,
        attachments=attachments,
        in_reply_to=in_reply_to,
        references=references,
        domain=member.email.rpartition("@")[2],
    )
    return raw, to, cc, bcc


async def send_mail(
    ingestor: Ingestor,
    blobs: BlobStore,
    member: Member,
    form: ComposeInput,
    *,
    max_size: int,
    origin: int | None = None,
) -> IngestResult:
    text, html = await append_signature(
        member, form.text, form.html, requested=form.append_signature
    )
    form = replace(form, text=text, html=html)
    raw, to, cc, bcc = await _build(blobs, member, form)
    if len(raw) > max_size:
        raise MailError(
            MailErrorCode.MESSAGE_TOO_LARGE,
            f"the message is {len(raw)} bytes; the limit is {max_size}",
            "attachments",
        )
    result = await submit(
        ingestor,
        member,
        raw,
        envelope_from=member.email,
        recipients=[a.address for a in [*to, *cc, *bcc]],
        bcc=[a.address for a in bcc],
        source=IngestSource.COMPOSE,
        origin_session=origin,
    )
    if form.reply_to_id:
        await set_flags(member.id, [form.reply_to_id], origin, answered=True)
    if form.draft_id:
        await _drop_draft(member.id, form.draft_id, origin)
    return result


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
        await _drop_draft(member.id, form.draft_id, origin)
    return result.entries[0].entry_id


async def _drop_draft(member_id: int, draft_id: str, origin: int | None) -> None:
    entry = await get_entry(member_id, draft_id)
    drafts = await folder_by_role(member_id, FolderRole.DRAFTS)
    if entry.folder_id == drafts.id:
        await expunge(member_id, [entry.id], origin)
