"""The approval queue: what approvers see, decisions (in GraphQL, by a one-time link, or by
timeout) and carrying them out through the one ingest path.

A decision is taken once: the held row changes from pending in a conditional update, so two
approvers (or an approver and the timeout) cannot both decide. Carrying it out — releasing
the mail to its original recipients, or a notice with the reason to the sender — happens
right after and is retried by the policy jobs (``finished``) if the process stopped between.
"""

from __future__ import annotations

import hashlib
import html
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailcore.archive.errors import PolicyError, PolicyErrorCode, invalid, not_found
from mailcore.core.config import Settings
from mailcore.core.db import db_text
from mailcore.core.mime.build import build_message
from mailcore.core.mime.types import Address
from mailcore.core.models import (
    ApprovalToken,
    Domain,
    HeldMail,
    HeldStatus,
    Member,
    TimeoutAction,
)
from mailcore.store.ingest import Delivery, IngestRequest, IngestSource
from mailcore.store.services import Services

APPROVAL_CHANGED = "approval_changed"
MAX_REASON = 2000
MAX_LIST = 200
UNFINISHED_AFTER = 300  # seconds: a decision not carried out by then was interrupted


def base_url(settings: Settings) -> str:
    """Where the approval links point (``QIYOU_PUBLIC_URL``, else this server)."""
    return settings.public_url or f"http://{settings.host}:{settings.http_port}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- reading ---------------------------------------------------------------------------------


async def approval_queue(member: Member, include_decided: bool = False) -> list[HeldMail]:
    """Held mail this member may approve (pending first, newest first)."""
    query = HeldMail.filter(enterprise_id=member.enterprise_id)
    if not include_decided:
        query = query.filter(status=HeldStatus.PENDING)
    rows = await query.order_by("-id").limit(5000).select_related("sender")
    return [h for h in rows if member.id in h.approver_ids][:MAX_LIST]


async def my_held(member_id: int) -> list[HeldMail]:
    """The sender's own held mail with its status."""
    return list(
        await HeldMail.filter(sender_id=member_id)
        .order_by("-id")
        .limit(MAX_LIST)
        .select_related("sender")
    )


async def held_for_approver(member: Member, held_id: int) -> HeldMail:
    held = await HeldMail.filter(id=held_id, enterprise_id=member.enterprise_id).first()
    if held is None or member.id not in held.approver_ids:
        raise not_found("no such held mail")
    return held


# --- deciding --------------------------------------------------------------------------------


async def decide(
    services: Services, held: HeldMail, approve: bool, actor: str, reason: str = ""
) -> HeldMail:
    """Take the decision (once) and carry it out."""
    if len(reason) > MAX_REASON:
        raise invalid(f"the reason has at most {MAX_REASON} characters", "reason")
    status = HeldStatus.APPROVED if approve else HeldStatus.REJECTED
    changed = await HeldMail.filter(id=held.id, status=HeldStatus.PENDING).update(
        status=status,
        decided_by=db_text(actor, 320),
        decided_at=datetime.now(UTC),
        reason=db_text(reason.strip(), MAX_REASON),
    )
    if not changed:
        raise PolicyError(PolicyErrorCode.CONFLICT, "this mail was already decided", "id")
    held = await HeldMail.get(id=held.id)
    await carry_out(services, held)
    return held


async def decide_as_approver(
    services: Services, member: Member, held_id: int, approve: bool, reason: str = ""
) -> HeldMail:
    held = await held_for_approver(member, held_id)
    return await decide(services, held, approve, member.email, reason)


@dataclass
class LinkTarget:
    token: ApprovalToken
    held: HeldMail
    approver: Member | None


async def link_target(token: str) -> LinkTarget:
    """What a one-time link points at (NOT_FOUND for an unknown or used link)."""
    row = await ApprovalToken.filter(token_hash=token_hash(token)).select_related("held").first()
    if row is None or row.used_at is not None:
        raise not_found("this link is not valid (or was used already)", "token")
    approver = await Member.filter(id=row.approver_id).first()
    return LinkTarget(token=row, held=row.held, approver=approver)


async def decide_by_link(services: Services, token: str, reason: str = "") -> HeldMail:
    target = await link_target(token)
    used = await ApprovalToken.filter(id=target.token.id, used_at=None).update(
        used_at=datetime.now(UTC)
    )
    if not used or target.approver is None or not target.approver.enabled:
        raise not_found("this link is not valid (or was used already)", "token")
    approve = target.token.action == "approve"
    return await decide(services, target.held, approve, target.approver.email, reason)


async def carry_out(services: Services, held: HeldMail) -> None:
    """Deliver approved mail to its original recipients, or tell the sender it was rejected."""
    if held.finished or held.status == HeldStatus.PENDING:
        return
    if held.status == HeldStatus.APPROVED:
        enabled = set(
            await Member.filter(id__in=held.local_ids, enabled=True).values_list("id", flat=True)
        )
        await services.ingestor.ingest(
            IngestRequest(
                raw=await services.blobs.get(held.sha256),
                source=IngestSource.RELEASE,
                envelope_from=held.envelope_from,
                deliveries=[Delivery(member_id=m) for m in held.local_ids if m in enabled],
                outbound=list(held.external),
                sender_member_id=held.sender_id,
            )
        )
    else:
        await _notice_to_sender(services, held)
    await HeldMail.filter(id=held.id).update(finished=True)
    held.finished = True
    for member_id in {held.sender_id, *held.approver_ids}:
        await services.bus.publish(member_id, APPROVAL_CHANGED, id=str(held.id), status=held.status)


async def _postmaster(enterprise_id: int) -> Address:
    domain = (
        await Domain.filter(enterprise_id=enterprise_id, is_primary=True, is_alias=False).first()
        or await Domain.filter(enterprise_id=enterprise_id, is_alias=False).first()
    )
    name = domain.name if domain else "localhost"
    return Address(name="Qiyou", address=f"postmaster@{name}")


async def _system_mail(
    services: Services, held: HeldMail, to: Member, subject: str, text: str, body_html: str
) -> None:
    sender = await _postmaster(held.enterprise_id)
    raw, _ = build_message(
        from_=sender,
        to=[Address(name=to.name, address=to.email)],
        cc=[],
        subject=subject,
        text=text,
        html=body_html,
        extra_headers={"Auto-Submitted": "auto-generated", "X-Qiyou-Approval": str(held.id)},
        domain=sender.address.partition("@")[2],
    )
    await services.ingestor.ingest(
        IngestRequest(
            raw=raw,
            source=IngestSource.SYSTEM,
            envelope_from=sender.address,
            deliveries=[Delivery(member_id=to.id, enforce_quota=False)],
        )
    )


async def _notice_to_sender(services: Services, held: HeldMail) -> None:
    sender = await Member.filter(id=held.sender_id).first()
    if sender is None:
        return
    why = held.reason or ("no decision in time" if held.decided_by == "timeout" else "")
    subject = f"Not sent: {held.subject}"
    text = (
        f'Your message "{held.subject}" was not sent: it was rejected by '
        f"{held.decided_by}.\nReason: {why or '(none given)'}\n"
    )
    body = (
        f"<p>Your message <b>{html.escape(held.subject)}</b> was not sent: it was rejected by "
        f"{html.escape(held.decided_by)}.</p><p>Reason: {html.escape(why or '(none given)')}</p>"
    )
    await _system_mail(services, held, sender, subject, text, body)


# --- notifying approvers and timeouts (the policy jobs) -----------------------------------------


async def notify_approvers(services: Services, held: HeldMail) -> None:
    """One mail per approver with one-time approve and reject links; a live event too.

    Claimed first (a conditional update), so two server processes never both notify; a
    process stopping in between leaves the mail in the approvers' queue without the mail."""
    if not await HeldMail.filter(id=held.id, notified=False).update(notified=True):
        return
    sender = await Member.filter(id=held.sender_id).first()
    approvers = await Member.filter(id__in=held.approver_ids, enabled=True)
    recipients = ", ".join([*held.local_addresses, *held.external])
    for approver in approvers:
        links = {}
        for action in ("approve", "reject"):
            token = secrets.token_urlsafe(32)
            await ApprovalToken.create(
                held_id=held.id,
                approver_id=approver.id,
                action=action,
                token_hash=token_hash(token),
            )
            links[action] = f"{base_url(services.settings)}/approval/{token}"
        who = sender.email if sender else held.envelope_from
        subject = f"Approval needed: {held.subject}"
        text = (
            f'{who} sent "{held.subject}" to {recipients}; rule: {held.rule_name}.\n'
            f"Approve: {links['approve']}\nReject: {links['reject']}\n"
            f"Without a decision by {held.expires_at.isoformat()} it is "
            f"{'sent' if held.timeout_action == TimeoutAction.APPROVE else 'rejected'}.\n"
        )
        body = (
            f"<p>{html.escape(who)} sent <b>{html.escape(held.subject)}</b> to "
            f"{html.escape(recipients)} (rule: {html.escape(held.rule_name)}).</p>"
            f'<p><a href="{links["approve"]}">Approve</a> · '
            f'<a href="{links["reject"]}">Reject</a></p>'
        )
        await _system_mail(services, held, approver, subject, text, body)
        await services.bus.publish(approver.id, APPROVAL_CHANGED, id=str(held.id), status="pending")


async def run_due(services: Services, now: datetime | None = None) -> int:
    """Notify new held mail, decide timed-out mail, finish interrupted decisions; return how
    many items were handled."""
    now = now or datetime.now(UTC)
    handled = 0
    for held in await HeldMail.filter(notified=False, status=HeldStatus.PENDING).limit(100):
        await notify_approvers(services, held)
        handled += 1
    for held in await HeldMail.filter(status=HeldStatus.PENDING, expires_at__lte=now).limit(100):
        try:
            await decide(
                services, held, held.timeout_action == TimeoutAction.APPROVE, "timeout", ""
            )
            handled += 1
        except PolicyError:
            pass  # decided meanwhile
    stale = now - timedelta(seconds=UNFINISHED_AFTER)  # not one being carried out right now
    for held in await HeldMail.filter(
        finished=False, status__not=HeldStatus.PENDING, decided_at__lt=stale
    ).limit(100):
        await carry_out(services, held)
        handled += 1
    return handled


async def next_expiry() -> datetime | None:
    held = await HeldMail.filter(status=HeldStatus.PENDING).order_by("expires_at").first()
    return held.expires_at if held else None
