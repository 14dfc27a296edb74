"""Undeliverable transfer (A6): mail to a non-existent address of a hosted domain goes to a
chosen mailbox of the enterprise instead of being refused (one setting per domain)."""

from __future__ import annotations

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core.models import AdminPermission, Domain, DomainTransfer, Member
from mailcore.org.addresses import normalize_address, normalize_domain, split_address


async def transfers(scope: AdminScope) -> list[DomainTransfer]:
    scope.require(AdminPermission.POLICIES)
    return (
        await DomainTransfer.filter(domain__enterprise_id=scope.enterprise_id)
        .select_related("domain", "target")
        .order_by("domain__name")
    )


async def set_transfer(scope: AdminScope, domain_name: str, target: str | None) -> None:
    """Send unknown addresses of ``domain_name`` to ``target`` (None: refuse them again)."""
    scope.require(AdminPermission.POLICIES)
    domain = await Domain.filter(name=normalize_domain(domain_name or "")).first()
    if domain is None or domain.enterprise_id != scope.enterprise_id:
        raise AdminError(AdminErrorCode.NOT_FOUND, f"no domain {domain_name} here", "domain")
    if not target:
        await DomainTransfer.filter(domain_id=domain.id).delete()
        await record(scope, "transfer.clear", domain.name)
        return
    member = await Member.filter(
        email=normalize_address(target), enterprise_id=scope.enterprise_id, enabled=True
    ).first()
    if member is None or member.deleted_at is not None:
        raise AdminError(AdminErrorCode.NOT_FOUND, f"no member {target} here", "target")
    await scope.require_member(AdminPermission.POLICIES, member)
    updated = await DomainTransfer.filter(domain_id=domain.id).update(target_id=member.id)
    if not updated:
        await DomainTransfer.create(domain_id=domain.id, target_id=member.id)
    await record(scope, "transfer.set", domain.name, mailbox=member.email)


async def transfer_target(address: str) -> int | None:
    """The member that takes mail for the unknown ``address``, if its domain has one."""
    domain = split_address(normalize_address(address))[1]
    row = await DomainTransfer.filter(
        domain__name=domain, target__enabled=True, target__deleted_at__isnull=True
    ).first()
    return row.target_id if row is not None else None
