"""Recall (U3, A4): take back a sent message from internal recipients' mailboxes.

External copies still waiting in the outbound queue (deferred by the remote server, or not
yet tried) are not sent at all; once handed on they cannot be taken back.

A sender recalls within the enterprise's window: unread copies go, read copies stay unless the
enterprise allows recalling them. Administrators recall read and unread copies of any mail in
their scope. Every copy is removed through ``Changes.expunge`` (``mailcore/store/changes.py``;
quota given back, a ``mailboxChanged`` event with change "recalled" so open clients drop it
live); each recall and its per-recipient result is stored (``Recall``) and can be read later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailcore.admin import oplog
from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.scope import AdminScope
from mailcore.core.models import (
    AdminPermission,
    DepartmentMember,
    Folder,
    FolderRole,
    MailboxEntry,
    MailPolicy,
    MassMailJob,
    MassMailRecipient,
    Member,
    Message,
    OutboundMessage,
    OutboundStatus,
    Recall,
    RecallStatus,
)
from mailcore.mail.mailbox import get_entry
from mailcore.mail.routing import route
from mailcore.org.addresses import normalize_address
from mailcore.store.changes import Changes
from mailcore.store.errors import MailError, MailErrorCode

MAX_WINDOW_MINUTES = 30 * 24 * 60


@dataclass
class PolicySettings:
    recall_window_minutes: int
    recall_read: bool


async def get_policy(enterprise_id: int) -> PolicySettings:
    row = await MailPolicy.filter(enterprise_id=enterprise_id).first()
    if row is None:
        return PolicySettings(recall_window_minutes=24 * 60, recall_read=False)
    return PolicySettings(row.recall_window_minutes, row.recall_read)


async def set_policy(
    scope: AdminScope, *, recall_window_minutes: int | None, recall_read: bool | None
) -> PolicySettings:
    """Enterprise-wide: needs the policies permission (and is logged)."""
    scope.require(AdminPermission.POLICIES)
    if recall_window_minutes is not None and not 0 <= recall_window_minutes <= MAX_WINDOW_MINUTES:
        raise AdminError(
            AdminErrorCode.INVALID,
            f"the window is 0 to {MAX_WINDOW_MINUTES} minutes",
            "recallWindowMinutes",
        )
    row = await MailPolicy.filter(enterprise_id=scope.enterprise_id).first()
    if row is None:
        row = MailPolicy(enterprise_id=scope.enterprise_id)
    if recall_window_minutes is not None:
        row.recall_window_minutes = recall_window_minutes
    if recall_read is not None:
        row.recall_read = recall_read
    await row.save()
    await oplog.record(
        scope,
        "policy.recall.update",
        "",
        recall_window_minutes=row.recall_window_minutes,
        recall_read=row.recall_read,
    )
    return PolicySettings(row.recall_window_minutes, row.recall_read)


async def _copy_pks(entry: MailboxEntry) -> list[int]:
    """The message itself, and for a separate-copies send, every recipient's own copy."""
    pks = [entry.message_id]
    job = await MassMailJob.filter(sent_entry_id=entry.id, member_id=entry.member_id).first()
    if job is not None:
        pks += [
            pk
            for pk in await MassMailRecipient.filter(job_id=job.id).values_list(
                "message_pk", flat=True
            )
            if pk
        ]
    return pks


async def _stop_external(pks: list[int]) -> dict[str, RecallStatus]:
    """External copies still waiting in the outbound queue are not sent (RECALLED); those
    being handed on or already out cannot be taken back (EXTERNAL_NOT_RECALLABLE)."""
    rows = await OutboundMessage.filter(message_id__in=pks).values_list("id", "recipient")
    if not rows:
        return {}
    # One conditional update: a copy the delivery worker claims at the same moment is
    # SENDING, not QUEUED, and stays as it is.
    await OutboundMessage.filter(
        id__in=[pk for pk, _ in rows], status=OutboundStatus.QUEUED
    ).update(status=OutboundStatus.RECALLED, last_error="recalled by the sender")
    stopped = set(
        await OutboundMessage.filter(
            id__in=[pk for pk, _ in rows], status=OutboundStatus.RECALLED
        ).values_list("id", flat=True)
    )
    statuses: dict[str, RecallStatus] = {}
    for pk, recipient in rows:
        address = normalize_address(recipient)
        status = RecallStatus.RECALLED if pk in stopped else RecallStatus.EXTERNAL_NOT_RECALLABLE
        if statuses.get(address) is not RecallStatus.EXTERNAL_NOT_RECALLABLE:
            statuses[address] = status
    return statuses


def _result(address: str, status: RecallStatus) -> dict[str, str]:
    return {"address": address, "status": status.value}


async def recall_sent(
    changes: Changes, member: Member, entry_id: int | str, origin: int | None = None
) -> Recall:
    """The sender recalls one of their sent messages (by its Sent entry id)."""
    entry = await get_entry(member.id, entry_id)
    folder = await Folder.get(id=entry.folder_id)
    if folder.role is not FolderRole.SENT:
        raise MailError(MailErrorCode.INVALID, "only sent messages can be recalled", "id")
    policy = await get_policy(member.enterprise_id)
    if datetime.now(UTC) - entry.received_at > timedelta(minutes=policy.recall_window_minutes):
        raise MailError(
            MailErrorCode.RECALL_WINDOW_PASSED,
            f"messages can be recalled within {policy.recall_window_minutes} minutes of sending",
            "id",
        )
    message = await Message.get(id=entry.message_id)
    pks = await _copy_pks(entry)
    copies = await MailboxEntry.filter(message_id__in=pks).exclude(member_id=member.id)
    holders = {m.id: m for m in await Member.filter(id__in={c.member_id for c in copies})}
    by_member: dict[int, list[MailboxEntry]] = {}
    for copy in copies:
        by_member.setdefault(copy.member_id, []).append(copy)
    results: list[dict[str, str]] = []
    done: set[str] = set()
    for member_id, entries in by_member.items():
        holder = holders[member_id]
        if holder.enterprise_id != member.enterprise_id:
            status = RecallStatus.EXTERNAL_NOT_RECALLABLE
        elif any(e.seen for e in entries) and not policy.recall_read:
            status = RecallStatus.ALREADY_READ
        else:
            await changes.expunge(member_id, [e.id for e in entries], None, "recalled")
            status = RecallStatus.RECALLED
        results.append(_result(holder.email, status))
        done.add(holder.email)
    for address, status in (await _stop_external(pks)).items():
        if address not in done:
            results.append(_result(address, status))
            done.add(address)
    listed = [a for _, a in [*message.to_json, *message.cc_json]] + list(entry.bcc_json)
    if len(pks) > 1:  # separate copies: the job knows every recipient
        job = await MassMailJob.get(sent_entry_id=entry.id, member_id=member.id)
        listed += await MassMailRecipient.filter(job_id=job.id).values_list("address", flat=True)
    routes = await route([a for a in listed if a])
    local_emails = dict(
        await Member.filter(id__in=set(routes.local.values())).values_list("id", "email")
    )
    for address, member_id in routes.local.items():
        email = local_emails.get(member_id, address)
        if email not in done and member_id != member.id:
            results.append(_result(email, RecallStatus.NOT_FOUND))
            done.add(email)
    for address in routes.external:
        if address not in done:
            results.append(_result(address, RecallStatus.EXTERNAL_NOT_RECALLABLE))
            done.add(address)
    return await Recall.create(
        enterprise_id=member.enterprise_id,
        requested_by_id=member.id,
        message_pk=message.id,
        sent_entry_id=entry.id,
        message_id=message.message_id or "",
        subject=message.subject[:1000],
        results=results,
    )


async def latest_recall(member_id: int, entry_id: int) -> Recall | None:
    return (await latest_recalls(member_id, [entry_id])).get(entry_id)


async def latest_recalls(member_id: int, entry_ids: list[int]) -> dict[int, Recall]:
    """The member's latest recall of each of these Sent entries, in one query (entry id →
    recall; entries never recalled are left out)."""
    if not entry_ids:
        return {}
    rows = Recall.filter(
        sent_entry_id__in=set(entry_ids), requested_by_id=member_id, by_admin=False
    )
    return {r.sent_entry_id: r for r in await rows.order_by("id")}  # the latest id wins


async def admin_recall(changes: Changes, scope: AdminScope, message_id: str) -> Recall:
    """Remove every copy (read or not) of the message with this Message-ID held by members in
    the admin's scope; the sender's Sent copy stays. Logged."""
    scope.require(AdminPermission.POLICIES)
    mid = (message_id or "").strip().strip("<>")
    if not mid:
        raise AdminError(AdminErrorCode.INVALID, "give the Message-ID", "messageId")
    messages = await Message.filter(message_id=mid)
    if not messages:
        raise AdminError(AdminErrorCode.NOT_FOUND, "no such message", "messageId")
    pks = [m.id for m in messages]
    copies = await MailboxEntry.filter(
        message_id__in=pks, member__enterprise_id=scope.enterprise_id
    ).exclude(folder__role=FolderRole.SENT)
    if not copies:
        raise AdminError(AdminErrorCode.NOT_FOUND, "no copy of that message here", "messageId")
    member_ids = {c.member_id for c in copies}
    emails = dict(await Member.filter(id__in=member_ids).values_list("id", "email"))
    in_scope = set(member_ids)
    if not scope.is_super:
        rows = await DepartmentMember.filter(member_id__in=member_ids).values_list(
            "member_id", "department_id"
        )
        in_scope = {m for m, d in rows if d in scope.department_ids}
        in_scope -= await scope.outranked(in_scope)  # administrators of higher rank
        if not in_scope:
            raise AdminError(
                AdminErrorCode.FORBIDDEN, "that message's recipients are outside your scope"
            )
    by_member: dict[int, list[int]] = {}
    for copy in copies:
        by_member.setdefault(copy.member_id, []).append(copy.id)
    results = []
    for member_id, ids in sorted(by_member.items()):
        if member_id in in_scope:
            await changes.expunge(member_id, ids, None, "recalled")
            results.append(_result(emails[member_id], RecallStatus.RECALLED))
        else:
            results.append(_result(emails[member_id], RecallStatus.OUT_OF_SCOPE))
    recall = await Recall.create(
        enterprise_id=scope.enterprise_id,
        requested_by_id=scope.actor_member_id,
        by_admin=True,
        message_pk=pks[0],
        message_id=mid[:998],
        subject=messages[0].subject[:1000],
        results=results,
    )
    recalled = sum(r["status"] == RecallStatus.RECALLED.value for r in results)
    await oplog.record(scope, "mail.recall", mid[:320], recall_id=recall.id, recalled=recalled)
    return recall


async def admin_recalls(scope: AdminScope, limit: int = 50) -> list[Recall]:
    scope.require(AdminPermission.POLICIES)
    return (
        await Recall.filter(enterprise_id=scope.enterprise_id, by_admin=True)
        .order_by("-id")
        .limit(max(1, min(limit, 200)))
    )
