"""The backup policy (A2): mail matching a backup rule gets an extra copy for the rule's
backup account, recorded (``BackupCopy``) with whose mail it was.

A rule selects members and departments (with sub-departments), a direction (mail they
receive, send, or both) and optional keywords (subject or body). The copy goes to the
backup account's Inbox or Archive folder, is not refused for the backup account's quota
(a full backup mailbox must not lose copies) but counts in its usage. ``COPIED`` lists the
sources copied. Held mail (outbound approval) is copied when it is released; mail Qiyou
writes as itself (approval notices) and an auditor's restore are never copied.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from mailcore.archive.capture import body_text, our_own
from mailcore.archive.envelope import (
    DepartmentTree,
    is_held,
    matches_keywords,
    snapshot,
)
from mailcore.core.mime.types import ParsedMessage
from mailcore.core.models import (
    BackupCopy,
    BackupDirection,
    BackupRule,
    DepartmentMember,
    FolderRole,
)
from mailcore.policy.presence import Presence
from mailcore.store.request import Delivery, IngestRequest, IngestResult, IngestSource

S = IngestSource
# What a backup rule copies, by source: mail members receive or send (a release is copied
# now, having been held when submitted). Not copied: drafts, a member's own mail stored from
# elsewhere (import, IMAP APPEND, migration) and an auditor's restore.
COPIED = frozenset(
    {S.SMTP_INBOUND, S.DSN, S.FETCH, S.SUBMISSION, S.COMPOSE, S.RULE, S.RELEASE, S.SYSTEM}
)

RULE_FIELDS = (
    "id",
    "enterprise_id",
    "member_ids",
    "department_ids",
    "direction",
    "keywords",
    "target_id",
    "folder",
)


async def _departments_of(member_ids: set[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for member_id, department_id in await DepartmentMember.filter(
        member_id__in=member_ids
    ).values_list("member_id", "department_id"):
        found.setdefault(member_id, set()).add(department_id)
    return found


async def _enterprises_with_rules() -> list[int]:
    return await BackupRule.filter(enabled=True).distinct().values_list("enterprise_id", flat=True)


WITH_RULES = Presence(_enterprises_with_rules)  # enterprises with an enabled backup rule


async def apply(request: IngestRequest, parsed: ParsedMessage) -> None:
    if request.source not in COPIED or our_own(request):
        return
    if not await WITH_RULES.any():
        return
    if is_held(request):
        return
    envelope = await snapshot(request)
    if not envelope.recipients and not envelope.external:
        return
    rules = [
        SimpleNamespace(**row)  # plain rows: model instances cost more than the matching
        for row in await BackupRule.filter(enterprise_id__in=envelope.enterprises, enabled=True)
        .order_by("id")
        .values(*RULE_FIELDS)
    ]
    if not rules:
        return
    candidates = {p.member_id for p in envelope.recipients}
    if envelope.sender is not None:
        candidates.add(envelope.sender.member_id)
    departments = await _departments_of(candidates)
    receiving = {d.member_id for d in request.deliveries if d.role is FolderRole.INBOX}
    body = body_text(parsed)
    copies: dict[tuple[int, FolderRole], tuple[int, list[str], str]] = {}
    trees: dict[int, DepartmentTree] = {}
    for rule in rules:
        subtree: set[int] = set()
        if rule.department_ids:
            if rule.enterprise_id not in trees:
                trees[rule.enterprise_id] = await DepartmentTree.load(rule.enterprise_id)
            subtree = trees[rule.enterprise_id].subtree(list(rule.department_ids))

        def chosen(member_id: int, rule: Any = rule, subtree: set[int] = subtree) -> bool:
            return member_id in rule.member_ids or bool(departments.get(member_id, set()) & subtree)

        owners: list[str] = []
        directions = set()
        if rule.direction in (BackupDirection.IN, BackupDirection.BOTH):
            for party in envelope.recipients:
                if party.enterprise_id == rule.enterprise_id and chosen(party.member_id):
                    owners.append(party.email)
                    directions.add("in")
        sender = envelope.sender
        if (
            rule.direction in (BackupDirection.OUT, BackupDirection.BOTH)
            and sender is not None
            and sender.enterprise_id == rule.enterprise_id
            and chosen(sender.member_id)
        ):
            owners.append(sender.email)
            directions.add("out")
        if not owners or not matches_keywords(list(rule.keywords), parsed, body):
            continue
        role = FolderRole.ARCHIVE if rule.folder == "archive" else FolderRole.INBOX
        if rule.target_id in receiving and role is FolderRole.INBOX:
            continue  # the backup account receives this mail anyway
        if (rule.target_id, role) in copies:
            continue
        direction = "both" if len(directions) > 1 else directions.pop()
        copies[(rule.target_id, role)] = (rule.id, owners, direction)
    if not copies:
        return
    request.deliveries.extend(
        Delivery(member_id=target, role=role, enforce_quota=False) for target, role in copies
    )

    async def record(result: IngestResult) -> None:
        rows = [
            BackupCopy(
                entry_id=stored.entry_id,
                rule_id=copies[(stored.member_id, stored.role)][0],
                target_id=stored.member_id,
                owners=copies[(stored.member_id, stored.role)][1],
                direction=copies[(stored.member_id, stored.role)][2],
            )
            for stored in result.entries
            if (stored.member_id, stored.role) in copies
        ]
        if rows:
            await BackupCopy.bulk_create(rows)

    request.on_commit.append(record)
