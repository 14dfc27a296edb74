"""Administrators' security settings (permission ``security``): IP limits, secure login,
app passwords for mail clients, forced password changes, locked accounts."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.security import admin, iprules, throttle
from mailcore.security.iprules import Target
from schema.admin.types import AdminErrorType, Done
from schema.permissions import IsAdmin, IsAuthenticated
from schema.security.types import (
    AdminDoneResult,
    IpRuleResult,
    IpRuleType,
    LockedAccount,
    SecureLoginResult,
    SecureLoginSetting,
    Unlocked,
    UnlockResult,
)

ADMIN = [IsAuthenticated, IsAdmin]


def admin_query_error(exc: AdminError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})


@strawberry.type
class SecurityAdminQuery:
    @strawberry.field(permission_classes=ADMIN, description="IP allow-lists within your scope.")
    async def ip_rules(self, info: Info) -> list[IpRuleType]:
        try:
            rules = await iprules.list_rules(await info.context.require_admin())
        except AdminError as exc:
            raise admin_query_error(exc) from exc
        return [IpRuleType(rule=r) for r in rules]

    @strawberry.field(permission_classes=ADMIN, description="Accounts locked by failed logins.")
    async def locked_accounts(self, info: Info) -> list[LockedAccount]:
        try:
            locks = await throttle.locked_accounts(await info.context.require_admin())
        except AdminError as exc:
            raise admin_query_error(exc) from exc
        return [LockedAccount(lock=lock) for lock in locks]

    @strawberry.field(permission_classes=ADMIN, description="Secure login for the whole company.")
    async def enterprise_secure_login(self, info: Info) -> bool:
        try:
            return await admin.enterprise_secure_login(await info.context.require_admin())
        except AdminError as exc:
            raise admin_query_error(exc) from exc

    @strawberry.field(
        permission_classes=ADMIN,
        description="Mail clients of every member must sign in with app passwords.",
    )
    async def enterprise_app_passwords_required(self, info: Info) -> bool:
        try:
            return await admin.enterprise_app_passwords_required(await info.context.require_admin())
        except AdminError as exc:
            raise admin_query_error(exc) from exc


@strawberry.type
class SecurityAdminMutation:
    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Allow a network for the enterprise (no department/email), "
        "a department (departmentId) or a member (email).",
    )
    async def add_ip_rule(
        self,
        info: Info,
        cidr: str,
        department_id: strawberry.ID | None = None,
        email: str | None = None,
    ) -> IpRuleResult:
        scope = await info.context.require_admin()
        target = Target(department_id=department_id, email=email)
        try:
            return IpRuleType(rule=await iprules.add_rule(scope, cidr, target))
        except AdminError as exc:
            return AdminErrorType.of(exc)

    @strawberry.mutation(permission_classes=ADMIN)
    async def remove_ip_rule(self, info: Info, id: strawberry.ID) -> AdminDoneResult:
        try:
            await iprules.remove_rule(await info.context.require_admin(), id)
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return Done()

    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Require the WeChat/TOTP second factor for everyone, or one member (email).",
    )
    async def set_secure_login(
        self, info: Info, enabled: bool, email: str | None = None
    ) -> SecureLoginResult:
        try:
            await admin.set_secure_login(await info.context.require_admin(), enabled, email)
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return SecureLoginSetting(enabled=enabled, email=email)

    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Mail clients (IMAP, POP3, SMTP) of every member sign in with app "
        "passwords only, even without secure login.",
    )
    async def set_app_passwords_required(self, info: Info, required: bool) -> AdminDoneResult:
        try:
            await admin.set_app_passwords_required(await info.context.require_admin(), required)
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return Done()

    @strawberry.mutation(
        permission_classes=ADMIN, description="The member must set a new password at next login."
    )
    async def require_password_change(
        self, info: Info, email: str, required: bool = True
    ) -> AdminDoneResult:
        try:
            await admin.require_password_change(await info.context.require_admin(), email, required)
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return Done()

    @strawberry.mutation(permission_classes=ADMIN)
    async def unlock_account(self, info: Info, email: str) -> UnlockResult:
        try:
            member, cleared = await throttle.unlock(await info.context.require_admin(), email)
        except AdminError as exc:
            return AdminErrorType.of(exc)
        return Unlocked(email=member.email, cleared=cleared)
