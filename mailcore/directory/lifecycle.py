"""A member's life as admins manage it: disable, enable, delete, restore, purge, new password.

Deleting is soft: ``deleted_at`` is set and the member disabled, so they cannot sign in and
mail to their addresses is refused, but an admin can restore them for ``restore_days``
(setting QIYOU_RESTORE_DAYS). ``purge_deleted_members`` removes those whose window passed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope, system_scope
from mailcore.core.events import Bus
from mailcore.core.models import AppPassword, AuthSession, Member
from mailcore.directory import validate
from mailcore.directory.members import MEMBERS, hash_off_loop
from mailcore.org.sessions import revoked_everywhere


def restorable_until(member: Member, restore_days: int) -> datetime | None:
    if member.deleted_at is None:
        return None
    return member.deleted_at + timedelta(days=restore_days)


def _not_self(scope: AdminScope, member: Member, what: str) -> None:
    if scope.actor_member_id == member.id:
        raise AdminError(AdminErrorCode.CONFLICT, f"you cannot {what} your own account", "email")


def _not_deleted(member: Member) -> None:
    if member.deleted_at is not None:
        raise AdminError(
            AdminErrorCode.CONFLICT, f"{member.email} is deleted: restore them first", "email"
        )


async def set_enabled(
    scope: AdminScope, member: Member, enabled: bool, *, bus: Bus | None
) -> Member:
    """Enable or disable; disabling signs the member out everywhere (announced on ``bus``)."""
    await scope.require_member(MEMBERS, member)
    _not_deleted(member)
    if not enabled:
        _not_self(scope, member, "disable")
    if member.enabled == enabled:
        return member
    async with in_transaction():
        await Member.filter(id=member.id).update(enabled=enabled)
        if not enabled:  # for good: enabling them again does not revive their tokens
            await AuthSession.filter(member_id=member.id).update(revoked=True)
        await record(scope, "member.enable" if enabled else "member.disable", member.email)
    if not enabled:
        await revoked_everywhere(bus, member.id)  # their open sockets close on every node
    return await Member.get(id=member.id)


async def delete_member(scope: AdminScope, member: Member, *, bus: Bus | None) -> Member:
    """Soft-delete: disabled, signed out everywhere, restorable for the window."""
    await scope.require_member(MEMBERS, member)
    _not_deleted(member)
    _not_self(scope, member, "delete")
    async with in_transaction():
        await Member.filter(id=member.id).update(enabled=False, deleted_at=datetime.now(UTC))
        await AuthSession.filter(member_id=member.id).update(revoked=True)
        await record(scope, "member.delete", member.email)
    await revoked_everywhere(bus, member.id)
    return await Member.get(id=member.id)


async def restore_member(scope: AdminScope, member: Member, restore_days: int) -> Member:
    await scope.require_member(MEMBERS, member)
    until = restorable_until(member, restore_days)
    if until is None:
        raise AdminError(AdminErrorCode.CONFLICT, f"{member.email} is not deleted", "email")
    if until < datetime.now(UTC):
        raise AdminError(
            AdminErrorCode.NOT_FOUND,
            f"{member.email} was deleted more than {restore_days} days ago and cannot be restored",
            "email",
        )
    async with in_transaction():
        await Member.filter(id=member.id).update(enabled=True, deleted_at=None)
        await record(scope, "member.restore", member.email)
    return await Member.get(id=member.id)


async def reset_password(
    scope: AdminScope, member: Member, password: str, *, must_change: bool = True, bus: Bus | None
) -> Member:
    """Set a new password (signing the member out everywhere, revoking their app passwords)."""
    await scope.require_member(MEMBERS, member)
    _not_deleted(member)
    digest = await hash_off_loop(validate.password(password))
    async with in_transaction():
        await Member.filter(id=member.id).update(
            password_hash=digest, must_change_password=must_change
        )
        await AuthSession.filter(member_id=member.id).update(revoked=True)
        await AppPassword.filter(member_id=member.id).delete()
        await record(scope, "member.reset_password", member.email, must_change=must_change)
    await revoked_everywhere(bus, member.id)
    return await Member.get(id=member.id)


async def purge_deleted_members(restore_days: int, now: datetime | None = None) -> list[str]:
    """Remove members deleted more than ``restore_days`` ago, with their mail. Their addresses."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=restore_days)
    expired = await Member.filter(deleted_at__lt=cutoff).order_by("id")
    purged = []
    for member in expired:
        async with in_transaction():
            await Member.filter(id=member.id, deleted_at__lt=cutoff).delete()
            await record(
                system_scope(member.enterprise_id, "system"),
                "member.purge",
                member.email,
                deleted_at=member.deleted_at.isoformat() if member.deleted_at else None,
            )
        purged.append(member.email)
    return purged
