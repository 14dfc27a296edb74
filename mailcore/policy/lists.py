"""Inbound sender black/white lists (A15): enterprise lists (admins) and member lists.

An entry is an external domain (``example.org``, which also covers its subdomains) or an
address. Blocked senders are refused at RCPT (action ``refuse``) or delivered to Spam
(``spam``); allowed senders skip the spam checker and a DMARC ``quarantine``. Precedence for
one recipient: enterprise block > member block > member or enterprise allow. A DMARC
``reject`` still applies to allowed senders (see docs/delivery.md).
"""

from __future__ import annotations

from enum import StrEnum

from tortoise.expressions import Q

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import (
    AdminPermission,
    BlockAction,
    Domain,
    ListKind,
    Member,
    SenderListEntry,
)
from mailcore.delivery.errors import DeliveryError, DeliveryErrorCode
from mailcore.org.addresses import is_valid_address, normalize_address
from mailcore.policy.presence import Presence

MAX_ENTRIES = 2000
_DOMAIN_LABEL = set("abcdefghijklmnopqrstuvwxyz0123456789-")


class Verdict(StrEnum):
    NONE = "none"
    ALLOW = "allow"
    SPAM = "spam"
    REFUSE = "refuse"


def normalize_pattern(text: str) -> str | None:
    """``domain`` or ``local@domain``, lowercase; None if it is neither."""
    value = (text or "").strip().lower().rstrip(".")
    if value.startswith("@"):
        value = value[1:]
    if "@" in value:
        value = normalize_address(value)
        return value if is_valid_address(value) else None
    labels = value.split(".")
    if len(labels) < 2 or len(value) > 253:
        return None
    for label in labels:
        if not label or len(label) > 63 or not set(label) <= _DOMAIN_LABEL or label[0] == "-":
            return None
    return value


def _candidates(address: str) -> list[str]:
    """The patterns that match ``address``: itself, its domain and every parent domain."""
    address = normalize_address((address or "").replace("\x00", ""))  # no DB stores NUL
    if "@" not in address:
        return []
    domain = address.rpartition("@")[2]
    labels = domain.split(".")
    return [address] + [".".join(labels[i:]) for i in range(len(labels) - 1)]


async def _enterprises_with_lists() -> list[int]:
    return await SenderListEntry.all().distinct().values_list("enterprise_id", flat=True)


WITH_LISTS = Presence(_enterprises_with_lists)  # enterprises with any black/white list entry


async def verdicts(senders: list[str], member_ids: list[int]) -> dict[int, Verdict]:
    """The list verdict for each recipient member, given the sender addresses to match
    (envelope sender, and at DATA the From header too)."""
    patterns = sorted({p for s in senders for p in _candidates(s)})
    if not patterns or not member_ids or not await WITH_LISTS.any():
        return {}
    members = dict(await Member.filter(id__in=member_ids).values_list("id", "enterprise_id"))
    entries = await SenderListEntry.filter(
        Q(member_id__isnull=True) | Q(member_id__in=list(members)),
        enterprise_id__in=set(members.values()),
        pattern__in=patterns,
    ).values_list("enterprise_id", "member_id", "kind", "action")
    result: dict[int, Verdict] = {}
    for member_id, enterprise_id in members.items():
        company = [(k, a) for e, m, k, a in entries if e == enterprise_id and m is None]
        own = [(k, a) for e, m, k, a in entries if m == member_id]
        result[member_id] = _decide(company, own)
    return result


def _block(entries: list[tuple[str, str]]) -> Verdict | None:
    actions = [a for k, a in entries if k == ListKind.BLOCK]
    if not actions:
        return None
    return Verdict.REFUSE if BlockAction.REFUSE in actions else Verdict.SPAM


def _decide(company: list[tuple[str, str]], own: list[tuple[str, str]]) -> Verdict:
    blocked = _block(company) or _block(own)
    if blocked is not None:
        return blocked
    if any(k == ListKind.ALLOW for k, _ in [*own, *company]):
        return Verdict.ALLOW
    return Verdict.NONE


async def _check_pattern(enterprise_id: int, pattern: str, field: str = "pattern") -> str | None:
    """The normalized pattern, or None with the reason raised by the caller's error type."""
    value = normalize_pattern(pattern)
    if value is None:
        return None
    domain = value.rpartition("@")[2]
    if await Domain.filter(enterprise_id=enterprise_id, name=domain).exists():
        return ""  # one of the enterprise's own domains: not an external sender
    return value


# --- enterprise lists (administrators, permission ``policies``) -------------------------


async def company_entries(scope: AdminScope, kind: ListKind | None = None) -> list[SenderListEntry]:
    scope.require(AdminPermission.POLICIES)
    query = SenderListEntry.filter(enterprise_id=scope.enterprise_id, member_id__isnull=True)
    if kind is not None:
        query = query.filter(kind=kind)
    return await query.order_by("kind", "pattern", "id")


async def add_company_entry(
    scope: AdminScope, kind: ListKind, pattern: str, action: BlockAction, note: str = ""
) -> SenderListEntry:
    scope.require(AdminPermission.POLICIES)
    value = await _check_pattern(scope.enterprise_id, pattern)
    if not value:
        reason = "an external domain or address" if value is None else "not one of your domains"
        raise AdminError(AdminErrorCode.INVALID, f"the entry must be {reason}", "pattern")
    existing = SenderListEntry.filter(enterprise_id=scope.enterprise_id, member_id__isnull=True)
    if await existing.filter(kind=kind, pattern=value).exists():
        raise AdminError(AdminErrorCode.ALREADY_EXISTS, f"{value} is already listed", "pattern")
    if await existing.count() >= MAX_ENTRIES:
        raise AdminError(AdminErrorCode.INVALID, f"at most {MAX_ENTRIES} entries", "pattern")
    entry = await SenderListEntry.create(
        enterprise_id=scope.enterprise_id, kind=kind, pattern=value, action=action, note=note[:200]
    )
    await record(scope, f"senderlist.{kind.value}.add", value, block=action.value)
    return entry


async def remove_company_entry(scope: AdminScope, entry_id: int) -> None:
    scope.require(AdminPermission.POLICIES)
    entry = await SenderListEntry.filter(
        id=entry_id, enterprise_id=scope.enterprise_id, member_id__isnull=True
    ).first()
    if entry is None:
        raise AdminError(AdminErrorCode.NOT_FOUND, "no such list entry", "id")
    await entry.delete()
    await record(scope, f"senderlist.{entry.kind.value}.remove", entry.pattern)


# --- a member's own lists --------------------------------------------------------------


async def my_entries(member_id: int, kind: ListKind | None = None) -> list[SenderListEntry]:
    query = SenderListEntry.filter(member_id=member_id)
    if kind is not None:
        query = query.filter(kind=kind)
    return await query.order_by("kind", "pattern", "id")


async def add_my_entry(
    member_id: int, kind: ListKind, pattern: str, action: BlockAction = BlockAction.SPAM
) -> SenderListEntry:
    member = await Member.get(id=member_id)
    value = await _check_pattern(member.enterprise_id, pattern)
    if not value:
        reason = "an external domain or address" if value is None else "not your company's domain"
        raise DeliveryError(DeliveryErrorCode.INVALID, f"the entry must be {reason}", "pattern")
    mine = SenderListEntry.filter(member_id=member_id)
    if await mine.filter(kind=kind, pattern=value).exists():
        raise DeliveryError(
            DeliveryErrorCode.ALREADY_EXISTS, f"{value} is already listed", "pattern"
        )
    if await mine.count() >= MAX_ENTRIES:
        raise DeliveryError(DeliveryErrorCode.LIMIT_REACHED, f"at most {MAX_ENTRIES} entries")
    return await SenderListEntry.create(
        enterprise_id=member.enterprise_id,
        member_id=member_id,
        kind=kind,
        pattern=value,
        action=action,
    )


async def remove_my_entry(member_id: int, entry_id: int) -> None:
    deleted = await SenderListEntry.filter(id=entry_id, member_id=member_id).delete()
    if not deleted:
        raise DeliveryError(DeliveryErrorCode.NOT_FOUND, "no such list entry", "id")


async def company_verdict(senders: list[str], enterprise_id: int) -> Verdict:
    """The enterprise list's verdict alone (recipients such as groups, with no member)."""
    patterns = sorted({p for s in senders for p in _candidates(s)})
    if not patterns:
        return Verdict.NONE
    entries = await SenderListEntry.filter(
        enterprise_id=enterprise_id, member_id__isnull=True, pattern__in=patterns
    ).values_list("kind", "action")
    return _decide(list(entries), [])
