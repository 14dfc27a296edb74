"""The outbound approval policy (A3): mail matching an approval rule is held.

The sender's Sent copy is stored; local recipients and the outbound queue get nothing; the
original recipients are recorded with the held message (``HeldMail``, in ``on_commit``) and
the approvers are notified by the policy jobs. Approved mail comes back through the ingest
path with the source ``RELEASE``, which is not held again. The sources that send as a
member (``HELD_SOURCES``: submission, compose with scheduled and mass mail, forwarding)
pass here; our own mail, restores, drafts and imports do not. Approvers' own mail is not
held by the rules they approve for.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from mailcore.archive.capture import body_text
from mailcore.archive.envelope import (
    OWN_COPIES,
    DepartmentTree,
    Envelope,
    mark_held,
    matches_keywords,
    snapshot,
)
from mailcore.core.db import db_text
from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import ApprovalRule, DepartmentMember, HeldMail, RecipientScope
from mailcore.org.addresses import split_address
from mailcore.policy.presence import Presence
from mailcore.store.request import IngestRequest, IngestResult, IngestSource

# The sources a member sends through: only these may be held. Never a release (approved
# already), a restore or our own mail (notices, delivery reports).
HELD_SOURCES = frozenset({IngestSource.SUBMISSION, IngestSource.COMPOSE, IngestSource.RULE})

RULE_FIELDS = (
    "id",
    "name",
    "member_ids",
    "department_ids",
    "recipient_scope",
    "domains",
    "keywords",
    "min_size",
    "with_attachments",
    "approver_ids",
    "timeout_seconds",
    "timeout_action",
)


def _recipient_matches(rule: Any, envelope: Envelope, enterprise_id: int) -> bool:
    if rule.recipient_scope == RecipientScope.ANY:
        return True
    if rule.recipient_scope == RecipientScope.EXTERNAL:
        return bool(envelope.external) or any(
            p.enterprise_id != enterprise_id for p in envelope.recipients
        )
    domains = {d.lower() for d in rule.domains}
    addresses = envelope.external + [p.email for p in envelope.recipients]
    return any(split_address(a.lower())[1] in domains for a in addresses)


async def matching_rule(envelope: Envelope, parsed: ParsedMessage, rules: list[Any]) -> Any | None:
    """The first rule (by id) the message matches, or None."""
    sender = envelope.sender
    assert sender is not None
    departments = set(
        await DepartmentMember.filter(member_id=sender.member_id).values_list(
            "department_id", flat=True
        )
    )
    body = None
    tree: DepartmentTree | None = None
    for rule in rules:
        if sender.member_id in rule.approver_ids:
            continue
        if rule.member_ids or rule.department_ids:
            tree = tree or await DepartmentTree.load(sender.enterprise_id)
            subtree = tree.subtree(list(rule.department_ids))
            if sender.member_id not in rule.member_ids and not departments & subtree:
                continue
        if not _recipient_matches(rule, envelope, sender.enterprise_id):
            continue
        if rule.min_size and parsed.size < rule.min_size:
            continue
        if rule.with_attachments and not parsed.has_attachments:
            continue
        if rule.keywords:
            body = body if body is not None else body_text(parsed)
            if not matches_keywords(list(rule.keywords), parsed, body):
                continue
        return rule
    return None


async def _enterprises_with_rules() -> list[int]:
    return (
        await ApprovalRule.filter(enabled=True).distinct().values_list("enterprise_id", flat=True)
    )


WITH_RULES = Presence(_enterprises_with_rules)  # enterprises with an enabled approval rule


async def apply(request: IngestRequest, parsed: ParsedMessage) -> None:
    if request.source not in HELD_SOURCES or request.sender_member_id is None:
        return
    if not await WITH_RULES.any():
        return
    envelope = await snapshot(request)
    sender = envelope.sender
    if sender is None or (not envelope.recipients and not envelope.external):
        return
    rules = [
        SimpleNamespace(**row)  # plain rows: model instances cost more than the matching
        for row in await ApprovalRule.filter(enterprise_id=sender.enterprise_id, enabled=True)
        .order_by("id")
        .values(*RULE_FIELDS)
    ]
    if not rules:
        return
    rule = await matching_rule(envelope, parsed, rules)
    if rule is None:
        return
    mark_held(request)
    request.deliveries = [
        d for d in request.deliveries if d.role in OWN_COPIES and d.member_id == sender.member_id
    ]
    request.outbound = []

    async def hold(result: IngestResult) -> None:
        await HeldMail.create(
            enterprise_id=sender.enterprise_id,
            rule_id=rule.id,
            rule_name=rule.name,
            sender_id=sender.member_id,
            sha256=result.sha256,
            envelope_from=request.envelope_from,
            local_ids=[p.member_id for p in envelope.recipients],
            local_addresses=[p.email for p in envelope.recipients],
            external=envelope.external,
            subject=db_text(parsed.subject, 5000),
            size=parsed.size,
            approver_ids=list(rule.approver_ids),
            timeout_action=rule.timeout_action,
            expires_at=datetime.now(UTC) + timedelta(seconds=rule.timeout_seconds),
        )
        from mailcore.approval.worker import wake

        wake()

    request.on_commit.append(hold)
